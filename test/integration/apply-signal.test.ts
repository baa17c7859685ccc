import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Level } from '#core/model';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { allIncidents, depsFor, openIncidentsIndex, RecordingWorkflow } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let store: IncidentStore;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable();
  store = new IncidentStore(server.doc, table);
});

const T1 = '2026-03-14T09:05:41.218Z';
const T2 = '2026-03-14T09:20:00.000Z';
const T3 = '2026-03-14T09:40:00.000Z';

describe('applySignal: opening and deduplication', () => {
  it('opens one prioritized incident with an "opened" timeline entry for a first ALARM', async () => {
    const deps = depsFor(server.doc, table);

    const result = await applySignal(deps, alarmSignal({ at: T1 }));

    expect(result).toEqual({ outcome: 'opened', incidentId: 'INC-20260314-0001' });
    const incident = await store.getIncident('INC-20260314-0001');
    expect(incident).toMatchObject({
      status: 'triggered',
      priority: 'P2',
      impact: 'medium',
      urgency: 'high',
      severity: 'high',
      alertCount: 1,
      detectedAt: T1,
      createdAt: '2026-03-14T09:06:00.000Z',
      respondBy: '2026-03-14T10:06:00.000Z',
      version: 1,
    });
    const timeline = await store.listTimeline('INC-20260314-0001');
    expect(timeline.map((entry) => entry.kind)).toEqual(['opened']);
    expect(timeline[0]?.details).toMatchObject({ priority: 'P2', dedupKey: incident?.dedupKey });
    expect(await openIncidentsIndex(server, table)).toHaveLength(1);
  });

  it('changes nothing when the same event is delivered again', async () => {
    const deps = depsFor(server.doc, table);
    const signal = alarmSignal({ at: T1 });
    await applySignal(deps, signal);

    const again = await applySignal(deps, signal);

    expect(again).toEqual({ outcome: 'duplicate', incidentId: 'INC-20260314-0001' });
    expect(await allIncidents(server, table)).toHaveLength(1);
    expect((await store.getIncident('INC-20260314-0001'))?.alertCount).toBe(1);
    expect(await store.listTimeline('INC-20260314-0001')).toHaveLength(1);
  });

  it('counts a newer ALARM on the open incident instead of opening another', async () => {
    const deps = depsFor(server.doc, table);
    await applySignal(deps, alarmSignal({ at: T1 }));

    const result = await applySignal(deps, alarmSignal({ at: T2 }));

    expect(result).toEqual({ outcome: 'deduplicated', incidentId: 'INC-20260314-0001' });
    // A repeat is counted on the alert alone: the incident and its timeline are untouched.
    const incident = await store.getIncident('INC-20260314-0001');
    expect(incident).toMatchObject({ alertCount: 1, firingCount: 1, version: 1 });
    expect(await store.claims.get(alarmSignal({ at: T1 }).dedupKey)).toMatchObject({
      fired: 2,
      firstSeen: T1,
      lastSeen: T2,
      state: 'firing',
    });
    expect((await store.listTimeline('INC-20260314-0001')).map((e) => e.kind)).toEqual(['opened']);
  });

  it('keeps the same alarm name in two accounts and two regions apart', async () => {
    const deps = depsFor(server.doc, table);

    const results = [
      await applySignal(deps, alarmSignal({ at: T1, account: '111122223333', region: 'us-east-1' })),
      await applySignal(deps, alarmSignal({ at: T1, account: '444455556666', region: 'us-east-1' })),
      await applySignal(deps, alarmSignal({ at: T1, account: '111122223333', region: 'eu-west-1' })),
    ];
    const recovery = await applySignal(
      deps,
      alarmSignal({ at: T2, action: 'resolve', account: '111122223333', region: 'eu-west-1' }),
    );

    expect(results.map((r) => r.outcome)).toEqual(['opened', 'opened', 'opened']);
    expect(recovery).toEqual({ outcome: 'resolved', incidentId: 'INC-20260314-0003' });
    const incidents = await allIncidents(server, table);
    expect(incidents.map((i) => i.status).sort()).toEqual(['resolved', 'triggered', 'triggered']);
  });

  it('opens exactly one incident for 50 concurrent deliveries of one ALARM', async () => {
    const signal = alarmSignal({ at: T1 });

    const results = await Promise.all(
      Array.from({ length: 50 }, () => applySignal(depsFor(server.doc, table), signal)),
    );

    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(49);
    const incidents = await allIncidents(server, table);
    expect(incidents).toHaveLength(1);
    expect((await store.getIncident(String(incidents[0]?.id)))?.alertCount).toBe(1);
    expect((await store.claims.get(signal.dedupKey))?.fired).toBe(1);
    expect(await store.listTimeline(String(incidents[0]?.id))).toHaveLength(1);
  });

  it('opens exactly one incident for 50 concurrent distinct ALARM events of one alarm', async () => {
    const signals = Array.from({ length: 50 }, (_, i) =>
      alarmSignal({ at: new Date(Date.parse(T1) + i * 1000).toISOString() }),
    );

    const results = await Promise.all(
      signals.map((signal) => applySignal(depsFor(server.doc, table), signal)),
    );

    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    const incidents = await allIncidents(server, table);
    expect(incidents).toHaveLength(1);
    const counted = results.filter((r) => r.outcome === 'opened' || r.outcome === 'deduplicated').length;
    expect((await store.claims.get(String(signals[0]?.dedupKey)))?.fired).toBe(counted);
    expect((await store.getIncident(String(incidents[0]?.id)))?.alertCount).toBe(1);
    expect(results.every((r) => ['opened', 'deduplicated', 'stale'].includes(r.outcome))).toBe(true);
  });
});

describe('applySignal: recovery, notes and ordering', () => {
  it('resolves the open incident on OK and releases the key', async () => {
    const deps = depsFor(server.doc, table);
    await applySignal(deps, alarmSignal({ at: T1 }));

    const result = await applySignal(deps, alarmSignal({ at: T2, action: 'resolve' }));

    expect(result).toEqual({ outcome: 'resolved', incidentId: 'INC-20260314-0001' });
    expect(await store.getIncident('INC-20260314-0001')).toMatchObject({
      status: 'resolved',
      resolvedAt: T2,
      alertCount: 1,
      firingCount: 0,
    });
    expect((await store.listTimeline('INC-20260314-0001')).map((e) => e.kind)).toEqual([
      'opened',
      'resolved',
    ]);
    expect(await openIncidentsIndex(server, table)).toHaveLength(0);
    expect((await store.claims.get(alarmSignal({ at: T1 }).dedupKey))?.open).toBe(false);
  });

  it('ignores an OK with nothing open, and then treats the older ALARM as stale', async () => {
    const deps = depsFor(server.doc, table);

    const ok = await applySignal(deps, alarmSignal({ at: T2, action: 'resolve' }));
    const lateAlarm = await applySignal(deps, alarmSignal({ at: T1 }));

    expect(ok.outcome).toBe('ignored');
    expect(lateAlarm.outcome).toBe('stale');
    expect(await allIncidents(server, table)).toHaveLength(0);
  });

  it('ignores an OK older than the ALARM that opened the incident', async () => {
    const deps = depsFor(server.doc, table);
    await applySignal(deps, alarmSignal({ at: T2 }));

    const lateOk = await applySignal(deps, alarmSignal({ at: T1, action: 'resolve' }));

    expect(lateOk.outcome).toBe('stale');
    expect((await store.getIncident('INC-20260314-0001'))?.status).toBe('triggered');
  });

  it('opens a new incident when the alarm fires again after recovery', async () => {
    const deps = depsFor(server.doc, table);
    await applySignal(deps, alarmSignal({ at: T1 }));
    await applySignal(deps, alarmSignal({ at: T2, action: 'resolve' }));

    const again = await applySignal(deps, alarmSignal({ at: T3 }));

    expect(again).toEqual({ outcome: 'opened', incidentId: 'INC-20260314-0002' });
    expect((await store.getIncident('INC-20260314-0001'))?.status).toBe('resolved');
    expect((await store.getIncident('INC-20260314-0002'))?.status).toBe('triggered');
    expect(await store.listTimeline('INC-20260314-0001')).toHaveLength(2);
  });

  it('records a note on the open incident and opens nothing for a note alone', async () => {
    const deps = depsFor(server.doc, table);
    const lonely = await applySignal(deps, alarmSignal({ at: T1, action: 'note', alarm: 'other-alarm' }));
    await applySignal(deps, alarmSignal({ at: T1 }));

    const noted = await applySignal(deps, alarmSignal({ at: T2, action: 'note' }));

    expect(lonely.outcome).toBe('ignored');
    expect(noted).toEqual({ outcome: 'noted', incidentId: 'INC-20260314-0001' });
    expect((await store.listTimeline('INC-20260314-0001')).map((e) => e.kind)).toEqual(['opened', 'note']);
    expect(await allIncidents(server, table)).toHaveLength(1);
  });

  it('keeps the incident open on recovery when auto-resolve is off', async () => {
    const deps = depsFor(server.doc, table);
    await applySignal(deps, alarmSignal({ at: T1, autoResolve: false }));

    const result = await applySignal(deps, alarmSignal({ at: T2, action: 'resolve', autoResolve: false }));
    const refire = await applySignal(deps, alarmSignal({ at: T3, autoResolve: false }));

    expect(result).toEqual({ outcome: 'noted', incidentId: 'INC-20260314-0001' });
    expect(refire).toEqual({ outcome: 'refired', incidentId: 'INC-20260314-0001' });
    expect(await store.getIncident('INC-20260314-0001')).toMatchObject({
      status: 'triggered',
      firingCount: 1,
    });
  });

  it('acknowledges the open incident on an acknowledge signal, once, and still resolves it later', async () => {
    const deps = depsFor(server.doc, table);
    await applySignal(deps, alarmSignal({ at: T1 }));
    const ack = alarmSignal({ at: T2, action: 'acknowledge' });

    const first = await applySignal(deps, ack);
    const again = await applySignal(deps, ack);
    const resolved = await applySignal(deps, alarmSignal({ at: T3, action: 'resolve' }));

    expect([first.outcome, again.outcome, resolved.outcome]).toEqual([
      'acknowledged',
      'duplicate',
      'resolved',
    ]);
    const incident = await store.getIncident('INC-20260314-0001');
    expect(incident).toMatchObject({ status: 'resolved', acknowledgedAt: '2026-03-14T09:06:00.000Z' });
    expect((await store.listTimeline('INC-20260314-0001')).map((e) => e.kind)).toEqual([
      'opened',
      'acknowledged',
      'resolved',
    ]);
  });

  it('ignores an acknowledge signal with nothing open', async () => {
    const result = await applySignal(
      depsFor(server.doc, table),
      alarmSignal({ at: T1, action: 'acknowledge' }),
    );

    expect(result.outcome).toBe('ignored');
    expect(await allIncidents(server, table)).toHaveLength(0);
  });
});

describe('applySignal: a joining alert that outranks its incident', () => {
  /** Alerts of web-prod grouped by service, as by default; the lifecycle's token parked as the state machine does. */
  async function openP3(options: { parkToken: boolean } = { parkToken: true }) {
    const workflow = new RecordingWorkflow();
    const deps = { ...depsFor(server.doc, table, undefined, workflow), grouping: DEFAULT_GROUPING_CONFIG };
    const opened = await applySignal(deps, alarmSignal({ at: T1, impact: 'medium', urgency: 'medium' }));
    if (opened.outcome !== 'opened') throw new Error(`expected an incident to open, got ${opened.outcome}`);
    if (options.parkToken) await store.parkLifecycleToken(opened.incidentId, 'token-1', new Date(T1));
    return { deps, workflow, incidentId: opened.incidentId };
  }
  const alarm = (name: string, at: string, impact: Level, urgency: Level) =>
    alarmSignal({ at, alarm: name, impact, urgency });

  it('raises the priority and sends the parked token back once, starting no second lifecycle', async () => {
    const { deps, workflow, incidentId } = await openP3();
    const p1 = alarm('web-prod-5xx-rate-high', '2026-03-14T09:07:00.000Z', 'high', 'high');

    const joined = await applySignal(deps, p1);
    const redelivered = await applySignal(deps, p1);
    const another = await applySignal(
      deps,
      alarm('web-prod-latency-high', '2026-03-14T09:08:00.000Z', 'high', 'high'),
    );

    expect([joined, redelivered, another]).toEqual([
      { outcome: 'joined', incidentId },
      { outcome: 'duplicate', incidentId },
      { outcome: 'joined', incidentId },
    ]);
    expect(workflow.raised).toEqual(['token-1']);
    expect(workflow.started).toEqual([incidentId]);
    expect(workflow.signalled).toEqual([]);
    expect(await store.getIncident(incidentId)).toMatchObject({
      priority: 'P1',
      alertCount: 3,
      priorityRaisedAt: '2026-03-14T09:06:00.000Z',
      // The P1's 15 minutes from the raise, earlier than the P3's 4 hours from detection.
      respondBy: '2026-03-14T09:21:00.000Z',
    });
    const kinds = (await store.listTimeline(incidentId)).map((entry) => entry.kind);
    expect(kinds.filter((kind) => kind === 'priority-raised')).toHaveLength(1);
  });

  it('never signals for a joining alert of a lower or the same priority', async () => {
    const { deps, workflow, incidentId } = await openP3();

    const outcomes = [
      await applySignal(deps, alarm('web-prod-disk-low', '2026-03-14T09:07:00.000Z', 'low', 'low')),
      await applySignal(deps, alarm('web-prod-memory-high', '2026-03-14T09:08:00.000Z', 'medium', 'medium')),
      await applySignal(deps, alarm('web-prod-swap-high', '2026-03-14T09:09:00.000Z', 'low', 'high')),
    ];

    expect(outcomes.map((o) => o.outcome)).toEqual(['joined', 'joined', 'joined']);
    expect(workflow.raised).toEqual([]);
    expect(await store.getIncident(incidentId)).toMatchObject({
      priority: 'P3',
      respondBy: '2026-03-14T13:06:00.000Z',
    });
  });

  it('raises the priority without a signal when no token is parked yet (the lifecycle reads it when it parks one)', async () => {
    const { deps, workflow, incidentId } = await openP3({ parkToken: false });

    await applySignal(deps, alarm('web-prod-5xx-rate-high', '2026-03-14T09:07:00.000Z', 'high', 'high'));

    expect(workflow.raised).toEqual([]);
    expect((await store.getIncident(incidentId))?.priority).toBe('P1');
  });
});
