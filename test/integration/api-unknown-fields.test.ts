import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomAckKeys } from '#adapters/ack-key';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { IntegrationKeys } from '#adapters/integration-keys';
import { SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ProblemStore } from '#adapters/problem-store';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { ScheduleStore } from '#adapters/schedule-store';
import { StatusSource } from '#adapters/status-source';
import { IncidentWorkflow } from '#adapters/workflow';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { parseRunbookConfig } from '#core/runbooks';
import { StatusPageConfig } from '#core/status-page';
import type { Routes } from '../../lambdas/api/http';
import { createApiRoutes } from '../../lambdas/api/routes';
import { type ApiAnswer, loadApi, ONLY_RESOLVED, PEOPLE_TOPIC_ARN } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { loadFixture } from '../support/fixtures';
import { STATE_MACHINE_ARN } from '../support/ingest-handler';
import {
  API_TEST_RUNBOOKS,
  awaitApproval,
  RecordingApprovals,
  RecordingLauncher,
} from '../support/runbook-doubles';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;
/** What every case starts from: one triggered incident and one integration key. */
let ids: { incident: string; integration: string };
/** A second open incident, for the merge case (made by its `prepare`). */
let mergeTarget = '';
/** A run awaiting approval, for the approve and reject cases (made by their `prepare`). */
let awaitingRunId = '';
/** An override on the `primary` schedule, for the override delete case (made by its `prepare`). */
let overrideId = '';

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('unknown');
  // Closing is not what these tests are about: no lifecycle runs here to send the resolution notice.
  api = await loadApi(server, table, undefined, { closingChecklist: ONLY_RESOLVED });
  const incident = await api.call('POST /incidents', '/incidents', { body: REPORT });
  const key = await api.call('POST /integrations/keys', '/integrations/keys', {
    body: { name: 'grafana', kind: 'pagerduty' },
  });
  ids = {
    incident: (incident.body as { id: string }).id,
    integration: (key.body as { integration: { integrationId: string } }).integration.integrationId,
  };
});
afterEach(() => api.restore());

const REPORT = { title: 'Checkout returns 502', service: 'checkout', impact: 'high', urgency: 'high' };

/** The API's route table, built as the handler builds it; no client here is ever called. */
function routeTable(): Routes {
  const store = new IncidentStore(server.doc, table);
  const runs = new RunbookRuns(server.doc, table);
  return createApiRoutes({
    store,
    queries: new IncidentQueries(server.doc, table, () => new Date()),
    keys: new IntegrationKeys(server.doc, table),
    people: new PeopleStore(server.doc, table),
    schedules: new ScheduleStore(server.doc, table),
    pages: new PageLog(server.doc, table),
    problems: new ProblemStore(server.doc, table),
    reviews: new ReviewStore(server.doc, table),
    subscriptions: new ContactSubscriptions(new SNSClient({}), PEOPLE_TOPIC_ARN),
    ids: new IncidentIdAllocator(store),
    workflow: new IncidentWorkflow(new SFNClient({}), STATE_MACHINE_ARN),
    notifier: new SnsNotifier(new SNSClient({}), {}),
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    clock: () => new Date(),
    newDedupKey: () => 'dedup',
    ackKeys: randomAckKeys(),
    status: new StatusSource(server.doc, table),
    statusPage: StatusPageConfig.parse({ services: [{ name: 'Checkout', services: ['checkout'] }] }),
    slack: {
      config: { channels: {}, incidentChannels: [] },
      secrets: { signingSecrets: async () => ['secret'] },
      responder: { respond: async () => undefined },
      onReplyError: () => undefined,
    },
    runbooks: {
      runs,
      launcher: new RecordingLauncher(runs, runbookConfig, () => new Date()),
      approvals: new RecordingApprovals(),
      config: runbookConfig,
    },
  });
}

const runbookConfig = parseRunbookConfig(API_TEST_RUNBOOKS);

/** Asks for the checkout remediation and moves its run to awaiting approval, as the run's machine would. */
async function prepareAwaitingRun(): Promise<void> {
  const requested = await api.call('POST /incidents/{id}/runbooks', `/incidents/${ids.incident}/runbooks`, {
    body: { runbook: 'restart-checkout' },
  });
  expect(requested.status).toBe(202);
  awaitingRunId = (requested.body as { run: { runId: string } }).run.runId;
  await awaitApproval(new RunbookRuns(server.doc, table), ids.incident, awaitingRunId, new Date());
}

const ALICE = {
  name: 'Alice',
  timeZone: 'Europe/Berlin',
  contacts: [{ type: 'email', address: 'alice@example.com' }],
};
const OVERRIDE = { person: 'alice', start: '2026-12-01T09:00:00Z', end: '2026-12-01T17:00:00Z' };

/** Alice, and a `primary` schedule she is on. */
async function preparePersonAndSchedule(): Promise<void> {
  const person = await api.call('PUT /people/{id}', '/people/alice', { body: ALICE });
  const schedule = await api.call('PUT /schedules/{id}', '/schedules/primary', {
    body: { name: 'Primary', timeZone: 'UTC', layers: [] },
  });
  expect([person.status, schedule.status]).toEqual([201, 201]);
}

const isWrite = (routeKey: string) => !routeKey.startsWith('GET ');

/** They take the sender's documented format and ignore fields Firebreak does not use: the stated exception. */
const SENDER_FORMAT_ROUTES = ['POST /v2/enqueue', 'POST /integrations/alertmanager'];
/** The acknowledgement-link page's button: a browser form whose body is never read (test/integration/ack-links-api). */
const PAGE_ROUTES = ['POST /ack/{token}'];
/** Slack's signed form posts (test/integration/slack-api): Slack's format, whose other fields are ignored. */
const SLACK_ROUTES = ['POST /integrations/slack/commands', 'POST /integrations/slack/actions'];

interface WriteCase {
  path: () => string;
  /** Brings the incident to a state where the valid body succeeds. */
  prepare?: () => Promise<void>;
  /** A body the route accepts (`{}` for a route that takes none); a function when it names what `prepare` made. */
  valid: Record<string, unknown> | (() => Record<string, unknown>);
  /** One key the route does not know, added to the valid body. */
  unknown: [string, unknown];
  /** What the 400 says the route accepts. */
  accepts: string;
  /** The status of the valid body, sent after the refused one. */
  status: number;
}

const incidentPath =
  (suffix = '') =>
  () =>
    `/incidents/${ids.incident}${suffix}`;

/** Every write route whose body is Firebreak's own contract. */
const CASES: Record<string, WriteCase> = {
  'POST /incidents': {
    path: () => '/incidents',
    valid: REPORT,
    unknown: ['severity', 'high'],
    accepts: 'title, service, impact, urgency, category, subcategory, description, team, reporter',
    status: 201,
  },
  'POST /incidents/{id}/acknowledge': {
    path: incidentPath('/acknowledge'),
    valid: {},
    unknown: ['by', 'a'],
    accepts: 'no fields',
    status: 200,
  },
  'POST /incidents/{id}/resolve': {
    path: incidentPath('/resolve'),
    valid: { resolution: 'rolled back' },
    unknown: ['rootcause', 'a config push'],
    accepts: 'resolution, rootCause',
    status: 200,
  },
  'POST /incidents/{id}/close': {
    path: incidentPath('/close'),
    prepare: async () => {
      const resolved = await api.call('POST /incidents/{id}/resolve', `/incidents/${ids.incident}/resolve`, {
        body: { resolution: 'rolled back' },
      });
      expect(resolved.status).toBe(200);
    },
    valid: {},
    unknown: ['reason', 'done'],
    accepts: 'no fields',
    status: 200,
  },
  'POST /incidents/{id}/notes': {
    path: incidentPath('/notes'),
    valid: { message: 'on it' },
    unknown: ['author', 'bob'],
    accepts: 'message',
    status: 201,
  },
  'POST /incidents/{id}/updates': {
    path: incidentPath('/updates'),
    valid: { phase: 'Identified', message: 'a bad deploy' },
    unknown: ['audience', 'customers'],
    accepts: 'phase, message, public',
    status: 200,
  },
  'POST /incidents/{id}/escalate': {
    path: incidentPath('/escalate'),
    valid: {},
    unknown: ['level', 2],
    accepts: 'no fields',
    status: 200,
  },
  'POST /incidents/{id}/merge': {
    path: incidentPath('/merge'),
    prepare: async () => {
      const other = await api.call('POST /incidents', '/incidents', {
        body: { ...REPORT, title: 'Payments time out', service: 'payments' },
      });
      expect(other.status).toBe(201);
      mergeTarget = (other.body as { id: string }).id;
    },
    valid: () => ({ into: mergeTarget }),
    unknown: ['reason', 'same outage'],
    accepts: 'into',
    status: 200,
  },
  'POST /incidents/{id}/runbooks': {
    path: incidentPath('/runbooks'),
    valid: { runbook: 'restart-checkout' },
    unknown: ['document', 'AWS-RestartEC2Instance'],
    accepts: 'runbook',
    status: 202,
  },
  'POST /incidents/{id}/runbooks/{runId}/approve': {
    path: () => `/incidents/${ids.incident}/runbooks/${awaitingRunId}/approve`,
    prepare: prepareAwaitingRun,
    valid: { reason: 'CPU pinned since the deploy' },
    unknown: ['by', 'bob'],
    accepts: 'reason',
    status: 200,
  },
  'POST /incidents/{id}/runbooks/{runId}/reject': {
    path: () => `/incidents/${ids.incident}/runbooks/${awaitingRunId}/reject`,
    prepare: prepareAwaitingRun,
    valid: {},
    unknown: ['approve', false],
    accepts: 'reason',
    status: 200,
  },
  'PATCH /incidents/{id}': {
    path: incidentPath(),
    valid: { assignee: 'bob', reason: 'handover' },
    unknown: ['team', 'payments'],
    accepts: 'title, priority, impact, urgency, assignee, category, subcategory, reason',
    status: 200,
  },
  'PUT /incidents/{id}/roles': {
    path: incidentPath('/roles'),
    prepare: async () => {
      const person = await api.call('PUT /people/{id}', '/people/alice', { body: ALICE });
      expect(person.status).toBe(201);
    },
    valid: { commander: 'alice' },
    unknown: ['lead', 'alice'],
    accepts: 'commander, techLead, commsLead, scribe',
    status: 200,
  },
  'PUT /incidents/{id}/review': {
    path: incidentPath('/review'),
    prepare: async () => {
      const resolved = await api.call('POST /incidents/{id}/resolve', `/incidents/${ids.incident}/resolve`, {
        body: { resolution: 'rolled back' },
      });
      expect(resolved.status).toBe(200);
    },
    valid: { state: 'draft', expectedVersion: 0 },
    unknown: ['attendees', ['alice']],
    accepts:
      'state, scheduledFor, owner, rootCause, whys, wentWell, wentPoorly, lessons, actionItems, expectedVersion',
    status: 200,
  },
  'POST /integrations/keys': {
    path: () => '/integrations/keys',
    valid: { name: 'prometheus', kind: 'alertmanager' },
    unknown: ['expiresAt', '2027-01-01T00:00:00Z'],
    accepts: 'name, kind',
    status: 201,
  },
  'PUT /people/{id}': {
    path: () => '/people/alice',
    valid: ALICE,
    unknown: ['pager', 'alice@pager.example.com'],
    accepts: 'name, timeZone, contacts',
    status: 201,
  },
  'DELETE /people/{id}': {
    path: () => '/people/alice',
    prepare: preparePersonAndSchedule,
    valid: {},
    unknown: ['force', true],
    accepts: 'no fields',
    status: 200,
  },
  'PUT /schedules/{id}': {
    path: () => '/schedules/primary',
    valid: { name: 'Primary', timeZone: 'UTC', layers: [] },
    unknown: ['description', 'the primary rotation'],
    accepts: 'name, timeZone, layers',
    status: 201,
  },
  'POST /schedules/{id}/overrides': {
    path: () => '/schedules/primary/overrides',
    prepare: preparePersonAndSchedule,
    valid: OVERRIDE,
    unknown: ['reason', 'swap'],
    accepts: 'person, start, end',
    status: 201,
  },
  'DELETE /schedules/{id}/overrides/{overrideId}': {
    path: () => `/schedules/primary/overrides/${overrideId}`,
    prepare: async () => {
      await preparePersonAndSchedule();
      const created = await api.call('POST /schedules/{id}/overrides', '/schedules/primary/overrides', {
        body: OVERRIDE,
      });
      expect(created.status).toBe(201);
      overrideId = (created.body as { id: string }).id;
    },
    valid: {},
    unknown: ['reason', 'done'],
    accepts: 'no fields',
    status: 200,
  },
  'DELETE /integrations/keys/{id}': {
    path: () => `/integrations/keys/${ids.integration}`,
    valid: {},
    unknown: ['reason', 'rotated'],
    accepts: 'no fields',
    status: 200,
  },
};

/** Every item in the table, whole: a refused request must leave each exactly as it was. */
async function everything(): Promise<unknown[]> {
  const result = await server.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (result.Items ?? []).sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
}

/** Everything a write could have touched: the table, the pages sent, the lifecycles started. */
async function state() {
  return { items: await everything(), published: api.published.length, started: api.started.size };
}

const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string } }).error;

describe('every write route refuses an unknown field (the API rule)', () => {
  it('covers every write route of the route table; only the webhooks, the ack-link page and Slack are exempt', () => {
    const writes = Object.keys(routeTable()).filter(isWrite).sort();

    expect(writes).toEqual(
      [...Object.keys(CASES), ...SENDER_FORMAT_ROUTES, ...PAGE_ROUTES, ...SLACK_ROUTES].sort(),
    );
  });

  it.each(Object.entries(CASES))(
    '%s answers 400 naming the unknown key, writes nothing, and takes the body without it',
    async (routeKey, route) => {
      await route.prepare?.();
      const [key, value] = route.unknown;
      const valid = typeof route.valid === 'function' ? route.valid() : route.valid;
      const before = await state();

      const refused = await api.call(routeKey, route.path(), { body: { ...valid, [key]: value } });
      const after = await state();
      const accepted = await api.call(routeKey, route.path(), { body: valid });

      expect(refused).toMatchObject({ status: 400 });
      expect(errorOf(refused)).toEqual({
        code: 'invalid_request',
        field: key,
        message: `${key}: unknown field; this route accepts ${route.accepts}`,
      });
      expect(after).toEqual(before);
      expect(accepted.status).toBe(route.status);
    },
  );

  it('acknowledge with {"by":"a"} (the reported case) is refused like resolve; the incident stays triggered', async () => {
    const path = `/incidents/${ids.incident}`;
    const before = await state();

    const acknowledge = await api.call('POST /incidents/{id}/acknowledge', `${path}/acknowledge`, {
      body: { by: 'a' },
    });
    const resolve = await api.call('POST /incidents/{id}/resolve', `${path}/resolve`, {
      body: { resolution: 'rolled back', by: 'a' },
    });
    const incident = await api.call('GET /incidents/{id}', path);
    const timeline = await api.call('GET /incidents/{id}/timeline', `${path}/timeline`);

    expect([acknowledge.status, resolve.status]).toEqual([400, 400]);
    expect(errorOf(acknowledge)).toEqual({
      code: 'invalid_request',
      field: 'by',
      message: 'by: unknown field; this route accepts no fields',
    });
    expect(errorOf(resolve)).toEqual({
      code: 'invalid_request',
      field: 'by',
      message: 'by: unknown field; this route accepts resolution, rootCause',
    });
    expect(incident.body).toMatchObject({ status: 'triggered' });
    expect((timeline.body as { items: Array<{ kind: string }> }).items.map((e) => e.kind)).toEqual([
      'opened',
    ]);
    expect(await state()).toEqual(before);
  });

  it('names a misspelt required field by its misspelling, not as the field missing', async () => {
    const answer = await api.call('POST /incidents/{id}/resolve', `/incidents/${ids.incident}/resolve`, {
      body: { resolutoin: 'rolled back' },
    });

    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ field: 'resolutoin' });
  });

  it('takes no body at all, or {}, on the routes without one', async () => {
    const path = `/incidents/${ids.incident}`;

    const none = await api.call('POST /incidents/{id}/acknowledge', `${path}/acknowledge`);
    const empty = await api.call('POST /incidents/{id}/escalate', `${path}/escalate`, { body: {} });
    const array = await api.call('POST /incidents/{id}/escalate', `${path}/escalate`, { body: ['a'] });

    expect([none.status, empty.status, array.status]).toEqual([200, 200, 400]);
    expect(errorOf(array)).toMatchObject({ code: 'invalid_request', field: 'body' });
  });

  it('the webhooks (the exception) accept fields Firebreak does not use', async () => {
    const pagerduty = await api.call('POST /integrations/keys', '/integrations/keys', {
      body: { name: 'grafana', kind: 'pagerduty' },
    });
    const alertmanagerKey = await api.call('POST /integrations/keys', '/integrations/keys', {
      body: { name: 'prometheus', kind: 'alertmanager' },
    });
    const trigger = loadFixture('15-');
    const notification = loadFixture('13-');

    const enqueue = await api.call('POST /v2/enqueue', '/v2/enqueue', {
      anonymous: true,
      body: {
        ...trigger,
        routing_key: (pagerduty.body as { key: string }).key,
        event_version: 3,
        payload: { ...(trigger.payload as object), priority: 'P1' },
      },
    });
    const alertmanager = await api.call('POST /integrations/alertmanager', '/integrations/alertmanager', {
      anonymous: true,
      headers: { authorization: `Bearer ${(alertmanagerKey.body as { key: string }).key}` },
      body: {
        ...notification,
        truncatedAlerts: 0,
        groupId: 'g-1',
        alerts: (notification.alerts as object[]).map((alert) => ({ ...alert, silencedBy: [] })),
      },
    });

    expect(enqueue).toMatchObject({ status: 202, body: { status: 'success' } });
    expect(alertmanager.status).toBe(200);
    expect(
      (alertmanager.body as { results: Array<{ outcome: string }> }).results.map((r) => r.outcome),
    ).toEqual(['opened', 'joined']);
  });
});

describe('the OpenAPI document states the rule', () => {
  async function document() {
    const answer = await api.call('GET /openapi.json', '/openapi.json');
    expect(answer.status).toBe(200);
    return answer.body as {
      info: { description: string };
      paths: Record<string, Record<string, Operation>>;
    };
  }
  interface Operation {
    description?: string;
    security?: unknown;
    requestBody?: {
      content: { 'application/json': { schema: { additionalProperties?: unknown; properties?: object } } };
    };
  }
  const operationOf = (paths: Record<string, Record<string, Operation>>, routeKey: string) => {
    const [method = '', path = ''] = routeKey.split(' ');
    return paths[path]?.[method.toLowerCase()];
  };

  it('documents every route of the route table, with the scope it needs', async () => {
    const { paths } = await document();
    const table = routeTable();

    for (const [routeKey, route] of Object.entries(table)) {
      const operation = operationOf(paths, routeKey);
      expect(operation, routeKey).toBeDefined();
      if (route.scope !== 'none') expect(operation?.security, routeKey).toEqual([{ jwt: [route.scope] }]);
    }
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(Object.keys(table).sort());
  });

  it('gives every own write route a body schema with additionalProperties: false and the fields it accepts', async () => {
    const { paths } = await document();
    const routes = Object.keys(routeTable()).filter(
      (key) =>
        isWrite(key) &&
        !SENDER_FORMAT_ROUTES.includes(key) &&
        !PAGE_ROUTES.includes(key) &&
        !SLACK_ROUTES.includes(key),
    );

    for (const routeKey of routes) {
      const schema = operationOf(paths, routeKey)?.requestBody?.content['application/json'].schema;
      const accepts = CASES[routeKey]?.accepts;
      expect(schema?.additionalProperties, routeKey).toBe(false);
      expect(Object.keys(schema?.properties ?? {}).join(', ') || 'no fields', routeKey).toBe(accepts);
    }
  });

  it('says the webhooks accept and ignore fields Firebreak does not use', async () => {
    const { info, paths } = await document();

    for (const routeKey of SENDER_FORMAT_ROUTES) {
      const operation = operationOf(paths, routeKey);
      expect(operation?.requestBody?.content['application/json'].schema.additionalProperties, routeKey).toBe(
        true,
      );
      expect(operation?.description, routeKey).toMatch(/fields Firebreak does not use .*are ignored/);
    }
    expect(info.description).toContain('Write routes refuse a field they do not know');
    expect(info.description).toContain(
      'The exception is the webhooks (`/v2/enqueue`, `/integrations/alertmanager`)',
    );
    expect(info.description).toContain('Slack’s request URLs (`/integrations/slack/…`)');
    for (const routeKey of SLACK_ROUTES) {
      const body = operationOf(paths, routeKey)?.requestBody?.content as Record<string, unknown> | undefined;
      expect(Object.keys(body ?? {}), routeKey).toEqual(['application/x-www-form-urlencoded']);
    }
  });
});
