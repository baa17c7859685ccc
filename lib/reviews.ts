import { Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { managementTargets, REMINDER_CLAIM_LEASE_MINUTES } from '#core/review-reminders';
import { assertEscalationFits, PAGING_PEOPLE_AT_MOST } from './environment-size';
import { FirebreakFunction } from './function-defaults';
import { grantPublisherKeyUse } from './notifications';
import type { MessagingPartProps, TablePartProps } from './part-props';
import type { PeopleTopic } from './people-topic';

/** How often overdue reviews and action items are looked for. */
export const REMINDER_SCHEDULE_MINUTES = 15;

/**
 * How long one run may take: well under the claim lease, so a run still sending never sees its claims
 * taken over by the next one (test/infra/reviews.test.ts checks both).
 */
export const REMINDER_RUN_TIMEOUT = Duration.minutes(2);

/**
 * Reminders link `<incidentUrl>/review` (without it they name the API path); those without an owner to reach
 * go to the management topic of the incident's policy.
 */
export interface ReviewsProps extends TablePartProps, MessagingPartProps {
  /** Reminders to owners go through the people topic, as pages do. */
  readonly peopleTopic: PeopleTopic;
}

/**
 * Post-incident reviews' reminders: a function run every 15 minutes by an EventBridge schedule tells the
 * owner of each review and open action item past its due date, once per due date (claims in the table),
 * through the people topic, or the incident's management topic when there is nobody to tell.
 */
export class Reviews extends Construct {
  readonly reminderFunction: FirebreakFunction;
  readonly reminderSchedule: Rule;

  constructor(scope: Construct, id: string, props: ReviewsProps) {
    super(scope, id);
    const { table, tableKey, operationsKey, notifications } = props;
    if (REMINDER_RUN_TIMEOUT.toMinutes() >= REMINDER_CLAIM_LEASE_MINUTES)
      throw new Error('a reminder run must end within the claim lease');

    // The lifecycle's check measures every topic: this function's smaller environment fits when that does.
    assertEscalationFits(props.escalation, props.incidentUrl, PAGING_PEOPLE_AT_MOST.runbook);
    const management: Record<string, string> = {};
    for (const target of managementTargets(props.escalation)) {
      const arn = notifications.topicArns[target];
      if (!arn) throw new Error(`no notification topic for the management target ${target}`);
      management[target] = arn;
    }
    this.reminderFunction = new FirebreakFunction(this, 'ReminderFunction', {
      entry: 'lambdas/reviews/reminders-handler.ts',
      serviceName: 'firebreak-review-reminders',
      description: 'Reminds owners of post-incident reviews and action items past their due date',
      environment: {
        TABLE_NAME: table.tableName,
        ESCALATION_CONFIG: JSON.stringify(props.escalation),
        MANAGEMENT_TOPIC_ARNS: Stack.of(this).toJsonString(management),
        INCIDENT_URL: props.incidentUrl ?? '',
      },
      logRetention: props.logRetention,
      timeout: REMINDER_RUN_TIMEOUT,
      operationsKey,
    });
    const fn = this.reminderFunction;
    // A failed run is not retried: the next scheduled run reads everything again and sends what is left
    // (claims left unsent are taken again once their lease passes). Failures raise the function's alarm.
    fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(REMINDER_SCHEDULE_MINUTES) });

    // The overdue reviews and action items on the one index; the claims (put, then marked sent); the
    // incident and the owner read by key.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/by-service`],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
      }),
    );
    tableKey.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    // Only the management topics and the people topic: the targets a reminder can have.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: Object.values(management) }),
    );
    grantPublisherKeyUse(fn, operationsKey.key);
    props.peopleTopic.grantPublish(fn);

    this.reminderSchedule = new Rule(this, 'ReminderSchedule', {
      description: 'Reminds owners of overdue post-incident reviews and action items',
      schedule: Schedule.rate(Duration.minutes(REMINDER_SCHEDULE_MINUTES)),
      targets: [new LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(10) })],
    });
  }
}
