import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OperationsKey } from './operations-key';

export const OPS_TOPIC_NAME = 'firebreak-ops';

export interface ObservabilityProps {
  readonly operationsKey: OperationsKey;
  /** Subscribed to the ops topic; the address must confirm the subscription. */
  readonly alarmEmail?: string;
  /** Dead-letter queues: a single message in one means an event was lost to the pipeline. */
  readonly deadLetterQueues?: ReadonlyArray<{ readonly id: string; readonly queue: IQueue }>;
  readonly functions?: ReadonlyArray<{ readonly id: string; readonly function: IFunction }>;
}

/**
 * The ops topic and the alarms that tell the people running Firebreak that Firebreak itself is failing. Parts
 * built after it (they publish to the topic) add their queues and functions with watchQueue/watchFunction.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly notify: SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    props.operationsKey.allowDeliveryBy('cloudwatch.amazonaws.com');
    this.topic = new Topic(this, 'OpsTopic', {
      topicName: OPS_TOPIC_NAME,
      masterKey: props.operationsKey.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    this.notify = new SnsAction(this.topic);
    for (const { id: queueId, queue } of props.deadLetterQueues ?? []) this.watchQueue(queueId, queue);
    for (const { id: functionId, function: fn } of props.functions ?? []) this.watchFunction(functionId, fn);
  }

  /** Alarms on the first message in a dead-letter queue. */
  watchQueue(queueId: string, queue: IQueue): Alarm {
    return this.addAlarm(
      new Alarm(this, `${queueId}NotEmpty`, {
        alarmDescription: `Messages are waiting in ${queueId}: inspect them and redrive`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Alarms on any failed invocation of a function. */
  watchFunction(functionId: string, fn: IFunction): Alarm {
    return this.addAlarm(
      new Alarm(this, `${functionId}Errors`, {
        alarmDescription: `${functionId} failed an invocation`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  private addAlarm(alarm: Alarm): Alarm {
    alarm.addAlarmAction(this.notify);
    this.alarms.push(alarm);
    return alarm;
  }
}
