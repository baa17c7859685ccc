import {
  GetSubscriptionAttributesCommand,
  type GetSubscriptionAttributesCommandOutput,
  SubscribeCommand,
  type SubscribeCommandOutput,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { SubscribedContact } from '#core/people';

/** What the subscriptions need of an SNS client: an SNSClient, or local mode's recorder. */
export interface SubscriptionSender {
  send(command: SubscribeCommand): Promise<Pick<SubscribeCommandOutput, 'SubscriptionArn'>>;
  send(command: UnsubscribeCommand): Promise<unknown>;
  send(
    command: GetSubscriptionAttributesCommand,
  ): Promise<Pick<GetSubscriptionAttributesCommandOutput, 'Attributes'>>;
}

/** A subscription just made: its ARN when SNS gave one, and where the contact method now stands. */
export interface Subscribed {
  /**
   * Absent when SNS answered `pending confirmation` instead of an ARN (it does for email without
   * ReturnSubscriptionArn): such a subscription cannot be read back until it is subscribed again.
   */
  subscriptionArn?: string;
  state: 'pending-confirmation' | 'confirmed';
}

/** Where a stored subscription stands at SNS; `gone` when SNS no longer has it. */
export type SubscriptionStatus = 'pending-confirmation' | 'confirmed' | 'gone';

/** SNS's answer, instead of an ARN, for a subscription still waiting for confirmation. */
const PENDING_ARN = /^pending ?confirmation$/i;

/**
 * The people topic's subscriptions: one per email or SMS contact method of a person, each with a filter
 * policy on the `person` message attribute, so one topic reaches exactly the person a page names.
 *
 * SNS keys a subscription by topic, protocol and endpoint: subscribing the same contact again with the same
 * filter policy answers the same subscription (no second one, no second confirmation for a confirmed one).
 * That makes every call here safe to repeat after a failed or conflicting write.
 */
export class ContactSubscriptions {
  constructor(
    private readonly sns: SubscriptionSender,
    readonly topicArn: string,
  ) {}

  /**
   * Subscribes one contact method of `personId`. An email subscription waits for the person to confirm it
   * (the confirmation mail SNS sends); an SMS subscription delivers at once. Errors propagate.
   */
  async subscribe(personId: string, contact: SubscribedContact): Promise<Subscribed> {
    const result = await this.sns.send(
      new SubscribeCommand({
        TopicArn: this.topicArn,
        Protocol: contact.type,
        Endpoint: contact.address,
        Attributes: {
          FilterPolicy: JSON.stringify({ person: [personId] }),
          FilterPolicyScope: 'MessageAttributes',
        },
        ReturnSubscriptionArn: true,
      }),
    );
    const arn = result.SubscriptionArn;
    const state = contact.type === 'email' ? 'pending-confirmation' : 'confirmed';
    if (arn === undefined || PENDING_ARN.test(arn)) return { state: 'pending-confirmation' };
    if (!isSubscriptionArn(arn)) throw new Error(`SNS answered Subscribe with "${arn}", not an ARN`);
    return { subscriptionArn: arn, state };
  }

  /** Removes a subscription; `already-gone` when SNS no longer has it (the person unsubscribed, say). */
  async unsubscribe(subscriptionArn: string): Promise<'unsubscribed' | 'already-gone'> {
    try {
      await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
      return 'unsubscribed';
    } catch (error) {
      if (isNotFound(error)) return 'already-gone';
      throw error;
    }
  }

  /**
   * Where a subscription stands: pending while SNS says PendingConfirmation is "true", confirmed otherwise,
   * gone when SNS no longer has it (unsubscribed from the mail's link, or never confirmed and expired).
   */
  async status(subscriptionArn: string): Promise<SubscriptionStatus> {
    try {
      const result = await this.sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
      );
      return result.Attributes?.PendingConfirmation === 'true' ? 'pending-confirmation' : 'confirmed';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      throw error;
    }
  }
}

/** `arn:<partition>:sns:<region>:<account>:<topic>:<subscription id>`: one with its id, not a topic's. */
export function isSubscriptionArn(value: string): boolean {
  return /^arn:[\w-]+:sns:[\w-]*:\d*:[\w-]+:[\w-]+$/.test(value);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NotFoundException' || error.name === 'NotFound');
}
