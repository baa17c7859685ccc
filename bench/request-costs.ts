/**
 * Request costs: DynamoDB requests per kind of event, counted at the document client while the real
 * `applySignal` runs against a DynamoDB-protocol server (dynalite in its own process). Each kind is measured
 * on fresh alarms many times and averaged; what the protocol in the tree does is reported, then compared
 * with issue 9's targets.
 *
 *   npm run bench:costs
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { type DocumentSender, IncidentStore, isConditionFailure } from '#adapters/incident-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Signal } from '#core/model';
import { parseRunbookConfig } from '#core/runbooks';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { AlertHints } from '../lambdas/incidents/alert-hints';
import {
  type ApplySignalDeps,
  applySignal,
  type LifecycleStarter,
  type RunbookJoinHook,
  type SignalOutcome,
} from '../lambdas/ingest/apply-signal';
import { RunbookLauncher } from '../lambdas/runbooks/launch';
import type { RunbookStarter } from '../lambdas/runbooks/ports';
import { alarmStateChangeEvent, EC2_CPU } from '../local/cloudwatch-events';
import { benchDynamoClient, createBenchTable, startDynamoProcess } from './dynamo-client';

const SAMPLES = 50;
const TABLE = 'incidents-costs';
const READS = new Set(['GetCommand', 'QueryCommand', 'ScanCommand', 'BatchGetCommand', 'TransactGetCommand']);
const WRITES = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'BatchWriteCommand',
  'TransactWriteCommand',
]);

/** What the measured calls sent, and what they asked of the id allocator and the lifecycle. */
class Tally {
  readonly commands = new Map<string, number>();
  reads = 0;
  writes = 0;
  other = 0;
  /** Conditional writes the server refused (still a request, still billed). */
  refused = 0;
  /** `reserveSequence`: an UpdateCommand on a `COUNTER#` key. */
  counterWrites = 0;
  /** `IncidentIdAllocator.next` calls: an incident id handed out, from the counter or from a spare. */
  idsDrawn = 0;
  idsReleased = 0;
  lifecycleStarts = 0;
  lifecycleSignals = 0;
  /** Runbook-run executions started (Step Functions StartExecution). */
  runbookStarts = 0;

  get requests(): number {
    return this.reads + this.writes + this.other;
  }
}

let tally = new Tally();

type Command = { constructor: { name: string }; input?: unknown };

function isCounterWrite(command: Command): boolean {
  if (command.constructor.name !== 'UpdateCommand') return false;
  const input = command.input as { Key?: Record<string, unknown> } | undefined;
  const pk = input?.Key?.PK;
  return typeof pk === 'string' && pk.startsWith('COUNTER#');
}

/** Forwards every command to the real client and counts it in the current tally, by name and kind. */
function countingSender(doc: DocumentSender): DocumentSender {
  const forward = doc.send.bind(doc) as (command: Command) => Promise<unknown>;
  const send = async (command: Command) => {
    const name = command.constructor.name;
    tally.commands.set(name, (tally.commands.get(name) ?? 0) + 1);
    if (READS.has(name)) tally.reads += 1;
    else if (WRITES.has(name)) tally.writes += 1;
    else tally.other += 1;
    if (isCounterWrite(command)) tally.counterWrites += 1;
    try {
      return await forward(command);
    } catch (error) {
      if (isConditionFailure(error)) tally.refused += 1;
      throw error;
    }
  };
  return { send } as unknown as DocumentSender;
}

/** The allocator the ingest Lambda uses, counting the ids it hands out and gets back. */
class CountingIdAllocator extends IncidentIdAllocator {
  override async next(now: Date): Promise<string> {
    tally.idsDrawn += 1;
    return super.next(now);
  }

  override release(id: string): void {
    tally.idsReleased += 1;
    super.release(id);
  }
}

/** Stands in for Step Functions (the SFN adapter has its own tests): counts what ingestion asks of it. */
const countingWorkflow: LifecycleStarter = {
  async start() {
    tally.lifecycleStarts += 1;
    return 'started';
  },
  async signalResolved() {
    tally.lifecycleSignals += 1;
    return 'signalled';
  },
  async signalPriorityRaised() {
    tally.lifecycleSignals += 1;
    return 'signalled';
  },
};

/** Stands in for Step Functions' runbook-run machine: counts the executions the launcher starts. */
const countingRunbookStarter: RunbookStarter = {
  async start() {
    tally.runbookStarts += 1;
    return 'started';
  },
};

/** One remediation every measured alarm matches (EC2 CPU), in approval mode, as the README's example. */
const BENCH_RUNBOOKS = parseRunbookConfig({
  bindings: {
    'restart-web': {
      match: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
      document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
      kind: 'remediation',
    },
  },
});

/** The ingest handler's join hook with runbooks deployed: the real launcher, its writes counted. */
function runbookJoins(doc: DocumentSender, bound: boolean): RunbookJoinHook {
  return {
    launcher: new RunbookLauncher({
      runs: new RunbookRuns(doc, TABLE),
      starter: countingRunbookStarter,
      config: bound ? BENCH_RUNBOOKS : parseRunbookConfig({}),
      automationRoleArn: 'arn:aws:iam::111122223333:role/firebreak-automation',
      clock: () => new Date(),
    }),
    onError: (error) => {
      throw error;
    },
  };
}

/**
 * applySignal's dependencies, as the ingest handler builds them. When `#core/grouping` lands and
 * ApplySignalDeps takes a `grouping` field, this is the one place to pass it:
 * `grouping: DEFAULT_GROUPING_CONFIG` (imported from '#core/grouping').
 */
/** As the ingest handler builds them: the default grouping, and what its container has seen (`hints`). */
function ingestDeps(
  store: IncidentStore,
  ids: IncidentIdAllocator,
  workflow: LifecycleStarter,
  hints: AlertHints,
) {
  return {
    store,
    ids,
    workflow,
    clock: () => new Date(),
    grouping: DEFAULT_GROUPING_CONFIG,
    hints,
  } satisfies ApplySignalDeps;
}

/** A real CloudWatch ALARM/OK event, normalized as ingestion does: the signal applySignal receives. */
function alarmSignal(input: {
  id: string;
  alarm: string;
  service: string;
  state: 'ALARM' | 'OK';
  at: number;
}): Signal {
  const event = alarmStateChangeEvent({
    id: input.id,
    alarmName: input.alarm,
    state: input.state,
    previous: input.state === 'ALARM' ? 'OK' : 'ALARM',
    at: new Date(input.at).toISOString(),
    tags: { 'firebreak:service': input.service },
    metric: { ...EC2_CPU, dimensions: { InstanceId: `i-${input.alarm}` } },
  });
  const normalized = normalizeEventBridgeEvent(event);
  if (normalized.kind !== 'signals' || !normalized.signals[0]) {
    throw new Error(`the event for ${input.alarm} did not normalize to a signal`);
  }
  return normalized.signals[0];
}

/** One measured call: the signal, and the incident already open for its alarm or service, if any. */
interface Sample {
  signal: Signal;
  incidentBefore?: string;
}

interface Scenario {
  name: string;
  target?: { text: string; met: (cost: Cost) => boolean };
  /** With runbooks deployed: a joining alert launches its runbooks (the changes diagnosis, and `bound`). */
  runbooks?: { bound: boolean };
  /** Applies what must be true before the measured signal (not counted) and returns the measured signal. */
  prepare: (setup: (signal: Signal) => Promise<SignalOutcome>, n: number) => Promise<Sample>;
}

/** Averages per event over the samples of one scenario and one container state. */
interface Cost {
  requests: number;
  reads: number;
  writes: number;
  refused: number;
  counterWrites: number;
  idsDrawn: number;
  lifecycleStarts: number;
  lifecycleSignals: number;
  runbookStarts: number;
  commands: string;
  /** min–max of requests per event, when it varies. */
  spread: string;
  outcomes: string;
}

const START = Date.now() - 3_600_000;
const at = (n: number, step: number) => START + n * 1_000 + step * 10;
const idOf = (outcome: SignalOutcome) => ('incidentId' in outcome ? outcome.incidentId : undefined);

async function opened(setup: (signal: Signal) => Promise<SignalOutcome>, signal: Signal): Promise<string> {
  const outcome = await setup(signal);
  const id = idOf(outcome);
  if (!id) throw new Error(`setup trigger for ${signal.dedupKey} ended ${outcome.outcome}`);
  return id;
}

/** Every scenario uses its own alarms and services, fresh for each sample. */
const SCENARIOS: Scenario[] = [
  {
    name: '(a) repeated trigger of a firing alert',
    target: {
      text: '≤ 1 write, no id taken',
      met: (c) => c.writes <= 1 && c.idsDrawn === 0 && c.counterWrites === 0,
    },
    async prepare(setup, n) {
      const alarm = { alarm: `repeat-${n}`, service: `repeat-svc-${n}` };
      const incidentBefore = await opened(
        setup,
        alarmSignal({ ...alarm, id: `repeat-${n}-0`, state: 'ALARM', at: at(n, 0) }),
      );
      return {
        signal: alarmSignal({ ...alarm, id: `repeat-${n}-1`, state: 'ALARM', at: at(n, 1) }),
        incidentBefore,
      };
    },
  },
  {
    name: "(b) new alert, its service's incident open",
    target: { text: '≤ 3 requests', met: (c) => c.requests <= 3 },
    async prepare(setup, n) {
      const service = `join-svc-${n}`;
      const incidentBefore = await opened(
        setup,
        alarmSignal({ alarm: `join-${n}-first`, service, id: `join-${n}-0`, state: 'ALARM', at: at(n, 0) }),
      );
      return {
        signal: alarmSignal({
          alarm: `join-${n}-second`,
          service,
          id: `join-${n}-1`,
          state: 'ALARM',
          at: at(n, 1),
        }),
        incidentBefore,
      };
    },
  },
  {
    name: '(b′) as (b), runbooks deployed, none bound to it',
    runbooks: { bound: false },
    async prepare(setup, n) {
      const service = `joinrb0-svc-${n}`;
      const incidentBefore = await opened(
        setup,
        alarmSignal({
          alarm: `joinrb0-${n}-first`,
          service,
          id: `joinrb0-${n}-0`,
          state: 'ALARM',
          at: at(n, 0),
        }),
      );
      return {
        signal: alarmSignal({
          alarm: `joinrb0-${n}-second`,
          service,
          id: `joinrb0-${n}-1`,
          state: 'ALARM',
          at: at(n, 1),
        }),
        incidentBefore,
      };
    },
  },
  {
    name: '(b″) as (b), runbooks deployed, one remediation bound to it',
    runbooks: { bound: true },
    async prepare(setup, n) {
      const service = `joinrb1-svc-${n}`;
      const incidentBefore = await opened(
        setup,
        alarmSignal({
          alarm: `joinrb1-${n}-first`,
          service,
          id: `joinrb1-${n}-0`,
          state: 'ALARM',
          at: at(n, 0),
        }),
      );
      return {
        signal: alarmSignal({
          alarm: `joinrb1-${n}-second`,
          service,
          id: `joinrb1-${n}-1`,
          state: 'ALARM',
          at: at(n, 1),
        }),
        incidentBefore,
      };
    },
  },
  {
    name: '(c) new incident (first alert of a service)',
    target: { text: '≤ 4 requests', met: (c) => c.requests <= 4 },
    async prepare(_setup, n) {
      return {
        signal: alarmSignal({
          alarm: `new-${n}`,
          service: `new-svc-${n}`,
          id: `new-${n}-0`,
          state: 'ALARM',
          at: at(n, 0),
        }),
      };
    },
  },
  {
    name: '(d) recovery of an alert',
    async prepare(setup, n) {
      const alarm = { alarm: `recover-${n}`, service: `recover-svc-${n}` };
      const incidentBefore = await opened(
        setup,
        alarmSignal({ ...alarm, id: `recover-${n}-0`, state: 'ALARM', at: at(n, 0) }),
      );
      return {
        signal: alarmSignal({ ...alarm, id: `recover-${n}-1`, state: 'OK', at: at(n, 1) }),
        incidentBefore,
      };
    },
  },
  {
    name: '(e) redelivery of the trigger that opened',
    async prepare(setup, n) {
      const signal = alarmSignal({
        alarm: `again-${n}`,
        service: `again-svc-${n}`,
        id: `again-${n}-0`,
        state: 'ALARM',
        at: at(n, 0),
      });
      return { signal, incidentBefore: await opened(setup, signal) };
    },
  },
  {
    name: '(e′) redelivery of a repeated trigger',
    async prepare(setup, n) {
      const alarm = { alarm: `again2-${n}`, service: `again2-svc-${n}` };
      const incidentBefore = await opened(
        setup,
        alarmSignal({ ...alarm, id: `again2-${n}-0`, state: 'ALARM', at: at(n, 0) }),
      );
      const repeat = alarmSignal({ ...alarm, id: `again2-${n}-1`, state: 'ALARM', at: at(n, 1) });
      await setup(repeat);
      return { signal: repeat, incidentBefore };
    },
  },
];

/** `opened ×50 (another incident)`: what happened, and to which incident, against the one open before. */
function describeOutcomes(results: Array<{ outcome: SignalOutcome; incidentBefore?: string }>): string {
  const counts = new Map<string, number>();
  for (const { outcome, incidentBefore } of results) {
    const id = idOf(outcome);
    const where =
      incidentBefore === undefined || id === undefined
        ? ''
        : id === incidentBefore
          ? ' (same incident)'
          : ' (another incident)';
    const key = `${outcome.outcome}${where}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key} ×${count}`).join(', ');
}

const average = (tallies: Tally[], read: (t: Tally) => number) =>
  tallies.reduce((sum, t) => sum + read(t), 0) / tallies.length;

function summarize(tallies: Tally[], outcomes: string): Cost {
  const commands = new Map<string, number>();
  for (const t of tallies) {
    for (const [name, count] of t.commands) commands.set(name, (commands.get(name) ?? 0) + count);
  }
  const requests = tallies.map((t) => t.requests);
  const [low, high] = [Math.min(...requests), Math.max(...requests)];
  return {
    requests: average(tallies, (t) => t.requests),
    reads: average(tallies, (t) => t.reads),
    writes: average(tallies, (t) => t.writes),
    refused: average(tallies, (t) => t.refused),
    counterWrites: average(tallies, (t) => t.counterWrites),
    idsDrawn: average(tallies, (t) => t.idsDrawn),
    lifecycleStarts: average(tallies, (t) => t.lifecycleStarts),
    runbookStarts: average(tallies, (t) => t.runbookStarts),
    lifecycleSignals: average(tallies, (t) => t.lifecycleSignals),
    commands: [...commands]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name.replace('Command', '')} ${fmt(count / tallies.length)}`)
      .join(', '),
    spread: low === high ? '' : ` (${low}–${high})`,
    outcomes,
  };
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

async function main() {
  const dynamo = await startDynamoProcess();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = benchDynamoClient(dynamo.endpoint);
  try {
    await createBenchTable(client, TABLE);
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const countedDoc = countingSender(doc);
    const counted = new IncidentStore(countedDoc, TABLE);
    // Setup runs through its own store and allocator, uncounted, as another Lambda container would.
    const setupStore = new IncidentStore(doc, TABLE);
    const setupIds = new IncidentIdAllocator(setupStore);

    const rows: Array<{ scenario: Scenario; warm: Cost; fresh: Cost }> = [];
    let offset = 0;
    for (const scenario of SCENARIOS) {
      const measure = async (container: 'warm' | 'fresh') => {
        // Warm: one allocator and what the container learnt (AlertHints) for the whole run, as one Lambda
        // container handles a storm: it saw the earlier events itself, and is primed by one unmeasured
        // event of the same kind. Fresh: a new allocator and nothing learnt per event, as a new container.
        const warmIds = new CountingIdAllocator(counted);
        const warmHints = new AlertHints();
        const setupDeps = ingestDeps(
          setupStore,
          setupIds,
          countingWorkflow,
          container === 'warm' ? warmHints : new AlertHints(),
        );
        const setup = (signal: Signal) => applySignal(setupDeps, signal);
        const samples: Sample[] = [];
        for (let i = 0; i <= SAMPLES; i++) samples.push(await scenario.prepare(setup, offset++));
        const tallies: Tally[] = [];
        const results: Array<{ outcome: SignalOutcome; incidentBefore?: string }> = [];
        for (const [i, sample] of samples.entries()) {
          const ids = container === 'warm' ? warmIds : new CountingIdAllocator(counted);
          tally = new Tally();
          const hints = container === 'warm' ? warmHints : new AlertHints();
          const deps = ingestDeps(counted, ids, countingWorkflow, hints);
          const measured = scenario.runbooks
            ? { ...deps, runbooks: runbookJoins(countedDoc, scenario.runbooks.bound) }
            : deps;
          const outcome = await applySignal(measured, sample.signal);
          if (container === 'warm' && i === 0) continue;
          tallies.push(tally);
          results.push({
            outcome,
            ...(sample.incidentBefore ? { incidentBefore: sample.incidentBefore } : {}),
          });
        }
        return summarize(tallies, describeOutcomes(results));
      };
      rows.push({ scenario, warm: await measure('warm'), fresh: await measure('fresh') });
    }

    console.log(
      `\nDynamoDB requests per event, counted at the client; ${SAMPLES} fresh alarms per kind, averaged.` +
        '\nWarm container (one id allocator and AlertHints for the run, which saw the earlier events); fresh' +
        '\ncontainer (new ones per event); targets are checked against the warm container, as in a storm.\n',
    );
    console.log('| kind | requests | writes | reads | ids taken | outcome observed | target | met? |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const { scenario, warm } of rows) {
      const met = scenario.target ? (scenario.target.met(warm) ? 'yes' : '**no**') : '—';
      console.log(
        `| ${scenario.name} | ${fmt(warm.requests)}${warm.spread} | ${fmt(warm.writes)} | ${fmt(warm.reads)} | ` +
          `${fmt(warm.idsDrawn)} | ${warm.outcomes} | ${scenario.target?.text ?? '—'} | ${met} |`,
      );
    }
    console.log(
      '\n| kind | commands (warm) | refused conditional writes | id counter writes: warm / fresh | requests in a fresh container | lifecycle starts / resolution signals | runbook-run starts |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const { scenario, warm, fresh } of rows) {
      console.log(
        `| ${scenario.name} | ${warm.commands} | ${fmt(warm.refused)} | ${fmt(warm.counterWrites)} / ${fmt(
          fresh.counterWrites,
        )} | ${fmt(fresh.requests)}${fresh.spread} | ${fmt(warm.lifecycleStarts)} / ${fmt(warm.lifecycleSignals)} | ${fmt(warm.runbookStarts)} |`,
      );
    }
    console.log(
      '\nids taken: IncidentIdAllocator.next calls per event (an id handed out, even if given back unused);' +
        '\nid counter writes: UpdateCommand on a COUNTER# key (reserveSequence); a warm container reuses an id it was given back.',
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

await main();
