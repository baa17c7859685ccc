/**
 * Lifecycle cost: state transitions, Lambda invocations, DynamoDB requests and SNS publishes per incident,
 * measured by executing statemachines/incident-lifecycle.asl.json itself (aws-local-stepfunctions) with the
 * real lifecycle actions against a local DynamoDB-protocol server, for three scenarios; priced at list prices.
 *
 *   npm run bench
 */
import { startDynamoServer } from '../test/support/dynamo-server';
import { lifecycleHarness } from '../test/support/lifecycle-harness';
import '../local/promise-with-resolvers';
import { alarmSignal } from '../test/support/signals';

/** us-east-1 list prices (USD), November 2026. */
const PRICE = {
  transition: 0.025 / 1000, // Step Functions Standard
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000133334, // arm64
  lambdaMemoryGb: 0.5,
  lambdaSecondsPerInvocation: 0.1, // assumed average duration of a lifecycle step
  dynamoRead: 0.125 / 1_000_000, // on-demand, per read request unit (a consistent read of ≤ 4 KB)
  dynamoWrite: 0.625 / 1_000_000, // on-demand, per write request unit (≤ 1 KB; incident items are ~2-3 KB)
  snsPublish: 0.5 / 1_000_000, // deliveries (email, SMS, chat) depend on the subscribers and are not included
};
const WRITE_UNITS_PER_WRITE = 3;

type Scenario = {
  name: string;
  impact: 'high' | 'medium';
  urgency: 'high' | 'medium';
  waits: Record<string, number>;
  drive: (
    h: ReturnType<typeof lifecycleHarness>,
    incidentId: string,
    resolve: () => Promise<void>,
  ) => {
    afterTask: (state: string, input: Record<string, unknown>) => Promise<void>;
  };
};

const NEVER = 600_000;
// The benchmark runs on Node 20 on purpose; the SDK's notice about Node 22 would bury the table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const scenarios: Scenario[] = [
  {
    name: 'P1 paged through all three levels, then resolved',
    impact: 'high',
    urgency: 'high',
    waits: { WaitForResponseDeadline: 0, WaitForReminder: NEVER },
    drive: (_h, _id, resolve) => ({
      afterTask: async (state, input) => {
        if (state === 'PageLevel' && input.step === 2) await resolve();
      },
    }),
  },
  {
    name: 'P3 acknowledged at once, then resolved',
    impact: 'medium',
    urgency: 'medium',
    waits: { WaitForResponseDeadline: NEVER, AwaitAckTimeout: NEVER },
    drive: (h, id, resolve) => ({
      afterTask: async (state) => {
        if (state === 'PageLevel') await h.store.acknowledge(id, 'alice', h.clock.now);
        if (state === 'PageLevel') setTimeout(() => void resolve(), 20);
      },
    }),
  },
  {
    name: 'P1 open for 24 h with reminders every 30 min',
    impact: 'high',
    urgency: 'high',
    // Time scaled at 1 ms = 3 simulated minutes, so the hourly watch loop runs as often as it would in 24 h.
    waits: { WaitForNextLevel: 5, WaitForResponseDeadline: 5, WaitForReminder: 10, WatchForAck: 20 },
    drive: (h, _id, resolve) => {
      let reminders = 0;
      return {
        afterTask: async (state) => {
          if (state !== 'SendReminder') return;
          reminders += 1;
          h.clock.now = new Date(h.clock.now.getTime() + 30 * 60_000);
          if (reminders === 48) await resolve();
        },
      };
    },
  },
];

async function measure(scenario: Scenario) {
  const server = await startDynamoServer();
  const table = await server.createTable('cost');
  let drive: ReturnType<Scenario['drive']> | undefined;
  const h = lifecycleHarness(server, table, {
    waits: scenario.waits,
    afterTask: (state, input) => drive?.afterTask(state, input),
  });
  const signal = alarmSignal({
    at: '2026-11-27T09:59:30.000Z',
    impact: scenario.impact,
    urgency: scenario.urgency,
  });
  const incidentId = await h.open(signal);
  drive = scenario.drive(h, incidentId, async () => {
    await h.recover({ ...signal, eventId: 'ok', action: 'resolve', occurredAt: h.clock.now.toISOString() });
  });
  const execution = h.run(incidentId);
  let transitions = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs) if (event.type === 'StateEntered') transitions += 1;
  })();
  await execution.result;
  await counting;
  const lambda = h.calls.filter((c) => c.action !== 'getItem').length;
  const reads = h.calls.filter((c) => c.action === 'getItem').length;
  const publishes = h.published.length;
  h.restore();
  await server.stop();
  const cost =
    transitions * PRICE.transition +
    lambda *
      (PRICE.lambdaRequest + PRICE.lambdaGbSecond * PRICE.lambdaMemoryGb * PRICE.lambdaSecondsPerInvocation) +
    // Each lifecycle step reads the incident once and writes about twice (notice + timeline entry).
    (reads + lambda) * PRICE.dynamoRead +
    lambda * 2 * WRITE_UNITS_PER_WRITE * PRICE.dynamoWrite +
    publishes * PRICE.snsPublish;
  return { transitions, lambda, reads, publishes, per1000: cost * 1000 };
}

console.log(
  '\n| lifecycle scenario | state transitions | Lambda invocations | direct DynamoDB reads | SNS publishes | USD per 1,000 incidents |',
);
console.log('|---|---|---|---|---|---|');
for (const scenario of scenarios) {
  const m = await measure(scenario);
  console.log(
    `| ${scenario.name} | ${m.transitions} | ${m.lambda} | ${m.reads} | ${m.publishes} | ${m.per1000.toFixed(3)} |`,
  );
}
