/**
 * Alarm storm: 10,000 CloudWatch alarm state changes over 200 alarms, 32 in flight, through the real ingest
 * handler into a DynamoDB-protocol server (dynalite in its own process). Baseline in the same run: raw
 * PutItem throughput of the same server at the same concurrency. The figure is the ratio of the two.
 *
 *   npm run bench
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createTableInput, waitForActiveTable } from '#adapters/table-definition';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { openIncident } from '#core/incident';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { alarmStateChangeEvent } from '../local/cloudwatch-events';
import { startDynamoProcess } from './dynamo-client';

const ALARMS = 200;
const CHANGES_PER_ALARM = 49; // ALARM, OK, ALARM, … ALARM: 25 incidents per alarm, the last one left open
const REDELIVERIES = 200; // at-least-once delivery: some events arrive twice
const CONCURRENCY = 32;
const BASELINE_PUTS = 5_000;
const WARM_UP_PUTS = 3_000;
const WARM_UP_ALARMS = 40;

async function runPool<T>(items: T[][], work: (item: T) => Promise<void>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    items.map(async (lane) => {
      for (const item of lane) await work(item);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Splits work into `lanes` sequences; items with the same lane key keep their order. */
function lanes<T>(items: T[], laneOf: (item: T, index: number) => number, count: number): T[][] {
  const out: T[][] = Array.from({ length: count }, () => []);
  items.forEach((item, index) => {
    out[laneOf(item, index) % count]?.push(item);
  });
  return out;
}

function stormEvents(alarms: number, prefix: string) {
  const start = Date.parse('2026-11-27T08:00:00.000Z');
  const events: Array<{ alarm: number; event: ReturnType<typeof alarmStateChangeEvent> }> = [];
  for (let change = 0; change < CHANGES_PER_ALARM; change++) {
    for (let alarm = 0; alarm < alarms; alarm++) {
      const state = change % 2 === 0 ? 'ALARM' : 'OK';
      events.push({
        alarm,
        event: alarmStateChangeEvent({
          id: `${prefix}-${alarm}-${change}`,
          alarmName: `${prefix}-alarm-${String(alarm).padStart(3, '0')}`,
          state,
          previous: state === 'ALARM' ? 'OK' : 'ALARM',
          at: new Date(start + change * 120_000 + alarm * 10).toISOString(),
          // One service per alarm: each flapping alarm is its own problem, as the storm's counts assume.
          tags: { 'firebreak:service': `${prefix}-service-${String(alarm).padStart(3, '0')}` },
        }),
      });
    }
  }
  // Redeliver every 49th event right after the original (same event id), as EventBridge may.
  const withRedeliveries: typeof events = [];
  events.forEach((item, index) => {
    withRedeliveries.push(item);
    if (
      index % Math.floor(events.length / REDELIVERIES) === 0 &&
      withRedeliveries.length < events.length + REDELIVERIES
    ) {
      withRedeliveries.push(item);
    }
  });
  return withRedeliveries.slice(0, alarms * CHANGES_PER_ALARM + (REDELIVERIES * alarms) / ALARMS);
}

/** A signal from a real normalized alarm event, for the baseline's incident-shaped item. */
function normalizedSample() {
  const result = normalizeEventBridgeEvent(stormEvents(1, 'sample')[0]?.event);
  if (result.kind !== 'signals' || !result.signals[0]) throw new Error('sample event did not normalize');
  return result.signals[0];
}

/** A second instance of the handler module bound to another table (TABLE_NAME is read at cold start). */
async function loadHandlerFor(table: string) {
  const previous = process.env.TABLE_NAME;
  process.env.TABLE_NAME = table;
  const module = await import(`../lambdas/ingest/handler.ts?table=${table}`);
  process.env.TABLE_NAME = previous;
  return module.handler as (event: unknown, context: Context) => Promise<unknown>;
}

async function main() {
  const dynamo = await startDynamoProcess();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.TABLE_NAME = 'incidents-storm';
  // Step Functions has no local endpoint: starting an execution is answered at the SDK client, and counted.
  process.env.STATE_MACHINE_ARN =
    'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-incident-lifecycle';
  const sfn = mockClient(SFNClient);
  sfn
    .on(StartExecutionCommand)
    .resolves({ executionArn: 'arn:aws:states:us-east-1:111122223333:execution:x' });
  // Logging each of 10,000 outcomes to this terminal would measure the terminal, not the pipeline.
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  process.env.GROUPING_CONFIG = JSON.stringify(DEFAULT_GROUPING_CONFIG);

  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, maxAttempts: 1 });
  for (const table of ['incidents-baseline', 'incidents-storm', 'incidents-warmup']) {
    await client.send(new CreateTableCommand(createTableInput(table)));
    await waitForActiveTable(
      async (name) => (await client.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus,
      table,
    );
  }
  const { handler } = await import('../lambdas/ingest/handler');
  const context = { functionName: 'firebreak-ingest', awsRequestId: 'bench' } as Context;

  /** Runs the events through the handler against `table`; the handler reads TABLE_NAME at cold start, so
   * each table gets its own handler module instance. */
  async function storm(table: string, events: ReturnType<typeof stormEvents>) {
    const ingest = table === 'incidents-storm' ? handler : await loadHandlerFor(table);
    const outcomes = new Map<string, number>();
    const seconds = await runPool(
      lanes(events, (item) => item.alarm, CONCURRENCY),
      async ({ event }) => {
        const report = (await ingest(event, context)) as {
          results: Array<{ result?: { outcome: string }; outcome?: string }>;
        };
        for (const r of report.results) {
          const outcome = r.result?.outcome ?? r.outcome ?? 'unknown';
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      },
    );
    return { outcomes, seconds };
  }

  // Baseline: the same server, the same concurrency, PutItem of an item shaped like a real incident record.
  // Measured before and after the storm and averaged; both paths are warmed up first (JIT), so neither
  // side is measured cold.
  const incident = marshall(
    openIncident(normalizedSample(), 'INC-20261127-0001', new Date('2026-11-27T08:00:01.000Z')),
    { removeUndefinedValues: true },
  );
  let nextKey = 0;
  const putBatch = async (count: number) => {
    const keys = Array.from({ length: count }, () => nextKey++);
    const seconds = await runPool(
      lanes(keys, (i) => i, CONCURRENCY),
      async (i) => {
        await client.send(
          new PutItemCommand({
            TableName: 'incidents-baseline',
            Item: { ...incident, PK: { S: `INC#${i}` }, SK: { S: 'META' } },
          }),
        );
      },
    );
    return count / seconds;
  };
  await putBatch(WARM_UP_PUTS);
  await storm('incidents-warmup', stormEvents(WARM_UP_ALARMS, 'warmup'));
  const baselineBefore = await putBatch(BASELINE_PUTS);

  // The storm: each alarm's changes stay in order (one lane per alarm group), 32 lanes in flight.
  const events = stormEvents(ALARMS, 'storm');
  sfn.resetHistory();
  const requestsBefore = await dynamo.requests();
  const { outcomes, seconds: stormSeconds } = await storm('incidents-storm', events);
  const requests = (await dynamo.requests()) - requestsBefore;
  const eventsPerSecond = events.length / stormSeconds;
  const baselineAfter = await putBatch(BASELINE_PUTS);
  const putsPerSecond = (baselineBefore + baselineAfter) / 2;

  const open = await client.send(
    new QueryCommand({
      TableName: 'incidents-storm',
      IndexName: 'open-by-priority',
      KeyConditionExpression: 'gsi1pk = :open',
      ExpressionAttributeValues: { ':open': { S: 'OPEN' } },
      Select: 'COUNT',
    }),
  );
  const expectedIncidents = ALARMS * Math.ceil(CHANGES_PER_ALARM / 2);
  const opened = outcomes.get('opened') ?? 0;

  const rows = [
    ['events delivered', `${events.length} (${ALARMS} alarms, ${REDELIVERIES} redeliveries)`],
    [
      'baseline: raw PutItem/s (32 in flight)',
      `${putsPerSecond.toFixed(0)} (before ${baselineBefore.toFixed(0)}, after ${baselineAfter.toFixed(0)})`,
    ],
    ['pipeline: events/s (32 in flight)', eventsPerSecond.toFixed(0)],
    ['ratio pipeline / baseline', `${((eventsPerSecond / putsPerSecond) * 100).toFixed(1)} %`],
    ['DynamoDB requests per event', (requests / events.length).toFixed(2)],
    ['pipeline: DynamoDB requests/s', `${(requests / stormSeconds).toFixed(0)}`],
    ['incidents opened (expected)', `${opened} (${expectedIncidents})`],
    [
      'lifecycle StartExecution calls (duplicates are refused by name)',
      `${sfn.commandCalls(StartExecutionCommand).length}`,
    ],
    ['open at the end (expected)', `${open.Count} (${ALARMS})`],
    ['outcomes', [...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')],
  ];
  console.log('\n| alarm storm | value |\n|---|---|');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);

  client.destroy();
  await dynamo.stop();
  if (opened !== expectedIncidents || open.Count !== ALARMS) {
    console.error('incident count is not exact');
    process.exitCode = 1;
  }
}

await main();
