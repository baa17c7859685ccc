import type { PublishCommand, PublishCommandInput } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { MAX_STRUCTURED_MESSAGE_BYTES, type NotificationKind, SnsNotifier } from '#adapters/notifier';
import { ChatbotNotification } from '#core/chatbot';
import { openIncident } from '#core/incident';
import { TEXT_LIMITS } from '#core/limits';
import { Incident } from '#core/model';
import { OPS_DELIVERY } from '#core/page-targets';
import { escalationPage, initialPage, type NotificationMessage, resolution } from '#core/templates';
import { alarmSignal } from '../support/signals';

const ID = 'INC-20261127-0042';
const LINK = `https://firebreak.example.com/incidents/${ID}`;
const arn = (name: string) => `arn:aws:sns:us-east-1:111122223333:firebreak-${name}`;
const TOPICS = {
  'primary-on-call': arn('primary-on-call'),
  stakeholders: arn('stakeholders'),
  management: arn('management'),
  fallback: arn('fallback'),
};
const OPS_TOPIC = arn('ops');
const PEOPLE_TOPIC = arn('people');
/** SNS's limit on a publish: the message, subject and attributes together. */
const SNS_MAX_PUBLISH_BYTES = 256 * 1024;

function incident(overrides: Partial<Incident> = {}): Incident {
  const signal = alarmSignal({
    at: '2026-11-27T09:59:30.000Z',
    alarm: 'checkout-alb-5xx-error-rate-high',
    service: 'checkout-api',
    team: 'orders',
    impact: 'high',
    urgency: 'high',
  });
  return Incident.parse({
    ...openIncident(signal, ID, new Date('2026-11-27T10:00:00.000Z')),
    ...overrides,
  });
}

const page = (about: Incident = incident()) =>
  initialPage(about, { link: LINK, level: { name: 'Primary on call', number: 1 } });

/** A notifier over a sender that keeps every publish's input. */
function recordingNotifier(
  options: ConstructorParameters<typeof SnsNotifier>[2] = { incidentLink: () => LINK },
) {
  const inputs: PublishCommandInput[] = [];
  const sender = {
    async send(command: PublishCommand) {
      inputs.push(command.input);
      return { MessageId: `m-${inputs.length}` };
    },
  };
  const notifier = new SnsNotifier(sender, TOPICS, {
    peopleTopicArn: PEOPLE_TOPIC,
    opsTopicArn: OPS_TOPIC,
    ...options,
  });
  return { notifier, inputs };
}

/** The entries of a structured message: what each protocol's subscribers get. */
function entries(input: PublishCommandInput | undefined): Record<string, string> {
  expect(input?.MessageStructure).toBe('json');
  return JSON.parse(input?.Message ?? '') as Record<string, string>;
}

const cardOf = (input: PublishCommandInput | undefined) =>
  ChatbotNotification.parse(JSON.parse(entries(input).https ?? ''));

describe('SnsNotifier: topic messages for AWS Chatbot, email and SMS', () => {
  it('gives a topic page the plain text for default and email, and the Chatbot card over HTTPS', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier();
    const message = page();

    // Act
    await notifier.deliver(['primary-on-call'], 'initial', incident(), message);

    // Assess
    const input = inputs[0];
    expect(input).toMatchObject({ TopicArn: TOPICS['primary-on-call'], Subject: message.subject });
    const structured = entries(input);
    // No `sms` entry: SMS subscribers of a topic get `default`, the plain text, as before.
    expect(Object.keys(structured).sort()).toEqual(['default', 'email', 'https']);
    expect(structured.default).toBe(message.text);
    expect(structured.email).toBe(message.text);
    const card = cardOf(input);
    expect(card).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: message.subject, description: message.text },
      metadata: { threadId: ID, eventType: 'firebreak.initial' },
    });
    expect(card.content.nextSteps?.[0]).toBe(`Open ${ID}: ${LINK}`);
    expect(card.content.keywords).toEqual(['P1', 'checkout-api', 'orders', 'initial']);
    // The attributes subscribers filter on are unchanged.
    expect(input?.MessageAttributes?.priority?.StringValue).toBe('P1');
    expect(input?.MessageAttributes?.kind?.StringValue).toBe('initial');
  });

  it('structures the message of every topic target: team topics, stakeholders, management, fallback and ops', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier();
    const targets = ['primary-on-call', 'stakeholders', 'management', 'fallback', OPS_DELIVERY];

    // Act
    const delivery = await notifier.deliver(targets, 'escalation', incident(), page());

    // Assess
    expect(Object.keys(delivery.sent)).toEqual(targets);
    expect(inputs.map((input) => input.TopicArn)).toEqual([...Object.values(TOPICS), OPS_TOPIC]);
    for (const input of inputs) {
      expect(entries(input).default).toBe(page().text);
      expect(cardOf(input).metadata?.threadId).toBe(ID);
    }
  });

  it('names the same event on a retry of the same notice, and another for another message', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier();
    const later = escalationPage(incident(), {
      link: LINK,
      level: { name: 'Secondary', number: 2 },
      round: 1,
      minutesUnacknowledged: 15,
      previousTargets: ['primary-on-call'],
    });

    // Act
    await notifier.deliver(['stakeholders'], 'initial', incident(), page());
    await notifier.deliver(['stakeholders'], 'initial', incident(), page());
    await notifier.deliver(['stakeholders'], 'escalation', incident(), later);

    // Assess
    const ids = inputs.map((input) => cardOf(input).id);
    expect(ids[0]).toMatch(new RegExp(`^${ID}:initial-[0-9a-f]{16}$`));
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toMatch(new RegExp(`^${ID}:escalation-[0-9a-f]{16}$`));
  });

  it('asks nobody to acknowledge a resolved incident, and links the incident id when no link is configured', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier({});
    const resolved = incident({ status: 'resolved', resolvedAt: '2026-11-27T10:40:00.000Z' });

    // Act
    await notifier.deliver(['stakeholders'], 'resolution', resolved, resolution(resolved, { link: LINK }));

    // Assess
    expect(cardOf(inputs[0]).content.nextSteps).toEqual([`Open ${ID}: ${ID}`]);
    expect(cardOf(inputs[0]).content.keywords).toContain('resolution');
  });

  it('leaves pages to people as they were: the default, email and SMS entries, no card', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier({
      incidentLink: () => LINK,
      ackLinks: {
        links: async (incidentId, person) => ({
          full: `https://firebreak.example.com/ack/${incidentId}/${person}`,
          short: 'https://fb.example/a/1',
        }),
      },
    });

    // Act
    await notifier.deliver(['person:alice'], 'initial', incident(), page());
    await notifier.deliver(['person:alice'], 'update', incident(), page());

    // Assess
    const [paged, updated] = inputs;
    expect(paged?.TopicArn).toBe(PEOPLE_TOPIC);
    expect(Object.keys(entries(paged)).sort()).toEqual(['default', 'email', 'sms']);
    expect(entries(paged).sms).toContain('https://fb.example/a/1');
    expect(updated?.MessageStructure).toBeUndefined();
    expect(updated?.Message).toBe(page().text);
  });

  it('gives an ops failure about an incident its card, and one about nothing the plain text', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier();
    const failure: NotificationMessage = {
      subject: `Firebreak: PageLevel failed for ${ID} (States.Timeout)`,
      text: `A step failed.\nIncident: ${LINK}`,
    };

    // Act
    await notifier.notifyTopic(OPS_TOPIC, failure, 'failure', incident());
    await notifier.notifyTopic(OPS_TOPIC, failure, 'failure');

    // Assess
    const [about, alone] = inputs;
    expect(entries(about).default).toBe(failure.text);
    expect(entries(about).email).toBe(failure.text);
    expect(cardOf(about)).toMatchObject({
      content: { title: failure.subject, keywords: ['P1', 'checkout-api', 'orders', 'failure'] },
      metadata: { threadId: ID },
    });
    expect(alone).toMatchObject({ TopicArn: OPS_TOPIC, Message: failure.text });
    expect(alone?.MessageStructure).toBeUndefined();
  });
});

describe('SnsNotifier: within SNS’s 256 KB', () => {
  /** Characters JSON escapes the most: a control character takes 6 bytes once escaped, 7 in the card. */
  const control = (bytes: number) => '\u0001'.repeat(bytes);
  const quotes = (bytes: number) => '"'.repeat(bytes);

  it('keeps the longest page Firebreak writes under three quarters of the limit, text and card together', async () => {
    // Prepare: every free text at its limit, in the character that grows most when escaped.
    const { notifier, inputs } = recordingNotifier();
    const worst = incident({
      title: quotes(TEXT_LIMITS.title),
      description: control(TEXT_LIMITS.description),
      service: quotes(TEXT_LIMITS.name),
      team: quotes(TEXT_LIMITS.name),
      subcategory: quotes(TEXT_LIMITS.name),
      assignee: quotes(TEXT_LIMITS.name),
    });
    const message = initialPage(worst, {
      link: LINK,
      level: { name: quotes(TEXT_LIMITS.name), number: 1 },
      symptoms: control(TEXT_LIMITS.summary),
    });

    // Act
    await notifier.deliver(['stakeholders'], 'initial', worst, message);

    // Assess
    const input = inputs[0];
    const bytes =
      Buffer.byteLength(input?.Message ?? '') +
      Buffer.byteLength(input?.Subject ?? '') +
      Buffer.byteLength(JSON.stringify(input?.MessageAttributes));
    expect(input?.MessageStructure).toBe('json');
    expect(bytes).toBeLessThan(SNS_MAX_PUBLISH_BYTES * 0.75);
    expect(cardOf(input).content.description).toHaveLength(3000);
  });

  it('sends the plain text alone when a message would not fit with its card', async () => {
    // Prepare
    const { notifier, inputs } = recordingNotifier();
    const huge: NotificationMessage = { subject: 'huge', text: 'x'.repeat(MAX_STRUCTURED_MESSAGE_BYTES / 2) };

    // Act
    await notifier.deliver(['stakeholders'], 'update' satisfies NotificationKind, incident(), huge);

    // Assess
    expect(inputs[0]?.MessageStructure).toBeUndefined();
    expect(inputs[0]?.Message).toBe(huge.text);
  });
});
