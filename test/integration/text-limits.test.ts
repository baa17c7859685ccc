import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEXT_LIMITS } from '#core/limits';
import { type ApiAnswer, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
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
  table = await server.createTable('text-limits');
  api = await loadApi(server, table);
});
afterEach(() => api.restore());

const REPORT = { title: 'Checkout returns 502', service: 'checkout', impact: 'low', urgency: 'low' };
/** `bytes` UTF-8 bytes of a 3-byte character: fewer characters than bytes, so a character count would pass. */
const euros = (bytes: number) => '€'.repeat(Math.ceil(bytes / 3));
const errorOf = (answer: ApiAnswer) => (answer.body as { error: { field?: string; message: string } }).error;

async function openIncident(): Promise<string> {
  const answer = await api.call('POST /incidents', '/incidents', { body: REPORT });
  return (answer.body as { id: string }).id;
}

type Case = [route: string, path: (id: string) => string, body: Record<string, unknown>, field: string];

/** Every text a person writes through the API, one over its limit at a time. */
const CASES: Case[] = [
  ['POST /incidents', () => '/incidents', { ...REPORT, title: euros(TEXT_LIMITS.title + 1) }, 'title'],
  [
    'POST /incidents',
    () => '/incidents',
    { ...REPORT, description: euros(TEXT_LIMITS.description + 1) },
    'description',
  ],
  ['POST /incidents', () => '/incidents', { ...REPORT, service: euros(TEXT_LIMITS.name + 1) }, 'service'],
  ['POST /incidents', () => '/incidents', { ...REPORT, team: euros(TEXT_LIMITS.name + 1) }, 'team'],
  ['POST /incidents', () => '/incidents', { ...REPORT, reporter: euros(TEXT_LIMITS.name + 1) }, 'reporter'],
  [
    'POST /incidents/{id}/notes',
    (id) => `/incidents/${id}/notes`,
    { message: euros(TEXT_LIMITS.note + 1) },
    'message',
  ],
  [
    'POST /incidents/{id}/updates',
    (id) => `/incidents/${id}/updates`,
    { phase: 'Investigating', message: euros(TEXT_LIMITS.note + 1) },
    'message',
  ],
  [
    'POST /incidents/{id}/resolve',
    (id) => `/incidents/${id}/resolve`,
    { resolution: euros(TEXT_LIMITS.note + 1) },
    'resolution',
  ],
  [
    'POST /incidents/{id}/resolve',
    (id) => `/incidents/${id}/resolve`,
    { resolution: 'restarted', rootCause: euros(TEXT_LIMITS.note + 1) },
    'rootCause',
  ],
  [
    'PATCH /incidents/{id}',
    (id) => `/incidents/${id}`,
    { title: euros(TEXT_LIMITS.title + 1), reason: 'clearer' },
    'title',
  ],
  [
    'PATCH /incidents/{id}',
    (id) => `/incidents/${id}`,
    { assignee: euros(TEXT_LIMITS.name + 1), reason: 'handover' },
    'assignee',
  ],
  [
    'PATCH /incidents/{id}',
    (id) => `/incidents/${id}`,
    { title: 'Checkout 502s', reason: euros(TEXT_LIMITS.reason + 1) },
    'reason',
  ],
];

describe('text a person sends through the API', () => {
  it.each(CASES.map(([route, path, body, field]) => ({ route, path, body, field })))(
    '$route refuses $field over its byte limit with 400 naming the field',
    async ({ route, path, body, field }) => {
      const id = await openIncident();
      const before = await api.call('GET /incidents/{id}', `/incidents/${id}`);
      const timelineBefore = await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`);

      const answer = await api.call(route, path(id), { body });

      expect(answer.status).toBe(400);
      expect(errorOf(answer).field).toBe(field);
      expect(errorOf(answer).message).toMatch(/must be at most \d+ bytes \(UTF-8\)/);
      // Nothing was written: the incident, its timeline and the incident count are as they were.
      expect((await api.call('GET /incidents/{id}', `/incidents/${id}`)).body).toEqual(before.body);
      expect((await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`)).body).toEqual(
        timelineBefore.body,
      );
      expect(await allIncidents(server, table)).toHaveLength(1);
    },
  );

  it('accepts text exactly at its limit', async () => {
    const title = 't'.repeat(TEXT_LIMITS.title);
    const description = 'd'.repeat(TEXT_LIMITS.description);

    const answer = await api.call('POST /incidents', '/incidents', {
      body: { ...REPORT, title, description },
    });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ title, description });
  });
});
