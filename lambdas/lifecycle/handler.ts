import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { SecretsManagerAckKeys } from '#adapters/ack-key';
import { SignedAckLinks } from '#adapters/ack-linker';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ProblemStore } from '#adapters/problem-store';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { ScheduleStore } from '#adapters/schedule-store';
import { deployedSlack } from '#adapters/slack-deployed';
import { problemDetection } from '../incidents/problem-detection';
import { reviewDraft } from '../incidents/review-draft';
import { DirectoryTargetResolver } from '../incidents/target-resolver';
import { LifecycleActions } from './actions';
import { loadLifecycleConfig } from './config';
import { parseLifecycleInput } from './inputs';
import { emitMetric } from './metrics';
import { loadProblemRules } from './problem-rules-env';

// Built once per container, not per invocation.
const config = loadLifecycleConfig(process.env);
const problemRules = loadProblemRules('lifecycle', process.env);
const logger = new Logger({ serviceName: 'firebreak-lifecycle' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const store = new IncidentStore(db, config.tableName);
const people = new PeopleStore(db, config.tableName);
const secretsClient = new SecretsManagerClient({});
// Pages and updates go to Slack too when `firebreak.slack` is set: the bot token is read on the first post.
const slack =
  config.slack &&
  deployedSlack(config.slack, {
    secretsClient,
    store,
    people,
    incidentLink: config.incidentLink,
    clock: () => new Date(),
  });
const actions = new LifecycleActions({
  store,
  notifier: new SnsNotifier(new SNSClient({}), config.topicArns, {
    peopleTopicArn: config.peopleTopicArn,
    opsTopicArn: config.opsTopicArn,
    incidentLink: config.incidentLink,
    // The key is read on the first page to a person, then cached: a topic-only page never reads it.
    ackLinks: new SignedAckLinks(
      new SecretsManagerAckKeys(secretsClient, config.ackKeySecretArn),
      config.ackLinkBaseUrl,
      () => new Date(),
    ),
  }),
  clock: () => new Date(),
  targets: new DirectoryTargetResolver(people, new ScheduleStore(db, config.tableName)),
  ...(slack ? { chat: slack.chat } : {}),
  pages: new PageLog(db, config.tableName),
  escalation: config.escalation,
  opsTopicArn: config.opsTopicArn,
  incidentLink: config.incidentLink,
  metric: emitMetric,
  // The review draft of a P1 or P2 first (what people act on), then problem detection; both idempotent.
  afterResolution: [
    reviewDraft({
      store,
      reviews: new ReviewStore(db, config.tableName),
      alerts: new IncidentQueries(db, config.tableName, () => new Date()),
      runs: new RunbookRuns(db, config.tableName),
      clock: () => new Date(),
    }),
    problemDetection({
      store,
      problems: new ProblemStore(db, config.tableName),
      rules: problemRules,
      clock: () => new Date(),
    }),
  ],
});

/** The Task states of the incident lifecycle state machine. */
export const handler = middy(async (event: unknown) => {
  const input = parseLifecycleInput(event);
  logger.appendKeys({ incidentId: input.incidentId, action: input.action });
  const result = await actions.run(input);
  logger.info('lifecycle step done', { result });
  return result;
}).use(injectLambdaContext(logger, { resetKeys: true }));
