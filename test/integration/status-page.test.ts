import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_PARTITIONS, keys } from '#adapters/store-keys';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { type ApiAnswer, type CallOptions, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';

const STATUS_PAGE = {
  title: 'Example status',
  services: [
    { name: 'Checkout', services: ['checkout', 'payments'] },
    { name: 'Search', services: ['search'] },
  ],
  recentHours: 24,
};
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => api?.restore());

async function start(options: { statusPage?: unknown } = { statusPage: STATUS_PAGE }) {
  table = await server.createTable('status');
  api = await loadApi(server, table, DEFAULT_ESCALATION_CONFIG, options);
}

type Level = 'high' | 'medium' | 'low';
/** high/high is P1, high/medium P2, high/low P3 (the default matrix). */
const URGENCY: Record<string, Level> = { P1: 'high', P2: 'medium', P3: 'low' };

async function report(
  service: string,
  priority: 'P1' | 'P2' | 'P3',
  text: { title?: string; description?: string } = {},
  options: CallOptions = {},
): Promise<string> {
  const answer = await api.call('POST /incidents', '/incidents', {
    ...options,
    body: {
      title: text.title ?? `${service} is failing`,
      service,
      impact: 'high',
      urgency: URGENCY[priority],
      ...(text.description === undefined ? {} : { description: text.description }),
    },
  });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

const update = (id: string, body: Record<string, unknown>, options: CallOptions = {}) =>
  api.call('POST /incidents/{id}/updates', `/incidents/${id}/updates`, { ...options, body });

async function resolve(id: string, resolution = 'Fixed') {
  const answer = await api.call('POST /incidents/{id}/resolve', `/incidents/${id}/resolve`, {
    body: { resolution },
  });
  expect(answer.status).toBe(200);
}

/** What a customer's browser or script gets: no credentials at all. */
const status = (accept?: string) =>
  api.call('GET /status', '/status', { anonymous: true, ...(accept ? { headers: { accept } } : {}) });

interface Page {
  services: Array<{
    name: string;
    status: string;
    updates: Array<{ at: string; phase: string; message: string }>;
  }>;
}
const json = (answer: ApiAnswer) => answer.body as Page;
const service = (answer: ApiAnswer, name: string) => json(answer).services.find((one) => one.name === name);

const escapeHtml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

describe('GET /status, the public status page', () => {
  it('answers JSON of exactly the documented shape, with no credentials, cacheable for 30 seconds', async () => {
    // Prepare
    await start();
    const id = await report('payments', 'P2');
    expect(
      (await update(id, { phase: 'Investigating', message: 'Card payments fail for some', public: true }))
        .status,
    ).toBe(200);

    // Act
    const answer = await status();

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['cache-control']).toBe('public, max-age=30');
    expect(answer.headers.vary).toBe('Accept');
    expect(Object.keys(answer.body as object)).toEqual(['services']);
    const [checkout, search] = json(answer).services;
    expect(checkout).toEqual({
      name: 'Checkout',
      status: 'degraded',
      updates: [{ at: expect.any(String), phase: 'Investigating', message: 'Card payments fail for some' }],
    });
    expect(Object.keys(checkout?.updates[0] ?? {})).toEqual(['at', 'phase', 'message']);
    expect(search).toEqual({ name: 'Search', status: 'operational', updates: [] });
  });

  it.each([
    [BROWSER, true],
    ['text/html', true],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json', false],
    ['text/html, application/json;q=0.9', true],
    ['text/html;q=0', false],
  ])('by content negotiation: Accept %j gives HTML: %s', async (accept, html) => {
    // Prepare
    await start();

    // Act
    const answer = await status(accept);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(html ? 'text/html; charset=utf-8' : 'application/json');
  });

  it('serves a browser the HTML page with a policy that allows nothing: no script, no style, no loads', async () => {
    // Prepare
    await start();
    const id = await report('checkout', 'P1');
    await update(id, {
      phase: 'Identified',
      message: 'A bad deploy <b>rolled back</b> & "watched"',
      public: true,
    });

    // Act
    const answer = await status(BROWSER);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toBe(
      "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(answer.headers['cache-control']).toBe('public, max-age=30');
    expect(answer.headers.vary).toBe('Accept');
    const page = answer.body as string;
    expect(page).toContain('<title>Example status</title>');
    expect(page).toContain('Checkout <span class="outage">Outage</span>');
    expect(page).toContain('A bad deploy &lt;b&gt;rolled back&lt;/b&gt; &amp; &quot;watched&quot;');
    expect(page).not.toMatch(/<script|<style|style=|<link|<img/i);
  });

  it('shows each service at the worst state of its open incidents', async () => {
    // Prepare
    await start();
    const p1 = await report('payments', 'P1');
    await report('checkout', 'P2');
    await report('search', 'P3');
    await report('internal-batch', 'P1');

    // Act
    const before = await status();
    await resolve(p1);
    const after = await status();

    // Assess
    expect(json(before).services.map((one) => [one.name, one.status])).toEqual([
      ['Checkout', 'outage'],
      ['Search', 'operational'],
    ]);
    expect(json(after).services.map((one) => [one.name, one.status])).toEqual([
      ['Checkout', 'degraded'],
      ['Search', 'operational'],
    ]);
  });

  it('keeps the public updates of a resolved incident for recentHours after it resolved, then drops them', async () => {
    // Prepare
    await start();
    const id = await report('search', 'P2');
    await update(id, { phase: 'Monitoring', message: 'Search is back, watching', public: true });
    await resolve(id);

    // Act
    const recent = await status();
    // The incident resolved 25 hours ago: past recentHours (24).
    await server.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: keys.incident(id),
        UpdateExpression: 'SET resolvedAt = :then',
        ExpressionAttributeValues: { ':then': new Date(Date.now() - 25 * 3_600_000).toISOString() },
      }),
    );
    const later = await status();

    // Assess
    expect(service(recent, 'Search')).toEqual({
      name: 'Search',
      status: 'operational',
      updates: [expect.objectContaining({ message: 'Search is back, watching' })],
    });
    expect(service(later, 'Search')).toEqual({ name: 'Search', status: 'operational', updates: [] });
  });

  it('stores a public update once however often the request is retried, and notes it public on the timeline', async () => {
    // Prepare
    await start();
    const id = await report('checkout', 'P2');
    const body = { phase: 'Identified', message: 'Retried update', public: true };
    const options = { headers: { 'idempotency-key': 'update-1' } };

    // Act
    const first = await update(id, body, options);
    const again = await update(id, body, options);

    // Assess
    expect([first.status, again.status]).toEqual([200, 200]);
    const stored = await server.doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'by-service',
        KeyConditionExpression: 'gsi2pk = :public',
        ExpressionAttributeValues: { ':public': INDEX_PARTITIONS.publicUpdates },
      }),
    );
    expect(stored.Items).toHaveLength(1);
    expect(stored.Items?.[0]).toMatchObject({
      incidentId: id,
      service: 'checkout',
      phase: 'Identified',
      message: 'Retried update',
    });
    expect(service(await status(), 'Checkout')?.updates).toHaveLength(1);
    const stakeholders = api.published.filter((message) => message.subject.includes('IDENTIFIED'));
    expect(stakeholders).toHaveLength(1);
    const timeline = await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`);
    const entries = (timeline.body as { items: Array<{ kind: string; details: Record<string, unknown> }> })
      .items;
    expect(entries.filter((entry) => entry.kind === 'updated').map((entry) => entry.details.public)).toEqual([
      true,
    ]);
  });

  it('shows updates not posted as public nowhere, and refuses a public flag that is not a boolean', async () => {
    // Prepare
    await start();
    const id = await report('checkout', 'P2');

    // Act
    await update(id, { phase: 'Investigating', message: 'internal only' });
    await update(id, { phase: 'Investigating', message: 'also internal', public: false });
    const refused = await update(id, { phase: 'Investigating', message: 'x', public: 'yes' });

    // Assess
    expect(service(await status(), 'Checkout')?.updates).toEqual([]);
    expect(refused.status).toBe(400);
    expect((refused.body as { error: { field: string } }).error.field).toBe('public');
  });

  it('is not served at all without firebreak.statusPage, and public updates are still kept', async () => {
    // Prepare
    await start({});
    const id = await report('checkout', 'P1');

    // Act
    const answer = await status();
    const posted = await update(id, { phase: 'Identified', message: 'kept for later', public: true });

    // Assess
    expect(answer.status).toBe(404);
    expect(posted.status).toBe(200);
  });

  it('stops the API at cold start on a malformed STATUS_PAGE, naming the variable and the field', async () => {
    // Prepare
    table = await server.createTable('status');

    // Act
    const load = loadApi(server, table, DEFAULT_ESCALATION_CONFIG, { statusPage: { services: [] } });

    // Assess
    await expect(load).rejects.toThrow(/api configuration is invalid: STATUS_PAGE\.services: /);
  });
});

describe('the status page leaks nothing but public updates', () => {
  /** Unique, fixed-length tokens: none is part of another, and none can appear by chance. */
  let counter = 0;
  const marker = (kind: 'PRIV' | 'PUB') => `${kind}${String(++counter).padStart(6, '0')}X`;
  const hostile = fc.tuple(
    fc.constantFrom(
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      "' OR 1=1 --",
      '&lt;already&gt;',
      '{"services":[]}',
      '</title></head>',
    ),
    fc.string({ maxLength: 30 }),
  );
  const incidentPlan = fc.record({
    service: fc.constantFrom('checkout', 'payments', 'search', 'internal-batch'),
    priority: fc.constantFrom('P1' as const, 'P2' as const, 'P3' as const),
    title: hostile,
    description: hostile,
    note: hostile,
    privateUpdate: hostile,
    publicUpdate: fc.option(hostile, { nil: undefined }),
    resolve: fc.boolean(),
  });

  it('whatever incidents, alerts, notes and updates hold, through the real route, in HTML and JSON', async () => {
    await start();
    const key = await api.call('POST /integrations/keys', '/integrations/keys', {
      body: { name: 'monitoring', kind: 'pagerduty' },
    });
    const routingKey = (key.body as { key: string }).key;

    let publicShown = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(incidentPlan, { minLength: 1, maxLength: 3 }),
        hostile,
        async (plans, alert) => {
          const secrets: string[] = [];
          const shown: string[] = [];
          const secret = ([payload, text]: [string, string]) => {
            const token = marker('PRIV');
            secrets.push(token);
            return `${payload} ${token} ${text}`;
          };
          // An alert from a monitoring tool: its summary, source and details are the incident's too.
          const alertToken = marker('PRIV');
          secrets.push(alertToken);
          const enqueued = await api.call('POST /v2/enqueue', '/v2/enqueue', {
            anonymous: true,
            body: {
              routing_key: routingKey,
              event_action: 'trigger',
              dedup_key: `${alertToken}-dedup`,
              payload: {
                summary: `${alert[0]} ${alertToken} ${alert[1]}`.trim(),
                source: `host-${alertToken}`,
                component: 'payments',
                severity: 'critical',
                custom_details: { secret: `${alertToken} ${alert[1]}`, html: alert[0] },
              },
            },
          });
          expect(enqueued.status).toBe(202);

          for (const plan of plans) {
            const actor = marker('PRIV');
            secrets.push(actor);
            const as = { sub: `person-${actor}` };
            const id = await report(
              plan.service,
              plan.priority,
              { title: secret(plan.title), description: secret(plan.description) },
              as,
            );
            const noted = await api.call('POST /incidents/{id}/notes', `/incidents/${id}/notes`, {
              ...as,
              body: { message: secret(plan.note) },
            });
            expect(noted.status).toBe(201);
            expect(
              (await update(id, { phase: 'Investigating', message: secret(plan.privateUpdate) }, as)).status,
            ).toBe(200);
            if (plan.publicUpdate) {
              const message = `${plan.publicUpdate[0]} ${marker('PUB')} ${plan.publicUpdate[1]}`.trim();
              expect((await update(id, { phase: 'Identified', message, public: true }, as)).status).toBe(200);
              // Only a configured service's updates are on the page.
              if (plan.service !== 'internal-batch') shown.push(message);
            }
            if (plan.resolve) await resolve(id, secret(plan.note));
          }

          const html = (await status(BROWSER)).body as string;
          const answer = await status();
          const text = JSON.stringify(answer.body);
          for (const token of secrets) {
            expect(html).not.toContain(token);
            expect(text).not.toContain(token);
          }
          expect(html).not.toMatch(/INC-\d{8}|internal-batch|<script/i);
          expect(text).not.toMatch(/INC-\d{8}|internal-batch/);
          const messages = json(answer).services.flatMap((one) =>
            one.updates.map((update) => update.message),
          );
          publicShown += shown.length;
          for (const message of shown) {
            expect(messages).toContain(message);
            expect(html).toContain(escapeHtml(message));
          }
        },
      ),
      { numRuns: 12 },
    );
    // The property checked something: public updates did reach the page.
    expect(publicShown).toBeGreaterThan(0);
  });
});
