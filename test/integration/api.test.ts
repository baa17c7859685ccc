import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiAnswer, loadApi, ONLY_RESOLVED } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { loadFixture } from '../support/fixtures';
import { allIncidents } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('api');
  // Closing is not what these tests are about: no lifecycle runs here to send the resolution notice.
  api = await loadApi(server, table, undefined, { closingChecklist: ONLY_RESOLVED });
});
afterEach(() => api.restore());

const REPORT = {
  title: 'Checkout returns 502 for some users',
  service: 'checkout',
  impact: 'high',
  urgency: 'high',
};

async function report(): Promise<string> {
  const answer = await api.call('POST /incidents', '/incidents', { body: REPORT });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

const errorOf = (answer: ApiAnswer) => (answer.body as { error: { code: string; field?: string } }).error;

describe('incident routes through the real API handler', () => {
  it('reports an incident (P1 from the matrix), starts its lifecycle, and reads it back', async () => {
    const id = await report();

    const one = await api.call('GET /incidents/{id}', `/incidents/${id}`);
    const list = await api.call('GET /incidents', '/incidents', { query: { status: 'triggered' } });

    expect(one.body).toMatchObject({ id, priority: 'P1', status: 'triggered', service: 'checkout' });
    expect((list.body as { items: Array<{ id: string }> }).items.map((i) => i.id)).toEqual([id]);
    expect([...api.started]).toEqual([id]);
  });

  it('makes a report with the same Idempotency-Key a no-op', async () => {
    const headers = { 'idempotency-key': 'report-1' };
    const first = await api.call('POST /incidents', '/incidents', { body: REPORT, headers });
    const second = await api.call('POST /incidents', '/incidents', { body: REPORT, headers });

    expect((second.body as { id: string }).id).toBe((first.body as { id: string }).id);
    expect(await allIncidents(server, table)).toHaveLength(1);
  });

  it('acknowledges, notes, updates, escalates, changes, resolves and closes, with a complete timeline', async () => {
    const id = await report();
    const path = `/incidents/${id}`;

    const ack = await api.call('POST /incidents/{id}/acknowledge', `${path}/acknowledge`);
    const ackAgain = await api.call('POST /incidents/{id}/acknowledge', `${path}/acknowledge`);
    const note = await api.call('POST /incidents/{id}/notes', `${path}/notes`, {
      body: { message: 'on it' },
    });
    const update = await api.call('POST /incidents/{id}/updates', `${path}/updates`, {
      body: { phase: 'Identified', message: 'bad deploy' },
    });
    const escalate = await api.call('POST /incidents/{id}/escalate', `${path}/escalate`);
    const patch = await api.call('PATCH /incidents/{id}', path, {
      body: { assignee: 'bob', reason: 'handover' },
      headers: { 'if-match': String((escalate.body as { version: number }).version) },
    });
    const resolve = await api.call('POST /incidents/{id}/resolve', `${path}/resolve`, {
      body: { resolution: 'rolled back', rootCause: 'config' },
    });
    const close = await api.call('POST /incidents/{id}/close', `${path}/close`);
    const timeline = await api.call('GET /incidents/{id}/timeline', `${path}/timeline`);

    expect([ack, ackAgain, note, update, escalate, patch, resolve, close].map((a) => a.status)).toEqual([
      200, 200, 201, 200, 200, 200, 200, 200,
    ]);
    expect(ackAgain.body).toEqual(ack.body);
    expect(close.body).toMatchObject({ status: 'closed', assignee: 'bob', rootCause: 'config' });
    const kinds = (timeline.body as { items: Array<{ kind: string }> }).items.map((e) => e.kind);
    expect(kinds).toEqual([
      'opened',
      'acknowledged',
      'note',
      'updated',
      'escalated',
      'updated',
      'resolved',
      'closed',
    ]);
    expect(api.published.map((p) => p.topic.split(':').pop())).toEqual([
      'firebreak-stakeholders',
      'firebreak-primary-on-call',
    ]);
  });

  it('pages through the list newest first with no incident lost or repeated', async () => {
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await report());

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.call('GET /incidents', '/incidents', {
        query: { limit: '3', ...(cursor ? { cursor } : {}) },
      });
      const body = page.body as { items: Array<{ id: string }>; nextCursor?: string };
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
    } while (cursor);

    expect(seen).toEqual([...ids].reverse());
  });

  it('answers every error in one shape: 400 naming the field, 401, 403, 404, 409, 413, 415', async () => {
    const id = await report();

    const bad = await api.call('POST /incidents', '/incidents', { body: { ...REPORT, impact: 'huge' } });
    const badQuery = await api.call('GET /incidents', '/incidents', { query: { limit: '1000' } });
    const badCursor = await api.call('GET /incidents', '/incidents', { query: { cursor: 'nope' } });
    const anonymous = await api.call('GET /incidents', '/incidents', { anonymous: true });
    const readOnly = await api.call('POST /incidents', '/incidents', {
      body: REPORT,
      scopes: ['firebreak/incidents:read'],
    });
    const missing = await api.call('GET /incidents/{id}', '/incidents/INC-20261127-9999');
    await api.call('POST /incidents/{id}/resolve', `/incidents/${id}/resolve`, { body: { resolution: 'x' } });
    await api.call('POST /incidents/{id}/close', `/incidents/${id}/close`);
    const illegal = await api.call('POST /incidents/{id}/resolve', `/incidents/${id}/resolve`, {
      body: { resolution: 'again' },
    });
    const huge = await api.call('POST /incidents', '/incidents', {
      body: { ...REPORT, description: 'x'.repeat(600_000) },
    });
    const notJson = await api.call('POST /incidents', '/incidents', {
      rawBody: 'title=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const broken = await api.call('POST /incidents', '/incidents', {
      rawBody: '{"title":',
      headers: { 'content-type': 'application/json' },
    });

    expect(
      [bad, badQuery, badCursor, anonymous, readOnly, missing, illegal, huge, notJson, broken].map(
        (a) => a.status,
      ),
    ).toEqual([400, 400, 400, 401, 403, 404, 409, 413, 415, 400]);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    expect(errorOf(bad).field).toBe('impact');
    expect(errorOf(badQuery).field).toBe('limit');
    expect(errorOf(badCursor).field).toBe('cursor');
    expect(errorOf(broken).field).toBe('body');
    expect(await allIncidents(server, table)).toHaveLength(1);
  });

  it('serves the OpenAPI 3.1 document generated from the handlers’ schemas', async () => {
    const answer = await api.call('GET /openapi.json', '/openapi.json', {
      scopes: ['firebreak/incidents:read'],
    });

    const document = answer.body as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/incidents', '/incidents/{id}', '/incidents/{id}/timeline', '/v2/enqueue']),
    );
  });
});

describe('integration routes through the real API handler', () => {
  async function integrationKey(kind: 'pagerduty' | 'alertmanager') {
    const answer = await api.call('POST /integrations/keys', '/integrations/keys', {
      body: { name: kind, kind },
    });
    expect(answer.status).toBe(201);
    return (answer.body as { key: string }).key;
  }

  it('plays fixtures 15 → 16 → 17 through /v2/enqueue: opens, acknowledges, resolves one incident', async () => {
    const key = await integrationKey('pagerduty');
    const send = (prefix: string) =>
      api.call('POST /v2/enqueue', '/v2/enqueue', {
        anonymous: true,
        body: { ...loadFixture(prefix), routing_key: key },
      });

    const answers = [await send('15-'), await send('16-'), await send('17-')];

    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(answers[0]?.body).toMatchObject({ status: 'success', message: 'Event processed' });
    const incidents = await allIncidents(server, table);
    expect(incidents.map((i) => [i.status, i.acknowledgedAt !== undefined])).toEqual([['resolved', true]]);
  });

  it('plays fixtures 13 → 14 through /integrations/alertmanager: one incident for the service, both alerts on it, resolved with the last', async () => {
    const key = await integrationKey('alertmanager');
    const send = (prefix: string) =>
      api.call('POST /integrations/alertmanager', '/integrations/alertmanager', {
        anonymous: true,
        headers: { authorization: `Bearer ${key}` },
        body: loadFixture(prefix),
      });
    const outcomes = (answer: { body: unknown }) =>
      (answer.body as { results: Array<{ outcome: string }> }).results.map((r) => r.outcome);

    const firing = await send('13-');
    const again = await send('13-');
    const resolved = await send('14-');

    expect([firing.status, again.status, resolved.status]).toEqual([200, 200, 200]);
    expect(outcomes(firing)).toEqual(['opened', 'joined']);
    expect(outcomes(again)).toEqual(['duplicate', 'duplicate']);
    expect(outcomes(resolved)).toEqual(['recovered', 'resolved']);
    const incidents = await allIncidents(server, table);
    expect(incidents.map((i) => i.status)).toEqual(['resolved']);
    const incident = await api.call('GET /incidents/{id}', `/incidents/${String(incidents[0]?.id)}`);
    expect(incident.body).toMatchObject({ alertCount: 2, firingCount: 0 });
  });
});
