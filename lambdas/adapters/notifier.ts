import { PublishCommand } from '@aws-sdk/client-sns';
import type { Incident } from '#core/model';
import { OPS_DELIVERY } from '#core/page-targets';
import { type AckLinks, type NotificationMessage, personalPage } from '#core/templates';

export type NotificationKind =
  | 'initial'
  | 'escalation'
  | 'reminder'
  | 'update'
  | 'sla-breach'
  | 'exhausted'
  | 'resolution'
  | 'failure'
  /** About a runbook run: an approval asked for, a remediation held, failed or not settled. */
  | 'runbook';

export class UnknownTargetError extends Error {
  constructor(target: string) {
    super(`no SNS topic is configured for notification target "${target}"`);
    this.name = 'UnknownTargetError';
  }
}

/** Signs the acknowledgement links a page to a person carries. */
export interface AckLinker {
  links(incidentId: string, personId: string): Promise<AckLinks>;
}

/** Where deliveries other than a named topic go. */
export interface NotifierOptions {
  /** The one people topic: `person:<id>` deliveries publish there with a `person` attribute. */
  peopleTopicArn?: string;
  /** Firebreak's ops topic: the OPS_DELIVERY fallback. */
  opsTopicArn?: string;
  /** Signs the links pages to people carry; without it pages to people carry none. */
  ackLinks?: AckLinker;
}

/**
 * Kinds of notice that page: they ask a person to act (a page to a person carries an acknowledgement link)
 * and count in the fairness report's pages received.
 */
export const PAGE_KINDS: ReadonlySet<NotificationKind> = new Set(['initial', 'escalation']);

/** The outcome of one message to several targets: message ids of the targets reached, errors of the rest. */
export interface Delivery {
  sent: Record<string, string>;
  failed: Record<string, Error>;
}

/** What the notifier needs of an SNS client: an SNSClient, or local mode's recorder. */
export interface PublishSender {
  send(command: PublishCommand): Promise<{ MessageId?: string }>;
}

/**
 * Publishes notifications to the SNS topic of each logical target. Message attributes carry priority, team,
 * service, category and kind so subscribers can filter (e.g. SMS only for P1 pages).
 */
export class SnsNotifier {
  constructor(
    private readonly sns: PublishSender,
    private readonly topicArns: Readonly<Record<string, string>>,
    private readonly options: NotifierOptions = {},
  ) {}

  topicFor(target: string): string {
    const arn =
      target === OPS_DELIVERY
        ? this.options.opsTopicArn
        : target.startsWith('person:')
          ? this.options.peopleTopicArn
          : this.topicArns[target];
    if (!arn) throw new UnknownTargetError(target);
    return arn;
  }

  /**
   * Publishes to every target's topic, each on its own: a target whose topic fails (deleted, throttled, no
   * key access) does not keep the others from getting the message. Returns the message ids of the targets
   * reached and the error of each one that was not.
   */
  async deliver(
    targets: readonly string[],
    kind: NotificationKind,
    incident: Incident,
    message: NotificationMessage,
  ): Promise<Delivery> {
    const unique = [...new Set(targets)];
    const outcomes = await Promise.allSettled(
      unique.map(async (target) => {
        const result = await this.sns.send(await this.publication(target, kind, incident, message));
        return result.MessageId ?? '';
      }),
    );
    const delivery: Delivery = { sent: {}, failed: {} };
    outcomes.forEach((outcome, index) => {
      const target = unique[index] as string;
      if (outcome.status === 'fulfilled') delivery.sent[target] = outcome.value;
      else delivery.failed[target] = asError(outcome.reason);
    });
    return delivery;
  }

  /**
   * One target's message. A person's goes to the people topic with their id in the `person` attribute (each
   * of their subscriptions filters on it); a page to a person is structured per protocol and carries their
   * signed acknowledgement link, the short form in the SMS.
   */
  private async publication(
    target: string,
    kind: NotificationKind,
    incident: Incident,
    message: NotificationMessage,
  ): Promise<PublishCommand> {
    const TopicArn = this.topicFor(target);
    const MessageAttributes = attributes(kind, incident);
    if (!target.startsWith('person:'))
      return new PublishCommand({
        TopicArn,
        Subject: message.subject,
        Message: message.text,
        MessageAttributes,
      });
    const person = target.slice('person:'.length);
    const personal = { ...MessageAttributes, person: { DataType: 'String', StringValue: person } };
    const linker = this.options.ackLinks;
    if (!PAGE_KINDS.has(kind) || !linker)
      return new PublishCommand({
        TopicArn,
        Subject: message.subject,
        Message: message.text,
        MessageAttributes: personal,
      });
    const page = personalPage(message, await linker.links(incident.id, person));
    return new PublishCommand({
      TopicArn,
      Subject: message.subject,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: page.text, email: page.text, sms: page.sms }),
      MessageAttributes: personal,
    });
  }

  /** The pipeline's own operations topic, for failures of Firebreak itself. */
  async notifyTopic(topicArn: string, message: NotificationMessage, kind: NotificationKind): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        Message: message.text,
        MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
      }),
    );
  }
}

function attributes(kind: NotificationKind, incident: Incident) {
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    kind: text(kind),
    priority: text(incident.priority),
    service: text(incident.service),
    category: text(incident.category),
    incidentId: text(incident.id),
    ...(incident.team ? { team: text(incident.team) } : {}),
  };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
