import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { type ApiAnswer, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';

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
  table = await server.createTable('people-api');
  api = await loadApi(server, table);
});
afterEach(() => api.restore());

const ALICE = {
  name: 'Alice Example',
  timeZone: 'Europe/Berlin',
  contacts: [
    { type: 'email', address: 'alice@example.com' },
    { type: 'sms', address: '+4915112345678' },
    { type: 'chat', address: '@alice' },
  ],
};
const WRITE = { scopes: ['firebreak/incidents:write'] };
const READ = { scopes: ['firebreak/incidents:read'] };

const putPerson = (id: string, body: unknown) =>
  api.call('PUT /people/{id}', `/people/${id}`, { ...WRITE, body });
const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string } }).error;

describe('people through the API handler', () => {
  it('creates a person with each contact method in its planned state, and reads them back', async () => {
    // Act
    const created = await putPerson('alice', ALICE);
    const read = await api.call('GET /people/{id}', '/people/alice', READ);

    // Assess
    expect(created.status).toBe(201);
    expect(read).toMatchObject({ status: 200, body: created.body });
    expect(read.body).toMatchObject({
      id: 'alice',
      name: 'Alice Example',
      timeZone: 'Europe/Berlin',
      version: 1,
      contacts: [
        { type: 'email', address: 'alice@example.com', state: 'pending-confirmation' },
        { type: 'sms', address: '+4915112345678', state: 'confirmed' },
        { type: 'chat', address: '@alice', state: 'confirmed' },
      ],
    });
  });

  it('answers the same PUT twice with the same person and version; a change is the next version', async () => {
    // Prepare
    await putPerson('alice', ALICE);

    // Act
    const again = await putPerson('alice', ALICE);
    const changed = await putPerson('alice', { ...ALICE, contacts: ALICE.contacts.slice(0, 1) });

    // Assess
    expect(again).toMatchObject({ status: 200, body: { version: 1 } });
    expect(changed).toMatchObject({
      status: 200,
      body: { version: 2, contacts: [{ type: 'email', state: 'pending-confirmation' }] },
    });
  });

  it('lists people by id', async () => {
    // Prepare
    await putPerson('bob', { ...ALICE, name: 'Bob' });
    await putPerson('alice', ALICE);

    // Act
    const list = await api.call('GET /people', '/people', READ);

    // Assess
    expect(list.status).toBe(200);
    expect(
      (list.body as { items: Array<{ id: string; name: string }> }).items.map((p) => [p.id, p.name]),
    ).toEqual([
      ['alice', 'Alice Example'],
      ['bob', 'Bob'],
    ]);
  });

  it.each([
    [
      'an SMS number with spaces',
      { ...ALICE, contacts: [{ type: 'sms', address: '+49 151 123' }] },
      'contacts[0].address',
    ],
    ['an unknown time zone', { ...ALICE, timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['no contact method', { ...ALICE, contacts: [] }, 'contacts'],
    [
      'a repeated contact method',
      { ...ALICE, contacts: [ALICE.contacts[0], ALICE.contacts[0]] },
      'contacts[1].address',
    ],
    [
      'an unknown contact field',
      { ...ALICE, contacts: [{ ...ALICE.contacts[0], label: 'work' }] },
      'contacts[0].label',
    ],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_case, body, field) => {
    // Act
    const answer = await putPerson('alice', body);
    const read = await api.call('GET /people/{id}', '/people/alice', READ);

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: 'invalid_request', field });
    expect(read.status).toBe(404);
  });

  it('refuses an id that is not one with 400, and answers 404 for an unknown person', async () => {
    // Act
    const badId = await putPerson('Alice%20Smith', ALICE);
    const unknown = await api.call('GET /people/{id}', '/people/nobody', READ);
    const deleteUnknown = await api.call('DELETE /people/{id}', '/people/nobody', WRITE);

    // Assess
    expect(badId.status).toBe(400);
    expect(errorOf(badId)).toMatchObject({ field: 'id' });
    expect([unknown.status, deleteUnknown.status]).toEqual([404, 404]);
    expect(errorOf(unknown).message).toBe('person nobody does not exist');
  });

  it('needs the write scope to change people and the read scope to see them', async () => {
    // Act
    const put = await api.call('PUT /people/{id}', '/people/alice', { ...READ, body: ALICE });
    const list = await api.call('GET /people', '/people', { scopes: [] });

    // Assess
    expect([put.status, list.status]).toEqual([403, 403]);
  });

  it('deletes a person no schedule names; they are gone from the list', async () => {
    // Prepare
    await putPerson('alice', ALICE);

    // Act
    const deleted = await api.call('DELETE /people/{id}', '/people/alice', WRITE);
    const read = await api.call('GET /people/{id}', '/people/alice', READ);
    const list = await api.call('GET /people', '/people', READ);

    // Assess
    expect(deleted).toMatchObject({ status: 200, body: { id: 'alice' } });
    expect(read.status).toBe(404);
    expect(list.body).toEqual({ items: [] });
  });

  it('refuses with 409 to delete a person a schedule layer names, and again while an override names them', async () => {
    // Prepare
    await putPerson('alice', ALICE);
    await putPerson('bob', { ...ALICE, name: 'Bob' });
    const layer = { people: ['alice'], start: '2026-03-02T09:00', shift: { length: 1, unit: 'weeks' } };
    await api.call('PUT /schedules/{id}', '/schedules/primary', {
      ...WRITE,
      body: { name: 'Primary', timeZone: 'Europe/Berlin', layers: [layer] },
    });
    const override = await api.call('POST /schedules/{id}/overrides', '/schedules/primary/overrides', {
      ...WRITE,
      body: { person: 'bob', start: '2099-01-01T00:00:00Z', end: '2099-01-02T00:00:00Z' },
    });

    // Act
    const inLayer = await api.call('DELETE /people/{id}', '/people/alice', WRITE);
    const inOverride = await api.call('DELETE /people/{id}', '/people/bob', WRITE);
    await api.call(
      'DELETE /schedules/{id}/overrides/{overrideId}',
      `/schedules/primary/overrides/${(override.body as { id: string }).id}`,
      WRITE,
    );
    const afterOverrideDeleted = await api.call('DELETE /people/{id}', '/people/bob', WRITE);

    // Assess
    expect([inLayer.status, inOverride.status]).toEqual([409, 409]);
    expect(errorOf(inLayer).message).toContain('schedule primary');
    expect(afterOverrideDeleted.status).toBe(200);
    expect((await api.call('GET /people/{id}', '/people/alice', READ)).status).toBe(200);
  });

  it('refuses with 409 to delete a person an escalation policy pages by name', async () => {
    // Prepare: the deployed policies page dana by name at level 3.
    const escalation = structuredClone(DEFAULT_ESCALATION_CONFIG);
    const policy = escalation.policies.default;
    if (!policy) throw new Error('no default policy');
    policy.levels = [
      ...policy.levels.slice(0, 2),
      { name: 'manager', delayMinutes: 15, targets: ['person:dana'] },
    ];
    api.restore();
    api = await loadApi(server, table, escalation);
    await putPerson('dana', { ...ALICE, name: 'Dana' });

    // Act
    const refused = await api.call('DELETE /people/{id}', '/people/dana', WRITE);

    // Assess
    expect(refused.status).toBe(409);
    expect(errorOf(refused).message).toBe(
      'person dana is paged by name by escalation policy default: take person:dana out of its levels (firebreak.escalation) and deploy first',
    );
    expect((await api.call('GET /people/{id}', '/people/dana', READ)).status).toBe(200);
  });

  it('lets a person go whose only override on a schedule has ended', async () => {
    // Prepare
    await putPerson('bob', { ...ALICE, name: 'Bob' });
    await api.call('PUT /schedules/{id}', '/schedules/primary', {
      ...WRITE,
      body: { name: 'Primary', timeZone: 'UTC', layers: [] },
    });
    await api.call('POST /schedules/{id}/overrides', '/schedules/primary/overrides', {
      ...WRITE,
      body: { person: 'bob', start: '2020-01-01T00:00:00Z', end: '2020-01-02T00:00:00Z' },
    });

    // Act
    const deleted = await api.call('DELETE /people/{id}', '/people/bob', WRITE);

    // Assess
    expect(deleted.status).toBe(200);
  });
});
