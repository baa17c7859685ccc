import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import * as z from 'zod';
import { SecretsManagerAckKeys } from '#adapters/ack-key';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { IntegrationKeys } from '#adapters/integration-keys';
import { SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ProblemStore } from '#adapters/problem-store';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { RunbookWorkflow } from '#adapters/runbook-workflow';
import { ScheduleStore } from '#adapters/schedule-store';
import { deployedSlack } from '#adapters/slack-deployed';
import { StatusSource } from '#adapters/status-source';
import { IncidentWorkflow } from '#adapters/workflow';
import { ClosingChecklistJson } from '#core/closing-checklist';
import { GroupingConfigJson } from '#core/grouping';
import { RunbookConfigJson } from '#core/runbooks';
import { loadNotificationConfig, loadSlackSettings } from '../lifecycle/config';
import { emitMetric } from '../lifecycle/metrics';
import { RunbookLauncher } from '../runbooks/launch';
import { createRouter } from './router';
import { createApiRoutes } from './routes';
import { loadStatusPage } from './status-page-config';

// Built once per container, not per invocation.
const config = loadNotificationConfig(
  'api',
  process.env,
  z.object({
    STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be the incident lifecycle state machine ARN'),
    /** What the token issuer puts before the scope names (`firebreak/` with the stack's Cognito pool). */
    SCOPE_PREFIX: z.string().default(''),
    /** The grouping rules as JSON: the webhooks group their alerts as ingest does. */
    GROUPING_CONFIG: GroupingConfigJson,
    /** What closing an incident requires, per priority (`firebreak.closingChecklist`); absent, the default. */
    CLOSING_CHECKLIST: ClosingChecklistJson,
    /** The runbook bindings as JSON (`firebreak.runbooks`): which runbooks a person may run, and how. */
    RUNBOOK_CONFIG: RunbookConfigJson,
    /** The runbook-run state machine: a run on request starts there; approvals wake its executions. */
    RUNBOOK_STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be the runbook state machine ARN'),
    /** The role SSM Automation assumes (`{automationRole}` in a binding's parameters). */
    AUTOMATION_ROLE_ARN: z.string().startsWith('arn:', 'must be the automation role ARN'),
    /** The Secrets Manager secret holding the key the acknowledgement links are signed with. */
    ACK_KEY_SECRET_ARN: z
      .string({ error: 'must be the ARN of the acknowledgement-link key secret' })
      .startsWith('arn:', 'must be the ARN of the acknowledgement-link key secret'),
    /** The Slack app's signing secret: Slack's requests are verified with it (only with SLACK_CONFIG). */
    SLACK_SIGNING_SECRET_ARN: z
      .string()
      .startsWith('arn:', 'must be the ARN of the Slack signing secret')
      .optional(),
  }),
);
const logger = new Logger({ serviceName: 'firebreak-api' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const clock = () => new Date();
const store = new IncidentStore(db, config.tableName);
const people = new PeopleStore(db, config.tableName);
const secretsClient = new SecretsManagerClient({});
const slackSettings = loadSlackSettings('api', process.env);
if (slackSettings && !config.env.SLACK_SIGNING_SECRET_ARN)
  throw new Error('api configuration is invalid: SLACK_SIGNING_SECRET_ARN: must be given with SLACK_CONFIG');
const slack =
  slackSettings &&
  deployedSlack(
    { ...slackSettings, signingSecretArn: config.env.SLACK_SIGNING_SECRET_ARN },
    { secretsClient, store, people, incidentLink: config.incidentLink, clock },
  );
// The public status page (`firebreak.statusPage`); GET /status is not served without it.
const statusPage = loadStatusPage('api', process.env);
const sfn = new SFNClient({});
const sns = new SNSClient({});
const runs = new RunbookRuns(db, config.tableName);
const runbookWorkflow = new RunbookWorkflow(sfn, config.env.RUNBOOK_STATE_MACHINE_ARN);
const launcher = new RunbookLauncher({
  runs,
  starter: runbookWorkflow,
  config: config.env.RUNBOOK_CONFIG,
  automationRoleArn: config.env.AUTOMATION_ROLE_ARN,
  clock,
});

const routes = createApiRoutes({
  store,
  queries: new IncidentQueries(db, config.tableName, clock),
  keys: new IntegrationKeys(db, config.tableName),
  people,
  schedules: new ScheduleStore(db, config.tableName),
  pages: new PageLog(db, config.tableName),
  problems: new ProblemStore(db, config.tableName),
  reviews: new ReviewStore(db, config.tableName),
  ids: new IncidentIdAllocator(store),
  workflow: new IncidentWorkflow(sfn, config.env.STATE_MACHINE_ARN),
  notifier: new SnsNotifier(sns, config.topicArns, {
    peopleTopicArn: config.peopleTopicArn,
    opsTopicArn: config.opsTopicArn,
    incidentLink: config.incidentLink,
  }),
  // Each email and SMS contact method of a person is subscribed to the people topic.
  subscriptions: new ContactSubscriptions(sns, config.peopleTopicArn),
  escalation: config.escalation,
  grouping: config.env.GROUPING_CONFIG,
  ...(config.env.CLOSING_CHECKLIST ? { closingChecklist: config.env.CLOSING_CHECKLIST } : {}),
  incidentLink: config.incidentLink,
  clock,
  newDedupKey: randomUUID,
  // Incidents reported through the API, webhooks and Slack are counted as ingest counts its own.
  metric: emitMetric,
  runbooks: { runs, launcher, approvals: runbookWorkflow, config: config.env.RUNBOOK_CONFIG },
  // Read on the first link opened, then cached in the container (see SecretsManagerAckKeys).
  ackKeys: new SecretsManagerAckKeys(secretsClient, config.env.ACK_KEY_SECRET_ARN),
  // Updates posted as public are kept for the status page, which reads them with the open incidents.
  status: new StatusSource(db, config.tableName),
  ...(statusPage ? { statusPage } : {}),
  // Slack (`firebreak.slack`): the slash command and buttons, and updates sent by hand posted to channels.
  ...(slack && slackSettings
    ? {
        chat: slack.chat,
        slack: {
          config: slackSettings.config,
          secrets: slack.secrets,
          responder: slack.api,
          onReplyError: (error: unknown, context: Record<string, string>) =>
            logger.warn('the Slack message was not updated; the click took effect all the same', {
              ...context,
              error,
            }),
        },
      }
    : {}),
  // An alert a webhook brings that joins an open incident launches its runbooks (best effort).
  runbookJoins: {
    launcher,
    onError: (error, context) =>
      logger.warn('runbooks of a joining alert not launched; the alert joined all the same', {
        ...context,
        error,
      }),
  },
});

/** API Gateway HTTP API (payload format 2.0): every route of the incident API. */
export const handler = middy(
  createRouter(routes, { scopePrefix: config.env.SCOPE_PREFIX, logger, clock }),
).use(injectLambdaContext(logger, { resetKeys: true }));
