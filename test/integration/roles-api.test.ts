import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import type { TimelineEntry } from '#core/model';
import { IncidentCommands } from '../../lambdas/api/commands';
import { type ApiAnswer, loadApi, ONLY_RESOLVED } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { crashingSender, RecordingWorkflow, SimulatedCrash } from '../support/store-harness';

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
  table = await server.createTable('roles-api');
  // Closing is not what these tests are about: no lifecycle runs here to send the resolution notice.
  api = await loadApi(server, table, undefined, { closingChecklist: ONLY_RESOLVED });
  for (const id of ['alice', 'bob', 'carol']) {
    const person = await api.call('PUT /people/{id}', `/people/${id}`, {
      body: { name: id, timeZone: 'Europe/Berlin', contacts: [{ type: 'chat', address: `@${id}` }] },
    });
    expect(person.status).toBe(201);
  }
});
afterEach(() => api.restore());

const REPORT = { title: 'Checkout returns 502', service: 'checkout', impact: 'high', urgency: 'high' };

async function report(): Promise<string> {
  const answer = await api.call('POST /incidents', '/incidents', { body: REPORT });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

const putRoles = (
  id: string,
  body: unknown,
  options: { sub?: string; headers?: Record<string, string> } = {},
) => api.call('PUT /incidents/{id}/roles', `/incidents/${id}/roles`, { body, ...options });
const read = async (id: string) => (await api.call('GET /incidents/{id}', `/incidents/${id}`)).body;
const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string } }).error;

/** The incident's role entries on the timeline (kind `updated` with role changes in the details). */
async function roleEntries(id: string): Promise<TimelineEntry[]> {
  const timeline = await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`);
  return (timeline.body as { items: TimelineEntry[] }).items.filter((entry) => 'changes' in entry.details);
}

describe('incident roles through the API handler', () => {
  it('gives roles to people: on the incident, read back, and one timeline entry by the caller', async () => {
    // Prepare
    const id = await report();

    // Act
    const answer = await putRoles(id, { commander: 'alice', techLead: 'bob' }, { sub: 'dave' });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id, version: 2, roles: { commander: 'alice', techLead: 'bob' } });
    expect(await read(id)).toEqual(answer.body);
    expect(await roleEntries(id)).toEqual([
      expect.objectContaining({
        kind: 'updated',
        actor: 'dave',
        message: 'Incident commander: alice; tech lead: bob',
        details: {
          roles: { commander: 'alice', techLead: 'bob' },
          changes: [
            { role: 'commander', to: 'alice' },
            { role: 'techLead', to: 'bob' },
          ],
        },
      }),
    ]);
  });

  it('changes one role and keeps those left out; null takes a role back from its holder', async () => {
    // Prepare
    const id = await report();
    await putRoles(id, { commander: 'alice', techLead: 'bob', scribe: 'carol' });

    // Act
    const changed = await putRoles(id, { commander: 'bob' });
    const cleared = await putRoles(id, { scribe: null, techLead: null });

    // Assess
    expect(changed.body).toMatchObject({ roles: { commander: 'bob', techLead: 'bob', scribe: 'carol' } });
    expect((cleared.body as { roles: unknown }).roles).toEqual({ commander: 'bob' });
    expect((await roleEntries(id)).map((entry) => entry.message)).toEqual([
      'Incident commander: alice; tech lead: bob; scribe: carol',
      'Incident commander: bob (was alice)',
      'Tech lead: nobody (was bob); scribe: nobody (was carol)',
    ]);
  });

  it('takes the last role back, leaving the incident with no roles at all', async () => {
    // Prepare
    const id = await report();
    await putRoles(id, { commander: 'alice' });

    // Act
    const cleared = await putRoles(id, { commander: null });

    // Assess
    expect(cleared.status).toBe(200);
    expect(cleared.body).not.toHaveProperty('roles');
    expect(await read(id)).not.toHaveProperty('roles');
  });

  it('changes nothing on a retried identical PUT: same incident, same version, no second entry', async () => {
    // Prepare
    const id = await report();
    const headers = { 'idempotency-key': 'roles-1' };
    const first = await putRoles(id, { commander: 'alice', scribe: null }, { headers });

    // Act
    const sameKey = await putRoles(id, { commander: 'alice', scribe: null }, { headers });
    const newRequest = await putRoles(id, { commander: 'alice' });

    // Assess
    expect(sameKey).toMatchObject({ status: 200, body: first.body });
    expect(newRequest).toMatchObject({ status: 200, body: first.body });
    expect(await roleEntries(id)).toHaveLength(1);
  });

  it('refuses someone who is not a person with 400 naming the role, and changes nothing', async () => {
    // Prepare
    const id = await report();
    await putRoles(id, { commander: 'alice' });
    const before = await read(id);

    // Act
    const answer = await putRoles(id, { commander: 'bob', scribe: 'zed', commsLead: 'yves' });

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toEqual({
      code: 'invalid_request',
      field: 'commsLead',
      message: 'commsLead: person yves does not exist; PUT /people/yves first',
    });
    expect(await read(id)).toEqual(before);
    expect(await roleEntries(id)).toHaveLength(1);
  });

  it.each([
    ['no role', {}, ''],
    ['an id that is not a person id', { techLead: 'Bob Smith' }, 'techLead'],
    ['a role it does not know', { commander: 'alice', lead: 'bob' }, 'lead'],
    ['a number for a person', { scribe: 7 }, 'scribe'],
  ])('refuses a body with %s with 400 naming the field', async (_case, body, field) => {
    // Prepare
    const id = await report();

    // Act
    const answer = await putRoles(id, body);

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: 'invalid_request', field: field || 'body' });
    expect(await read(id)).not.toHaveProperty('roles');
  });

  it('refuses a body that is not JSON, or no body, with 400', async () => {
    // Prepare
    const id = await report();

    // Act
    const notJson = await api.call('PUT /incidents/{id}/roles', `/incidents/${id}/roles`, {
      rawBody: '{commander: alice',
      headers: { 'content-type': 'application/json' },
    });
    const none = await api.call('PUT /incidents/{id}/roles', `/incidents/${id}/roles`);

    // Assess
    expect([notJson.status, none.status]).toEqual([400, 400]);
    expect(errorOf(notJson)).toMatchObject({ code: 'invalid_json', field: 'body' });
    expect(errorOf(none).message).toMatch(/must name at least one role/);
  });

  it('answers 404 for an incident that does not exist, or an id that is not one', async () => {
    // Act
    const missing = await putRoles('INC-20261127-9999', { commander: 'alice' });
    const malformed = await putRoles('checkout', { commander: 'alice' });

    // Assess
    expect([missing.status, malformed.status]).toEqual([404, 404]);
    expect(errorOf(missing)).toMatchObject({ code: 'not_found' });
  });

  it('sets roles on a resolved incident, and refuses any change once it is closed (409)', async () => {
    // Prepare
    const id = await report();
    await api.call('POST /incidents/{id}/resolve', `/incidents/${id}/resolve`, { body: { resolution: 'x' } });

    // Act
    const resolved = await putRoles(id, { scribe: 'carol' });
    await api.call('POST /incidents/{id}/close', `/incidents/${id}/close`);
    const closed = await putRoles(id, { commander: 'alice' });
    const closedSame = await putRoles(id, { scribe: 'carol' });

    // Assess
    expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved', roles: { scribe: 'carol' } } });
    expect([closed.status, closedSame.status]).toEqual([409, 409]);
    expect(errorOf(closed)).toMatchObject({
      code: 'conflict',
      message: `incident ${id} is closed; its roles cannot change`,
    });
    expect(await read(id)).toMatchObject({ status: 'closed', roles: { scribe: 'carol' } });
    expect(await roleEntries(id)).toHaveLength(1);
  });

  it('lands two people’s changes to different roles made at once, each with its entry', async () => {
    // Prepare
    const id = await report();

    // Act
    const answers = await Promise.all([
      putRoles(id, { commander: 'alice' }),
      putRoles(id, { scribe: 'carol' }),
      putRoles(id, { techLead: 'bob' }),
    ]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await read(id)).toMatchObject({
      version: 4,
      roles: { commander: 'alice', scribe: 'carol', techLead: 'bob' },
    });
    expect(await roleEntries(id)).toHaveLength(3);
  });

  it('names the roles in a status update to the stakeholders', async () => {
    // Prepare
    const id = await report();
    await putRoles(id, { commander: 'alice', commsLead: 'carol' });

    // Act
    const update = await api.call('POST /incidents/{id}/updates', `/incidents/${id}/updates`, {
      body: { phase: 'Identified', message: 'A bad deploy; rolling back.' },
    });

    // Assess
    expect(update.status).toBe(200);
    const sent = api.published.find((message) => message.subject.includes('IDENTIFIED'));
    expect(sent?.message).toContain('\nRoles: incident commander alice, comms lead carol\n');
    // AWS Chatbot's card of the same update, linking the incident by the API's configured URL.
    expect(sent?.card?.content.description).toBe(sent?.message);
    expect(sent?.card?.content.nextSteps?.[0]).toBe(
      `Open ${id}: https://firebreak.example.com/incidents/${id}`,
    );
  });
});

describe('incident roles against a crash between the two writes', () => {
  it('completes the timeline entry on the retry when the roles were written and the entry was not', async () => {
    // Prepare: the roles write lands, then the process dies before the timeline entry.
    const id = await report();
    const now = new Date('2026-11-27T10:00:00.000Z');
    const commands = (sender: ConstructorParameters<typeof IncidentStore>[0]) =>
      new IncidentCommands({
        store: new IncidentStore(sender, table),
        workflow: new RecordingWorkflow(),
        clock: () => now,
      });
    const crashing = commands(crashingSender(server.doc, 1));
    await expect(
      crashing.setRoles(id, { commander: 'alice' }, { actor: 'dave', requestKey: 'req-a' }),
    ).rejects.toThrow(SimulatedCrash);
    expect(await read(id)).toMatchObject({ roles: { commander: 'alice' } });
    expect(await roleEntries(id)).toEqual([]);

    // Act: the client retries (a new request id); there is nothing left to change.
    const retried = await commands(server.doc).setRoles(
      id,
      { commander: 'alice' },
      { actor: 'dave', requestKey: 'req-b' },
    );
    const again = await commands(server.doc).setRoles(
      id,
      { commander: 'alice' },
      { actor: 'dave', requestKey: 'req-c' },
    );

    // Assess: the entry of the change, once, as the first try would have written it.
    expect(again).toEqual(retried);
    expect(await roleEntries(id)).toEqual([
      {
        incidentId: id,
        entryId: 'api:roles:req-a',
        at: now.toISOString(),
        kind: 'updated',
        actor: 'dave',
        message: 'Incident commander: alice',
        details: { roles: { commander: 'alice' }, changes: [{ role: 'commander', to: 'alice' }] },
      },
    ]);
  });

  it('refuses to write roles over ones that changed since they were read', async () => {
    // Prepare
    const id = await report();
    const store = new IncidentStore(server.doc, table);
    const now = new Date('2026-11-27T10:00:00.000Z');
    const entry = (message: string): TimelineEntry => ({
      incidentId: id,
      entryId: `test:${message}`,
      at: now.toISOString(),
      kind: 'updated',
      actor: 'test',
      message,
      details: {},
    });
    await store.setRoles(id, { from: {}, to: { commander: 'alice' }, entry: entry('first') }, now);

    // Act: a writer that read no roles, and one that read the wrong holder.
    const stale = await store.setRoles(id, { from: {}, to: { scribe: 'carol' }, entry: entry('stale') }, now);
    const wrong = await store.setRoles(
      id,
      { from: { commander: 'bob' }, to: {}, entry: entry('wrong') },
      now,
    );
    const fresh = await store.setRoles(
      id,
      { from: { commander: 'alice' }, to: { commander: 'alice', scribe: 'carol' }, entry: entry('fresh') },
      now,
    );

    // Assess
    expect([stale, wrong]).toEqual([undefined, undefined]);
    expect(fresh).toMatchObject({ version: 3, roles: { commander: 'alice', scribe: 'carol' } });
    expect(await store.rolesEntryOf(id)).toMatchObject({ message: 'fresh' });
  });
});
