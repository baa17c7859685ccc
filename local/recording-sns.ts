import { randomUUID } from 'node:crypto';
import {
  type GetSubscriptionAttributesCommand,
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandInput,
  SubscribeCommand,
  type SubscribeCommandInput,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { SubscriptionSender } from '#adapters/contact-subscriptions';
import type { PublishSender } from '#adapters/notifier';

export interface RecordedNotification {
  at: string;
  topic: string;
  target: string;
  kind: string;
  priority?: string;
  incidentId?: string;
  subject: string;
  text: string;
  /** On a topic with subscriptions (the people topic): the person the message names (`person` attribute). */
  person?: string;
  /** The subscription this copy was delivered to; absent on a record of a message nobody received. */
  contact?: { type: 'email' | 'sms'; address: string };
  /** Why nobody received this message. */
  note?: string;
  /** A chat message's Block Kit blocks (see LocalSlack), as Slack would show them. */
  blocks?: unknown[];
}

/** A subscription as local mode keeps it: the same facts GetSubscriptionAttributes answers. */
export interface LocalSubscription {
  arn: string;
  topic: string;
  protocol: 'email' | 'sms';
  endpoint: string;
  /** The filter policy (MessageAttributes scope), exact values per attribute; none matches every message. */
  filterPolicy?: Record<string, Array<string | number>>;
  pending: boolean;
}

export interface RecordingSnsOptions {
  /**
   * Topics whose messages are delivered per subscription, as SNS does (the people topic): each message is
   * recorded once per confirmed subscription its attributes match. Other topics are recorded once per
   * message, as their subscribers are outside Firebreak.
   */
  subscriptionTopics?: readonly string[];
}

type SnsCommand = PublishCommand | SubscribeCommand | UnsubscribeCommand | GetSubscriptionAttributesCommand;

const snsError = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Stands in for SNS in local mode: records what would have been published, in order, and answers like
 * SNS does. Nothing leaves the machine. Subscriptions behave as SNS's: one per topic, protocol and
 * endpoint; email waits for confirmation (see confirm), SMS delivers at once; a filter policy picks the
 * messages a subscription receives.
 */
export class RecordingSns implements PublishSender, SubscriptionSender {
  readonly published: RecordedNotification[] = [];
  private readonly subscriptions = new Map<string, LocalSubscription>();
  private readonly subscriptionTopics: ReadonlySet<string>;
  private messages = 0;

  constructor(
    private readonly targetOfTopic: (topicArn: string) => string,
    private readonly clock: () => Date,
    options: RecordingSnsOptions = {},
  ) {
    this.subscriptionTopics = new Set(options.subscriptionTopics ?? []);
  }

  send(command: PublishCommand): Promise<{ MessageId: string }>;
  send(command: SubscribeCommand): Promise<{ SubscriptionArn: string }>;
  send(command: UnsubscribeCommand): Promise<Record<string, never>>;
  send(command: GetSubscriptionAttributesCommand): Promise<{ Attributes: Record<string, string> }>;
  async send(command: SnsCommand): Promise<unknown> {
    if (command instanceof PublishCommand) return { MessageId: this.publish(command.input) };
    if (command instanceof SubscribeCommand) return { SubscriptionArn: this.subscribe(command.input) };
    if (command instanceof UnsubscribeCommand) {
      if (!this.subscriptions.delete(command.input.SubscriptionArn ?? ''))
        throw snsError('NotFoundException', 'Subscription does not exist');
      return {};
    }
    return { Attributes: this.attributesOf(command.input.SubscriptionArn ?? '') };
  }

  /** Every subscription, in the order they were made. */
  list(): LocalSubscription[] {
    return [...this.subscriptions.values()].map((subscription) => ({ ...subscription }));
  }

  /**
   * What clicking the link in SNS's confirmation mail does: confirms the pending email subscriptions of
   * `address` (in any case) whose filter policy names `person`. Answers the subscriptions confirmed.
   */
  confirm(person: string, address: string): LocalSubscription[] {
    const confirmed = [...this.subscriptions.values()].filter(
      (subscription) =>
        subscription.pending &&
        subscription.protocol === 'email' &&
        subscription.endpoint.toLowerCase() === address.toLowerCase() &&
        (subscription.filterPolicy?.person ?? []).includes(person),
    );
    for (const subscription of confirmed) subscription.pending = false;
    return confirmed.map((subscription) => ({ ...subscription }));
  }

  /** Puts back a subscription known from before a restart (the people stored with FIREBREAK_DATA_DIR). */
  restore(subscription: LocalSubscription): void {
    this.subscriptions.set(subscription.arn, { ...subscription });
  }

  private publish(input: PublishCommandInput): string {
    this.messages += 1;
    const topic = input.TopicArn ?? '';
    const attribute = (name: string) => input.MessageAttributes?.[name]?.StringValue;
    const message = messagesOf(input);
    const record: RecordedNotification = {
      at: this.clock().toISOString(),
      topic,
      target: this.targetOfTopic(topic),
      kind: attribute('kind') ?? '',
      ...(attribute('priority') ? { priority: attribute('priority') } : {}),
      ...(attribute('incidentId') ? { incidentId: attribute('incidentId') } : {}),
      subject: input.Subject ?? '',
      text: message.default,
    };
    if (!this.subscriptionTopics.has(topic)) {
      this.published.push(record);
      return `local-${this.messages}`;
    }
    const person = attribute('person');
    const addressed = {
      ...record,
      ...(person ? { target: `person:${person}`, person } : {}),
    };
    const matching = [...this.subscriptions.values()].filter(
      (subscription) =>
        subscription.topic === topic &&
        matchesFilterPolicy(subscription.filterPolicy, input.MessageAttributes),
    );
    const confirmed = matching.filter((subscription) => !subscription.pending);
    for (const subscription of confirmed) {
      this.published.push({
        ...addressed,
        contact: { type: subscription.protocol, address: subscription.endpoint },
        // SNS sends an SMS without the subject.
        subject: subscription.protocol === 'sms' ? '' : addressed.subject,
        text: message[subscription.protocol] ?? message.default,
      });
    }
    if (confirmed.length === 0) {
      const pending = matching.length;
      const whom = person ? `person ${person}` : 'this message (it has no person attribute)';
      this.published.push({
        ...addressed,
        note:
          `nobody received this: no confirmed subscription matches ${whom}` +
          (pending > 0 ? ` (${pending} still pending confirmation)` : ''),
      });
    }
    return `local-${this.messages}`;
  }

  private subscribe(input: SubscribeCommandInput): string {
    const topic = input.TopicArn ?? '';
    const protocol = input.Protocol;
    if (protocol !== 'email' && protocol !== 'sms')
      throw snsError(
        'InvalidParameterException',
        `local mode subscribes email and sms only, not ${protocol}`,
      );
    const endpoint = input.Endpoint ?? '';
    if (!endpoint) throw snsError('InvalidParameterException', 'Invalid parameter: Endpoint');
    const filterPolicy = parseFilterPolicy(input.Attributes);
    const existing = [...this.subscriptions.values()].find(
      (s) => s.topic === topic && s.protocol === protocol && s.endpoint === endpoint,
    );
    if (existing) {
      if (JSON.stringify(existing.filterPolicy) !== JSON.stringify(filterPolicy))
        throw snsError(
          'InvalidParameterException',
          'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
        );
      return existing.pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : existing.arn;
    }
    const subscription: LocalSubscription = {
      arn: `${topic}:${randomUUID()}`,
      topic,
      protocol,
      endpoint,
      ...(filterPolicy ? { filterPolicy } : {}),
      pending: protocol === 'email',
    };
    this.subscriptions.set(subscription.arn, subscription);
    if (subscription.pending) this.recordConfirmationRequest(subscription);
    return subscription.pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : subscription.arn;
  }

  /** The mail SNS sends to a new email subscription, with how to confirm it here instead of its link. */
  private recordConfirmationRequest(subscription: LocalSubscription): void {
    const person = subscription.filterPolicy?.person?.[0];
    this.published.push({
      at: this.clock().toISOString(),
      topic: subscription.topic,
      target: person !== undefined ? `person:${person}` : this.targetOfTopic(subscription.topic),
      kind: 'subscription-confirmation',
      ...(person !== undefined ? { person: String(person) } : {}),
      contact: { type: 'email', address: subscription.endpoint },
      subject: 'AWS Notification - Subscription Confirmation',
      text:
        `You have chosen to subscribe to the topic ${subscription.topic}. In local mode, confirm with ` +
        `POST /local/subscriptions/confirm {"person": "${person ?? ''}", "address": "${subscription.endpoint}"}.`,
    });
  }

  private attributesOf(arn: string): Record<string, string> {
    const subscription = this.subscriptions.get(arn);
    if (!subscription) throw snsError('NotFoundException', 'Subscription does not exist');
    return {
      SubscriptionArn: subscription.arn,
      TopicArn: subscription.topic,
      Protocol: subscription.protocol,
      Endpoint: subscription.endpoint,
      Owner: '000000000000',
      PendingConfirmation: String(subscription.pending),
      ConfirmationWasAuthenticated: String(!subscription.pending),
      ...(subscription.filterPolicy
        ? { FilterPolicy: JSON.stringify(subscription.filterPolicy), FilterPolicyScope: 'MessageAttributes' }
        : {}),
    };
  }
}

/**
 * The message each protocol receives: with MessageStructure `json`, the `email` or `sms` key when present,
 * else `default` (which SNS requires); otherwise the message itself for all.
 */
function messagesOf(input: PublishCommandInput): { default: string; email?: string; sms?: string } {
  const message = input.Message ?? '';
  if (input.MessageStructure !== 'json') return { default: message };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw snsError(
      'InvalidParameterException',
      'Invalid parameter: Message Structure - JSON message body failed to parse',
    );
  }
  const entries = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (typeof entries.default !== 'string')
    throw snsError(
      'InvalidParameterException',
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    );
  const text = (key: string) => (typeof entries[key] === 'string' ? { [key]: entries[key] as string } : {});
  return { default: entries.default, ...text('email'), ...text('sms') };
}

/** Local mode applies exact-value filter policies on message attributes: the kind Firebreak subscribes. */
function parseFilterPolicy(
  attributes: Record<string, string> | undefined,
): Record<string, Array<string | number>> | undefined {
  const text = attributes?.FilterPolicy;
  if (text === undefined) return undefined;
  if ((attributes?.FilterPolicyScope ?? 'MessageAttributes') !== 'MessageAttributes')
    throw snsError(
      'InvalidParameterException',
      'local mode applies filter policies to MessageAttributes only',
    );
  const policy: unknown = JSON.parse(text);
  const exact = (value: unknown) => typeof value === 'string' || typeof value === 'number';
  if (
    typeof policy !== 'object' ||
    policy === null ||
    !Object.values(policy).every((values) => Array.isArray(values) && values.every(exact))
  )
    throw snsError(
      'InvalidParameterException',
      `local mode applies exact-value filter policies only: ${text}`,
    );
  return policy as Record<string, Array<string | number>>;
}

function matchesFilterPolicy(
  policy: Record<string, Array<string | number>> | undefined,
  attributes: Record<string, MessageAttributeValue> | undefined,
): boolean {
  if (!policy) return true;
  return Object.entries(policy).every(([name, values]) => {
    const attribute = attributes?.[name];
    if (attribute?.StringValue === undefined) return false;
    const value = attribute.StringValue;
    return values.some((allowed) =>
      typeof allowed === 'number'
        ? attribute.DataType === 'Number' && Number(value) === allowed
        : allowed === value,
    );
  });
}
