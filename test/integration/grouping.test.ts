import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Signal } from '#core/model';
import { AlertHints } from '../../lambdas/incidents/alert-hints';
import { MergeRefused, mergeIncident } from '../../lambdas/incidents/merge';
import { type ApplySignalDeps, applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { allIncidents, depsFor, RecordingWorkflow } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let store: IncidentStore;
let workflow: RecordingWorkflow;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('grouping');
  store = new IncidentStore(server.doc, table);
  workflow = new RecordingWorkflow();
});

const T0 = Date.parse('2026-03-14T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Ingest as the handler builds it: default grouping; `hints` as one warm container would have them. */
function grouped(hints?: AlertHints): ApplySignalDeps {
  return {
    ...depsFor(server.doc, table, new Date(T0), workflow),
    grouping: DEFAULT_GROUPING_CONFIG,
    ...(hints ? { hints } : {}),
  };
}

/** An alarm of the `checkout` service unless said otherwise. */
const alarm = (name: string, minutes: number, extra: Partial<Signal> = {}) =>
  alarmSignal({ at: at(minutes), alarm: name, service: 'checkout', ...extra });

async function apply(signal: Signal, deps = grouped()) {
  return applySignal(deps, signal);
}

async function incidentsByCreation() {
  const items = await allIncidents(server, table);
  const read = await Promise.all(items.map((item) => store.getIncident(String(item.id))));
  return read.filter((i) => i !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

describe('grouping alerts into incidents', () => {
  it('puts a second alarm of the same service on the open incident, without a second lifecycle', async () => {
    const first = await apply(alarm('checkout-5xx', 0));
    const second = await apply(alarm('checkout-latency', 2));
    const other = await apply(alarm('search-latency', 3, { service: 'search' }));

    expect(first).toEqual({ outcome: 'opened', incidentId: 'INC-20260314-0001' });
    expect(second).toEqual({ outcome: 'joined', incidentId: 'INC-20260314-0001' });
    expect(other).toEqual({ outcome: 'opened', incidentId: 'INC-20260314-0002' });
    expect(workflow.started).toEqual(['INC-20260314-0001', 'INC-20260314-0002']);
    expect(await store.getIncident('INC-20260314-0001')).toMatchObject({
      alertCount: 2,
      firingCount: 2,
      groupKeys: ['alerts by service|service=checkout'],
      lastAlertAt: at(2),
    });
    const timeline = await store.listTimeline('INC-20260314-0001');
    expect(timeline.map((entry) => entry.kind)).toEqual(['opened', 'alert-joined']);
    expect(timeline[1]?.details).toMatchObject({ rule: 'alerts by service', group: { service: 'checkout' } });
  });

  it('opens exactly one incident for twenty alarms of one service arriving at once', async () => {
    const signals = Array.from({ length: 20 }, (_, i) => alarm(`checkout-alarm-${i}`, 0));

    const results = await Promise.all(signals.map((signal) => apply(signal)));

    expect(results.filter((r) => r.outcome === 'opened')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'joined')).toHaveLength(19);
    const incidents = await incidentsByCreation();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ alertCount: 20, firingCount: 20 });
    expect(new Set(workflow.started)).toEqual(new Set([incidents[0]?.id]));
    const claims = await Promise.all(signals.map((signal) => store.claims.get(signal.dedupKey)));
    expect(new Set(claims.map((claim) => claim?.incidentId))).toEqual(new Set([incidents[0]?.id]));
  });

  it('opens a new incident for an alert after the window, and leaves the first one open', async () => {
    await apply(alarm('checkout-5xx', 0));

    const late = await apply(alarm('checkout-latency', 11));
    const within = await apply(alarm('checkout-errors', 15));

    expect(late).toEqual({ outcome: 'opened', incidentId: 'INC-20260314-0002' });
    expect(within).toEqual({ outcome: 'joined', incidentId: 'INC-20260314-0002' });
    expect((await incidentsByCreation()).map((i) => [i.status, i.alertCount])).toEqual([
      ['triggered', 1],
      ['triggered', 2],
    ]);
  });

  it('keeps security findings, opted-out alarms and AWS Health events each on their own incident', async () => {
    const finding = (id: string) =>
      alarmSignal({
        at: at(0),
        alarm: id,
        service: 'checkout',
        source: { kind: 'guardduty', ref: id, name: id },
        dedupKey: `finding-${id}`,
      });

    const results = [
      await apply(finding('a')),
      await apply(finding('b')),
      await apply(alarm('checkout-5xx', 1)),
      await apply(alarm('checkout-canary', 1, { group: 'off' })),
    ];

    expect(results.map((r) => r.outcome)).toEqual(['opened', 'opened', 'opened', 'opened']);
  });

  it('resolves the incident when every alert that resolves by itself has, and not before', async () => {
    await apply(alarm('checkout-5xx', 0));
    await apply(alarm('checkout-latency', 1));
    await apply(alarm('checkout-disk', 2, { autoResolve: false }));

    const firstOk = await apply(alarm('checkout-5xx', 3, { action: 'resolve' }));
    const middle = await store.getIncident('INC-20260314-0001');
    const lastOk = await apply(alarm('checkout-latency', 4, { action: 'resolve' }));

    expect(firstOk).toEqual({ outcome: 'recovered', incidentId: 'INC-20260314-0001' });
    expect(middle).toMatchObject({ status: 'triggered', alertCount: 3, firingCount: 2 });
    expect(lastOk).toEqual({ outcome: 'resolved', incidentId: 'INC-20260314-0001' });
    expect(await store.getIncident('INC-20260314-0001')).toMatchObject({
      status: 'resolved',
      resolvedAt: at(4),
      firingCount: 1,
    });
    expect(workflow.signalled).toHaveLength(0); // no lifecycle token was parked in this test
    // Every alert was released: the next trigger of any of them opens a new incident.
    const claims = await Promise.all(
      ['checkout-5xx', 'checkout-latency', 'checkout-disk'].map((name) =>
        store.claims.get(alarm(name, 0).dedupKey),
      ),
    );
    expect(claims.map((claim) => claim?.open)).toEqual([false, false, false]);
    const again = await apply(alarm('checkout-disk', 5, { autoResolve: false }));
    expect(again).toEqual({ outcome: 'opened', incidentId: 'INC-20260314-0002' });
  });

  it('flips an alert back to firing when it fires again while its incident is open', async () => {
    await apply(alarm('checkout-5xx', 0));
    await apply(alarm('checkout-latency', 1));
    await apply(alarm('checkout-5xx', 2, { action: 'resolve' }));

    const again = await apply(alarm('checkout-5xx', 3));

    expect(again).toEqual({ outcome: 'refired', incidentId: 'INC-20260314-0001' });
    expect(await store.getIncident('INC-20260314-0001')).toMatchObject({ alertCount: 2, firingCount: 2 });
    expect(await store.claims.get(alarm('checkout-5xx', 0).dedupKey)).toMatchObject({
      state: 'firing',
      fired: 2,
      firstSeen: at(0),
      lastSeen: at(3),
    });
  });

  it('raises the incident to the priority of a more urgent alert that joins it, once', async () => {
    await apply(alarm('checkout-latency', 0, { impact: 'low', urgency: 'medium' }));
    const before = await store.getIncident('INC-20260314-0001');

    await apply(alarm('checkout-5xx', 1, { impact: 'high', urgency: 'high' }));
    await apply(alarm('checkout-errors', 2, { impact: 'medium', urgency: 'high' }));

    const incident = await store.getIncident('INC-20260314-0001');
    expect(before?.priority).toBe('P4');
    expect(incident).toMatchObject({ priority: 'P1', priorityRaisedAt: new Date(T0).toISOString() });
    expect(Date.parse(String(incident?.respondBy))).toBe(T0 + 15 * 60_000);
    const kinds = (await store.listTimeline('INC-20260314-0001')).map((entry) => entry.kind);
    expect(kinds.filter((kind) => kind === 'priority-raised')).toHaveLength(1);
    expect(workflow.started).toEqual(['INC-20260314-0001']);
  });

  it('changes nothing for a redelivered join, and ignores an older change of the same alert', async () => {
    await apply(alarm('checkout-5xx', 0));
    const join = alarm('checkout-latency', 2);
    await apply(join);

    const again = await apply(join);
    const older = await apply(alarm('checkout-latency', 1, { action: 'resolve' }));

    expect(again).toEqual({ outcome: 'duplicate', incidentId: 'INC-20260314-0001' });
    expect(older.outcome).toBe('stale');
    expect(await store.getIncident('INC-20260314-0001')).toMatchObject({ alertCount: 2, firingCount: 2 });
    expect((await store.listTimeline('INC-20260314-0001')).map((e) => e.kind)).toEqual([
      'opened',
      'alert-joined',
    ]);
  });

  it('costs one write for a repeat and three requests for a join in a warm container', async () => {
    const hints = new AlertHints();
    await apply(alarm('checkout-5xx', 0), grouped(hints));
    const counted = countingDeps(hints);

    await applySignal(counted.deps, alarm('checkout-5xx', 1));
    const repeat = counted.take();
    await applySignal(counted.deps, alarm('checkout-latency', 2));
    const join = counted.take();

    expect(repeat).toEqual(['UpdateCommand']);
    expect(join.sort()).toEqual(['PutCommand', 'UpdateCommand', 'UpdateCommand']);
  });
});

describe('merging incidents', () => {
  it('moves the alerts and groups into the other incident and resolves the merged one', async () => {
    await apply(alarm('checkout-5xx', 0));
    await apply(alarm('checkout-latency', 1));
    await apply(alarm('payments-5xx', 2, { service: 'payments', impact: 'high', urgency: 'high' }));

    const merged = await mergeIncident(
      { store, workflow, clock: () => new Date(T0 + 3 * 60_000) },
      'INC-20260314-0001',
      'INC-20260314-0002',
      'alice',
    );

    expect(merged.moved).toBe(2);
    expect(merged.source).toMatchObject({
      status: 'resolved',
      mergedInto: 'INC-20260314-0002',
      resolution: 'Merged into INC-20260314-0002',
      alertCount: 0,
    });
    expect(merged.target).toMatchObject({ alertCount: 3, firingCount: 3, priority: 'P1' });
    // The moved alerts now change the target: its recovery is counted there.
    const recovered = await apply(alarm('checkout-5xx', 4, { action: 'resolve' }));
    // A new alarm of the merged incident's service joins the target.
    const joined = await apply(alarm('checkout-errors', 5));
    expect(recovered).toEqual({ outcome: 'recovered', incidentId: 'INC-20260314-0002' });
    expect(joined).toEqual({ outcome: 'joined', incidentId: 'INC-20260314-0002' });
    expect(await store.getIncident('INC-20260314-0002')).toMatchObject({ alertCount: 4, firingCount: 3 });
    const sourceKinds = (await store.listTimeline('INC-20260314-0001')).map((e) => e.kind);
    const targetKinds = (await store.listTimeline('INC-20260314-0002')).map((e) => e.kind);
    expect(sourceKinds).toContain('merged');
    expect(targetKinds.filter((kind) => kind === 'merged')).toHaveLength(1);
  });

  it('answers a repeated merge as done, and refuses a merge into itself, a missing or a resolved incident', async () => {
    await apply(alarm('checkout-5xx', 0));
    await apply(alarm('search-5xx', 1, { service: 'search' }));
    await apply(alarm('search-5xx', 2, { service: 'search', action: 'resolve' }));
    const deps = { store, workflow, clock: () => new Date(T0) };
    await apply(alarm('auth-5xx', 3, { service: 'auth' }));

    await mergeIncident(deps, 'INC-20260314-0001', 'INC-20260314-0003', 'alice');
    const again = await mergeIncident(deps, 'INC-20260314-0001', 'INC-20260314-0003', 'alice');
    const refusals = await Promise.all(
      [
        ['INC-20260314-0003', 'INC-20260314-0003'],
        ['INC-20260314-0003', 'INC-20260314-0099'],
        ['INC-20260314-0003', 'INC-20260314-0002'],
      ].map(([from, into]) =>
        mergeIncident(deps, String(from), String(into), 'alice').catch((error: unknown) => error),
      ),
    );

    expect(again.moved).toBe(0);
    expect(refusals.map((error) => (error instanceof MergeRefused ? error.reason : error))).toEqual([
      'conflict',
      'not-found',
      'conflict',
    ]);
    const timeline = await store.listTimeline('INC-20260314-0003');
    expect(timeline.filter((entry) => entry.kind === 'merged')).toHaveLength(1);
  });
});

/** Deps whose store counts the commands it sends, by name; `take` returns and clears them. */
function countingDeps(hints: AlertHints) {
  const sent: string[] = [];
  const sender = {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return (server.doc.send as (c: unknown) => Promise<unknown>)(command);
    },
  } as unknown as Parameters<typeof depsFor>[0];
  const deps = {
    ...depsFor(sender, table, new Date(T0), workflow),
    grouping: DEFAULT_GROUPING_CONFIG,
    hints,
  };
  return { deps, take: () => sent.splice(0) };
}
