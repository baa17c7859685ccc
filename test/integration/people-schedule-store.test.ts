import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DocumentSender } from '#adapters/incident-store';
import { PeopleStore } from '#adapters/people-store';
import { ScheduleStore, type StoredOverride } from '#adapters/schedule-store';
import type { ScheduleBody } from '#core/schedules';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { countingSender } from '../support/store-harness';

let server: DynamoServer;
let table: string;
let people: PeopleStore;
let schedules: ScheduleStore;
const NOW = new Date('2026-03-14T09:00:00.000Z');
const LATER = new Date('2026-03-14T10:00:00.000Z');

const ALICE = {
  name: 'Alice',
  timeZone: 'Europe/Berlin',
  contacts: [
    { type: 'email' as const, address: 'alice@example.com' },
    { type: 'sms' as const, address: '+4915112345678' },
  ],
};

const RULES: ScheduleBody = {
  name: 'Primary',
  timeZone: 'Europe/Berlin',
  layers: [
    {
      people: ['alice', 'bob'],
      start: '2026-03-02T09:00',
      shift: { length: 1, unit: 'weeks' },
      restrictions: [],
    },
  ],
};

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('people');
  people = new PeopleStore(server.doc, table);
  schedules = new ScheduleStore(server.doc, table);
});

async function everyKey() {
  const result = await server.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  return (result.Items ?? []).map((item) => `${item.PK} ${item.SK}`).sort();
}

describe('PeopleStore', () => {
  it('stores a person with each contact method in its initial state, and a directory copy', async () => {
    // Act
    const result = await people.put('alice', ALICE, NOW);

    // Assess
    expect(result).toMatchObject({ outcome: 'created', person: { id: 'alice', version: 1 } });
    expect(await people.get('alice')).toEqual({
      ...ALICE,
      id: 'alice',
      version: 1,
      updatedAt: NOW.toISOString(),
      contacts: [
        { type: 'email', address: 'alice@example.com', state: 'pending-confirmation' },
        { type: 'sms', address: '+4915112345678', state: 'confirmed' },
      ],
    });
    expect(await everyKey()).toEqual(['PEOPLE alice', 'PERSON#alice PERSON']);
  });

  it('changes nothing for the same body again, and keeps a kept contact state on a change', async () => {
    // Prepare
    await people.put('alice', ALICE, NOW);

    // Act
    const again = await people.put('alice', ALICE, LATER);
    const renamed = await people.put(
      'alice',
      { ...ALICE, name: 'Alice B', contacts: [{ type: 'email', address: 'ALICE@example.com' }] },
      LATER,
    );

    // Assess
    expect(again).toMatchObject({ outcome: 'unchanged', person: { version: 1 } });
    expect(renamed).toMatchObject({ outcome: 'replaced', person: { version: 2, name: 'Alice B' } });
    if (renamed.outcome === 'conflict') throw new Error('unexpected conflict');
    expect(renamed.changes.removed).toEqual([{ type: 'sms', address: '+4915112345678', state: 'confirmed' }]);
    expect(renamed.person.contacts).toEqual([
      { type: 'email', address: 'ALICE@example.com', state: 'pending-confirmation' },
    ]);
    expect((await people.list()).map((person) => [person.id, person.version])).toEqual([['alice', 2]]);
  });

  it('repairs a missing directory copy when the same person is put again', async () => {
    // Prepare: the copy's write never happened.
    await people.put('alice', ALICE, NOW);
    await server.doc.send(new DeleteCommand({ TableName: table, Key: { PK: 'PEOPLE', SK: 'alice' } }));

    // Act
    await people.put('alice', ALICE, LATER);

    // Assess
    expect((await people.list()).map((person) => person.id)).toEqual(['alice']);
  });

  it('refuses a write on a version someone else replaced, and answers conflict after its tries', async () => {
    // Prepare: every read sees version 1, but the table holds version 2.
    await people.put('alice', ALICE, NOW);
    const stale = await people.get('alice');
    await people.put('alice', { ...ALICE, name: 'Alice B' }, LATER);
    const staleReads = new PeopleStore(server.doc, table);
    staleReads.get = async () => stale;
    (staleReads as unknown as { directory: { get: () => unknown } }).directory.get = async () => stale;

    // Act
    const result = await staleReads.put('alice', { ...ALICE, name: 'Alice C' }, LATER);

    // Assess
    expect(result).toEqual({ outcome: 'conflict' });
    expect((await people.get('alice'))?.name).toBe('Alice B');
  });

  it('deletes a person and their copy; a stale delete is refused and keeps them listed', async () => {
    // Prepare
    await people.put('alice', ALICE, NOW);
    const first = await people.get('alice');
    await people.put('alice', { ...ALICE, name: 'Alice B' }, LATER);
    if (!first) throw new Error('alice was not stored');

    // Act
    const stale = await people.delete(first);
    const current = await people.get('alice');
    const deleted = current ? await people.delete(current) : false;

    // Assess
    expect(stale).toBe(false);
    expect(deleted).toBe(true);
    expect(await everyKey()).toEqual([]);
  });

  it('lists people with one Query, never a Scan', async () => {
    // Prepare
    await people.put('bob', { ...ALICE, name: 'Bob' }, NOW);
    await people.put('alice', ALICE, NOW);
    const sender = countingSender(server.doc as DocumentSender);

    // Act
    const listed = await new PeopleStore(sender, table).list();

    // Assess
    expect(listed.map((person) => person.id)).toEqual(['alice', 'bob']);
    expect([...sender.counts]).toEqual([['QueryCommand', 1]]);
  });
});

describe('ScheduleStore', () => {
  const override = (id: string, createdAt: string, person = 'bob'): StoredOverride => ({
    id,
    person,
    start: '2026-03-14T10:00:00.000Z',
    end: '2026-03-14T12:00:00.000Z',
    createdAt,
    createdBy: 'carol',
  });

  it('stores, replaces and lists schedules; the same body twice is one version', async () => {
    // Act
    const created = await schedules.put('primary', RULES, NOW);
    const again = await schedules.put('primary', RULES, LATER);
    const replaced = await schedules.put('primary', { ...RULES, name: 'Primary on-call' }, LATER);

    // Assess
    expect(created).toMatchObject({ outcome: 'created', schedule: { version: 1 } });
    expect(again).toMatchObject({ outcome: 'unchanged', schedule: { version: 1 } });
    expect(replaced).toMatchObject({
      outcome: 'replaced',
      schedule: { version: 2, name: 'Primary on-call' },
    });
    expect(await schedules.list()).toEqual([
      { ...RULES, name: 'Primary on-call', id: 'primary', version: 2, updatedAt: LATER.toISOString() },
    ]);
  });

  it('lists overrides in the order they were made, and adds one id once', async () => {
    // Prepare
    await schedules.put('primary', RULES, NOW);

    // Act
    await schedules.addOverride('primary', override('ov-b', '2026-03-14T09:00:00.000Z'));
    await schedules.addOverride('primary', override('ov-a', '2026-03-14T09:30:00.000Z', 'alice'));
    const retried = await schedules.addOverride('primary', override('ov-b', '2026-03-14T09:45:00.000Z'));

    // Assess
    expect(retried).toEqual({ override: override('ov-b', '2026-03-14T09:00:00.000Z'), created: false });
    expect((await schedules.overrides('primary')).map((found) => found.id)).toEqual(['ov-b', 'ov-a']);
    expect(await everyKey()).toEqual([
      'SCHEDULE#primary OVERRIDE#2026-03-14T09:00:00.000Z#ov-b',
      'SCHEDULE#primary OVERRIDE#2026-03-14T09:30:00.000Z#ov-a',
      'SCHEDULE#primary SCHEDULE',
      'SCHEDULES primary',
    ]);
  });

  it('deletes an override once; deleting it again finds none', async () => {
    // Prepare
    await schedules.addOverride('primary', override('ov-a', '2026-03-14T09:00:00.000Z'));

    // Act
    const first = await schedules.deleteOverride('primary', 'ov-a');
    const second = await schedules.deleteOverride('primary', 'ov-a');

    // Assess
    expect(first?.id).toBe('ov-a');
    expect(second).toBeUndefined();
    expect(await schedules.overrides('primary')).toEqual([]);
  });
});
