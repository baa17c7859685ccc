import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type HarnessOptions, lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

/**
 * The figures CloudWatch gets at a resolution (the ASL file executed): once per incident, by the call that
 * sent the resolution notice, however often the NotifyResolution step runs.
 */

let server: DynamoServer;
let harness: ReturnType<typeof lifecycleHarness> | undefined;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  harness?.restore();
  harness = undefined;
});

const NEVER = 60_000;
/** The alarm's own time: the incident opens 30 s later, at 10:00:00 on the harness clock. */
const T0 = '2026-11-27T09:59:30.000Z';

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A P3 paged at level 1, acknowledged at 10:05, recovered at 10:20. */
async function acknowledgedThenRecovered(options: HarnessOptions) {
  const table = await server.createTable('lifecycle-metrics');
  const h = lifecycleHarness(server, table, {
    waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER },
    ...options,
  });
  harness = h;
  const signal = alarmSignal({ at: T0, impact: 'medium', urgency: 'medium', team: 'checkout' });
  const incidentId = await h.open(signal);
  const execution = h.run(incidentId);
  await until(() => h.published.some((p) => p.kind === 'initial'), 'the first page');
  h.clock.now = new Date('2026-11-27T10:05:00.000Z');
  await h.store.acknowledge(incidentId, 'alice', h.clock.now);
  h.clock.now = new Date('2026-11-27T10:20:00.000Z');
  await h.recover({ ...signal, eventId: 'ok-1', action: 'resolve', occurredAt: h.clock.now.toISOString() });
  await execution.result;
  return { h, incidentId };
}

const FIGURES = [
  { name: 'TimeToDetect', value: 30, dimensions: { Priority: 'P3' } },
  { name: 'TimeToAcknowledge', value: 300, dimensions: { Priority: 'P3' } },
  { name: 'TimeToResolve', value: 1200, dimensions: { Priority: 'P3' } },
  { name: 'EscalationLevelReached', value: 1, dimensions: { Priority: 'P3' } },
];

const notifyCalls = (h: ReturnType<typeof lifecycleHarness>) =>
  h.calls.filter((c) => c.state === 'NotifyResolution').length;

describe('lifecycle: the figures at resolution', () => {
  it('emits TTD, TTA, TTR and the escalation level reached once, by priority', async () => {
    const { h } = await acknowledgedThenRecovered({});

    expect(notifyCalls(h)).toBe(1);
    expect(h.metrics).toEqual(FIGURES);
  });

  it('emits them once when the step is retried after its notice was sent (a crash before it returned)', async () => {
    let attempts = 0;
    const { h } = await acknowledgedThenRecovered({
      faults: {
        NotifyResolution: async (_input, real) => {
          attempts += 1;
          const output = await real();
          if (attempts === 1) throw Object.assign(new Error('Task timed out'), { name: 'Sandbox.Timedout' });
          return output;
        },
      },
    });

    expect(attempts).toBe(2);
    expect(h.published.filter((p) => p.kind === 'resolution').map((p) => p.target)).toEqual([
      'primary-on-call',
      'stakeholders',
    ]);
    expect(h.metrics).toEqual(FIGURES);
  });

  it('emits them once, on the attempt that completes the notice, when a target failed the first time', async () => {
    let stakeholderFailures = 0;
    const { h } = await acknowledgedThenRecovered({
      publishFault: ({ target, kind }) => {
        if (kind !== 'resolution' || target !== 'stakeholders' || stakeholderFailures > 0) return undefined;
        stakeholderFailures += 1;
        return Object.assign(new Error('SNS is unavailable'), { name: 'InternalErrorException' });
      },
    });

    expect(notifyCalls(h)).toBe(2);
    expect(h.unpublished.map((p) => [p.kind, p.target])).toEqual([['resolution', 'stakeholders']]);
    expect(h.metrics).toEqual(FIGURES);
  });
});
