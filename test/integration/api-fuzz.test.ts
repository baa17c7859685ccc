import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;
let incidentId: string;

beforeAll(async () => {
  server = await startDynamoServer();
  table = await server.createTable('fuzz');
  api = await loadApi(server, table);
  const opened = await api.call('POST /incidents', '/incidents', {
    body: { title: 'fuzz target', service: 'checkout', impact: 'low', urgency: 'low' },
  });
  incidentId = (opened.body as { id: string }).id;
});
afterAll(async () => {
  api.restore();
  await server.stop();
});
afterEach(() => undefined);

/** Every item in the table (test-only): a rejected request must leave it exactly as it was. */
async function snapshot(): Promise<string> {
  const result = await server.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return JSON.stringify(
    (result.Items ?? []).map((item) => `${item.PK}|${item.SK}|${item.version ?? ''}`).sort(),
  );
}

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    '\u0000',
    'INC-20261127-0001',
    '{}',
    '',
  ),
  fc.string({ minLength: 5000, maxLength: 6000 }),
);
const hostileBody = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(hostileString, fc.jsonValue()),
  fc.record({
    title: hostileString,
    service: hostileString,
    impact: hostileString,
    urgency: hostileString,
    resolution: hostileString,
    message: hostileString,
    phase: hostileString,
    reason: hostileString,
    routing_key: hostileString,
    event_action: hostileString,
    dedup_key: hostileString,
    version: hostileString,
    alerts: fc.jsonValue(),
  }),
);

const ROUTES: Array<[string, () => string]> = [
  ['POST /incidents', () => '/incidents'],
  ['PATCH /incidents/{id}', () => `/incidents/${incidentId}`],
  ['POST /incidents/{id}/resolve', () => `/incidents/${incidentId}/resolve`],
  ['POST /incidents/{id}/notes', () => `/incidents/${incidentId}/notes`],
  ['POST /incidents/{id}/updates', () => `/incidents/${incidentId}/updates`],
  ['POST /integrations/keys', () => '/integrations/keys'],
  ['POST /v2/enqueue', () => '/v2/enqueue'],
  ['POST /integrations/alertmanager', () => '/integrations/alertmanager'],
];

describe('hostile bodies at every write route (fast-check)', () => {
  it.each(ROUTES)('%s never answers 5xx and never writes half a record', async (routeKey, path) => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        const before = await snapshot();
        const answer = await api.call(routeKey, path(), {
          body,
          headers: { authorization: 'Bearer 0123456789abcdef0123456789abcdef' },
        });
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) expect(await snapshot()).toBe(before);
      }),
      { numRuns: 40 },
    );
  });

  it('never answers 5xx to hostile query strings on the list route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('status', 'priority', 'limit', 'cursor', 'since', 'x'), hostileString),
        async (query) => {
          const answer = await api.call('GET /incidents', '/incidents', { query });
          expect(answer.status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
  });
});
