import { PublishCommand } from '@aws-sdk/client-sns';
import type { Incident } from '#core/model';
import type { NotificationMessage } from '#core/templates';

export type NotificationKind =
  | 'initial'
  | 'escalation'
  | 'reminder'
  | 'update'
  | 'sla-breach'
  | 'exhausted'
  | 'resolution'
  | 'failure';

export class UnknownTargetError extends Error {
  constructor(target: string) {
    super(`no SNS topic is configured for notification target "${target}"`);
    this.name = 'UnknownTargetError';
  }
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
  ) {}

  topicFor(target: string): string {
    const arn = this.topicArns[target];
    if (!arn) throw new UnknownTargetError(target);
    return arn;
  }

  /** Publishes to every target's topic; returns the message ids by target. */
  async notify(
    targets: readonly string[],
    kind: NotificationKind,
    incident: Incident,
    message: NotificationMessage,
  ): Promise<Record<string, string>> {
    const unique = [...new Set(targets)];
    const topics = unique.map((target) => [target, this.topicFor(target)] as const);
    const sent = await Promise.all(
      topics.map(async ([target, topicArn]) => {
        const result = await this.sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: message.subject,
            Message: message.text,
            MessageAttributes: attributes(kind, incident),
          }),
        );
        return [target, result.MessageId ?? ''] as const;
      }),
    );
    return Object.fromEntries(sent);
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
