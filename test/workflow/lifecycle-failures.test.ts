import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import type { Level, Signal, TimelineEntry } from '#core/model';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type HarnessOptions, lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

/**
 * A failed notice costs that notice only: the ASL file executed in simulated time (the clock moves to the
 * end of each Wait, and each retry waits its back-off), with SNS or DynamoDB failing on purpose.
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

type Harness = ReturnType<typeof lifecycleHarness>;

/** 10:00 on the harness clock, when the incident opens and its lifecycle starts. */
const at = (hhmmss: string) => `2026-11-27T${hhmmss}.000Z`;

async function setup(impact: Level, urgency: Level, options: HarnessOptions = {}) {
  const table = await server.createTable('lifecycle-failures');
  harness = lifecycleHarness(server, table, { simulatedTime: true, trace: true, ...options });
  const signal = alarmSignal({ at: '2026-11-27T09:59:30.000Z', impact, urgency, team: 'checkout' });
  const incidentId = await harness.open(signal);
  return { h: harness, incidentId, signal };
}

/** The alarm returns to OK at `time` on the simulated clock: resolved through the real ingest path. */
function recoverAt(h: Harness, signal: Signal, time: string) {
  void h.at(at(time), () =>
    h.recover({ ...signal, eventId: `ok-${time}`, action: 'resolve', occurredAt: h.clock.now.toISOString() }),
  );
}

function snsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const pages = (h: Harness) =>
  h.published
    .filter((p) => p.kind === 'initial' || p.kind === 'escalation')
    .map((p) => ({ target: p.target, at: p.at }));
const sent = (h: Harness, kind: string) =>
  h.published.filter((p) => p.kind === kind).map((p) => ({ target: p.target, at: p.at }));
const opsMessages = (h: Harness) => h.published.filter((p) => p.target === 'ops');

async function failures(h: Harness, incidentId: string): Promise<TimelineEntry[]> {
  return (await h.store.listTimeline(incidentId)).filter((entry) => entry.kind === 'failure');
}
const keysOf = (entries: TimelineEntry[]) => entries.map((entry) => entry.details?.key);

describe('lifecycle: a failed page costs that page only', () => {
  it('pages level 2 at +15 min, on time, while SNS fails level 1 for 10 minutes; the failure is recorded once', async () => {
    // Prepare: level 1's topic fails until 10:10, and every attempt to page it hangs until the task times out.
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      publishFault: ({ target, at: when }) =>
        target === 'primary-on-call' && when < new Date(at('10:10:00'))
          ? snsError('InternalErrorException', 'SNS is unavailable')
          : undefined,
      faults: {
        PageLevel: async (input, real) => {
          if (input.step === 0) await h.sleep(8_000);
          return real();
        },
      },
    });
    recoverAt(h, signal, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess: three attempts (8 s each, 1 s and 2 s apart), one record, then level 2 exactly at 10:15.
    expect(h.unpublished.map((p) => [p.target, p.at])).toEqual([
      ['primary-on-call', at('10:00:08')],
      ['primary-on-call', at('10:00:17')],
      ['primary-on-call', at('10:00:27')],
    ]);
    expect(pages(h)).toEqual([{ target: 'secondary-on-call', at: at('10:15:00') }]);
    const recorded = await failures(h, incidentId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      at: at('10:00:27'),
      message: expect.stringMatching(/^Paging level 1 \(primary on-call\), round 1: primary-on-call failed/),
      details: {
        state: 'PageLevel',
        key: 'page-c0-s0',
        level: 1,
        error: 'Notice.Undelivered',
        cause:
          'notice page-c0-s0 was not delivered to primary-on-call (InternalErrorException: SNS is unavailable)',
      },
    });
    expect(opsMessages(h).map((p) => p.at)).toEqual([at('10:00:27')]);
    expect(opsMessages(h)[0]?.subject).toBe(
      `Firebreak: PageLevel failed for ${incidentId} (Notice.Undelivered)`,
    );
    expect(
      sent(h, 'resolution')
        .map((p) => p.target)
        .sort(),
    ).toEqual(['secondary-on-call', 'stakeholders']);
    expect(h.entered).toContain('RecordPageFailure');
    expect(h.entered).not.toContain('PageFailureUnrecorded');
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });

  it('retries a page only for the target that missed it, and records it once when that target keeps failing', async () => {
    // Prepare: level 1 pages two targets; the chat one is gone.
    const policy = DEFAULT_ESCALATION_CONFIG.policies.default as EscalationConfig['policies'][string];
    const escalation: EscalationConfig = {
      ...DEFAULT_ESCALATION_CONFIG,
      policies: {
        default: {
          ...policy,
          levels: [
            { ...policy.levels[0], targets: ['primary-on-call', 'oncall-chat'] },
            ...policy.levels.slice(1),
          ],
        } as EscalationConfig['policies'][string],
      },
    };
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      escalation,
      publishFault: ({ target }) =>
        target === 'oncall-chat' ? snsError('NotFoundException', 'Topic does not exist') : undefined,
    });
    recoverAt(h, signal, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'secondary-on-call', at: at('10:15:00') },
    ]);
    expect(h.unpublished.map((p) => [p.target, p.at])).toEqual([
      ['oncall-chat', at('10:00:00')],
      ['oncall-chat', at('10:00:01')],
      ['oncall-chat', at('10:00:03')],
    ]);
    expect(keysOf(await failures(h, incidentId))).toEqual(['page-c0-s0']);
    // The responder the half-failed page reached hears about the resolution; the gone topic is not tried again.
    expect(
      sent(h, 'resolution')
        .map((p) => p.target)
        .sort(),
    ).toEqual(['primary-on-call', 'secondary-on-call', 'stakeholders']);
  });

  it('writes nothing twice when the record itself is retried after it went through', async () => {
    // Prepare: level 1's page always fails; the first record does all its work, then its Lambda "times out".
    let records = 0;
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      publishFault: ({ target }) =>
        target === 'primary-on-call' ? snsError('InternalErrorException', 'SNS is unavailable') : undefined,
      faults: {
        RecordPageFailure: async (_input, real) => {
          const output = await real();
          records += 1;
          if (records === 1) throw snsError('Sandbox.Timedout', 'Task timed out after 6.00 seconds');
          return output;
        },
      },
    });
    recoverAt(h, signal, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(records).toBe(2);
    expect(opsMessages(h)).toHaveLength(1);
    const recorded = await failures(h, incidentId);
    expect(keysOf(recorded)).toEqual(['page-c0-s0']);
    expect(recorded[0]?.at).toBe(at('10:00:03'));
    expect(pages(h)).toEqual([{ target: 'secondary-on-call', at: at('10:15:00') }]);
  });
});

describe('lifecycle: a gone stakeholder topic', () => {
  it('leaves escalation, the SLA watch and the resolution notice to responders unaffected', async () => {
    // Prepare: a P1 (response SLA 15 min, reminders every 30 min) whose stakeholders' topic was deleted.
    const { h, incidentId, signal } = await setup('high', 'high', {
      publishFault: ({ target }) =>
        target === 'stakeholders' ? snsError('NotFoundException', 'Topic does not exist') : undefined,
    });
    recoverAt(h, signal, '10:40:00');

    // Act
    await h.run(incidentId).result;

    // Assess: the chain, on time.
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'secondary-on-call', at: at('10:15:00') },
      { target: 'engineering-manager', at: at('10:30:00') },
      { target: 'primary-on-call', at: at('10:31:00') },
    ]);
    // The SLA watch: breached at the deadline, management told once, the metric once.
    expect(sent(h, 'sla-breach')).toEqual([{ target: 'management', at: at('10:15:00') }]);
    expect(h.metrics.filter((m) => m.name === 'ResponseSlaBreached')).toEqual([
      { name: 'ResponseSlaBreached', value: 1, dimensions: { Priority: 'P1', Team: 'checkout' } },
    ]);
    // The resolution notice reaches every responder once; the stakeholders' part is retried, then recorded.
    expect(sent(h, 'resolution')).toEqual(
      ['primary-on-call', 'secondary-on-call', 'engineering-manager'].map((target) => ({
        target,
        at: at('10:40:00'),
      })),
    );
    expect(h.unpublished.map((p) => [p.kind, p.at])).toEqual([
      ['reminder', at('10:30:00')],
      ['reminder', at('10:30:01')],
      ['reminder', at('10:30:03')],
      ['resolution', at('10:40:00')],
      ['resolution', at('10:40:01')],
      ['resolution', at('10:40:03')],
    ]);
    const recorded = await failures(h, incidentId);
    expect(keysOf(recorded)).toEqual(['reminder-0', 'resolution']);
    expect(recorded.map((entry) => entry.details?.state)).toEqual(['SendReminder', 'NotifyResolution']);
    expect(recorded[1]?.details?.cause).toBe(
      'notice resolution was not delivered to stakeholders (NotFoundException: Topic does not exist); ' +
        'delivered to primary-on-call, secondary-on-call, engineering-manager',
    );
    expect(opsMessages(h).map((p) => p.at)).toEqual([at('10:30:03'), at('10:40:03')]);
    expect(await h.store.getIncident(incidentId)).toMatchObject({ status: 'resolved', slaBreached: true });
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });
});

describe('lifecycle: a failing status read', () => {
  it('is retried, and the chain goes on after two failures', async () => {
    // Prepare
    let reads = 0;
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      faults: {
        CheckBeforeNextLevel: async (_input, real) => {
          reads += 1;
          if (reads <= 2)
            throw snsError('ProvisionedThroughputExceededException', 'Rate of requests exceeds');
          return real();
        },
      },
    });
    recoverAt(h, signal, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess: read at 10:15:00, again 1 s and 2 s later; level 2 paged once the third read answered.
    expect(h.calls.filter((c) => c.state === 'CheckBeforeNextLevel').map((c) => c.at)).toEqual([
      at('10:15:00'),
      at('10:15:01'),
      at('10:15:03'),
    ]);
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'secondary-on-call', at: at('10:15:03') },
    ]);
    expect(await failures(h, incidentId)).toEqual([]);
    expect(opsMessages(h)).toEqual([]);
  });

  it('is recorded once when it keeps failing, and paging goes on (the page reads the status itself)', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      faults: {
        CheckBeforeNextLevel: async () => {
          throw snsError('InternalServerError', 'DynamoDB is unavailable');
        },
      },
    });
    recoverAt(h, signal, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess: four reads (1, 2 and 4 s apart), one record, then level 2 is paged anyway.
    expect(h.calls.filter((c) => c.state === 'CheckBeforeNextLevel')).toHaveLength(4);
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'secondary-on-call', at: at('10:15:07') },
    ]);
    const recorded = await failures(h, incidentId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      at: at('10:15:07'),
      details: {
        state: 'CheckBeforeNextLevel',
        key: 'level-check-c0-s1',
        error: 'InternalServerError',
        cause: 'DynamoDB is unavailable',
      },
    });
    expect(opsMessages(h)).toHaveLength(1);
  });

  it('pages nobody who acknowledged, even when the read before the next level fails', async () => {
    // Prepare: acknowledged at 10:05; the read at 10:15 fails.
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      waits: { AwaitAckTimeout: 60_000 },
      faults: {
        CheckBeforeNextLevel: async () => {
          throw snsError('InternalServerError', 'DynamoDB is unavailable');
        },
      },
    });
    void h.at(at('10:05:00'), () => h.store.acknowledge(incidentId, 'alice', h.clock.now));
    recoverAt(h, signal, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(pages(h)).toEqual([{ target: 'primary-on-call', at: at('10:00:00') }]);
    expect(keysOf(await failures(h, incidentId))).toEqual(['level-check-c0-s1']);
    expect(h.entered).toContain('AwaitAckTimeout');
  });
});

describe('lifecycle: when every publish fails', () => {
  it('still ends when the incident resolves, each failure recorded once on the timeline', async () => {
    // Prepare: SNS refuses everything, the ops topic included, so even the records fail after their retries.
    const { h, incidentId, signal } = await setup('high', 'high', {
      publishFault: () => snsError('AuthorizationErrorException', 'Not authorized to publish'),
    });
    recoverAt(h, signal, '10:40:00');

    // Act
    await h.run(incidentId).result;

    // Assess: nothing went out, and the lifecycle ended normally once the incident resolved.
    expect(h.published).toEqual([]);
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
    expect(h.entered).not.toContain('LifecycleFailed');
    expect(await h.store.getIncident(incidentId)).toMatchObject({ status: 'resolved', slaBreached: true });
    // Each failed step has exactly one timeline entry, though each record was tried three times.
    const recorded = await failures(h, incidentId);
    expect(keysOf(recorded).sort()).toEqual(
      [
        'page-c0-s0',
        'page-c0-s1',
        'page-c0-s2',
        'page-c0-s3',
        'reminder-0',
        'resolution',
        'sla-breach',
      ].sort(),
    );
    expect(h.calls.filter((c) => c.action === 'page-failed')).toHaveLength(4 * 3);
    expect(h.unpublished.filter((p) => p.target === 'ops')).toHaveLength(7 * 3);
    // Without a record, the chain goes on by the plan's own delays: each level late only by the failed retries.
    expect(h.entered).toContain('PageFailureUnrecorded');
    const firstAttempts = h.unpublished
      .filter((p) => p.kind === 'initial' || p.kind === 'escalation')
      .filter((_, i) => i % 3 === 0) // three attempts per page
      .map((p) => [p.target, p.at]);
    expect(firstAttempts).toEqual([
      ['primary-on-call', at('10:00:00')],
      ['secondary-on-call', at('10:15:06')],
      ['engineering-manager', at('10:30:12')],
      ['primary-on-call', at('10:31:18')],
    ]);
  });
});

describe('lifecycle: a failed resolution wait', () => {
  it('is recorded, and the branch watches the status instead of waiting for the token', async () => {
    // Prepare: the token cannot be parked; the incident is acknowledged, so escalation sleeps for hours.
    const { h, incidentId, signal } = await setup('medium', 'medium', {
      faults: {
        AwaitResolution: async () => {
          throw snsError('InternalServerError', 'DynamoDB is unavailable');
        },
      },
    });
    void h.at(at('10:05:00'), () => h.store.acknowledge(incidentId, 'alice', h.clock.now));
    recoverAt(h, signal, '10:40:00');

    // Act
    await h.run(incidentId).result;

    // Assess: recorded at 10:00:03 after its retries; the hourly watch sees the resolution at 11:00:03.
    expect(keysOf(await failures(h, incidentId))).toEqual(['await-resolution']);
    expect(sent(h, 'resolution').map((p) => p.at)).toEqual([at('11:00:03'), at('11:00:03')]);
    expect(h.entered).toContain('CheckForResolution');
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });
});
