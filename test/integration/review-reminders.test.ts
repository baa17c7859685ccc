import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { PeopleStore } from '#adapters/people-store';
import { ReviewReminderSource, reminderClaimKey } from '#adapters/review-reminder-source';
import { type DocumentSender, INDEX_PARTITIONS, keys } from '#adapters/store-keys';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import { openIncident } from '#core/incident';
import type { Incident } from '#core/model';
import { REMINDER_CLAIM_LEASE_MINUTES } from '#core/review-reminders';
import { ReminderRunFailed, sendReviewReminders } from '../../lambdas/reviews/send-reminders';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { LAMBDA_CONTEXT, stubLocalAwsEnv } from '../support/ingest-handler';
import { alarmSignal } from '../support/signals';
import { protocolMessages } from '../support/sns-messages';

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

const ARN = (name: string) => `arn:aws:sns:us-east-1:111122223333:firebreak-${name}`;
const PEOPLE_TOPIC = ARN('people');
const NOW = new Date('2026-12-10T12:00:00.000Z');
const CHECKOUT = 'INC-20261201-0001';
const BILLING = 'INC-20261201-0002';

/** The default policy, and the payments policy (its own management topic) for the checkout service. */
const ESCALATION: EscalationConfig = {
  ...DEFAULT_ESCALATION_CONFIG,
  policies: {
    ...DEFAULT_ESCALATION_CONFIG.policies,
    payments: {
      ...(DEFAULT_ESCALATION_CONFIG.policies.default as EscalationConfig['policies'][string]),
      name: 'payments',
      management: 'payments-managers',
    },
  },
  routes: [{ service: 'checkout', policy: 'payments' }],
};
const MANAGEMENT_ARNS = { management: ARN('management'), 'payments-managers': ARN('payments-managers') };

const sns = mockClient(SNSClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => sns.restore());

function published(): PublishCommandInput[] {
  return sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

/** A resolved incident of `service` as the lifecycle leaves it. */
function resolvedIncident(id: string, service: string): Incident {
  const opened = openIncident(
    alarmSignal({ at: '2026-12-01T09:00:00.000Z', service, impact: 'high', urgency: 'high' }),
    id,
    new Date('2026-12-01T09:00:00.000Z'),
  );
  return { ...opened, status: 'resolved', resolvedAt: '2026-12-01T10:00:00.000Z', firingCount: 0 };
}

/** A review item exactly as the design's contract stores it; `completed` has no index attributes. */
function reviewItem(incidentId: string, fields: { dueAt: string; owner?: string; state?: string }) {
  const state = fields.state ?? 'draft';
  return {
    ...keys.review(incidentId),
    incidentId,
    title: 'checkout 503s',
    priority: 'P1',
    service: 'checkout',
    summary: 'ALB 5XX',
    impact: 'high impact, high urgency (P1)',
    state,
    whys: [],
    wentWell: [],
    wentPoorly: [],
    lessons: [],
    actionItems: [],
    dueAt: fields.dueAt,
    openedAt: '2026-12-01T10:00:00.000Z',
    version: 1,
    ...(fields.owner ? { owner: fields.owner } : {}),
    ...(state !== 'completed'
      ? { gsi2pk: INDEX_PARTITIONS.reviewsDue, gsi2sk: `${fields.dueAt}#${incidentId}` }
      : {}),
  };
}

/** An action item exactly as the design's contract stores it. */
function actionItem(
  incidentId: string,
  item: { id: string; owner: string; dueDate: string; status?: string; title?: string },
) {
  const status = item.status ?? 'open';
  return {
    ...keys.actionItem(incidentId, item.id),
    incidentId,
    id: item.id,
    title: item.title ?? `Fix ${item.id}`,
    owner: item.owner,
    dueDate: item.dueDate,
    status,
    reviewVersion: 1,
    gsi2pk: INDEX_PARTITIONS.actions(status),
    gsi2sk: `${item.dueDate}#${incidentId}#${item.id}`,
  };
}

async function setup(options: { db?: (db: DocumentSender) => DocumentSender } = {}) {
  const table = await server.createTable('reminders');
  const db = options.db ? options.db(server.doc) : server.doc;
  const store = new IncidentStore(server.doc, table);
  await store.putIncidentIfAbsent(resolvedIncident(CHECKOUT, 'checkout'), 'test');
  await store.putIncidentIfAbsent(resolvedIncident(BILLING, 'billing'), 'test');
  const people = new PeopleStore(server.doc, table);
  await people.put(
    'alice',
    { name: 'Alice', timeZone: 'Europe/Berlin', contacts: [{ type: 'sms', address: '+4915112345678' }] },
    NOW,
  );
  const source = new ReviewReminderSource(db, table);
  const put = (item: Record<string, unknown>) =>
    server.doc.send(new PutCommand({ TableName: table, Item: item }));
  let now = NOW;
  const logs: Array<{ message: string; details: Record<string, unknown> }> = [];
  const deps = {
    source,
    incidents: store,
    people,
    notifier: new SnsNotifier(new SNSClient({ region: 'us-east-1' }), MANAGEMENT_ARNS, {
      peopleTopicArn: PEOPLE_TOPIC,
    }),
    escalation: ESCALATION,
    reviewLink: (id: string) => `http://127.0.0.1:3000/#/incidents/${id}/review`,
    clock: () => now,
    log: {
      info: (message: string, details: Record<string, unknown>) => logs.push({ message, details }),
      warn: (message: string, details: Record<string, unknown>) => logs.push({ message, details }),
    },
  };
  const claim = async (key: { PK: string; SK: string }) =>
    (await server.doc.send(new GetCommand({ TableName: table, Key: key }))).Item;
  return {
    table,
    put,
    run: () => sendReviewReminders(deps),
    setNow: (at: Date) => {
      now = at;
    },
    claim,
    logs,
  };
}

describe('review reminders', () => {
  it('reminds the owner of an overdue review once across two runs, on the people topic with their attributes', async () => {
    // Prepare
    const t = await setup();
    await t.put(reviewItem(CHECKOUT, { dueAt: '2026-12-03T10:00:00.000Z', owner: 'alice' }));

    // Act
    const first = await t.run();
    const second = await t.run();

    // Assess
    expect(first).toMatchObject({ overdue: 1, sent: 1, alreadyClaimed: 0 });
    expect(second).toMatchObject({ overdue: 1, sent: 0, alreadyClaimed: 1 });
    const [publish, ...more] = published();
    expect(more).toEqual([]);
    expect(publish?.TopicArn).toBe(PEOPLE_TOPIC);
    expect(publish?.MessageAttributes?.person).toEqual({ DataType: 'String', StringValue: 'alice' });
    expect(publish?.MessageAttributes?.kind?.StringValue).toBe('review-overdue');
    expect(publish?.MessageAttributes?.incidentId?.StringValue).toBe(CHECKOUT);
    expect(publish?.Subject).toMatch(new RegExp(`^\\[P\\d\\] REVIEW OVERDUE ${CHECKOUT} checkout: `));
    const text = protocolMessages(publish ?? {}).default;
    expect(text).toContain(`http://127.0.0.1:3000/#/incidents/${CHECKOUT}/review`);
    expect(text).toContain('Due: 2026-12-03 10:00 UTC');
    expect(text).not.toContain('management');
    expect(await t.claim({ PK: `REMIND#review#${CHECKOUT}`, SK: '2026-12-03T10:00:00.000Z' })).toMatchObject({
      state: 'sent',
      detail: 'to person:alice',
    });
  });

  it('reminds again, once, when the due date changes and the new one passes', async () => {
    // Prepare
    const t = await setup();
    await t.put(reviewItem(CHECKOUT, { dueAt: '2026-12-03T10:00:00.000Z', owner: 'alice' }));
    await t.run();
    // People move the due date; it passes too.
    await t.put(reviewItem(CHECKOUT, { dueAt: '2026-12-08T10:00:00.000Z', owner: 'alice' }));

    // Act
    const moved = await t.run();
    const again = await t.run();

    // Assess
    expect(moved).toMatchObject({ sent: 1 });
    expect(again).toMatchObject({ sent: 0, alreadyClaimed: 1 });
    const texts = published().map((p) => protocolMessages(p).default);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('Due: 2026-12-08 10:00 UTC');
  });

  it('never reminds of a completed review, a done or dropped action item, or anything not yet due', async () => {
    // Prepare
    const t = await setup();
    await t.put(
      reviewItem(CHECKOUT, { dueAt: '2026-12-03T10:00:00.000Z', owner: 'alice', state: 'completed' }),
    );
    await t.put(reviewItem(BILLING, { dueAt: '2026-12-10T12:00:00.001Z', owner: 'alice' }));
    await t.put(
      actionItem(CHECKOUT, { id: 'done-one', owner: 'alice', dueDate: '2026-12-01', status: 'done' }),
    );
    await t.put(
      actionItem(CHECKOUT, { id: 'dropped-one', owner: 'alice', dueDate: '2026-12-01', status: 'dropped' }),
    );
    // Due today: it may be done until the day ends (UTC).
    await t.put(actionItem(CHECKOUT, { id: 'due-today', owner: 'alice', dueDate: '2026-12-10' }));

    // Act
    const run = await t.run();

    // Assess
    expect(run).toEqual({ overdue: 0, sent: 0, alreadyClaimed: 0, skipped: 0, failed: 0 });
    expect(published()).toEqual([]);
  });

  it('counts a review due exactly now and an action item from the day after its due date', async () => {
    // Prepare
    const t = await setup();
    await t.put(reviewItem(CHECKOUT, { dueAt: NOW.toISOString(), owner: 'alice' }));
    await t.put(actionItem(BILLING, { id: 'yesterday', owner: 'alice', dueDate: '2026-12-09' }));

    // Act
    const run = await t.run();

    // Assess
    expect(run).toMatchObject({ overdue: 2, sent: 2 });
    expect(published().map((p) => p.Subject?.split(' ').slice(1, 3).join(' '))).toEqual([
      'REVIEW OVERDUE',
      'ACTION ITEM',
    ]);
  });

  it("sends an unknown owner's action item to the management topic of the incident's policy, saying why", async () => {
    // Prepare
    const t = await setup();
    await t.put(actionItem(CHECKOUT, { id: 'redis-check', owner: 'Alice Smith', dueDate: '2026-12-05' }));
    await t.put(actionItem(BILLING, { id: 'billing-runbook', owner: 'nobody-here', dueDate: '2026-12-05' }));

    // Act
    await t.run();

    // Assess: checkout routes to the payments policy, billing to the default one.
    const byTopic = Object.fromEntries(published().map((p) => [p.TopicArn, p]));
    expect(Object.keys(byTopic).sort()).toEqual([ARN('management'), ARN('payments-managers')]);
    const checkout = byTopic[ARN('payments-managers')];
    expect(checkout?.MessageAttributes?.person).toBeUndefined();
    expect(checkout?.MessageAttributes?.kind?.StringValue).toBe('review-overdue');
    expect(checkout?.Subject).toContain(`ACTION ITEM OVERDUE ${CHECKOUT}: Fix redis-check`);
    expect(protocolMessages(checkout ?? {}).default).toContain(
      `Sent to management (payments-managers) because its owner "Alice Smith" is not a person in Firebreak's directory`,
    );
    expect(await t.claim({ PK: `REMIND#action#${CHECKOUT}#redis-check`, SK: '2026-12-05' })).toMatchObject({
      state: 'sent',
    });
  });

  it('sends a review without an owner to management', async () => {
    // Prepare
    const t = await setup();
    await t.put(reviewItem(BILLING, { dueAt: '2026-12-03T10:00:00.000Z' }));

    // Act
    await t.run();

    // Assess
    const [publish] = published();
    expect(publish?.TopicArn).toBe(ARN('management'));
    expect(protocolMessages(publish ?? {}).default).toContain(
      'Sent to management (management) because the review has no owner',
    );
  });

  it('follows every page of the index', async () => {
    // Prepare: pages of two items.
    const t = await setup({
      db: (db) => ({
        send: ((command: unknown) => {
          if (command instanceof QueryCommand) command.input.Limit = 2;
          return db.send(command as never);
        }) as DocumentSender['send'],
      }),
    });
    for (let i = 0; i < 5; i++)
      await t.put(actionItem(CHECKOUT, { id: `item-${i}`, owner: 'alice', dueDate: `2026-12-0${i + 1}` }));

    // Act
    const run = await t.run();

    // Assess
    expect(run).toMatchObject({ overdue: 5, sent: 5 });
    expect(published()).toHaveLength(5);
  });

  it('leaves a reminder SNS refused claimed and sends it once the lease has passed, not before', async () => {
    // Prepare
    const t = await setup();
    await t.put(reviewItem(CHECKOUT, { dueAt: '2026-12-03T10:00:00.000Z', owner: 'alice' }));
    sns.on(PublishCommand).rejectsOnce(new Error('throttled')).resolves({ MessageId: 'm-2' });

    // Act
    const failed = await t.run().catch((error: unknown) => error);
    const withinLease = await t.run();
    t.setNow(new Date(NOW.getTime() + REMINDER_CLAIM_LEASE_MINUTES * 60_000 + 1));
    const afterLease = await t.run();
    const done = await t.run();

    // Assess
    expect(failed).toBeInstanceOf(ReminderRunFailed);
    expect((failed as ReminderRunFailed).run).toMatchObject({ overdue: 1, failed: 1 });
    expect(withinLease).toMatchObject({ sent: 0, alreadyClaimed: 1 });
    expect(afterLease).toMatchObject({ sent: 1 });
    expect(done).toMatchObject({ sent: 0, alreadyClaimed: 1 });
    // One refused publish, then the one that went out.
    expect(published()).toHaveLength(2);
    expect(t.logs.some((log) => log.message === 'review reminder not sent')).toBe(true);
  });

  it('keys claims per due date as the design says', () => {
    expect(
      reminderClaimKey({ kind: 'review', incidentId: 'INC-1', due: '2026-12-03T10:00:00.000Z' }),
    ).toEqual({
      PK: 'REMIND#review#INC-1',
      SK: '2026-12-03T10:00:00.000Z',
    });
    expect(
      reminderClaimKey({
        kind: 'action',
        incidentId: 'INC-1',
        itemId: 'a',
        itemTitle: 'A',
        due: '2026-12-03',
        owner: 'bob',
      }),
    ).toEqual({ PK: 'REMIND#action#INC-1#a', SK: '2026-12-03' });
  });
});

describe('the review reminders Lambda handler', () => {
  it('reads its configuration from the environment and reminds the owner', async () => {
    // Prepare
    const t = await setup();
    // The handler reads the real clock: a due date long past.
    await t.put(actionItem(CHECKOUT, { id: 'redis-check', owner: 'alice', dueDate: '2020-01-05' }));
    vi.stubEnv('TABLE_NAME', t.table);
    vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(ESCALATION));
    vi.stubEnv('MANAGEMENT_TOPIC_ARNS', JSON.stringify(MANAGEMENT_ARNS));
    vi.stubEnv('PEOPLE_TOPIC_ARN', PEOPLE_TOPIC);
    vi.stubEnv('INCIDENT_URL', 'https://firebreak.example.com/#/incidents/{id}');
    stubLocalAwsEnv(server.endpoint);
    vi.resetModules();
    const module = await import('../../lambdas/reviews/reminders-handler');

    // Act
    const run = await module.handler({}, LAMBDA_CONTEXT);

    // Assess
    expect(run).toMatchObject({ overdue: 1, sent: 1 });
    const [publish] = published();
    expect(publish?.TopicArn).toBe(PEOPLE_TOPIC);
    expect(protocolMessages(publish ?? {}).default).toContain(
      `https://firebreak.example.com/#/incidents/${CHECKOUT}/review`,
    );
  });

  it('stops at cold start naming a missing variable', async () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', 'x');
    vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(ESCALATION));
    vi.stubEnv('MANAGEMENT_TOPIC_ARNS', JSON.stringify({ management: ARN('management') }));
    vi.stubEnv('PEOPLE_TOPIC_ARN', PEOPLE_TOPIC);
    vi.resetModules();

    // Act / Assess
    await expect(import('../../lambdas/reviews/reminders-handler')).rejects.toThrow(
      'MANAGEMENT_TOPIC_ARNS has no topic for payments-managers',
    );
  });
});
