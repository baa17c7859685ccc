import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PageLog } from '#adapters/page-log';
import { onCallAt, ScheduleBody, shifts } from '#core/schedules';
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
  table = await server.createTable('schedules-api');
  api = await loadApi(server, table);
  for (const id of ['alice', 'bob', 'carol']) {
    const answer = await api.call('PUT /people/{id}', `/people/${id}`, {
      body: {
        name: id,
        timeZone: 'Europe/Berlin',
        contacts: [{ type: 'email', address: `${id}@example.com` }],
      },
    });
    expect(answer.status).toBe(201);
  }
});
afterEach(() => api.restore());

/** Alice and Bob a week each from Monday 09:00 Berlin; Carol covers weekend days 10:00-18:00 over them. */
const PRIMARY = {
  name: 'Primary',
  timeZone: 'Europe/Berlin',
  layers: [
    { people: ['alice', 'bob'], start: '2026-03-02T09:00', shift: { length: 1, unit: 'weeks' } },
    {
      people: ['carol'],
      start: '2026-03-07T10:00',
      shift: { length: 1, unit: 'days' },
      restrictions: [{ days: ['sat', 'sun'], from: '10:00', to: '18:00' }],
    },
  ],
};
const WRITE = { scopes: ['firebreak/incidents:write'] };
const READ = { scopes: ['firebreak/incidents:read'] };

const errorOf = (answer: ApiAnswer) =>
  (answer.body as { error: { code: string; message: string; field?: string } }).error;
const putSchedule = (body: unknown, id = 'primary') =>
  api.call('PUT /schedules/{id}', `/schedules/${id}`, { ...WRITE, body });
const addOverride = (body: unknown, headers: Record<string, string> = {}) =>
  api.call('POST /schedules/{id}/overrides', '/schedules/primary/overrides', { ...WRITE, body, headers });
const onCall = (at: string) =>
  api.call('GET /schedules/{id}/oncall', '/schedules/primary/oncall', { ...READ, query: { at } });
const shiftsOf = (from: string, to: string) =>
  api.call('GET /schedules/{id}/shifts', '/schedules/primary/shifts', { ...READ, query: { from, to } });

describe('schedules through the API handler', () => {
  it('creates a schedule, answers the same PUT with the same version, and lists and reads it', async () => {
    // Act
    const created = await putSchedule(PRIMARY);
    const again = await putSchedule(PRIMARY);
    const list = await api.call('GET /schedules', '/schedules', READ);
    const read = await api.call('GET /schedules/{id}', '/schedules/primary', READ);

    // Assess
    expect(created).toMatchObject({ status: 201, body: { id: 'primary', version: 1 } });
    expect(again).toMatchObject({ status: 200, body: { version: 1 } });
    expect((list.body as { items: unknown[] }).items).toEqual([created.body]);
    expect(read).toMatchObject({ status: 200, body: { ...(created.body as object), overrides: [] } });
    // A layer without restrictions is stored with none.
    expect(read.body).toMatchObject({
      layers: [{ restrictions: [] }, { restrictions: [{ days: ['sat', 'sun'] }] }],
    });
  });

  it.each([
    [
      'a person who does not exist',
      { layers: [{ ...PRIMARY.layers[0], people: ['alice', 'dave'] }] },
      'layers[0].people[1]',
    ],
    [
      'an unknown shift unit',
      { layers: [{ ...PRIMARY.layers[0], shift: { length: 1, unit: 'months' } }] },
      'layers[0].shift.unit',
    ],
    [
      'a start with an offset',
      { layers: [{ ...PRIMARY.layers[0], start: '2026-03-02T09:00Z' }] },
      'layers[0].start',
    ],
    [
      'an unknown layer field',
      { layers: [{ ...PRIMARY.layers[0], rotation: 'weekly' }] },
      'layers[0].rotation',
    ],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_case, change, field) => {
    // Act
    const answer = await putSchedule({ ...PRIMARY, ...change });
    const read = await api.call('GET /schedules/{id}', '/schedules/primary', READ);

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: 'invalid_request', field });
    expect(read.status).toBe(404);
  });

  it('names the missing person in the 400', async () => {
    // Act
    const answer = await putSchedule({ ...PRIMARY, layers: [{ ...PRIMARY.layers[0], people: ['dave'] }] });

    // Assess
    expect(errorOf(answer).message).toBe('layers[0].people[0]: dave does not exist; PUT /people/dave first');
  });

  it('answers 404 for an unknown schedule on every route that names one', async () => {
    // Act
    const answers = await Promise.all([
      api.call('GET /schedules/{id}', '/schedules/nope', READ),
      api.call('GET /schedules/{id}/oncall', '/schedules/nope/oncall', READ),
      api.call('GET /schedules/{id}/shifts', '/schedules/nope/shifts', {
        ...READ,
        query: { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' },
      }),
      api.call('POST /schedules/{id}/overrides', '/schedules/nope/overrides', {
        ...WRITE,
        body: { person: 'alice', start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' },
      }),
      api.call(
        'DELETE /schedules/{id}/overrides/{overrideId}',
        '/schedules/nope/overrides/ov-0123456789abcdef',
        WRITE,
      ),
    ]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404]);
  });

  it('refuses an override for someone who does not exist, naming them, and one that ends before it starts', async () => {
    // Prepare
    await putSchedule(PRIMARY);

    // Act
    const unknown = await addOverride({
      person: 'dave',
      start: '2026-03-10T08:00:00Z',
      end: '2026-03-10T12:00:00Z',
    });
    const reversed = await addOverride({
      person: 'bob',
      start: '2026-03-10T12:00:00Z',
      end: '2026-03-10T08:00:00Z',
    });

    // Assess
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatchObject({
      field: 'person',
      message: 'person: dave does not exist; PUT /people/dave first',
    });
    expect(reversed.status).toBe(400);
    expect(errorOf(reversed)).toMatchObject({ field: 'end' });
  });

  it('lets the later of two overlapping overrides win, and the layer again once both are deleted', async () => {
    // Prepare: Tuesday 10 March is in Bob's week; Carol's weekend layer takes over on Saturday 10:00 Berlin.
    await putSchedule(PRIMARY);
    const at = '2026-03-10T10:00:00Z';

    // Act
    const before = await onCall(at);
    const first = await addOverride({
      person: 'alice',
      start: '2026-03-10T08:00:00Z',
      end: '2026-03-10T12:00:00Z',
    });
    const second = await addOverride({
      person: 'carol',
      start: '2026-03-10T09:00:00+01:00',
      end: '2026-03-10T11:00:00Z',
    });
    const withBoth = await onCall(at);
    const afterSecond = await onCall('2026-03-10T11:30:00Z');
    const firstId = (first.body as { id: string }).id;
    const secondId = (second.body as { id: string }).id;
    const deleteSecond = await api.call(
      'DELETE /schedules/{id}/overrides/{overrideId}',
      `/schedules/primary/overrides/${secondId}`,
      WRITE,
    );
    const withFirst = await onCall(at);
    await api.call(
      'DELETE /schedules/{id}/overrides/{overrideId}',
      `/schedules/primary/overrides/${firstId}`,
      WRITE,
    );
    const deleteAgain = await api.call(
      'DELETE /schedules/{id}/overrides/{overrideId}',
      `/schedules/primary/overrides/${firstId}`,
      WRITE,
    );
    const after = await onCall(at);

    // Assess
    expect(before.body).toEqual({ person: 'bob', until: '2026-03-14T09:00:00.000Z' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toMatchObject({
      person: 'carol',
      start: '2026-03-10T08:00:00.000Z',
      createdBy: 'alice',
    });
    expect(withBoth.body).toEqual({ person: 'carol', until: '2026-03-10T11:00:00.000Z' });
    expect(afterSecond.body).toEqual({ person: 'alice', until: '2026-03-10T12:00:00.000Z' });
    expect(deleteSecond).toMatchObject({ status: 200, body: { id: secondId } });
    expect(withFirst.body).toEqual({ person: 'alice', until: '2026-03-10T12:00:00.000Z' });
    expect(deleteAgain.status).toBe(404);
    expect(after.body).toEqual(before.body);
  });

  it('adds one override for a request retried with the same Idempotency-Key', async () => {
    // Prepare
    await putSchedule(PRIMARY);
    const body = { person: 'bob', start: '2026-03-10T08:00:00Z', end: '2026-03-10T12:00:00Z' };

    // Act
    const first = await addOverride(body, { 'idempotency-key': 'swap-1' });
    const retried = await addOverride(body, { 'idempotency-key': 'swap-1' });
    const read = await api.call('GET /schedules/{id}', '/schedules/primary', READ);

    // Assess
    expect([first.status, retried.status]).toEqual([201, 200]);
    expect(retried.body).toEqual(first.body);
    expect((read.body as { overrides: unknown[] }).overrides).toEqual([first.body]);
  });

  it('answers oncall and shifts as the core computes them for the stored schedule and overrides', async () => {
    // Prepare: over the change to summer time (29 March 2026 in Berlin), with an override. Bob hands over to
    // Alice on Monday 30 March at 09:00 Berlin, 07:00Z in summer time.
    await putSchedule(PRIMARY);
    await addOverride({ person: 'carol', start: '2026-03-25T20:00:00Z', end: '2026-03-26T06:00:00Z' });
    const read = (await api.call('GET /schedules/{id}', '/schedules/primary', READ)).body as {
      overrides: Array<{ id: string; person: string; start: string; end: string }>;
    };
    const rules = ScheduleBody.parse(PRIMARY);
    const overrides = read.overrides.map(({ id, person, start, end }) => ({ id, person, start, end }));
    const from = '2026-03-20T00:00:00Z';
    const to = '2026-04-10T00:00:00Z';

    // Act
    const listed = await shiftsOf(from, to);
    const instants = [
      '2026-03-21T12:00:00Z',
      '2026-03-25T21:00:00Z',
      '2026-03-29T07:30:00Z',
      '2026-03-30T06:30:00Z',
      '2026-03-30T07:30:00Z',
    ];
    const answers = await Promise.all(instants.map(onCall));

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      from: '2026-03-20T00:00:00.000Z',
      to: '2026-04-10T00:00:00.000Z',
      shifts: shifts(rules, overrides, from, to),
    });
    expect(answers.map((answer) => answer.body)).toEqual(
      instants.map((at) => onCallAt(rules, overrides, at)),
    );
    expect(answers.map((answer) => (answer.body as { person: string }).person)).toEqual([
      'carol',
      'carol',
      'bob',
      'bob',
      'alice',
    ]);
  });

  it('reports hours on call, nights, weekends and pages per person, each in their own zone', async () => {
    // Prepare: the first week of March 2026 (Berlin is UTC+1): Alice's week, Carol's weekend days over it.
    await putSchedule(PRIMARY);
    const log = new PageLog(server.doc, table);
    const page = (person: string, at: string) => ({
      person,
      at,
      incidentId: 'INC-1',
      key: `k-${at}`,
      target: 'schedule:primary',
    });
    await log.record([
      page('alice', '2026-03-03T02:00:00.000Z'), // Tuesday 03:00 Berlin: outside working hours
      page('alice', '2026-03-04T10:00:00.000Z'), // Wednesday 11:00 Berlin
      page('alice', '2026-03-10T10:00:00.000Z'), // after the range
      page('carol', '2026-03-07T12:00:00.000Z'), // Saturday 13:00 Berlin
    ]);

    // Act
    const answer = await api.call('GET /schedules/{id}/report', '/schedules/primary/report', {
      ...READ,
      query: { from: '2026-03-02T08:00:00Z', to: '2026-03-09T08:00:00Z' },
    });

    // Assess: Alice has the week but Carol's 8 hours of each weekend day; nights are 22:00-07:00 Berlin.
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      from: '2026-03-02T08:00:00.000Z',
      to: '2026-03-09T08:00:00.000Z',
      timeZone: 'Europe/Berlin',
      people: [
        {
          person: 'alice',
          timeZone: 'Europe/Berlin',
          hoursOnCall: 152,
          nightHours: 63,
          weekendHours: 32,
          pagesReceived: 2,
          pagesOutsideWorkingHours: 1,
        },
        {
          person: 'carol',
          timeZone: 'Europe/Berlin',
          hoursOnCall: 16,
          nightHours: 0,
          weekendHours: 16,
          pagesReceived: 1,
          pagesOutsideWorkingHours: 1,
        },
      ],
    });
    const bad = await api.call('GET /schedules/{id}/report', '/schedules/primary/report', {
      ...READ,
      query: { from: '2026-03-09T00:00:00Z', to: '2026-03-02T00:00:00Z' },
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).field).toBe('to');
  });

  it('answers who is on call now without at', async () => {
    // Prepare
    await putSchedule({ ...PRIMARY, layers: [] });

    // Act
    const answer = await api.call('GET /schedules/{id}/oncall', '/schedules/primary/oncall', READ);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ person: null });
  });

  it.each([
    ['a reversed range', { from: '2026-03-10T00:00:00Z', to: '2026-03-09T00:00:00Z' }, 'to'],
    ['a range longer than 366 days', { from: '2026-01-01T00:00:00Z', to: '2027-01-03T00:00:00Z' }, 'to'],
    ['a missing from', { to: '2026-03-09T00:00:00Z' }, 'from'],
    ['an instant without an offset', { from: '2026-03-09T00:00:00', to: '2026-03-10T00:00:00Z' }, 'from'],
    [
      'an unknown parameter',
      { from: '2026-03-09T00:00:00Z', to: '2026-03-10T00:00:00Z', zone: 'UTC' },
      'zone',
    ],
  ])('refuses shifts for %s with 400 naming the parameter', async (_case, query, field) => {
    // Prepare
    await putSchedule(PRIMARY);

    // Act
    const answer = await api.call('GET /schedules/{id}/shifts', '/schedules/primary/shifts', {
      ...READ,
      query,
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: 'invalid_request', field });
  });

  it('refuses oncall at something that is not an instant', async () => {
    // Prepare
    await putSchedule(PRIMARY);

    // Act
    const answer = await onCall('tomorrow');

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ field: 'at' });
  });
});
