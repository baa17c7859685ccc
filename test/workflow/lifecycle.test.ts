import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Level, Signal } from '#core/model';
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

/** The alarm returns to OK: resolved through the real ingest path, which wakes the parked lifecycle. */
function recoverAlarm(h: ReturnType<typeof lifecycleHarness>, signal: Signal) {
  return h.recover({ ...signal, eventId: 'ok-1', action: 'resolve', occurredAt: '2026-11-27T12:00:00.000Z' });
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
    const page = h.published[0];
    expect(page?.subject).toMatch(new RegExp(`^\\[P3\\] ${incidentId} web-prod: `));
    expect(page?.text).toContain(`https://firebreak.example.com/incidents/${incidentId}`);
    expect(page?.text).toContain('Threshold Crossed');
    // The same page as AWS Chatbot shows it: every message of the incident in its thread.
    expect(page?.card?.content.title).toBe(page?.subject);
    expect(page?.card?.content.keywords).toEqual(['P3', 'web-prod', 'checkout', 'initial']);
    expect(new Set(h.published.map((p) => p.card?.metadata?.threadId))).toEqual(new Set([incidentId]));
    const notice = h.published
      .filter((p) => p.kind === 'resolution')
      .map((p) => p.target)
      .sort();
    expect(notice).toEqual(['primary-on-call', 'stakeholders']);
    const timeline = await h.store.listTimeline(incidentId);
    expect(timeline.map((e) => e.kind)).toEqual(['opened', 'notified', 'resolved', 'notified']);
  });
});

describe('lifecycle: escalation', () => {
  it('pages every level of every round, then reports escalation exhausted to management', async () => {
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { WaitForResponseDeadline: NEVER, WatchForAck: NEVER },
    });

    const execution = h.run(incidentId);
    await until(() => h.published.some((p) => p.kind === 'exhausted'), 'escalation exhausted');
    await recoverAlarm(h, signal);
    await execution.result;

    const chain = ['primary-on-call', 'secondary-on-call', 'engineering-manager'];
    expect(pagesOf(h)).toEqual([...chain, ...chain]);
    expect(h.published.filter((p) => p.kind === 'exhausted').map((p) => p.target)).toEqual(['management']);
    expect(
      h.published
        .filter((p) => p.kind === 'resolution')
        .map((p) => p.target)
        .sort(),
    ).toEqual([...chain, 'stakeholders'].sort());
    const incident = await h.store.getIncident(incidentId);
    expect(incident?.escalationLevel).toBe(3);
    const kinds = (await h.store.listTimeline(incidentId)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'escalated')).toHaveLength(6); // five escalations and the exhaustion
  });

  it.each([1, 2, 3])('stops paging once level %i acknowledges', async (level) => {
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { WaitForResponseDeadline: NEVER, AwaitAckTimeout: NEVER },
      afterTask: async (state, input) => {
        if (state === 'PageLevel' && input.step === level - 1) {
          await h.store.acknowledge(incidentId, 'alice', h.clock.now);
        }
      },
    });

    const execution = h.run(incidentId);
    await until(
      () => h.calls.filter((c) => c.action === 'getItem').length >= level,
      'the check after the acknowledgement',
    );
    await recoverAlarm(h, signal);
    await execution.result;

    const chain = ['primary-on-call', 'secondary-on-call', 'engineering-manager'];
    expect(pagesOf(h)).toEqual(chain.slice(0, level));
    expect(h.calls.filter((c) => c.action === 'retrigger')).toHaveLength(0);
  });

  it('re-triggers and pages level 1 again when an acknowledgement times out', async () => {
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { WaitForResponseDeadline: NEVER },
      afterTask: async (state, input) => {
        if (state !== 'PageLevel') return;
        if (input.cycle === 0 && input.step === 0)
          await h.store.acknowledge(incidentId, 'alice', h.clock.now);
        if (input.cycle === 1 && input.step === 0) {
          await recoverAlarm(h, signal);
        }
      },
    });

    await h.run(incidentId).result;

    expect(pagesOf(h)).toEqual(['primary-on-call', 'primary-on-call']);
    expect(h.calls.filter((c) => c.action === 'retrigger')).toHaveLength(1);
    const timeline = await h.store.listTimeline(incidentId);
    const timedOut = timeline.find((e) => e.kind === 'updated');
    expect(timedOut?.message).toMatch(/not resolved within 240 min/);
    const incident = await h.store.getIncident(incidentId);
    expect(incident).toMatchObject({ status: 'resolved', acknowledgedAt: '2026-11-27T10:00:00.000Z' });
  });
});

describe('lifecycle: response SLA and reminders', () => {
  it('records a missed response SLA once, with a metric and a notice to management', async () => {
    const { h, incidentId, signal } = await setup('high', 'high', {
      waits: { WaitForNextLevel: NEVER, WaitForReminder: NEVER },
    });

    const execution = h.run(incidentId);
    await until(
      async () => (await h.store.listTimeline(incidentId)).some((e) => e.kind === 'sla-breached'),
      'the SLA breach on the timeline',
    );
    await recoverAlarm(h, signal);
    await execution.result;

    expect(h.published.filter((p) => p.kind === 'sla-breach').map((p) => p.target)).toEqual(['management']);
    expect(h.metrics.filter((m) => m.name === 'ResponseSlaBreached')).toEqual([
      { name: 'ResponseSlaBreached', value: 1, dimensions: { Priority: 'P1', Team: 'checkout' } },
    ]);
    expect(await h.store.getIncident(incidentId)).toMatchObject({ slaBreached: true, priority: 'P1' });
    expect((await h.store.listTimeline(incidentId)).filter((e) => e.kind === 'sla-breached')).toHaveLength(1);
  });

  it('does not record a breach for an incident acknowledged in time', async () => {
    const { h, incidentId, signal } = await setup('high', 'high', {
      waits: { WaitForNextLevel: NEVER, WaitForReminder: NEVER, AwaitAckTimeout: NEVER },
    });
    await h.store.acknowledge(incidentId, 'alice', h.clock.now);

    const execution = h.run(incidentId);
    await until(() => h.calls.some((c) => c.state === 'CheckResponseSla'), 'the SLA check');
    await recoverAlarm(h, signal);
    await execution.result;

    expect(h.published.filter((p) => p.kind === 'sla-breach')).toHaveLength(0);
    expect((await h.store.getIncident(incidentId))?.slaBreached).toBe(false);
  });

  it('reminds P1 stakeholders while no status update was posted in the interval', async () => {
    let reminders = 0;
    const { h, incidentId, signal } = await setup('high', 'high', {
      waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER },
      afterTask: async (state) => {
        if (state !== 'SendReminder') return;
        reminders += 1;
        if (reminders === 1) {
          // A status update is posted: the next reminder is not due.
          await h.store.recordStatusUpdate(incidentId, h.clock.now);
        }
        if (reminders === 3) h.clock.now = new Date(h.clock.now.getTime() + 31 * 60_000);
        if (reminders === 5) {
          await recoverAlarm(h, signal);
        }
      },
    });

    await h.run(incidentId).result;

    const sent = h.published.filter((p) => p.kind === 'reminder');
    expect(sent.map((p) => p.target)).toEqual(['stakeholders', 'stakeholders', 'stakeholders']);
    expect(sent[0]?.subject).toMatch(/^\[P1\] UPDATE DUE INC-/);
    const resolution = h.published.findIndex((p) => p.kind === 'resolution');
    expect(resolution).toBeGreaterThan(h.published.lastIndexOf(sent[2] as (typeof sent)[number]));
  });
});

describe('lifecycle: failures', () => {
  it('retries a task that fails twice and pages exactly once', async () => {
    let attempts = 0;
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER },
      faults: {
        PageLevel: async (_input, real) => {
          attempts += 1;
          if (attempts <= 2) throw Object.assign(new Error('SNS throttled'), { name: 'Throttling' });
          return real();
        },
      },
    });

    const execution = h.run(incidentId);
    await until(() => pagesOf(h).length === 1, 'the page');
    await recoverAlarm(h, signal);
    await execution.result;

    expect(attempts).toBe(3);
    expect(pagesOf(h)).toEqual(['primary-on-call']);
    expect(h.published.some((p) => p.kind === 'failure')).toBe(false);
  });

  it('stops, records the failure once and tells the ops topic when no plan can be made', async () => {
    let attempts = 0;
    const { h, incidentId } = await setup('medium', 'medium', {
      faults: {
        Prepare: async () => {
          attempts += 1;
          throw Object.assign(new Error('escalation policy "gone" is no longer configured'), {
            name: 'Error',
          });
        },
      },
    });

    const outcome = await h.run(incidentId).result.then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: Error },
    );

    expect(outcome?.cause?.name).toBe('Lifecycle.Failed');
    expect(attempts).toBe(3);
    expect(h.calls.map((c) => c.action)).toEqual(['prepare', 'prepare', 'prepare', 'failure']);
    const ops = h.published.filter((p) => p.target === 'ops');
    expect(ops).toHaveLength(1);
    expect(ops[0]?.subject).toContain(incidentId);
    const failures = (await h.store.listTimeline(incidentId)).filter((e) => e.kind === 'failure');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/no longer automatic/);
    expect(pagesOf(h)).toEqual([]);
  });

  it('records a page that always fails once and carries on with the chain (see lifecycle-failures.test.ts)', async () => {
    let attempts = 0;
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { WaitForResponseDeadline: NEVER, WatchForAck: NEVER },
      faults: {
        PageLevel: async () => {
          attempts += 1;
          throw Object.assign(new Error('SNS is down'), { name: 'ServiceUnavailable' });
        },
      },
    });

    const execution = h.run(incidentId);
    await until(() => h.published.some((p) => p.kind === 'exhausted'), 'escalation exhausted');
    await recoverAlarm(h, signal);
    await execution.result;

    expect(attempts).toBe(6 * 3);
    expect(pagesOf(h)).toEqual([]);
    const failures = (await h.store.listTimeline(incidentId)).filter((e) => e.kind === 'failure');
    expect(failures.map((e) => e.details?.key)).toEqual([0, 1, 2, 3, 4, 5].map((step) => `page-c0-s${step}`));
    expect(h.published.filter((p) => p.target === 'ops')).toHaveLength(6);
    expect(h.published.filter((p) => p.kind === 'resolution').map((p) => p.target)).toEqual(['stakeholders']);
  });
});
