import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../local/runtime';

const TOKEN = 'local-test-token';
const OPTIONS: LocalOptions = {
  port: 0,
  timeScale: 10_000,
  token: TOKEN,
  integrationKey: '0123456789abcdef0123456789abcdef',
  escalation: DEFAULT_ESCALATION_CONFIG,
  grouping: DEFAULT_GROUPING_CONFIG,
};
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

async function api(local: LocalRuntime, method: string, path: string, body?: unknown) {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Notification {
  topic: string;
  target: string;
  kind: string;
  subject: string;
  text: string;
  person?: string;
  contact?: { type: string; address: string };
  note?: string;
}
const notifications = async (local: LocalRuntime) =>
  (await api(local, 'GET', '/local/notifications')).body.items as Notification[];

/** A page to a person as the notifier publishes it: a message per protocol, and the `person` attribute. */
const page = (local: LocalRuntime, person: string) =>
  local.sns.send(
    new PublishCommand({
      TopicArn: local.peopleTopicArn,
      Subject: 'P1 incident INC-1: checkout down',
      MessageStructure: 'json',
      Message: JSON.stringify({
        default: 'P1 checkout down (default)',
        email: 'P1 checkout down, with the whole story and an ack link',
        sms: 'P1 checkout down https://x/ack/t',
      }),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'initial' },
        priority: { DataType: 'String', StringValue: 'P1' },
        incidentId: { DataType: 'String', StringValue: 'INC-1' },
        person: { DataType: 'String', StringValue: person },
      },
    }),
  );

describe('local mode: people topic subscriptions and fan-out', () => {
  let local: LocalRuntime;
  beforeAll(async () => {
    local = await startLocal(OPTIONS);
  });
  afterAll(async () => {
    await local.stop();
  });

  it('subscribes a person’s email and SMS; the email waits for confirmation, whose mail is recorded', async () => {
    // Act
    const created = await api(local, 'PUT', '/people/alice', ALICE);
    const subscriptions = await api(local, 'GET', '/local/subscriptions');

    // Assess
    expect(created.status).toBe(201);
    expect(
      (created.body.contacts as Array<{ type: string; state: string }>).map((c) => `${c.type}:${c.state}`),
    ).toEqual(['email:pending-confirmation', 'sms:confirmed', 'chat:confirmed']);
    expect(subscriptions.body.items).toEqual([
      expect.objectContaining({
        protocol: 'email',
        endpoint: EMAIL,
        pending: true,
        filterPolicy: { person: ['alice'] },
      }),
      expect.objectContaining({
        protocol: 'sms',
        endpoint: PHONE,
        pending: false,
        filterPolicy: { person: ['alice'] },
      }),
    ]);
    const mail = (await notifications(local)).filter((n) => n.kind === 'subscription-confirmation');
    expect(mail).toEqual([
      expect.objectContaining({
        target: 'person:alice',
        person: 'alice',
        contact: { type: 'email', address: EMAIL },
        text: expect.stringContaining('POST /local/subscriptions/confirm'),
      }),
    ]);
  });

  it('records a page once per confirmed subscription, with the person, the method and its protocol’s message', async () => {
    // Prepare
    const before = (await notifications(local)).length;

    // Act: only the SMS is confirmed yet.
    await page(local, 'alice');
    const smsOnly = (await notifications(local)).slice(before);
    const confirmed = await api(local, 'POST', '/local/subscriptions/confirm', {
      person: 'alice',
      address: 'Alice@Example.com',
    });
    const read = await api(local, 'GET', '/people/alice');
    await page(local, 'alice');
    const both = (await notifications(local)).slice(before + smsOnly.length);

    // Assess
    expect(smsOnly).toEqual([
      expect.objectContaining({
        target: 'person:alice',
        person: 'alice',
        kind: 'initial',
        contact: { type: 'sms', address: PHONE },
        subject: '',
        text: 'P1 checkout down https://x/ack/t',
      }),
    ]);
    expect(confirmed.status).toBe(200);
    expect((read.body.contacts as Array<{ state: string }>)[0]?.state).toBe('confirmed');
    expect(both.map((n) => [n.contact?.type, n.subject, n.text])).toEqual([
      ['email', 'P1 incident INC-1: checkout down', 'P1 checkout down, with the whole story and an ack link'],
      ['sms', '', 'P1 checkout down https://x/ack/t'],
    ]);
    expect(both.every((n) => n.person === 'alice' && n.note === undefined)).toBe(true);
  });

  it('records a page nobody receives once, with a note saying so', async () => {
    // Prepare
    const before = (await notifications(local)).length;
    await api(local, 'PUT', '/people/bob', {
      ...ALICE,
      contacts: [{ type: 'email', address: 'bob@example.com' }],
    });

    // Act
    await page(local, 'carol');
    await page(local, 'bob');
    const recorded = (await notifications(local)).slice(before).filter((n) => n.kind === 'initial');

    // Assess
    expect(recorded).toEqual([
      expect.objectContaining({
        target: 'person:carol',
        person: 'carol',
        text: 'P1 checkout down (default)',
        note: 'nobody received this: no confirmed subscription matches person carol',
      }),
      expect.objectContaining({
        person: 'bob',
        note: 'nobody received this: no confirmed subscription matches person bob (1 still pending confirmation)',
      }),
    ]);
    expect(recorded.every((n) => n.contact === undefined)).toBe(true);
  });

  it('records a message to another topic once, as before', async () => {
    // Prepare
    const before = (await notifications(local)).length;

    // Act
    await local.sns.send(
      new PublishCommand({
        TopicArn: 'arn:aws:sns:local:000000000000:firebreak-primary-on-call',
        Subject: 'P2 incident',
        Message: 'text',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'initial' } },
      }),
    );
    const recorded = (await notifications(local)).slice(before);

    // Assess
    expect(recorded).toEqual([
      {
        at: expect.any(String),
        topic: 'arn:aws:sns:local:000000000000:firebreak-primary-on-call',
        target: 'primary-on-call',
        kind: 'initial',
        subject: 'P2 incident',
        text: 'text',
      },
    ]);
  });

  it('answers 404 for a confirmation nothing waits for, and 400 naming the field for a bad body', async () => {
    // Act
    const nothing = await api(local, 'POST', '/local/subscriptions/confirm', {
      person: 'alice',
      address: 'x@y.z',
    });
    const bad = await api(local, 'POST', '/local/subscriptions/confirm', {
      person: 'Alice Smith',
      address: EMAIL,
    });

    // Assess
    expect(nothing.status).toBe(404);
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'person' } } });
  });

  it('unsubscribes a deleted person: a page to them is then received by nobody', async () => {
    // Act
    const deleted = await api(local, 'DELETE', '/people/alice');
    const subscriptions = await api(local, 'GET', '/local/subscriptions');

    // Assess
    expect(deleted.status).toBe(200);
    expect((subscriptions.body.items as Array<{ endpoint: string }>).map((s) => s.endpoint)).toEqual([
      'bob@example.com',
    ]);
  });
});

describe('local mode with a data directory', () => {
  it('puts the stored people’s subscriptions back after a restart', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-people-'));
    try {
      const first = await startLocal({ ...OPTIONS, dataDir });
      await api(first, 'PUT', '/people/alice', ALICE);
      await api(first, 'POST', '/local/subscriptions/confirm', { person: 'alice', address: EMAIL });
      await api(first, 'GET', '/people/alice');
      await first.stop();

      // Act
      const second = await startLocal({ ...OPTIONS, dataDir });
      try {
        await page(second, 'alice');
        const recorded = await notifications(second);

        // Assess
        expect(recorded.map((n) => n.contact?.type)).toEqual(['email', 'sms']);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
