import {
  GetSubscriptionAttributesCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SNSClientResolvedConfig,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { AwsStub } from 'aws-sdk-client-mock';

export const PEOPLE_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:firebreak-people';

export interface FakeSubscription {
  arn: string;
  protocol: string;
  endpoint: string;
  filterPolicy: string;
  pending: boolean;
}

const notFound = () => Object.assign(new Error('Subscription does not exist'), { name: 'NotFoundException' });

/**
 * Answers Subscribe, Unsubscribe and GetSubscriptionAttributes on a mocked SNS client as SNS does: one
 * subscription per topic, protocol and endpoint (subscribing it again answers the same ARN), email pending
 * until confirmed, NotFound for one that is gone. Only the client boundary is faked.
 */
export function fakeSubscriptions(
  sns: AwsStub<ServiceInputTypes, ServiceOutputTypes, SNSClientResolvedConfig>,
) {
  const subscriptions = new Map<string, FakeSubscription>();
  /** One-off errors, by the endpoint (Subscribe) or subscription ARN (Unsubscribe) they answer. */
  const failures = new Map<string, Error>();
  const failIfAsked = (key: string) => {
    const error = failures.get(key);
    failures.delete(key);
    if (error) throw error;
  };
  let next = 0;
  sns.on(SubscribeCommand).callsFake((input: SubscribeCommand['input']) => {
    failIfAsked(input.Endpoint ?? '');
    const existing = [...subscriptions.values()].find(
      (s) => s.protocol === input.Protocol && s.endpoint === input.Endpoint,
    );
    if (existing) return { SubscriptionArn: existing.arn };
    next += 1;
    const arn = `${input.TopicArn}:0000000${next}-aaaa-4bbb-8ccc-dddddddddddd`;
    subscriptions.set(arn, {
      arn,
      protocol: input.Protocol ?? '',
      endpoint: input.Endpoint ?? '',
      filterPolicy: input.Attributes?.FilterPolicy ?? '',
      pending: input.Protocol === 'email',
    });
    return { SubscriptionArn: arn };
  });
  sns.on(UnsubscribeCommand).callsFake((input: UnsubscribeCommand['input']) => {
    failIfAsked(input.SubscriptionArn ?? '');
    if (!subscriptions.delete(input.SubscriptionArn ?? '')) throw notFound();
    return {};
  });
  sns.on(GetSubscriptionAttributesCommand).callsFake((input: GetSubscriptionAttributesCommand['input']) => {
    const found = subscriptions.get(input.SubscriptionArn ?? '');
    if (!found) throw notFound();
    return {
      Attributes: {
        SubscriptionArn: found.arn,
        Protocol: found.protocol,
        Endpoint: found.endpoint,
        FilterPolicy: found.filterPolicy,
        PendingConfirmation: String(found.pending),
      },
    };
  });
  return {
    subscriptions,
    /** The next Subscribe of `endpoint`, or Unsubscribe of the subscription `arn`, fails with `name`. */
    failOnce(endpointOrArn: string, name: string) {
      failures.set(endpointOrArn, Object.assign(new Error(`${name} from SNS`), { name }));
    },
    /** The person clicks the link in SNS's confirmation mail. */
    confirm(endpoint: string) {
      for (const subscription of subscriptions.values())
        if (subscription.endpoint === endpoint) subscription.pending = false;
    },
    /** The person unsubscribes from the mail's link, or SNS expires an unconfirmed subscription. */
    drop(endpoint: string) {
      for (const [arn, subscription] of subscriptions)
        if (subscription.endpoint === endpoint) subscriptions.delete(arn);
    },
    endpoints: () => [...subscriptions.values()].map((s) => `${s.protocol}:${s.endpoint}`).sort(),
  };
}
