import {
  GetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ContactSubscriptions, isSubscriptionArn } from '#adapters/contact-subscriptions';

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:firebreak-people';
const SUBSCRIPTION = `${TOPIC}:6f1c2a3b-1d2e-4f5a-8b9c-0d1e2f3a4b5c`;
const named = (name: string) => Object.assign(new Error(`${name} from SNS`), { name });
const subscriptions = () => new ContactSubscriptions(new SNSClient({ region: 'eu-west-1' }), TOPIC);

describe('ContactSubscriptions.subscribe', () => {
  it.each([
    ['email', 'alice@example.com', 'pending-confirmation'],
    ['sms', '+4915112345678', 'confirmed'],
  ] as const)(
    'subscribes a %s contact to the people topic, filtered on the person, asking for the ARN',
    async (type, address, state) => {
      // Prepare
      sns.on(SubscribeCommand).resolves({ SubscriptionArn: SUBSCRIPTION });

      // Act
      const subscribed = await subscriptions().subscribe('alice', { type, address });

      // Assess
      expect(subscribed).toEqual({ subscriptionArn: SUBSCRIPTION, state });
      expect(sns.commandCalls(SubscribeCommand).map((call) => call.args[0].input)).toEqual([
        {
          TopicArn: TOPIC,
          Protocol: type,
          Endpoint: address,
          Attributes: { FilterPolicy: '{"person":["alice"]}', FilterPolicyScope: 'MessageAttributes' },
          ReturnSubscriptionArn: true,
        },
      ]);
    },
  );

  it.each(['pending confirmation', 'PendingConfirmation'])(
    'answers a pending email subscription without an ARN when SNS says "%s"',
    async (answer) => {
      // Prepare
      sns.on(SubscribeCommand).resolves({ SubscriptionArn: answer });

      // Act
      const subscribed = await subscriptions().subscribe('alice', {
        type: 'email',
        address: 'a@example.com',
      });

      // Assess
      expect(subscribed).toEqual({ state: 'pending-confirmation' });
    },
  );

  it('lets SNS errors through, and refuses an answer that is no subscription ARN', async () => {
    // Prepare
    sns
      .on(SubscribeCommand)
      .rejectsOnce(named('InvalidParameterException'))
      .resolvesOnce({ SubscriptionArn: TOPIC });

    // Act
    const first = subscriptions().subscribe('alice', { type: 'sms', address: '+4915112345678' });
    await expect(first).rejects.toThrow('InvalidParameterException from SNS');
    const second = subscriptions().subscribe('alice', { type: 'sms', address: '+4915112345678' });

    // Assess
    await expect(second).rejects.toThrow(`SNS answered Subscribe with "${TOPIC}", not an ARN`);
  });
});

describe('ContactSubscriptions.unsubscribe', () => {
  it('removes the subscription by its ARN', async () => {
    // Prepare
    sns.on(UnsubscribeCommand).resolves({});

    // Act
    const outcome = await subscriptions().unsubscribe(SUBSCRIPTION);

    // Assess
    expect(outcome).toBe('unsubscribed');
    expect(sns.commandCalls(UnsubscribeCommand)[0]?.args[0].input).toEqual({ SubscriptionArn: SUBSCRIPTION });
  });

  it('treats a subscription SNS no longer has as already gone, and lets other errors through', async () => {
    // Prepare
    sns
      .on(UnsubscribeCommand)
      .rejectsOnce(named('NotFoundException'))
      .rejectsOnce(named('ThrottledException'));

    // Act
    const gone = await subscriptions().unsubscribe(SUBSCRIPTION);
    const throttled = subscriptions().unsubscribe(SUBSCRIPTION);

    // Assess
    expect(gone).toBe('already-gone');
    await expect(throttled).rejects.toThrow('ThrottledException from SNS');
  });
});

describe('ContactSubscriptions.status', () => {
  it.each([
    [{ PendingConfirmation: 'true' }, 'pending-confirmation'],
    [{ PendingConfirmation: 'false' }, 'confirmed'],
    [{}, 'confirmed'],
  ])('reads %j as %s', async (attributes, status) => {
    // Prepare
    sns.on(GetSubscriptionAttributesCommand).resolves({ Attributes: attributes });

    // Act
    const answer = await subscriptions().status(SUBSCRIPTION);

    // Assess
    expect(answer).toBe(status);
    expect(sns.commandCalls(GetSubscriptionAttributesCommand)[0]?.args[0].input).toEqual({
      SubscriptionArn: SUBSCRIPTION,
    });
  });

  it('answers gone for a subscription SNS no longer has, and lets other errors through', async () => {
    // Prepare
    sns
      .on(GetSubscriptionAttributesCommand)
      .rejectsOnce(named('NotFoundException'))
      .rejectsOnce(named('AuthorizationErrorException'));

    // Act
    const gone = await subscriptions().status(SUBSCRIPTION);
    const denied = subscriptions().status(SUBSCRIPTION);

    // Assess
    expect(gone).toBe('gone');
    await expect(denied).rejects.toThrow('AuthorizationErrorException from SNS');
  });
});

describe('isSubscriptionArn', () => {
  it.each([
    [SUBSCRIPTION, true],
    ['arn:aws-cn:sns:cn-north-1:111122223333:firebreak-people:abc-123', true],
    ['arn:aws:sns:local:000000000000:firebreak-people:6f1c2a3b-1d2e-4f5a-8b9c-0d1e2f3a4b5c', true],
    [TOPIC, false],
    ['pending confirmation', false],
  ])('%s → %s', (value, expected) => {
    expect(isSubscriptionArn(value)).toBe(expected);
  });
});
