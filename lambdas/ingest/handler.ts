import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentStore } from '#adapters/incident-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { RunbookWorkflow } from '#adapters/runbook-workflow';
import { IncidentWorkflow } from '#adapters/workflow';
import { AlertHints } from '../incidents/alert-hints';
import { emitMetric } from '../lifecycle/metrics';
import { RunbookLauncher } from '../runbooks/launch';
import type { RunbookJoinHook } from './apply-signal';
import { loadIngestConfig } from './config';
import { createEventIngester } from './ingest-events';

// Built once per container, not per invocation.
const config = loadIngestConfig(process.env);
const logger = new Logger({ serviceName: 'firebreak-ingest' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const store = new IncidentStore(db, config.tableName);
const ids = new IncidentIdAllocator(store, config.idBlockSize);
const sfn = new SFNClient({});
const workflow = new IncidentWorkflow(sfn, config.stateMachineArn);
// What this container learns of alerts and groups outlives an invocation: a storm's repeats cost one write.
const hints = new AlertHints();
// With runbooks deployed, an alert joining an open incident launches its runbooks (best effort).
const runbooks: RunbookJoinHook | undefined = config.runbooks && {
  launcher: new RunbookLauncher({
    runs: new RunbookRuns(db, config.tableName),
    starter: new RunbookWorkflow(sfn, config.runbooks.stateMachineArn),
    config: config.runbooks.config,
    automationRoleArn: config.runbooks.automationRoleArn,
    clock: () => new Date(),
  }),
  onError: (error, context) => {
    logger.warn('runbooks of a joining alert not launched; the alert joined all the same', {
      ...context,
      error,
    });
    emitMetric({ name: 'RunbookLaunchFailed', value: 1, dimensions: { Trigger: 'joined' } });
  },
};

/** EventBridge target: CloudWatch alarm state changes, GuardDuty, Security Hub and AWS Health events. */
export const handler = middy(
  createEventIngester(
    {
      store,
      ids,
      workflow,
      clock: () => new Date(),
      grouping: config.grouping,
      hints,
      ...(runbooks ? { runbooks } : {}),
      metric: emitMetric,
    },
    logger,
  ),
).use(injectLambdaContext(logger));
