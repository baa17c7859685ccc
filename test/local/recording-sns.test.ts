import {
  GetSubscriptionAttributesCommand,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { RecordingSns } from '../../local/recording-sns';

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
});
