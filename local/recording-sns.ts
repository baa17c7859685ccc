import type { PublishCommand } from '@aws-sdk/client-sns';
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
}

/**
 * Stands in for SNS in local mode: records what would have been published, in order, and answers like
 * SNS does. Nothing leaves the machine.
 */
export class RecordingSns implements PublishSender {
  readonly published: RecordedNotification[] = [];

  constructor(
    private readonly targetOfTopic: (topicArn: string) => string,
    private readonly clock: () => Date,
  ) {}

  async send(command: PublishCommand): Promise<{ MessageId: string }> {
    const input = command.input;
    const attribute = (name: string) => input.MessageAttributes?.[name]?.StringValue;
    this.published.push({
      at: this.clock().toISOString(),
      topic: input.TopicArn ?? '',
      target: this.targetOfTopic(input.TopicArn ?? ''),
      kind: attribute('kind') ?? '',
      ...(attribute('priority') ? { priority: attribute('priority') } : {}),
      ...(attribute('incidentId') ? { incidentId: attribute('incidentId') } : {}),
      subject: input.Subject ?? '',
      text: input.Message ?? '',
    });
    return { MessageId: `local-${this.published.length}` };
  }
}
