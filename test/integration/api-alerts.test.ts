import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import type { Alert } from '#core/alerts';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Incident, Signal } from '#core/model';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { type ApiAnswer, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { depsFor } from '../support/store-harness';

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
  table = await server.createTable('api-alerts');
  api = await loadApi(server, table);
});
afterEach(() => api.restore());

const T0 = Date.parse('2026-03-14T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Alerts through the real ingest path, grouped by service as the API's own webhooks group them. */
async function alarm(name: string, minutes: number, service: string, extra: Partial<Signal> = {}) {
  const result = await applySignal(
    { ...depsFor(server.doc, table, new Date(T0)), grouping: DEFAULT_GROUPING_CONFIG },
    alarmSignal({ at: at(minutes), alarm: name, service, ...extra }),
  );
  if (!('incidentId' in result) || !result.incidentId) throw new Error(`no incident: ${result.outcome}`);
  return result.incidentId;
}

interface AlertPage {
  items: Alert[];
  nextCursor?: string;
}

const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string } }).error;

function alertsOf(id: string, query: Record<string, string> = {}) {
  return api.call('GET /incidents/{id}/alerts', `/incidents/${id}/alerts`, { query });
}

function merge(id: string, body: unknown, scopes?: string[]) {
  return api.call('POST /incidents/{id}/merge', `/incidents/${id}/merge`, {
    body,
    ...(scopes ? { scopes } : {}),
  });
}

describe('GET /incidents/{id}/alerts', () => {
  it('lists an incident’s alerts with their states and counts, paginated; the incident carries the counts', async () => {
    const id = await alarm('checkout-0', 0, 'checkout');
    await alarm('checkout-1', 1, 'checkout');
    await alarm('checkout-2', 2, 'checkout');
    await alarm('checkout-0', 3, 'checkout');
    await alarm('checkout-1', 4, 'checkout', { action: 'resolve' });

    const all = await alertsOf(id);
    const pages: Alert[][] = [];
    let cursor: string | undefined;
    do {
      const page = await alertsOf(id, { limit: '1', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      const body = page.body as AlertPage;
      pages.push(body.items);
      cursor = body.nextCursor;
    } while (cursor && pages.length < 10);
    const one = await api.call('GET /incidents/{id}', `/incidents/${id}`);
    const list = await api.call('GET /incidents', '/incidents', { query: { service: 'checkout' } });

    expect(all.status).toBe(200);
    const items = (all.body as AlertPage).items;
    expect(items.map((a) => [a.source.name, a.state, a.firedCount, a.firstSeenAt, a.lastSeenAt])).toEqual([
      ['checkout-0', 'firing', 2, at(0), at(3)],
      ['checkout-1', 'resolved', 1, at(1), at(1)],
      ['checkout-2', 'firing', 1, at(2), at(2)],
    ]);
    expect((all.body as AlertPage).nextCursor).toBeUndefined();
    expect(pages).toEqual(items.map((item) => [item]));
    expect(one.body).toMatchObject({
      id,
      alertCount: 3,
      firingCount: 2,
      groupKeys: ['alerts by service|service=checkout'],
    });
    expect((list.body as { items: Incident[] }).items).toEqual([one.body]);
  });

  it('answers 404 for an unknown incident and 400 naming a bad limit, cursor or parameter', async () => {
    const id = await alarm('checkout-0', 0, 'checkout');

    const unknown = await alertsOf('INC-20990101-0001');
    const notAnId = await alertsOf('checkout');
    const limit = await alertsOf(id, { limit: '101' });
    const cursor = await alertsOf(id, { cursor: 'bm90LWEtY3Vyc29y' });
    const extra = await alertsOf(id, { state: 'firing' });
    const anonymous = await api.call('GET /incidents/{id}/alerts', `/incidents/${id}/alerts`, {
      anonymous: true,
    });

    expect([unknown, notAnId, limit, cursor, extra, anonymous].map((a) => a.status)).toEqual([
      404, 404, 400, 400, 400, 401,
    ]);
    expect(errorOf(unknown)).toEqual({
      code: 'not_found',
      message: 'incident INC-20990101-0001 does not exist',
    });
    expect([limit, cursor, extra].map((a) => errorOf(a).field)).toEqual(['limit', 'cursor', 'state']);
  });
});

describe('POST /incidents/{id}/merge', () => {
  /** Two payments alerts on one incident, one billing alert (P1) on another. */
  async function twoIncidents() {
    const source = await alarm('payments-0', 0, 'payments');
    await alarm('payments-1', 1, 'payments');
    const target = await alarm('billing-0', 2, 'billing', { impact: 'low', urgency: 'low' });
    return { source, target };
  }

  it('moves the alerts into the other incident, resolves the merged one, and answers a repeat the same', async () => {
    const { source, target } = await twoIncidents();
    const store = new IncidentStore(server.doc, table);
    await store.parkLifecycleToken(source, 'source-token', new Date(T0 + 60_000));

    const merged = await merge(source, { into: target });
    const again = await merge(source, { into: target });
    const sourceAlerts = await alertsOf(source);
    const targetAlerts = await alertsOf(target);
    const timelines = await Promise.all(
      [source, target].map((id) => api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`)),
    );
    const list = await api.call('GET /incidents', '/incidents', { query: { service: 'payments' } });

    expect(merged.status).toBe(200);
    const body = merged.body as { incident: Incident; into: Incident };
    expect(Object.keys(body).sort()).toEqual(['incident', 'into']);
    expect(body.incident).toMatchObject({
      id: source,
      status: 'resolved',
      mergedInto: target,
      resolution: `Merged into ${target}`,
      resolvedBy: 'alice',
      alertCount: 0,
      firingCount: 0,
    });
    expect(body.into).toMatchObject({
      id: target,
      status: 'triggered',
      alertCount: 3,
      firingCount: 3,
      priority: 'P2',
    });
    expect(again).toEqual(merged);
    expect((sourceAlerts.body as AlertPage).items.map((a) => [a.source.name, a.movedTo]).sort()).toEqual([
      ['payments-0', target],
      ['payments-1', target],
    ]);
    expect(
      (targetAlerts.body as AlertPage).items.map((a) => [a.source.name, a.incidentId, a.movedTo]),
    ).toEqual([
      ['payments-0', target, undefined],
      ['payments-1', target, undefined],
      ['billing-0', target, undefined],
    ]);
    const merges = timelines.map((answer) =>
      (answer.body as { items: Array<{ kind: string; actor: string; details: object }> }).items.filter(
        (entry) => entry.kind === 'merged',
      ),
    );
    expect(merges).toEqual([
      [expect.objectContaining({ actor: 'alice', details: { into: target, alerts: 2 } })],
      [
        expect.objectContaining({
          actor: 'alice',
          details: { from: source, alerts: 2, priority: { from: 'P4', to: 'P2' } },
        }),
      ],
    ]);
    expect((list.body as { items: Incident[] }).items).toEqual([body.incident]);
    // The merged incident's lifecycle is woken to end with its resolution notice (again on the repeat).
    const tokens = api.sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input.taskToken);
    expect(tokens).toEqual(['source-token', 'source-token']);
  });

  it('answers 404 naming which incident is missing, 409 naming which cannot take part, 400 for a bad id', async () => {
    const { source, target } = await twoIncidents();
    const resolved = await alarm('search-0', 3, 'search');
    await alarm('search-0', 4, 'search', { action: 'resolve' });
    const other = await alarm('auth-0', 5, 'auth');

    const missingTarget = await merge(source, { into: 'INC-20990101-0001' });
    const missingSource = await merge('INC-20990101-0001', { into: target });
    const itself = await merge(source, { into: source });
    const intoResolved = await merge(source, { into: resolved });
    const badId = await merge(source, { into: 'payments' });
    const noBody = await merge(source, undefined);
    const readOnly = await merge(source, { into: target }, ['firebreak/incidents:read']);
    const done = await merge(source, { into: target });
    const elsewhere = await merge(source, { into: other });

    expect(
      [missingTarget, missingSource, itself, intoResolved, badId, noBody, readOnly, done, elsewhere].map(
        (answer) => answer.status,
      ),
    ).toEqual([404, 404, 409, 409, 400, 400, 403, 200, 409]);
    expect(errorOf(missingTarget)).toEqual({
      code: 'not_found',
      message: 'incident INC-20990101-0001 does not exist',
      field: 'into',
    });
    expect(errorOf(missingSource)).toMatchObject({ code: 'not_found', field: 'id' });
    expect(errorOf(itself)).toEqual({
      code: 'conflict',
      message: 'an incident cannot be merged into itself',
      field: 'id',
    });
    expect(errorOf(intoResolved)).toEqual({
      code: 'conflict',
      message: `incident ${resolved} is resolved; merge into an open incident`,
      field: 'into',
    });
    expect(errorOf(badId)).toEqual({
      code: 'invalid_request',
      message: 'into: must be an incident id, like INC-20261127-0042',
      field: 'into',
    });
    expect(errorOf(noBody)).toMatchObject({ code: 'invalid_request', field: 'into' });
    expect(errorOf(elsewhere)).toEqual({
      code: 'conflict',
      message: `incident ${source} is resolved; only an open incident can be merged`,
      field: 'id',
    });
  });
});

describe('the OpenAPI document', () => {
  it('documents the alert listing, the merge, and the incident’s alert counts', async () => {
    const answer = await api.call('GET /openapi.json', '/openapi.json');

    interface ObjectSchema {
      properties: Record<string, unknown>;
      required: string[];
    }
    interface Operation {
      responses: Record<string, { content: { 'application/json': { schema: ObjectSchema } } }>;
    }
    const { paths } = answer.body as { paths: Record<string, Record<string, Operation>> };
    const schemaOf = (path: string, method: string): ObjectSchema | undefined =>
      paths[path]?.[method]?.responses['200']?.content['application/json'].schema;
    const page = schemaOf('/incidents/{id}/alerts', 'get');
    const alert = (page?.properties.items as { items: ObjectSchema } | undefined)?.items;
    const mergeAnswer = schemaOf('/incidents/{id}/merge', 'post');
    const incident = schemaOf('/incidents/{id}', 'get');

    expect(Object.keys(alert?.properties ?? {})).toEqual([
      'alertId',
      'dedupKey',
      'incidentId',
      'state',
      'movedTo',
      'autoResolve',
      'firstSeenAt',
      'lastSeenAt',
      'firedCount',
      'source',
      'title',
      'summary',
      'priority',
      'details',
    ]);
    expect(alert?.properties.state).toEqual({ type: 'string', enum: ['firing', 'resolved'] });
    expect(alert?.required).not.toContain('movedTo');
    expect(Object.keys(mergeAnswer?.properties ?? {})).toEqual(['incident', 'into']);
    expect(incident?.properties).toEqual(
      expect.objectContaining({
        alertCount: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        firingCount: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        groupKeys: expect.objectContaining({ type: 'array' }),
        mergedInto: expect.objectContaining({ type: 'string' }),
      }),
    );
    expect(incident?.required).toEqual(expect.arrayContaining(['alertCount', 'firingCount']));
  });
});
