import { GetSubscriptionAttributesCommand, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PeopleStore } from '#adapters/people-store';
import { type ApiAnswer, loadApi, PEOPLE_TOPIC_ARN } from '../support/api-handler';
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
  table = await server.createTable('people-subscriptions');
  api = await loadApi(server, table);
});
afterEach(() => api.restore());

const EMAIL = 'alice@example.com';
const PHONE = '+4915112345678';
const ALICE = {
  name: 'Alice Example',
  timeZone: 'Europe/Berlin',
  contacts: [
    { type: 'email', address: EMAIL },
    { type: 'sms', address: PHONE },
    { type: 'chat', address: '@alice' },
  ],
};
const WRITE = { scopes: ['firebreak/incidents:write'] };
const READ = { scopes: ['firebreak/incidents:read'] };

interface Contact {
  type: string;
  address: string;
  state: string;
  subscriptionArn?: string;
  problem?: string;
}
interface Person {
  version: number;
  contacts: Contact[];
}

const putPerson = (body: unknown = ALICE) =>
  api.call('PUT /people/{id}', '/people/alice', { ...WRITE, body });
const getPerson = () => api.call('GET /people/{id}', '/people/alice', READ);
const person = (answer: ApiAnswer) => answer.body as Person;
const contact = (answer: ApiAnswer, type: string) =>
  person(answer).contacts.find((c) => c.type === type) as Contact;
const calls = {
  subscribe: () => api.sns.commandCalls(SubscribeCommand).map((c) => c.args[0].input),
  unsubscribe: () => api.sns.commandCalls(UnsubscribeCommand).map((c) => c.args[0].input.SubscriptionArn),
  read: () => api.sns.commandCalls(GetSubscriptionAttributesCommand).length,
};

describe('contact methods as SNS subscriptions, through the API handler', () => {
  it('subscribes each email and SMS method to the people topic, filtered on the person; chat gets none', async () => {
    // Act
    const created = await putPerson();

    // Assess
    expect(created.status).toBe(201);
    expect(calls.subscribe()).toEqual(
      [
        ['email', EMAIL],
        ['sms', PHONE],
      ].map(([protocol, endpoint]) => ({
        TopicArn: PEOPLE_TOPIC_ARN,
        Protocol: protocol,
        Endpoint: endpoint,
        Attributes: { FilterPolicy: '{"person":["alice"]}', FilterPolicyScope: 'MessageAttributes' },
        ReturnSubscriptionArn: true,
      })),
    );
    const [email, sms] = [...api.subscriptions.subscriptions.keys()];
    expect(person(created).contacts).toEqual([
      { type: 'email', address: EMAIL, state: 'pending-confirmation', subscriptionArn: email },
      { type: 'sms', address: PHONE, state: 'confirmed', subscriptionArn: sms },
      { type: 'chat', address: '@alice', state: 'confirmed' },
    ]);
    expect(await getPerson()).toMatchObject({ status: 200, body: created.body });
  });

  it('subscribes nothing new for the same PUT twice', async () => {
    // Prepare
    await putPerson();

    // Act
    const again = await putPerson();

    // Assess
    expect(again).toMatchObject({ status: 200, body: { version: 1 } });
    expect(calls.subscribe()).toHaveLength(2);
    expect(calls.unsubscribe()).toEqual([]);
  });

  it('unsubscribes a removed method and subscribes an added one, in one new version', async () => {
    // Prepare
    const created = await putPerson();
    const smsArn = contact(created, 'sms').subscriptionArn;

    // Act
    const changed = await putPerson({
      ...ALICE,
      contacts: [ALICE.contacts[0], { type: 'sms', address: '+4915199999999' }],
    });

    // Assess
    expect(calls.unsubscribe()).toEqual([smsArn]);
    expect(person(changed)).toMatchObject({
      version: 2,
      contacts: [
        {
          type: 'email',
          state: 'pending-confirmation',
          subscriptionArn: contact(created, 'email').subscriptionArn,
        },
        { type: 'sms', address: '+4915199999999', state: 'confirmed', subscriptionArn: expect.any(String) },
      ],
    });
    expect(api.subscriptions.endpoints()).toEqual([`email:${EMAIL}`, 'sms:+4915199999999']);
  });

  it('stores a method SNS refused as failed with the problem, the rest as subscribed; the same PUT retries it', async () => {
    // Prepare
    api.subscriptions.failOnce(PHONE, 'InvalidParameterException');

    // Act
    const created = await putPerson();
    const retried = await putPerson();

    // Assess
    expect(created.status).toBe(201);
    expect(contact(created, 'sms')).toEqual({
      type: 'sms',
      address: PHONE,
      state: 'failed',
      problem: expect.stringContaining(
        'subscribing failed (InvalidParameterException: InvalidParameterException from SNS)',
      ),
    });
    expect(contact(created, 'email')).toMatchObject({
      state: 'pending-confirmation',
      subscriptionArn: expect.any(String),
    });
    expect(person(retried).version).toBe(2);
    expect(contact(retried, 'sms')).toEqual({
      type: 'sms',
      address: PHONE,
      state: 'confirmed',
      subscriptionArn: expect.any(String),
    });
  });

  it('keeps a removed method whose unsubscribing failed, failed with the problem, until a later PUT removes it', async () => {
    // Prepare
    const created = await putPerson();
    const smsArn = contact(created, 'sms').subscriptionArn;
    api.subscriptions.failOnce(smsArn ?? '', 'ThrottledException');
    const withoutSms = { ...ALICE, contacts: [ALICE.contacts[0], ALICE.contacts[2]] };

    // Act
    const first = await putPerson(withoutSms);
    const second = await putPerson(withoutSms);

    // Assess
    expect(person(first).contacts.map((c) => `${c.type}:${c.state}`)).toEqual([
      'email:pending-confirmation',
      'chat:confirmed',
      'sms:failed',
    ]);
    expect(contact(first, 'sms')).toMatchObject({
      subscriptionArn: smsArn,
      problem: expect.stringContaining(
        'removed from the person, but unsubscribing failed (ThrottledException',
      ),
    });
    expect(person(second).contacts.map((c) => c.type)).toEqual(['email', 'chat']);
    expect(api.subscriptions.endpoints()).toEqual([`email:${EMAIL}`]);
  });

  it('reads a pending email method as confirmed once the person confirmed it, and stores that', async () => {
    // Prepare
    await putPerson();
    api.subscriptions.confirm(EMAIL);

    // Act
    const read = await getPerson();
    const readsAfterFirstGet = calls.read();
    const again = await getPerson();
    const listed = await api.call('GET /people', '/people', READ);

    // Assess
    expect(contact(read, 'email').state).toBe('confirmed');
    expect(person(read).version).toBe(2);
    expect(again.body).toEqual(read.body);
    expect((listed.body as { items: unknown[] }).items).toEqual([read.body]);
    // Only methods waiting for confirmation are asked about: one call, then none.
    expect([readsAfterFirstGet, calls.read()]).toEqual([1, 1]);
  });

  it('leaves a still-pending email method as it is, with no new version', async () => {
    // Prepare
    await putPerson();

    // Act
    const read = await getPerson();

    // Assess
    expect(person(read).version).toBe(1);
    expect(contact(read, 'email').state).toBe('pending-confirmation');
  });

  it('marks a subscription SNS no longer has as failed; saving the person again subscribes it anew', async () => {
    // Prepare
    const created = await putPerson();
    api.subscriptions.drop(EMAIL);

    // Act
    const read = await getPerson();
    const saved = await putPerson();

    // Assess
    expect(contact(read, 'email')).toEqual({
      type: 'email',
      address: EMAIL,
      state: 'failed',
      problem: expect.stringContaining('no longer exists at SNS'),
    });
    expect(contact(saved, 'email')).toMatchObject({
      state: 'pending-confirmation',
      subscriptionArn: expect.any(String),
    });
    expect(contact(saved, 'email').subscriptionArn).not.toBe(contact(created, 'email').subscriptionArn);
  });

  it('unsubscribes every method of a deleted person', async () => {
    // Prepare
    const created = await putPerson();

    // Act
    const deleted = await api.call('DELETE /people/{id}', '/people/alice', WRITE);

    // Assess
    expect(deleted.status).toBe(200);
    expect(calls.unsubscribe().sort()).toEqual(
      [contact(created, 'email').subscriptionArn, contact(created, 'sms').subscriptionArn].sort(),
    );
    expect(api.subscriptions.endpoints()).toEqual([]);
    expect((await getPerson()).status).toBe(404);
  });

  it('keeps a person whose subscription could not be removed, answers 502, and deletes on the next try', async () => {
    // Prepare
    const created = await putPerson();
    const smsArn = contact(created, 'sms').subscriptionArn;
    api.subscriptions.failOnce(smsArn ?? '', 'InternalErrorException');

    // Act
    const refused = await api.call('DELETE /people/{id}', '/people/alice', WRITE);
    const kept = await getPerson();
    const deleted = await api.call('DELETE /people/{id}', '/people/alice', WRITE);

    // Assess
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      error: { code: 'subscription_failed', message: expect.stringContaining(`sms ${PHONE}`) },
    });
    expect(contact(kept, 'sms')).toMatchObject({
      state: 'failed',
      subscriptionArn: smsArn,
      problem: expect.stringContaining('unsubscribing failed while deleting the person'),
    });
    expect(contact(kept, 'email')).not.toHaveProperty('subscriptionArn');
    expect(deleted.status).toBe(200);
    expect(api.subscriptions.endpoints()).toEqual([]);
  });

  it('subscribes the methods of a person stored before subscriptions existed when they are saved again', async () => {
    // Prepare: stored as the store alone stores them, with planned states and no subscription.
    await new PeopleStore(server.doc, table).put('alice', ALICE as never, new Date());

    // Act
    const saved = await putPerson();

    // Assess
    expect(calls.subscribe().map((input) => input.Endpoint)).toEqual([EMAIL, PHONE]);
    expect(person(saved).contacts.map((c) => Boolean(c.subscriptionArn))).toEqual([true, true, false]);
  });
});
