import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { ReviewStore } from '#adapters/review-store';
import { ReviewBody } from '#core/reviews';
import { IncidentCommands } from '../../lambdas/api/commands';
import { ApiError } from '../../lambdas/api/errors';
import { openReviewDraft } from '../../lambdas/incidents/review-draft';
import { releaseAlerts } from '../../lambdas/incidents/settle-alerts';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { allIncidents, depsFor, RecordingWorkflow } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let store: IncidentStore;
let workflow: RecordingWorkflow;
let commands: IncidentCommands;
let reviews: ReviewStore;
const NOW = new Date('2026-03-14T09:30:00.000Z');
const clock = { now: NOW };

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('commands');
  store = new IncidentStore(server.doc, table);
  workflow = new RecordingWorkflow();
  clock.now = NOW;
  reviews = new ReviewStore(server.doc, table);
  commands = new IncidentCommands({ store, workflow, reviews, clock: () => clock.now });
});

async function openOne(at = '2026-03-14T09:05:41.218Z') {
  const result = await applySignal(depsFor(server.doc, table), alarmSignal({ at }));
  if (result.outcome !== 'opened') throw new Error(`expected opened, got ${result.outcome}`);
  return result.incidentId;
}

async function kinds(id: string) {
  return (await store.listTimeline(id)).map((e) => e.kind);
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  return promise.then(
    () => 200,
    (error: unknown) => (error instanceof ApiError ? error.status : 500),
  );
}

describe('acknowledge', () => {
  it('acknowledges once: a second acknowledgement answers the same incident and adds no entry', async () => {
    const id = await openOne();

    const first = await commands.acknowledge(id, 'alice');
    const second = await commands.acknowledge(id, 'alice');

    expect(first).toMatchObject({
      status: 'acknowledged',
      assignee: 'alice',
      acknowledgedAt: NOW.toISOString(),
    });
    expect(second).toEqual(first);
    expect(await kinds(id)).toEqual(['opened', 'acknowledged']);
  });

  it('refuses to acknowledge a resolved incident (409) and answers 404 for an unknown id', async () => {
    const id = await openOne();
    await commands.resolve(id, 'bob', 'restarted the service');

    expect(await statusOf(commands.acknowledge(id, 'alice'))).toBe(409);
    expect(await statusOf(commands.acknowledge('INC-20260314-9999', 'alice'))).toBe(404);
  });
});

describe('resolve and close', () => {
  it('resolves by hand, wakes the lifecycle, and releases the alarm so its next ALARM opens a new incident', async () => {
    const id = await openOne();
    await store.parkLifecycleToken(id, 'token-1', NOW);

    const resolved = await commands.resolve(id, 'bob', 'rolled back deploy 42', 'bad config');
    const again = await commands.resolve(id, 'bob', 'rolled back deploy 42');
    const refire = await applySignal(
      depsFor(server.doc, table),
      alarmSignal({ at: '2026-03-14T10:00:00.000Z' }),
    );

    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'bob', rootCause: 'bad config' });
    expect(again.version).toBe(resolved.version);
    expect(workflow.signalled).toEqual(['token-1']);
    expect(refire.outcome).toBe('opened');
    expect(await kinds(id)).toEqual(['opened', 'resolved']);
  });

  it('counts a repeat on the alert while a hand resolve is releasing it, and opens a new incident after', async () => {
    const id = await openOne();
    // The person's resolve landed, its release of the alerts had not yet: the next ALARM still finds the
    // alert firing there and is counted on it (nothing is lost), until the release runs (the API's retry,
    // or the lifecycle's resolution step).
    const resolved = await store.resolveByHand(id, { actor: 'bob', resolution: 'fixed' }, NOW);
    const counted = await applySignal(
      depsFor(server.doc, table),
      alarmSignal({ at: '2026-03-14T09:30:00.000Z' }),
    );
    await releaseAlerts(store, resolved?.incident ?? (await store.getIncident(id)) ?? fail(id));

    const refire = await applySignal(
      depsFor(server.doc, table),
      alarmSignal({ at: '2026-03-14T10:00:00.000Z' }),
    );
    const redelivered = await applySignal(
      depsFor(server.doc, table),
      alarmSignal({ at: '2026-03-14T09:05:41.218Z' }),
    );

    expect(counted).toEqual({ outcome: 'deduplicated', incidentId: id });
    expect(refire.outcome).toBe('opened');
    expect(redelivered.outcome).toBe('stale');
    const incidents = await allIncidents(server, table);
    expect(incidents.map((i) => i.status).sort()).toEqual(['resolved', 'triggered']);
  });

  /** The resolution notice recorded, as the lifecycle records it when the notice went out. */
  async function recordResolutionNotice(id: string) {
    const incident = await store.getIncident(id);
    if (!incident) throw new Error(`no incident ${id}`);
    expect(await store.recordNotice(incident, 'resolution', clock.now)).toBe(true);
  }

  /** The review drafted (as the lifecycle drafts it after the resolution), then scheduled. */
  async function scheduleReview(id: string) {
    const incident = await store.getIncident(id);
    if (!incident) throw new Error(`no incident ${id}`);
    const queries = new IncidentQueries(server.doc, table, () => clock.now);
    await openReviewDraft({ store, reviews, alerts: queries, clock: () => clock.now }, incident);
    const body = ReviewBody.parse({ state: 'scheduled', scheduledFor: '2026-03-16T14:00:00Z' });
    expect(await reviews.save(id, body, 1, clock.now)).toMatchObject({ version: 2, state: 'scheduled' });
  }

  it('closes a resolved incident once and refuses to close an open one', async () => {
    const id = await openOne();
    expect((await store.getIncident(id))?.priority).toBe('P2');

    const early = await statusOf(commands.close(id, 'carol'));
    await commands.resolve(id, 'bob', 'fixed', 'a bad deploy');
    await recordResolutionNotice(id);
    const unreviewed = await commands.close(id, 'carol').catch((error: unknown) => error);
    await scheduleReview(id);
    clock.now = new Date('2026-03-15T11:00:00.000Z');
    const closed = await commands.close(id, 'carol');
    const again = await commands.close(id, 'carol');
    const resolveClosed = await statusOf(commands.resolve(id, 'bob', 'again'));

    expect(early).toBe(409);
    expect(unreviewed).toMatchObject({ status: 409, extra: { missing: ['review'] } });
    expect(closed).toMatchObject({ status: 'closed', closedBy: 'carol' });
    expect(again).toEqual(closed);
    expect(resolveClosed).toBe(409);
    expect(await kinds(id)).toEqual(['opened', 'resolved', 'review', 'closed']);
  });

  it('lets exactly one of racing acknowledgements and resolutions decide, with a complete timeline', async () => {
    const id = await openOne();

    const results = await Promise.all([
      statusOf(commands.acknowledge(id, 'alice')),
      statusOf(commands.resolve(id, 'bob', 'fixed')),
      statusOf(commands.acknowledge(id, 'carol')),
      statusOf(commands.resolve(id, 'dave', 'fixed too')),
    ]);

    const incident = await store.getIncident(id);
    expect(incident?.status).toBe('resolved');
    expect(results.every((status) => status === 200 || status === 409)).toBe(true);
    const timeline = await kinds(id);
    expect(timeline.filter((k) => k === 'resolved')).toHaveLength(1);
    expect(timeline.filter((k) => k === 'acknowledged').length).toBeLessThanOrEqual(1);
  });
});

describe('notes and field changes', () => {
  it('adds a note once per note id', async () => {
    const id = await openOne();

    await commands.addNote(id, 'alice', 'looking at the ALB logs', 'req-1');
    await commands.addNote(id, 'alice', 'looking at the ALB logs', 'req-1');
    await commands.addNote(id, 'alice', 'found it', 'req-2');

    expect(await kinds(id)).toEqual(['opened', 'note', 'note']);
  });

  it('re-derives the priority from a new impact, records each change with who and why, and bumps the version', async () => {
    const id = await openOne();

    const patched = await commands.patch(
      id,
      { impact: 'high' },
      { actor: 'alice', reason: 'checkout is down' },
    );

    expect(patched).toMatchObject({ impact: 'high', urgency: 'high', priority: 'P1', version: 2 });
    const changes = (await store.listTimeline(id)).filter((e) => e.kind === 'updated');
    expect(changes.map((e) => e.message).sort()).toEqual([
      'impact: medium → high (checkout is down)',
      'priority: P2 → P1 (checkout is down)',
    ]);
  });

  it('re-plans the lifecycle when a person raises the priority, and not when they lower it', async () => {
    const id = await openOne();
    await store.parkLifecycleToken(id, 'token-1', NOW);

    await commands.patch(id, { priority: 'P1' }, { actor: 'alice', reason: 'customers affected' });
    await commands.patch(id, { priority: 'P3' }, { actor: 'alice', reason: 'contained' });
    await commands.patch(id, { title: 'Checkout 502s' }, { actor: 'alice', reason: 'clearer' });

    expect(workflow.raised).toEqual(['token-1']);
  });

  it('refuses a change made against an old version (409) and lets one of two concurrent changes win', async () => {
    const id = await openOne();

    const stale = await statusOf(
      commands.patch(id, { title: 'new' }, { actor: 'a', reason: 'r', expectedVersion: 7 }),
    );
    const racing = await Promise.all([
      statusOf(commands.patch(id, { assignee: 'alice' }, { actor: 'a', reason: 'mine', expectedVersion: 1 })),
      statusOf(commands.patch(id, { assignee: 'bob' }, { actor: 'b', reason: 'mine', expectedVersion: 1 })),
    ]);

    expect(stale).toBe(409);
    expect(racing.sort()).toEqual([200, 409]);
    expect((await store.getIncident(id))?.version).toBe(2);
  });
});

function fail(id: string): never {
  throw new Error(`incident ${id} is gone`);
}
