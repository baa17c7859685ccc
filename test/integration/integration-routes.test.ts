import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { hashKey, IntegrationKeys, type IntegrationKind } from '#adapters/integration-keys';
import { ApiError } from '../../lambdas/api/errors';
import type { ApiRequest, ApiResponse, Principal, Routes } from '../../lambdas/api/http';
import { createIntegrationRoutes } from '../../lambdas/api/integration-routes';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { loadFixture } from '../support/fixtures';
import { allIncidents, crashingSender, depsFor, RecordingWorkflow } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let store: IncidentStore;
let keys: IntegrationKeys;
let workflow: RecordingWorkflow;
let routes: Routes;
const clock = { now: new Date('2026-03-14T09:06:00.000Z') };
let generatedDedupKeys: number;

/** The routing key the PagerDuty fixtures carry: the tests create the integration with exactly this key. */
const FIXTURE_ROUTING_KEY = 'e174651fb2bf87c78032b6f8e52acbfc';
const ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu-utilization-high';
const ADMIN: Principal = {
  kind: 'user',
  id: 'alice',
  scopes: new Set(['admin', 'incidents:write', 'incidents:read']),
};
const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', scopes: new Set() };
let keyCounter = 0;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('introutes');
  store = new IncidentStore(server.doc, table);
  keys = new IntegrationKeys(server.doc, table);
  workflow = new RecordingWorkflow();
  clock.now = new Date('2026-03-14T09:06:00.000Z');
  generatedDedupKeys = 0;
  routes = routesOver(server.doc);
});

function routesOver(sender: Parameters<typeof depsFor>[0]): Routes {
  return createIntegrationRoutes({
    keys,
    ingest: { ...depsFor(sender, table, clock.now, workflow), clock: () => clock.now },
    newDedupKey: () => `generated-${++generatedDedupKeys}`,
    newKey: () => (++keyCounter).toString(16).padStart(32, '0'),
  });
}

/** Builds the ApiRequest the router would, at the current test time. */
function request(routeKey: string, parts: Partial<ApiRequest> = {}): ApiRequest {
  const [method = 'POST', path = '/'] = routeKey.split(' ');
  return {
    routeKey,
    method,
    path,
    pathParameters: {},
    query: {},
    headers: {},
    body: undefined,
    requestId: `req-${clock.now.getTime()}-${Math.random().toString(16).slice(2)}`,
    principal: ANONYMOUS,
    receivedAt: clock.now.toISOString(),
    ...parts,
  };
}

/** Calls a route as the router does: an ApiError becomes the API's error answer; anything else is thrown. */
async function call(routeKey: string, parts: Partial<ApiRequest> = {}): Promise<ApiResponse> {
  const route = routes[routeKey];
  if (!route) throw new Error(`no route ${routeKey}`);
  try {
    return await route.handler(request(routeKey, parts));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const field = error.field ? { field: error.field } : {};
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...field } } };
  }
}

async function integration(kind: IntegrationKind, key: string, name = `${kind}-test`) {
  return (await keys.create({ name, kind, createdBy: 'alice' }, clock.now, () => key)).integration;
}

const enqueue = (body: unknown) => call('POST /v2/enqueue', { body });
const alertmanager = (body: unknown, token?: string) =>
  call('POST /integrations/alertmanager', {
    body,
    headers: token === undefined ? {} : { authorization: token },
  });

async function incidents() {
  return (await allIncidents(server, table)).sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

function at(iso: string) {
  clock.now = new Date(iso);
}

describe('POST /v2/enqueue (PagerDuty Events API v2)', () => {
  it('fixtures 15 → 16 → 17 open, acknowledge and resolve one incident, answered as PagerDuty does', async () => {
    const pagerduty = await integration('pagerduty', FIXTURE_ROUTING_KEY);
    const accepted = { status: 'success', message: 'Event processed', dedup_key: ALARM_ARN };

    at('2026-03-14T09:06:00.000Z');
    const triggered = await enqueue(loadFixture('15'));
    const opened = await incidents();
    at('2026-03-14T09:10:00.000Z');
    const acknowledged = await enqueue(loadFixture('16'));
    const afterAck = await incidents();
    at('2026-03-14T09:20:00.000Z');
    const resolved = await enqueue(loadFixture('17'));
    const afterResolve = await incidents();

    expect([triggered, acknowledged, resolved]).toEqual([
      { status: 202, body: accepted },
      { status: 202, body: accepted },
      { status: 202, body: accepted },
    ]);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      status: 'triggered',
      dedupKey: `pagerduty:${pagerduty.integrationId}:${ALARM_ARN}`,
      urgency: 'high',
      service: 'web-frontend',
    });
    expect(afterAck.map((i) => i.status)).toEqual(['acknowledged']);
    expect(afterResolve.map((i) => [i.id, i.status])).toEqual([[opened[0]?.id, 'resolved']]);
    expect(workflow.started).toEqual([opened[0]?.id]);
  });

  it('generates and returns a key for a trigger without one; after resolve, that key opens a new incident', async () => {
    await integration('pagerduty', FIXTURE_ROUTING_KEY);
    const trigger = { routing_key: FIXTURE_ROUTING_KEY, event_action: 'trigger' };
    const payload = { summary: 'Disk almost full on db-1', source: 'db-1', severity: 'warning' };

    at('2026-03-14T09:06:00.000Z');
    const first = await enqueue({ ...trigger, payload });
    at('2026-03-14T09:07:00.000Z');
    const resolve = await enqueue({
      routing_key: FIXTURE_ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'generated-1',
    });
    at('2026-03-14T09:30:00.000Z');
    const again = await enqueue({ ...trigger, dedup_key: 'generated-1', payload });

    expect(first).toMatchObject({ status: 202, body: { dedup_key: 'generated-1' } });
    expect(resolve).toMatchObject({ status: 202, body: { dedup_key: 'generated-1' } });
    expect(again).toMatchObject({ status: 202, body: { dedup_key: 'generated-1' } });
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('keeps two integrations that send the same dedup_key apart', async () => {
    await integration('pagerduty', FIXTURE_ROUTING_KEY, 'team-a');
    const other = 'f'.repeat(32);
    await integration('pagerduty', other, 'team-b');

    await enqueue(loadFixture('15'));
    await enqueue({ ...loadFixture('15'), routing_key: other });
    at('2026-03-14T09:10:00.000Z');
    await enqueue({ ...loadFixture('17'), routing_key: other });

    expect((await incidents()).map((i) => i.status).sort()).toEqual(['resolved', 'triggered']);
  });

  it('answers 400 "Invalid routing key" for unknown, revoked and Alertmanager keys, and opens nothing', async () => {
    const revoked = 'd'.repeat(32);
    const { integrationId } = await integration('pagerduty', revoked);
    await keys.revoke(integrationId, 'bob', clock.now);
    const alertmanagerKey = 'c'.repeat(32);
    await integration('alertmanager', alertmanagerKey);
    const invalidKey = {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ['Invalid routing key'],
    };

    const answers = await Promise.all(
      [FIXTURE_ROUTING_KEY, revoked, alertmanagerKey].map((key) =>
        enqueue({ ...loadFixture('15'), routing_key: key }),
      ),
    );

    expect(answers).toEqual(Array(3).fill({ status: 400, body: invalidKey }));
    expect(await incidents()).toEqual([]);
  });

  it('answers 400 invalid event naming the field for bad bodies, and writes nothing', async () => {
    await integration('pagerduty', FIXTURE_ROUTING_KEY);
    const fixture = loadFixture('15');
    const payload = fixture.payload as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      [undefined, /^event: /],
      ['trigger', /^event: /],
      [[fixture], /^event: /],
      [{ ...fixture, routing_key: undefined }, /^routing_key: is missing/],
      [{ ...fixture, routing_key: 'short' }, /^routing_key: must be 32 characters long, got 5$/],
      [{ ...fixture, event_action: 'explode' }, /^event_action: /],
      [{ ...fixture, payload: { ...payload, summary: undefined } }, /^payload\.summary: is missing/],
      [{ ...fixture, payload: { ...payload, severity: 'sev1' } }, /^payload\.severity: /],
      [{ ...loadFixture('16'), dedup_key: undefined }, /^dedup_key: is missing/],
    ];

    for (const [body, error] of cases) {
      const answer = await enqueue(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
      expect((answer.body as { errors: string[] }).errors).toEqual([expect.stringMatching(error)]);
    }
    expect(await incidents()).toEqual([]);
    expect(workflow.started).toEqual([]);
  });

  it('throws when the store fails, so the sender gets a 5xx and retries instead of a false success', async () => {
    await integration('pagerduty', FIXTURE_ROUTING_KEY);
    routes = routesOver(crashingSender(server.doc, 0));

    const answer = enqueue(loadFixture('15'));

    await expect(answer).rejects.toThrow(/simulated crash/);
  });
});

describe('POST /integrations/alertmanager', () => {
  const KEY = '0123456789abcdef0123456789abcdef';
  const bearer = `Bearer ${KEY}`;

  it('fixture 13 opens one incident per fingerprint; 14 resolves both', async () => {
    const { integrationId } = await integration('alertmanager', KEY);

    at('2026-03-14T09:22:00.000Z');
    const firing = await alertmanager(loadFixture('13'), bearer);
    const opened = await incidents();
    at('2026-03-14T09:58:10.000Z');
    const resolved = await alertmanager(loadFixture('14'), bearer);

    const ids = opened.map((i) => i.id);
    expect(firing).toEqual({
      status: 200,
      body: {
        results: [
          { fingerprint: '3c9e1f7a2b6d0e84', outcome: 'opened', incidentId: ids[0] },
          { fingerprint: 'a41d7c02e95f3b6e', outcome: 'opened', incidentId: ids[1] },
        ],
        rejected: [],
      },
    });
    expect(opened.map((i) => i.dedupKey)).toEqual([
      `alertmanager:${integrationId}:3c9e1f7a2b6d0e84`,
      `alertmanager:${integrationId}:a41d7c02e95f3b6e`,
    ]);
    expect(resolved.body).toEqual({
      results: [
        { fingerprint: '3c9e1f7a2b6d0e84', outcome: 'resolved', incidentId: ids[0] },
        { fingerprint: 'a41d7c02e95f3b6e', outcome: 'resolved', incidentId: ids[1] },
      ],
      rejected: [],
    });
    expect((await incidents()).map((i) => i.status)).toEqual(['resolved', 'resolved']);
  });

  it('a second delivery of 13 (clustered Alertmanagers) changes nothing', async () => {
    await integration('alertmanager', KEY);
    await alertmanager(loadFixture('13'), bearer);
    const before = await incidents();
    const timelines = await Promise.all(before.map((i) => store.listTimeline(String(i.id))));

    at('2026-03-14T09:22:30.000Z');
    const duplicate = await alertmanager(loadFixture('13'), bearer);

    expect(duplicate.status).toBe(200);
    expect((duplicate.body as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual([
      'duplicate',
      'duplicate',
    ]);
    expect(await incidents()).toEqual(before);
    expect(await Promise.all(before.map((i) => store.listTimeline(String(i.id))))).toEqual(timelines);
    // A redelivery re-asks for the lifecycle of the incident it opened (the start is named by the incident
    // id, so the state machine refuses it): no lifecycle for any other incident.
    expect(new Set(workflow.started)).toEqual(new Set(before.map((i) => i.id)));
  });

  it('answers 401 for a missing, malformed, unknown, revoked or PagerDuty bearer token, and opens nothing', async () => {
    const revoked = 'd'.repeat(32);
    const { integrationId } = await integration('alertmanager', revoked);
    await keys.revoke(integrationId, 'bob', clock.now);
    await integration('pagerduty', FIXTURE_ROUTING_KEY);
    const tokens = [
      undefined,
      '',
      KEY,
      `Basic ${KEY}`,
      `Bearer ${KEY}`,
      `Bearer ${revoked}`,
      `Bearer ${FIXTURE_ROUTING_KEY}`,
    ];

    const answers = await Promise.all(tokens.map((token) => alertmanager(loadFixture('13'), token)));

    for (const answer of answers) {
      expect(answer).toEqual({
        status: 401,
        body: { error: { code: 'unauthorized', message: expect.any(String) } },
      });
    }
    expect(await incidents()).toEqual([]);
  });

  it('accepts the scheme in any case, as HTTP allows', async () => {
    await integration('alertmanager', KEY);

    const answer = await alertmanager(loadFixture('13'), `bearer  ${KEY}`);

    expect(answer.status).toBe(200);
  });

  it('answers 400 naming the field for bad payloads, and writes nothing', async () => {
    await integration('alertmanager', KEY);
    const fixture = loadFixture('13');
    const [alert] = fixture.alerts as Record<string, unknown>[];
    const cases: [unknown, string][] = [
      [undefined, 'body'],
      ['firing', 'body'],
      [{ ...fixture, version: '3' }, 'version'],
      [{ ...fixture, alerts: undefined }, 'alerts'],
      [{ ...fixture, alerts: [] }, 'alerts'],
      [{ ...fixture, alerts: [{ ...alert, fingerprint: undefined }] }, 'alerts[0].fingerprint'],
      [{ ...fixture, alerts: [{ ...alert, status: 'pending' }] }, 'alerts[0].status'],
    ];

    for (const [body, field] of cases) {
      const answer = await alertmanager(body, bearer);
      expect(answer, JSON.stringify(body)).toEqual({
        status: 400,
        body: { error: { code: 'invalid_request', message: expect.any(String), field } },
      });
    }
    expect(await incidents()).toEqual([]);
  });

  it('applies the good alerts of a notification and reports the bad ones', async () => {
    await integration('alertmanager', KEY);
    const fixture = loadFixture('13');
    const [good, bad] = fixture.alerts as Record<string, unknown>[];

    const answer = await alertmanager(
      { ...fixture, alerts: [good, { ...bad, startsAt: 'yesterday' }] },
      bearer,
    );

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      results: [{ fingerprint: '3c9e1f7a2b6d0e84', outcome: 'opened' }],
      rejected: [{ field: 'alerts[1].startsAt' }],
    });
    expect(await incidents()).toHaveLength(1);
  });
});

describe('integration keys', () => {
  const asAdmin = (routeKey: string, parts: Partial<ApiRequest> = {}) =>
    call(routeKey, { principal: ADMIN, ...parts });

  it('needs the admin scope for key management and none (its own key) for the webhooks', () => {
    expect(Object.fromEntries(Object.entries(routes).map(([key, route]) => [key, route.scope]))).toEqual({
      'POST /v2/enqueue': 'none',
      'POST /integrations/alertmanager': 'none',
      'POST /integrations/keys': 'admin',
      'GET /integrations/keys': 'admin',
      'DELETE /integrations/keys/{id}': 'admin',
    });
  });

  it('create → the key works; list shows neither key nor hash; revoke → it stops working; revoke again is fine', async () => {
    const created = await asAdmin('POST /integrations/keys', {
      body: { name: ' prometheus-prod ', kind: 'alertmanager' },
    });
    const { integration: made, key } = created.body as {
      integration: { integrationId: string };
      key: string;
    };
    const works = await alertmanager(loadFixture('13'), `Bearer ${key}`);
    const listed = await asAdmin('GET /integrations/keys');
    at('2026-03-14T10:00:00.000Z');
    const revoked = await asAdmin('DELETE /integrations/keys/{id}', {
      pathParameters: { id: made.integrationId },
    });
    const stopped = await alertmanager(loadFixture('14'), `Bearer ${key}`);
    const again = await asAdmin('DELETE /integrations/keys/{id}', {
      principal: { ...ADMIN, id: 'carol' },
      pathParameters: { id: made.integrationId },
    });

    expect(created).toEqual({
      status: 201,
      headers: { 'cache-control': 'no-store' },
      body: {
        key: expect.stringMatching(/^[0-9a-f]{32}$/),
        integration: {
          integrationId: expect.stringMatching(/^int-[0-9a-f]{12}$/),
          name: 'prometheus-prod',
          kind: 'alertmanager',
          createdAt: '2026-03-14T09:06:00.000Z',
          createdBy: 'alice',
        },
      },
    });
    expect(works.status).toBe(200);
    expect(listed).toEqual({ status: 200, body: { items: [made] } });
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(JSON.stringify(listed)).not.toContain(hashKey(key));
    const revokedIntegration = { ...made, revokedAt: '2026-03-14T10:00:00.000Z', revokedBy: 'alice' };
    expect(revoked).toEqual({ status: 200, body: revokedIntegration });
    expect(stopped.status).toBe(401);
    expect(again).toEqual({ status: 200, body: revokedIntegration });
    expect((await incidents()).map((i) => i.status)).toEqual(['triggered', 'triggered']);
  });

  it('a PagerDuty key made through the API pages through /v2/enqueue', async () => {
    const created = await asAdmin('POST /integrations/keys', {
      body: { name: 'grafana', kind: 'pagerduty' },
    });
    const { key } = created.body as { key: string };

    const answer = await enqueue({ ...loadFixture('15'), routing_key: key });

    expect(answer.status).toBe(202);
  });

  it('answers 400 naming the field for a bad create body, and creates nothing', async () => {
    const cases: [unknown, string][] = [
      [undefined, 'name'],
      ['slack', 'body'],
      [{ kind: 'pagerduty' }, 'name'],
      [{ nmae: 'grafana', kind: 'pagerduty' }, 'nmae'],
      [{ name: 'grafana', kind: 'pagerduty', scopes: ['incidents:write'] }, 'scopes'],
      [{ name: '   ', kind: 'pagerduty' }, 'name'],
      [{ name: 'x'.repeat(101), kind: 'pagerduty' }, 'name'],
      [{ name: 'slack', kind: 'slack' }, 'kind'],
    ];

    for (const [body, field] of cases) {
      const answer = await asAdmin('POST /integrations/keys', { body });
      expect(answer, JSON.stringify(body)).toEqual({
        status: 400,
        body: { error: { code: 'invalid_request', message: expect.any(String), field } },
      });
    }
    expect(await keys.list()).toEqual([]);
  });

  it('answers 404 for revoking an unknown integration', async () => {
    const answers = await Promise.all(
      ['int-000000000000', 'not-an-id', ''].map((id) =>
        asAdmin('DELETE /integrations/keys/{id}', { pathParameters: { id } }),
      ),
    );

    for (const answer of answers)
      expect(answer).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});
