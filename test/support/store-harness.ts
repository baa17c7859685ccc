import { type NativeAttributeValue, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { type DocumentSender, IncidentStore } from '#adapters/incident-store';
import type { ApplySignalDeps } from '../../lambdas/ingest/apply-signal';
import type { DynamoServer } from './dynamo-server';

export const FIXED_NOW = new Date('2026-03-14T09:06:00.000Z');

/** Records what ingestion asked of the lifecycle state machine (the SFN adapter's own tests cover SFN). */
export class RecordingWorkflow {
  readonly started: string[] = [];
  readonly signalled: string[] = [];
  /** Tokens sent back because the incident's priority was raised. */
  readonly raised: string[] = [];
  async start(incidentId: string) {
    const already = this.started.includes(incidentId);
    this.started.push(incidentId);
    return already ? 'already-running' : 'started';
  }
  async signalResolved(token: string) {
    this.signalled.push(token);
    return 'signalled';
  }
  async signalPriorityRaised(token: string) {
    this.raised.push(token);
    return 'signalled';
  }
}

/** Dependencies of applySignal over the given client: a fresh allocator, as a new Lambda container has. */
export function depsFor(
  sender: DocumentSender,
  tableName: string,
  now: Date = FIXED_NOW,
  workflow: RecordingWorkflow = new RecordingWorkflow(),
): ApplySignalDeps {
  const store = new IncidentStore(sender, tableName);
  return { store, ids: new IncidentIdAllocator(store), workflow, clock: () => now };
}

/** Every incident META item in the table (a test-only scan, every page: the product never scans). */
export async function allIncidents(server: DynamoServer, tableName: string) {
  const items: Array<Record<string, NativeAttributeValue>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await server.doc.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'SK = :meta AND begins_with(PK, :inc)',
        ExpressionAttributeValues: { ':meta': 'META', ':inc': 'INC#' },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function openIncidentsIndex(server: DynamoServer, tableName: string) {
  const result = await server.doc.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'open-by-priority',
      KeyConditionExpression: 'gsi1pk = :open',
      ExpressionAttributeValues: { ':open': 'OPEN' },
    }),
  );
  return result.Items ?? [];
}

export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash between writes');
    this.name = 'SimulatedCrash';
  }
}

const WRITE_COMMANDS = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand']);

/**
 * Forwards to the real client but lets only `writesAllowed` writes through; the next write throws before
 * it is sent, as if the process died there. Reads always pass.
 */
export function crashingSender(
  doc: DocumentSender,
  writesAllowed: number,
): DocumentSender & { writes: number } {
  const state = { writes: 0 };
  const send = (command: { constructor: { name: string } }) => {
    if (WRITE_COMMANDS.has(command.constructor.name)) {
      if (state.writes >= writesAllowed) return Promise.reject(new SimulatedCrash());
      state.writes += 1;
    }
    return (doc.send as (c: unknown) => Promise<unknown>)(command);
  };
  return Object.assign(state, { send }) as unknown as DocumentSender & { writes: number };
}

/** Counts the requests a client sends, by command name. */
export function countingSender(doc: DocumentSender): DocumentSender & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const send = (command: { constructor: { name: string } }) => {
    const name = command.constructor.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return (doc.send as (c: unknown) => Promise<unknown>)(command);
  };
  return { counts, send } as unknown as DocumentSender & { counts: Map<string, number> };
}
