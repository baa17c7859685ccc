import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentStore } from '#adapters/incident-store';
import { IncidentWorkflow } from '#adapters/workflow';
import { AlertHints } from '../incidents/alert-hints';
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
const workflow = new IncidentWorkflow(new SFNClient({}), config.stateMachineArn);
// What this container learns of alerts and groups outlives an invocation: a storm's repeats cost one write.
const hints = new AlertHints();

/** EventBridge target: CloudWatch alarm state changes, GuardDuty, Security Hub and AWS Health events. */
export const handler = middy(
  createEventIngester(
    { store, ids, workflow, clock: () => new Date(), grouping: config.grouping, hints },
    logger,
  ),
).use(injectLambdaContext(logger));
