import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import type { TimelineEntry } from '#core/model';
import { reviewDraft } from '../../lambdas/incidents/review-draft';
import { type ApiAnswer, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;
let store: IncidentStore;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('reviews');
  store = new IncidentStore(server.doc, table);
  api = await loadApi(server, table);
});
afterEach(() => api.restore());

const P1 = { title: 'Checkout returns 502', service: 'checkout', impact: 'high', urgency: 'high' };
const P2 = { title: 'Search is slow', service: 'search', impact: 'high', urgency: 'medium' };

const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string; version?: number } }).error;

interface ReviewAnswer {
  incidentId: string;
  state: string;
  version: number;
  dueAt: string;
  owner?: string;
  timeline: Array<{ at: string; kind: string; actor: string; message: string }>;
  actionItems: Array<{ id: string }>;
}

async function report(body: Record<string, unknown>): Promise<string> {
  const answer = await api.call('POST /incidents', '/incidents', { body });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

async function resolve(id: string, body: Record<string, unknown> = { resolution: 'rolled back' }) {
  const answer = await api.call('POST /incidents/{id}/resolve', `/incidents/${id}/resolve`, { body });
  expect(answer.status).toBe(200);
}

/** The lifecycle's review-draft step, as its resolution step runs it, on the incident as stored. */
async function runDraftStep(id: string, now = new Date()) {
  const incident = await store.getIncident(id);
  if (!incident) throw new Error(`no incident ${id}`);
  await reviewDraft({
    store,
    reviews: new ReviewStore(server.doc, table),
    alerts: new IncidentQueries(server.doc, table, () => now),
    runs: new RunbookRuns(server.doc, table),
    clock: () => now,
  })(incident);
}

const getReview = (id: string, headers: Record<string, string> = {}) =>
  api.call('GET /incidents/{id}/review', `/incidents/${id}/review`, { headers });
const putReview = (id: string, body: Record<string, unknown>) =>
  api.call('PUT /incidents/{id}/review', `/incidents/${id}/review`, { body });

async function timeline(id: string): Promise<TimelineEntry[]> {
  const answer = await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`, {
    query: { limit: '100' },
  });
  return (answer.body as { items: TimelineEntry[] }).items;
}

/** A resolved P1 (acknowledged by alice, a note, resolved) with its review draft opened by the lifecycle step. */
async function reviewedIncident(): Promise<string> {
  const id = await report(P1);
  expect((await api.call('POST /incidents/{id}/acknowledge', `/incidents/${id}/acknowledge`)).status).toBe(
    200,
  );
  const note = await api.call('POST /incidents/{id}/notes', `/incidents/${id}/notes`, {
    body: { message: 'the deploy at 10:02 | changed the pool size' },
  });
  expect(note.status).toBe(201);
  await resolve(id, { resolution: 'rolled back', rootCause: 'pool size too small' });
  await runDraftStep(id);
  return id;
}

describe('GET /incidents/{id}/review', () => {
  it('answers 404 incident_not_found for no incident and review_not_found before a review opens', async () => {
    // Prepare
    const id = await report(P1);

    // Act
    const none = await getReview('INC-20260101-0001');
    const notYet = await getReview(id);

    // Assess
    expect([none.status, errorOf(none).code]).toEqual([404, 'incident_not_found']);
    expect([notYet.status, errorOf(notYet).code]).toEqual([404, 'review_not_found']);
  });

  it('shows the draft the resolution of a P1 opened, due 48 h later, whose Markdown holds the real timeline in order', async () => {
    // Prepare
    const id = await reviewedIncident();
    const incident = await store.getIncident(id);

    // Act
    const json = await getReview(id);
    const markdown = await getReview(id, { accept: 'text/markdown' });

    // Assess
    const review = json.body as ReviewAnswer;
    expect(json.status).toBe(200);
    expect(review).toMatchObject({ incidentId: id, state: 'draft', version: 1, owner: 'alice' });
    expect(Date.parse(review.dueAt) - Date.parse(incident?.resolvedAt ?? '')).toBe(48 * 3_600_000);
    expect(review).not.toHaveProperty('PK');
    expect(review).not.toHaveProperty('gsi2pk');
    expect(markdown.status).toBe(200);
    expect(markdown.headers['content-type']).toBe('text/markdown; charset=utf-8');
    const text = String(markdown.body);
    const lines = text.split('\n');
    expect(lines).toContain(`State: draft · due ${review.dueAt} · owner alice`);
    const start = lines.indexOf('## Timeline (UTC)') + 3;
    const rows = lines.slice(start, lines.indexOf('', start));
    const recorded = (await timeline(id)).filter((entry) => entry.kind !== 'review');
    expect(recorded.map((entry) => entry.kind)).toEqual(['opened', 'acknowledged', 'note', 'resolved']);
    expect(rows).toEqual(
      recorded.map(
        (entry) =>
          `| ${entry.at} | ${entry.kind} | ${entry.actor} | ${entry.message.replace(/([\\`*_[\]<>#|])/g, '\\$1')} |`,
      ),
    );
    expect(review.timeline.map((entry) => entry.at)).toEqual(recorded.map((entry) => entry.at));
  });

  it('writes one review timeline entry when the draft step is retried, and keeps the first draft', async () => {
    // Prepare
    const id = await reviewedIncident();
    const first = (await getReview(id)).body;

    // Act
    await runDraftStep(id, new Date(Date.now() + 60_000));

    // Assess
    expect((await getReview(id)).body).toEqual(first);
    const entries = (await timeline(id)).filter((entry) => entry.kind === 'review');
    expect(entries.map((entry) => entry.message)).toEqual([
      `Review draft opened, due ${(first as ReviewAnswer).dueAt}`,
    ]);
  });
});

describe('PUT /incidents/{id}/review', () => {
  const BODY = {
    state: 'scheduled',
    scheduledFor: '2026-12-04T14:00:00Z',
    rootCause: 'The connection pool was sized for last year’s traffic',
    whys: ['Checkout timed out', 'The pool ran out of connections'],
    wentWell: ['Paged within a minute'],
    actionItems: [{ id: 'pool-alarm', title: 'Alarm on pool use', owner: 'bob', dueDate: '2026-12-15' }],
  };

  it('saves over the version read (200, version + 1), refuses a stale one (409 version_conflict) and takes a retry once', async () => {
    // Prepare
    const id = await reviewedIncident();

    // Act
    const saved = await putReview(id, { ...BODY, expectedVersion: 1 });
    const retried = await putReview(id, { ...BODY, expectedVersion: 1 });
    const stale = await putReview(id, { ...BODY, wentWell: ['other'], expectedVersion: 1 });

    // Assess
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      version: 2,
      state: 'scheduled',
      owner: 'alice',
      actionItems: [{ id: 'pool-alarm', status: 'open' }],
    });
    expect(retried).toMatchObject({ status: 200, body: saved.body });
    expect(stale.status).toBe(409);
    expect(errorOf(stale)).toMatchObject({ code: 'version_conflict', version: 2 });
    expect((await getReview(id)).body).toEqual(saved.body);
    const entries = (await timeline(id)).filter((entry) => entry.kind === 'review');
    expect(entries.map((entry) => entry.message)).toEqual([
      `Review draft opened, due ${(saved.body as ReviewAnswer).dueAt}`,
      'Review scheduled for 2026-12-04T14:00:00Z',
    ]);
  });

  it('answers 400 naming the field of a bad body, and writes nothing', async () => {
    // Prepare
    const id = await reviewedIncident();

    // Act
    const badDate = await putReview(id, {
      ...BODY,
      actionItems: [{ ...BODY.actionItems[0], dueDate: 'next week' }],
      expectedVersion: 1,
    });
    const unscheduled = await putReview(id, { state: 'scheduled', expectedVersion: 1 });
    const noVersion = await putReview(id, { state: 'draft' });

    // Assess
    expect([badDate.status, errorOf(badDate).field]).toEqual([400, 'actionItems[0].dueDate']);
    expect([unscheduled.status, errorOf(unscheduled).field]).toEqual([400, 'scheduledFor']);
    expect([noVersion.status, errorOf(noVersion).field]).toEqual([400, 'expectedVersion']);
    expect((await getReview(id)).body).toMatchObject({ version: 1, state: 'draft' });
  });

  it('refuses (400, field body) a review that would not fit one item, and keeps the one stored', async () => {
    // Prepare
    const id = await reviewedIncident();
    const lines = Array.from({ length: 50 }, (_, n) => `${n} ${'a'.repeat(3000)}`);

    // Act
    const answer = await putReview(id, {
      state: 'draft',
      wentWell: lines,
      wentPoorly: lines,
      lessons: lines,
      expectedVersion: 1,
    });

    // Assess
    expect([answer.status, errorOf(answer).field]).toEqual([400, 'body']);
    expect(errorOf(answer).message).toMatch(/^body: the review would take \d+ KB; it holds at most 360 KB/);
    expect((await getReview(id)).body).toMatchObject({ version: 1, wentWell: [] });
  });

  it('opens a review by hand with expectedVersion 0 only once the incident is resolved, and only once', async () => {
    // Prepare
    const id = await report({ ...P1, impact: 'low', urgency: 'low' });

    // Act
    const open = await putReview(id, { state: 'draft', expectedVersion: 0 });
    await resolve(id);
    const opened = await putReview(id, { ...BODY, expectedVersion: 0 });
    const again = await putReview(id, { state: 'draft', expectedVersion: 0 });

    // Assess
    expect([open.status, errorOf(open).code]).toEqual([409, 'incident_not_resolved']);
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ version: 1, state: 'scheduled', priority: 'P4' });
    expect((opened.body as ReviewAnswer).timeline.map((entry) => entry.kind)).toEqual(['opened', 'resolved']);
    expect([again.status, errorOf(again)]).toEqual([409, expect.objectContaining({ version: 1 })]);
  });
});

describe('GET /action-items', () => {
  const item = (id: string, owner: string, dueDate: string, status = 'open') => ({
    id,
    title: `Do ${id}`,
    owner,
    dueDate,
    status,
  });

  async function openWithItems(items: ReturnType<typeof item>[]): Promise<string> {
    const id = await report(P2);
    await resolve(id);
    const answer = await putReview(id, { state: 'draft', actionItems: items, expectedVersion: 0 });
    expect(answer.status).toBe(200);
    return id;
  }

  const list = async (query: Record<string, string>) => {
    const answer = await api.call('GET /action-items', '/action-items', { query });
    expect(answer.status).toBe(200);
    return answer.body as { items: Array<{ incidentId: string; id: string }>; nextCursor?: string };
  };
  const ids = (page: { items: Array<{ id: string }> }) => page.items.map((found) => found.id);

  it('lists the items of every incident by status and owner, in due order, a page at a time', async () => {
    // Prepare
    const a = await openWithItems([
      item('a1', 'bob', '2026-12-10'),
      item('a2', 'carol', '2026-12-05'),
      item('a3', 'bob', '2026-12-01', 'done'),
    ]);
    const b = await openWithItems([item('b1', 'bob', '2026-12-07'), item('b2', 'bob', '2026-12-20')]);

    // Act
    const open = await list({});
    const bobs = await list({ owner: 'bob' });
    const done = await list({ status: 'done' });
    const first = await list({ owner: 'bob', limit: '2' });
    const second = await list({ owner: 'bob', limit: '2', cursor: first.nextCursor ?? '' });
    const misused = await api.call('GET /action-items', '/action-items', {
      query: { status: 'done', cursor: first.nextCursor ?? '' },
    });

    // Assess
    expect(ids(open)).toEqual(['a2', 'b1', 'a1', 'b2']);
    expect(open.items[0]).toEqual({
      incidentId: a,
      id: 'a2',
      title: 'Do a2',
      owner: 'carol',
      dueDate: '2026-12-05',
      status: 'open',
    });
    expect(open.items.map((found) => found.incidentId)).toEqual([a, b, a, b]);
    expect(open.nextCursor).toBeUndefined();
    expect(ids(bobs)).toEqual(['b1', 'a1', 'b2']);
    expect(ids(done)).toEqual(['a3']);
    expect([ids(first), ids(second)]).toEqual([['b1', 'a1'], ['b2']]);
    expect(first.nextCursor).toBeDefined();
    expect(second.nextCursor).toBeUndefined();
    expect([misused.status, errorOf(misused).field]).toEqual([400, 'cursor']);
  });

  it('drops an item taken out of its review, and moves one whose status changed', async () => {
    // Prepare
    const a = await openWithItems([item('a1', 'bob', '2026-12-10'), item('a2', 'carol', '2026-12-05')]);

    // Act
    const saved = await putReview(a, {
      state: 'draft',
      actionItems: [item('a2', 'carol', '2026-12-05', 'done')],
      expectedVersion: 1,
    });

    // Assess
    expect(saved.status).toBe(200);
    expect(ids(await list({}))).toEqual([]);
    expect(ids(await list({ status: 'done' }))).toEqual(['a2']);
  });
});

describe('closing a P2 needs its review scheduled or completed', () => {
  it('refuses the close with missing ["review"] until the review is scheduled, then closes', async () => {
    // Prepare: every other item of the checklist fulfilled.
    const id = await report(P2);
    await resolve(id, { resolution: 'added an index', rootCause: 'a query lost its index' });
    const resolved = await store.getIncident(id);
    if (!resolved) throw new Error('no incident');
    expect(await store.recordNotice(resolved, 'resolution', new Date())).toBe(true);
    const close = () => api.call('POST /incidents/{id}/close', `/incidents/${id}/close`);

    // Act
    const withoutReview = await close();
    await runDraftStep(id);
    const withDraft = await close();
    const scheduled = await putReview(id, {
      state: 'scheduled',
      scheduledFor: '2026-12-04T14:00:00Z',
      expectedVersion: 1,
    });
    const closed = await close();

    // Assess
    for (const refused of [withoutReview, withDraft]) {
      expect(refused.status).toBe(409);
      expect(errorOf(refused)).toMatchObject({ code: 'checklist_incomplete', missing: ['review'] });
    }
    expect(scheduled.status).toBe(200);
    expect(closed).toMatchObject({ status: 200, body: { status: 'closed' } });
  });
});
