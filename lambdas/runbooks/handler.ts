import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { AlertClaims } from '#adapters/alert-claims';
import { SsmAutomation } from '#adapters/automation';
import { AwsChangeFinder } from '#adapters/change-finder';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { PeopleStore } from '#adapters/people-store';
import { ResponseUrlPoster } from '#adapters/response-url';
import { RunbookRuns } from '#adapters/runbook-runs';
import { RunbookWorkflow } from '#adapters/runbook-workflow';
import { ScheduleStore } from '#adapters/schedule-store';
import { deployedSlack } from '#adapters/slack-deployed';
import { LifecycleSignals } from '#adapters/workflow';
import { DirectoryTargetResolver } from '../incidents/target-resolver';
import { RunbookActions } from './actions';
import { loadRunbookFunctionConfig } from './config';
import { parseRunbookInput } from './inputs';
import { RunbookLauncher } from './launch';

// Built once per container, not per invocation.
const config = loadRunbookFunctionConfig(process.env);
const logger = new Logger({ serviceName: 'firebreak-runbooks' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const store = new IncidentStore(db, config.tableName);
const people = new PeopleStore(db, config.tableName);
const slack =
  config.slack &&
  deployedSlack(config.slack, {
    secretsClient: new SecretsManagerClient({}),
    store,
    people,
    incidentLink: config.incidentLink,
    clock: () => new Date(),
  });
const runs = new RunbookRuns(db, config.tableName);
const sfn = new SFNClient({});
const launcher = new RunbookLauncher({
  runs,
  starter: new RunbookWorkflow(sfn, config.runbookStateMachineArn),
  config: config.runbooks,
  automationRoleArn: config.automationRoleArn,
  clock: () => new Date(),
});
const actions = new RunbookActions({
  store,
  runs,
  claims: new AlertClaims(db, config.tableName),
  launcher,
  automation: new SsmAutomation(new SSMClient({})),
  changes: new AwsChangeFinder(new CloudTrailClient({}), new CloudFormationClient({})),
  // Resolving an incident wakes its lifecycle by the token it parked: no state machine ARN is needed.
  lifecycle: new LifecycleSignals(sfn),
  notifier: new SnsNotifier(new SNSClient({}), config.topicArns, {
    peopleTopicArn: config.peopleTopicArn,
    opsTopicArn: config.opsTopicArn,
    incidentLink: config.incidentLink,
  }),
  escalation: config.escalation,
  runbooks: config.runbooks,
  opsTopicArn: config.opsTopicArn,
  incidentLink: config.incidentLink,
  clock: () => new Date(),
  targets: new DirectoryTargetResolver(people, new ScheduleStore(db, config.tableName)),
  ...(slack ? { chat: slack.chat } : {}),
  // A person's run (`/incident diag` in Slack) answers at its command's response_url: no token needed.
  replies: new ResponseUrlPoster(),
});

/** The Task states of the runbook-run state machine, and the lifecycle's launch of an incident's runbooks. */
export const handler = middy(async (event: unknown) => {
  const input = parseRunbookInput(event);
  logger.appendKeys({ incidentId: input.incidentId, action: input.action });
  const result = await actions.run(input);
  logger.info('runbook step done', { result });
  return result;
}).use(injectLambdaContext(logger, { resetKeys: true }));
