import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Level } from '#core/model';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type HarnessOptions, lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

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

/** A Wait that must not end during the scenario (the execution is aborted or resolved before it does). */
const NEVER = 60_000;
const T0 = '2026-11-27T09:59:30.000Z';

async function setup(impact: Level, urgency: Level, options: HarnessOptions = {}) {
  const table = await server.createTable('lifecycle');
  harness = lifecycleHarness(server, table, options);
  const signal = alarmSignal({ at: T0, impact, urgency, team: 'checkout' });
  const incidentId = await harness.open(signal);
  return { h: harness, incidentId, signal };
}

function pagesOf(h: ReturnType<typeof lifecycleHarness>) {
  return h.published.filter((p) => p.kind === 'initial' || p.kind === 'escalation').map((p) => p.target);
}

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('lifecycle state machine (the ASL file, executed)', () => {
  it('pages level 1 at once and sends the resolution notice when the alarm recovers during a wait', async () => {
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER },
    });

    const execution = h.run(incidentId);
    await until(() => pagesOf(h).length === 1, 'the first page');
    h.clock.now = new Date('2026-11-27T10:20:05.000Z');
    const recovery = await h.recover({
      ...signal,
      eventId: 'ok-1',
      action: 'resolve',
      occurredAt: '2026-11-27T10:20:00.000Z',
    });
    await execution.result;

    expect(recovery.outcome).toBe('resolved');
    expect(pagesOf(h)).toEqual(['primary-on-call']);
    const notice = h.published
      .filter((p) => p.kind === 'resolution')
      .map((p) => p.target)
      .sort();
    expect(notice).toEqual(['primary-on-call', 'stakeholders']);
    const timeline = await h.store.listTimeline(incidentId);
    expect(timeline.map((e) => e.kind)).toEqual(['opened', 'notified', 'resolved', 'notified']);
  });
});
