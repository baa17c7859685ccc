import {
  GetSubscriptionAttributesCommand,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { SnsNotifier } from '#adapters/notifier';
import { openIncident } from '#core/incident';
import { RecordingSns } from '../../local/recording-sns';
import { alarmSignal } from '../support/signals';

const TOPIC = 'arn:aws:sns:local:000000000000:firebreak-people';
const NOW = new Date('2026-11-27T10:00:00.000Z');
const recorder = () =>
  new RecordingSns(
    (arn) => arn,
    () => NOW,
    { subscriptionTopics: [TOPIC] },
  );
const subscribe = (input: Partial<ConstructorParameters<typeof SubscribeCommand>[0]>) =>
  new SubscribeCommand({
    TopicArn: TOPIC,
    Protocol: 'email',
    Endpoint: 'alice@example.com',
    Attributes: { FilterPolicy: '{"person":["alice"]}', FilterPolicyScope: 'MessageAttributes' },
    ...input,
  });

describe('RecordingSns subscriptions, as SNS answers them', () => {
  it('answers the same subscription for the same topic, protocol and endpoint, and refuses other attributes', async () => {
    // Prepare
    const sns = recorder();

    // Act
    const first = await sns.send(subscribe({ ReturnSubscriptionArn: true }));
    const again = await sns.send(subscribe({ ReturnSubscriptionArn: true }));
    const without = await sns.send(subscribe({}));
    const other = sns.send(subscribe({ Attributes: { FilterPolicy: '{"person":["bob"]}' } }));

    // Assess
    expect(first.SubscriptionArn).toMatch(new RegExp(`^${TOPIC}:[0-9a-f-]{36}$`));
    expect(again.SubscriptionArn).toBe(first.SubscriptionArn);
    expect(without.SubscriptionArn).toBe('pending confirmation');
    await expect(other).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('already exists with different attributes'),
    });
  });

  it('reads pending, then confirmed, then NotFound once unsubscribed', async () => {
    // Prepare
    const sns = recorder();
    const { SubscriptionArn: arn } = await sns.send(subscribe({ ReturnSubscriptionArn: true }));
    const read = () => sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));

    // Act
    const pending = await read();
    sns.confirm('alice', 'ALICE@example.com');
    const confirmed = await read();
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));

    // Assess
    expect(pending.Attributes).toMatchObject({
      PendingConfirmation: 'true',
      Protocol: 'email',
      FilterPolicy: '{"person":["alice"]}',
      FilterPolicyScope: 'MessageAttributes',
    });
    expect(confirmed.Attributes.PendingConfirmation).toBe('false');
    await expect(read()).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('is what the ContactSubscriptions adapter expects of SNS', async () => {
    // Prepare
    const subscriptions = new ContactSubscriptions(recorder(), TOPIC);

    // Act
    const email = await subscriptions.subscribe('alice', { type: 'email', address: 'alice@example.com' });
    const sms = await subscriptions.subscribe('alice', { type: 'sms', address: '+4915112345678' });
    const status = await subscriptions.status(email.subscriptionArn ?? '');
    const removed = await subscriptions.unsubscribe(sms.subscriptionArn ?? '');
    const again = await subscriptions.unsubscribe(sms.subscriptionArn ?? '');

    // Assess
    expect([email.state, sms.state, status]).toEqual([
      'pending-confirmation',
      'confirmed',
      'pending-confirmation',
    ]);
    expect([removed, again]).toEqual(['unsubscribed', 'already-gone']);
  });

  it('refuses a JSON-structured message without a default entry, or that is not JSON, as SNS does', async () => {
    // Prepare
    const sns = recorder();
    const publish = (Message: string) =>
      sns.send(new PublishCommand({ TopicArn: TOPIC, MessageStructure: 'json', Message }));

    // Act / Assess
    await expect(publish('{"email":"only"}')).rejects.toThrow('No default entry in JSON message body');
    await expect(publish('not json')).rejects.toThrow('JSON message body failed to parse');
    expect(sns.published).toEqual([]);
  });

  it('records a topic message with its AWS Chatbot card as the plain text, for the record and for SMS', async () => {
    // Prepare: a team topic with an SMS subscriber, as an operator may add one beside AWS Chatbot.
    const team = 'arn:aws:sns:local:000000000000:firebreak-primary-on-call';
    const sns = new RecordingSns(
      (arn) => arn,
      () => NOW,
      { subscriptionTopics: [team] },
    );
    await sns.send(new SubscribeCommand({ TopicArn: team, Protocol: 'sms', Endpoint: '+4915112345678' }));
    const other = new RecordingSns(
      () => 'stakeholders',
      () => NOW,
    );
    const incident = openIncident(alarmSignal({ at: NOW.toISOString() }), 'INC-20261127-0001', NOW);
    const message = {
      subject: '[P3] INC-20261127-0001 web-prod: CPU high',
      text: 'CPU high\nOpen: https://x/1',
    };
    const link = { incidentLink: (id: string) => `https://x/${id}` };

    // Act
    await new SnsNotifier(sns, { 'primary-on-call': team }, link).deliver(
      ['primary-on-call'],
      'initial',
      incident,
      message,
    );
    await new SnsNotifier(
      other,
      { stakeholders: 'arn:aws:sns:local:000000000000:firebreak-stakeholders' },
      link,
    ).deliver(['stakeholders'], 'initial', incident, message);

    // Assess
    expect(sns.published).toEqual([
      expect.objectContaining({ contact: { type: 'sms', address: '+4915112345678' }, text: message.text }),
    ]);
    expect(other.published).toEqual([
      expect.objectContaining({ target: 'stakeholders', subject: message.subject, text: message.text }),
    ]);
  });
});
