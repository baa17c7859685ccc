import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Level, Signal, TimelineEntry } from '#core/model';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type HarnessOptions, lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

/**
 * "An alert joining an open incident raises the incident's priority if the new alert's priority is higher
 * (then the lifecycle pages the new priority's first level once and uses the new SLA). It does not start a
 * second lifecycle." The ASL file executed in simulated time, alerts grouped by service as by default, so a
 * second alarm of the same service joins the incident through the real ingest path.
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

const at = (hhmmss: string) => `2026-11-27T${hhmmss}.000Z`;

/** A P3 incident of web-prod, opened at 09:59:30; its lifecycle starts at 10:00. */
async function setup(options: HarnessOptions = {}) {
  const table = await server.createTable('lifecycle-raise');
  harness = lifecycleHarness(server, table, {
    simulatedTime: true,
    trace: true,
    grouping: DEFAULT_GROUPING_CONFIG,
    ...options,
  });
  const opening = alarmSignal({ at: at('09:59:30'), impact: 'medium', urgency: 'medium', team: 'checkout' });
  const incidentId = await harness.open(opening);
  return { h: harness, incidentId, alarms: [opening] };
}

/** Another alarm of the same service (so it joins the incident), of the priority impact × urgency give. */
function joiningAlarm(name: string, time: string, impact: Level, urgency: Level): Signal {
  return alarmSignal({ at: at(time), alarm: name, impact, urgency, team: 'checkout' });
}

/** The alarm joins the incident at `time` on the simulated clock, through the real ingest path. */
function joinAt(h: Harness, alarms: Signal[], alarm: Signal, time: string) {
  alarms.push(alarm);
  return h.at(at(time), () => h.ingest(alarm));
}

/** Every alarm of the incident returns to OK: the last recovery resolves it and sends the token back. */
function recoverAll(h: Harness, alarms: Signal[]) {
  return alarms.reduce(
    (previous, alarm) =>
      previous.then(() =>
        h.recover({
          ...alarm,
          eventId: `ok-${alarm.eventId}`,
          action: 'resolve',
          occurredAt: h.clock.now.toISOString(),
        }),
      ),
    Promise.resolve({} as Awaited<ReturnType<Harness['recover']>>),
  );
}

function recoverAllAt(h: Harness, alarms: Signal[], time: string) {
  void h.at(at(time), () => recoverAll(h, alarms));
}

const pages = (h: Harness) =>
  h.published
    .filter((p) => p.kind === 'initial' || p.kind === 'escalation')
    .map((p) => ({ target: p.target, at: p.at }));
const sent = (h: Harness, kind: string) =>
  h.published.filter((p) => p.kind === kind).map((p) => ({ target: p.target, at: p.at }));
const raisedPages = (h: Harness) =>
  h.published
    .filter((p) => p.subject.includes('PRIORITY RAISED'))
    .map((p) => ({ subject: p.subject, at: p.at }));
const timesEntered = (h: Harness, state: string) => h.entered.filter((name) => name === state).length;

async function entriesOf(h: Harness, incidentId: string, kind: TimelineEntry['kind']) {
  return (await h.store.listTimeline(incidentId)).filter((entry) => entry.kind === kind);
}

describe('lifecycle: a joining alert of a higher priority', () => {
  it('pages the P1 first level once, then escalates, reminds and breaches by the P1 plan, in the one execution', async () => {
    // Prepare: level 1 is paged for the P3 at 10:00; a P1 alarm of the same service joins at 10:05.
    const { h, incidentId, alarms } = await setup();
    const joined = joinAt(
      h,
      alarms,
      joiningAlarm('web-prod-5xx-rate-high', '10:05:00', 'high', 'high'),
      '10:05:00',
    );
    recoverAllAt(h, alarms, '10:35:30');

    // Act
    await h.run(incidentId).result;

    // Assess: P1 from 10:05, due by 10:20 (15 min), with no second lifecycle.
    expect(await joined).toEqual({ outcome: 'joined', incidentId });
    expect(h.workflow.started).toEqual([incidentId]);
    expect(h.workflow.raised).toEqual([{ token: `token-${incidentId}`, result: 'signalled' }]);
    expect(await h.store.getIncident(incidentId)).toMatchObject({
      priority: 'P1',
      respondBy: at('10:20:00'),
      priorityRaisedAt: at('10:05:00'),
      status: 'resolved',
      slaBreached: true,
    });
    // Level 1 once for the P3 and once for the P1, then the P1 plan's levels 15 and 30 minutes after the raise.
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'primary-on-call', at: at('10:05:00') },
      { target: 'secondary-on-call', at: at('10:20:00') },
      { target: 'engineering-manager', at: at('10:35:00') },
    ]);
    expect(raisedPages(h)).toEqual([
      {
        subject: expect.stringMatching(new RegExp(`^\\[P1\\] PRIORITY RAISED ${incidentId} web-prod: `)),
        at: at('10:05:00'),
      },
    ]);
    // The response SLA at the new deadline; P1 reminders every 30 minutes from the raise (a P3 gets none).
    expect(sent(h, 'sla-breach')).toEqual([{ target: 'management', at: at('10:20:00') }]);
    expect(h.metrics.filter((m) => m.name === 'ResponseSlaBreached')).toEqual([
      { name: 'ResponseSlaBreached', value: 1, dimensions: { Priority: 'P1', Team: 'checkout' } },
    ]);
    expect(sent(h, 'reminder')).toEqual([{ target: 'stakeholders', at: at('10:35:00') }]);
    expect(h.calls.filter((c) => c.action === 'prepare')).toEqual([
      { state: 'Prepare', action: 'prepare', at: at('10:00:00') },
      { state: 'Replan', action: 'prepare', at: at('10:05:00') },
    ]);
    expect(timesEntered(h, 'Lifecycle')).toBe(2);
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
    const replanned = await entriesOf(h, incidentId, 'updated');
    expect(replanned.map((e) => [e.at, e.message])).toEqual([
      [
        at('10:05:00'),
        `Lifecycle re-planned for P1: paging restarts at level 1; acknowledgement timeout 30 min; respond by ${at('10:20:00')}, reminders every 30 min`,
      ],
    ]);
    expect((await entriesOf(h, incidentId, 'priority-raised')).map((e) => e.details)).toEqual([
      expect.objectContaining({ from: 'P3', to: 'P1', respondBy: at('10:20:00') }),
    ]);
    expect(
      sent(h, 'resolution')
        .map((p) => p.target)
        .sort(),
    ).toEqual(['engineering-manager', 'primary-on-call', 'secondary-on-call', 'stakeholders']);
  });

  it('pages the first level again once per raise, P3 to P2 to P1', async () => {
    // Prepare
    const { h, incidentId, alarms } = await setup();
    void joinAt(h, alarms, joiningAlarm('web-prod-latency-high', '10:05:00', 'high', 'medium'), '10:05:00');
    void joinAt(h, alarms, joiningAlarm('web-prod-5xx-rate-high', '10:10:00', 'high', 'high'), '10:10:00');
    recoverAllAt(h, alarms, '10:30:00');

    // Act
    await h.run(incidentId).result;

    // Assess: the P2 deadline (11:05) gives way to the P1's (10:25); level 2 comes 15 minutes after the last raise.
    expect(h.workflow.raised.map((r) => r.result)).toEqual(['signalled', 'signalled']);
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'primary-on-call', at: at('10:05:00') },
      { target: 'primary-on-call', at: at('10:10:00') },
      { target: 'secondary-on-call', at: at('10:25:00') },
    ]);
    expect(raisedPages(h).map((p) => [p.subject.slice(0, 20), p.at])).toEqual([
      ['[P2] PRIORITY RAISED', at('10:05:00')],
      ['[P1] PRIORITY RAISED', at('10:10:00')],
    ]);
    expect(sent(h, 'sla-breach')).toEqual([{ target: 'management', at: at('10:25:00') }]);
    expect(timesEntered(h, 'Replan')).toBe(2);
    const incident = await h.store.getIncident(incidentId);
    expect(incident?.respondBy).toBe(at('10:25:00'));
    expect(Object.keys(incident?.notices ?? {}).filter((key) => key.startsWith('page-c0-s0'))).toEqual(
      expect.arrayContaining(['page-c0-s0', 'page-c0-s0-g1', 'page-c0-s0-g2']),
    );
    expect(h.workflow.started).toEqual([incidentId]);
  });

  it('does not page for a lower or equal priority, and the lifecycle goes on by its plan', async () => {
    // Prepare
    const { h, incidentId, alarms } = await setup();
    void joinAt(h, alarms, joiningAlarm('web-prod-disk-low', '10:05:00', 'low', 'low'), '10:05:00');
    void joinAt(h, alarms, joiningAlarm('web-prod-memory-high', '10:06:00', 'medium', 'medium'), '10:06:00');
    recoverAllAt(h, alarms, '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(h.workflow.raised).toEqual([]);
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'secondary-on-call', at: at('10:15:00') },
    ]);
    expect(timesEntered(h, 'Replan')).toBe(0);
    expect((await h.store.getIncident(incidentId))?.priority).toBe('P3');
  });
});

describe('lifecycle: a raised priority on an acknowledged incident', () => {
  it('pages nobody while it stays acknowledged; the P1 acknowledgement timeout, counted from the raise, re-pages level 1', async () => {
    // Prepare: acknowledged at 10:02; a P1 alarm joins at 10:05 and nobody resolves until 10:40.
    const { h, incidentId, alarms } = await setup();
    void h.at(at('10:02:00'), () => h.store.acknowledge(incidentId, 'alice', h.clock.now));
    void joinAt(h, alarms, joiningAlarm('web-prod-5xx-rate-high', '10:05:00', 'high', 'high'), '10:05:00');
    recoverAllAt(h, alarms, '10:40:00');

    // Act
    await h.run(incidentId).result;

    // Assess: no page at the raise; the P1's 30 minutes (not the P3's 4 hours) run out at 10:35.
    expect(h.workflow.raised.map((r) => r.result)).toEqual(['signalled']);
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'primary-on-call', at: at('10:35:00') },
    ]);
    expect(raisedPages(h)).toEqual([]);
    expect(h.calls.filter((c) => c.action === 'retrigger').map((c) => c.at)).toEqual([at('10:35:00')]);
    // Acknowledged before the new deadline: no breach; stakeholders still get the P1 reminders.
    expect(sent(h, 'sla-breach')).toEqual([]);
    expect(sent(h, 'reminder')).toEqual([{ target: 'stakeholders', at: at('10:35:00') }]);
    const updates = await entriesOf(h, incidentId, 'updated');
    expect(updates.map((e) => [e.at, e.message])).toEqual([
      [
        at('10:05:00'),
        `Lifecycle re-planned for P1: acknowledged, so nobody is paged now; paging restarts at level 1 if it is not resolved within 30 min; respond by ${at('10:20:00')}, reminders every 30 min`,
      ],
      [
        at('10:35:00'),
        'Acknowledged but not resolved within 30 min: back to triggered, paging restarts at level 1',
      ],
    ]);
    expect(await h.store.getIncident(incidentId)).toMatchObject({ slaBreached: false, status: 'resolved' });
  });
});

describe('lifecycle: a raise racing a resolution', () => {
  it('ends with the resolution when the incident resolves while the lifecycle re-plans: no page for the raise', async () => {
    // Prepare: the raise wakes the lifecycle; before the re-plan parks its token, every alarm recovers (its
    // signal finds no token waiting). The P1 alarm fired at 10:04:30 and reaches ingest at 10:05.
    let resolvedDuringReplan: unknown;
    const { h, incidentId, alarms } = await setup({
      faults: {
        Replan: async (_input, real) => {
          resolvedDuringReplan ??= await recoverAll(h, alarms);
          return real();
        },
      },
    });
    void joinAt(h, alarms, joiningAlarm('web-prod-5xx-rate-high', '10:04:30', 'high', 'high'), '10:05:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(resolvedDuringReplan).toEqual({ outcome: 'resolved', incidentId });
    expect(pages(h)).toEqual([{ target: 'primary-on-call', at: at('10:00:00') }]);
    expect(
      sent(h, 'resolution')
        .map((p) => p.target)
        .sort(),
    ).toEqual(['primary-on-call', 'stakeholders']);
    expect(h.entered).toContain('Replan');
    expect(h.entered.slice(-2)).toEqual(['NotifyResolution', 'LifecycleEnded']);
    expect((await h.store.getIncident(incidentId))?.status).toBe('resolved');
    expect(await entriesOf(h, incidentId, 'updated')).toEqual([]);
  });

  it('ends with the resolution when the resolution wakes the lifecycle before the raise does', async () => {
    // Prepare: at 10:05 the priority is raised (as ingest does), the incident resolves and sends the token
    // back, and only then is the raise signalled.
    const { h, incidentId, alarms } = await setup();
    let raiseSignal: unknown;
    void h.at(at('10:05:00'), async () => {
      const incident = await h.store.getIncident(incidentId);
      if (!incident) throw new Error('the incident is gone');
      const raised = await h.store.raisePriority(
        incident,
        { from: 'P3', to: 'P1', respondBy: at('10:20:00') },
        h.clock.now,
      );
      await recoverAll(h, alarms);
      raiseSignal = raised?.lifecycleToken && (await h.workflow.signalPriorityRaised(raised.lifecycleToken));
    });

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(raiseSignal).toBe('not-waiting');
    expect(timesEntered(h, 'Replan')).toBe(0);
    expect(pages(h)).toEqual([{ target: 'primary-on-call', at: at('10:00:00') }]);
    expect(sent(h, 'resolution').map((p) => p.at)).toEqual([at('10:05:00'), at('10:05:00')]);
    expect(h.entered.slice(-2)).toEqual(['NotifyResolution', 'LifecycleEnded']);
  });
});

describe('lifecycle: a raise with no token to send back', () => {
  it('re-plans when parking the token finds the priority raised after the plan was made', async () => {
    // Prepare: the P1 alarm joins after the plan is made and before the token is parked, so ingest finds no
    // token to send back.
    const p1 = joiningAlarm('web-prod-5xx-rate-high', '10:00:00', 'high', 'high');
    const { h, incidentId, alarms } = await setup({
      faults: {
        Prepare: async (_input, real) => {
          const plan = await real();
          await h.ingest(p1);
          return plan;
        },
      },
    });
    alarms.push(p1);
    recoverAllAt(h, alarms, '10:10:00');

    // Act
    await h.run(incidentId).result;

    // Assess: nobody signalled, the lifecycle saw it itself and paged level 1 for the P1 once.
    expect(h.workflow.raised).toEqual([]);
    expect(h.calls.filter((c) => c.action === 'prepare').map((c) => c.state)).toEqual(['Prepare', 'Replan']);
    expect(raisedPages(h)).toEqual([
      { subject: expect.stringMatching(/^\[P1\] PRIORITY RAISED/), at: at('10:00:00') },
    ]);
    expect(sent(h, 'reminder')).toEqual([]);
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });
});

describe('lifecycle: a re-plan that fails', () => {
  it('is recorded once, and the plan in hand goes on: level 1 paged once for the raise, no re-plan loop', async () => {
    // Prepare
    let attempts = 0;
    const { h, incidentId, alarms } = await setup({
      faults: {
        Replan: async () => {
          attempts += 1;
          throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
        },
      },
    });
    void joinAt(h, alarms, joiningAlarm('web-prod-5xx-rate-high', '10:05:00', 'high', 'high'), '10:05:00');
    recoverAllAt(h, alarms, '10:30:00');

    // Act
    await h.run(incidentId).result;

    // Assess: three attempts, one record; the P3 plan's timings from the raise, under generation 1.
    expect(attempts).toBe(3);
    const failures = await entriesOf(h, incidentId, 'failure');
    expect(failures.map((e) => e.details?.key)).toEqual(['replan-g1']);
    expect(h.published.filter((p) => p.target === 'ops')).toHaveLength(1);
    expect(pages(h)).toEqual([
      { target: 'primary-on-call', at: at('10:00:00') },
      { target: 'primary-on-call', at: at('10:05:03') },
      { target: 'secondary-on-call', at: at('10:20:03') },
    ]);
    expect(timesEntered(h, 'Lifecycle')).toBe(2);
    expect(timesEntered(h, 'KeepPlanInHand')).toBe(1);
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });
});
