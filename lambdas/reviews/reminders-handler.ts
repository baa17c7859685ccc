import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { PeopleStore } from '#adapters/people-store';
import { ReviewReminderSource } from '#adapters/review-reminder-source';
import { loadReminderConfig } from './config';
import { sendReviewReminders } from './send-reminders';

// Built once per container, not per invocation.
const config = loadReminderConfig(process.env);
const logger = new Logger({ serviceName: 'firebreak-review-reminders' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const deps = {
  source: new ReviewReminderSource(db, config.tableName),
  incidents: new IncidentStore(db, config.tableName),
  people: new PeopleStore(db, config.tableName),
  // Only the management topics and the people topic: the targets a reminder can have.
  notifier: new SnsNotifier(new SNSClient({}), config.managementTopicArns, {
    peopleTopicArn: config.peopleTopicArn,
  }),
  escalation: config.escalation,
  reviewLink: config.reviewLink,
  clock: () => new Date(),
  log: logger,
};

/** Every 15 minutes (EventBridge schedule): remind owners of overdue reviews and action items. */
export const handler = middy(async () => {
  const run = await sendReviewReminders(deps);
  logger.info('review reminders done', { ...run });
  return run;
}).use(injectLambdaContext(logger, { resetKeys: true }));
