import { createHash } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { chatbotNotification, structuredTopicMessage } from '#core/chatbot';
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
  | 'runbook'
  /** A post-incident review or one of its action items passed its due date (to its owner). */
  | 'review-overdue';

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
  /** The incident's page, linked from the AWS Chatbot card; without it the card names the incident id only. */
  incidentLink?: (incidentId: string) => string;
}

/**
 * SNS refuses a message over 256 KB, counting the subject and attributes too. A structured topic message
 * carries the text twice (default, email) and the card (its description cut to 3000 characters): under
 * 30 KB for a week-long P1's pages, under 140 KB with every free text at its limit in characters JSON
 * escapes to six bytes (see the tests). No message Firebreak writes today gets past this budget; one that
 * did would go out as plain text, as before the cards: email and SMS still get it, only the card is lost.
 */
export const MAX_STRUCTURED_MESSAGE_BYTES = 240 * 1024;

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
 * service, category and kind so subscribers can filter (e.g. SMS only for P1 pages). A topic's message is
 * structured per protocol, so AWS Chatbot subscribed to it shows a card where email and SMS get the text.
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
    return deliverEach(targets, async (target) => {
      const result = await this.sns.send(await this.publication(target, kind, incident, message));
      return result.MessageId ?? '';
    });
  }

  /**
   * One target's message. A topic's carries the chat card beside the text (see topicMessage). A person's
   * goes to the people topic with their id in the `person` attribute (each of their subscriptions filters
   * on it); a page to a person is structured per protocol and carries their signed acknowledgement link, the
   * short form in the SMS.
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
        ...this.topicMessage(kind, incident, message),
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

  /**
   * The pipeline's own operations topic, for failures of Firebreak itself: with the card of `incident` when
   * the failure is about one, plain text otherwise.
   */
  async notifyTopic(
    topicArn: string,
    message: NotificationMessage,
    kind: NotificationKind,
    incident?: Incident,
  ): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: message.subject,
        ...(incident ? this.topicMessage(kind, incident, message) : { Message: message.text }),
        MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
      }),
    );
  }

  /**
   * A topic's message structured per protocol: AWS Chatbot, subscribed over HTTPS, gets its card (threaded
   * by incident); email, SMS and every other protocol the plain text. The card's id is the message's
   * digest, so a retried publish of the same notice names the same event.
   */
  private topicMessage(
    kind: NotificationKind,
    incident: Incident,
    message: NotificationMessage,
  ): { Message: string; MessageStructure?: 'json' } {
    const link = this.options.incidentLink?.(incident.id) ?? incident.id;
    const key = `${kind}-${digest(message)}`;
    const structured = structuredTopicMessage(
      message,
      chatbotNotification(incident, message, { kind, link, key }),
    );
    if (Buffer.byteLength(structured, 'utf8') > MAX_STRUCTURED_MESSAGE_BYTES)
      return { Message: message.text };
    return { MessageStructure: 'json', Message: structured };
  }
}

/** 16 hex digits of the message's SHA-256: the same notice gives the same id, another notice another. */
function digest(message: NotificationMessage): string {
  return createHash('sha256').update(`${message.subject}\n${message.text}`).digest('hex').slice(0, 16);
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

/**
 * Sends to each target on its own (one failing keeps no other from being reached), all at once: the message
 * id of each target reached, the error of each that was not.
 */
export async function deliverEach(
  targets: readonly string[],
  send: (target: string) => Promise<string>,
): Promise<Delivery> {
  const unique = [...new Set(targets)];
  const outcomes = await Promise.allSettled(unique.map(send));
  const delivery: Delivery = { sent: {}, failed: {} };
  outcomes.forEach((outcome, index) => {
    const target = unique[index] as string;
    if (outcome.status === 'fulfilled') delivery.sent[target] = outcome.value;
    else delivery.failed[target] = asError(outcome.reason);
  });
  return delivery;
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
