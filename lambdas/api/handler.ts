import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import * as z from 'zod';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { IntegrationKeys } from '#adapters/integration-keys';
import { SnsNotifier } from '#adapters/notifier';
import { IncidentWorkflow } from '#adapters/workflow';
import { GroupingConfigJson } from '#core/grouping';
import { loadNotificationConfig } from '../lifecycle/config';
import { createRouter } from './router';
import { createApiRoutes } from './routes';

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
  }),
);
const logger = new Logger({ serviceName: 'firebreak-api' });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const clock = () => new Date();
const store = new IncidentStore(db, config.tableName);

const routes = createApiRoutes({
  store,
  queries: new IncidentQueries(db, config.tableName, clock),
  keys: new IntegrationKeys(db, config.tableName),
  ids: new IncidentIdAllocator(store),
  workflow: new IncidentWorkflow(new SFNClient({}), config.env.STATE_MACHINE_ARN),
  notifier: new SnsNotifier(new SNSClient({}), config.topicArns),
  escalation: config.escalation,
  grouping: config.env.GROUPING_CONFIG,
  incidentLink: config.incidentLink,
  clock,
  newDedupKey: randomUUID,
  runbooks: undefined,
});

/** API Gateway HTTP API (payload format 2.0): every route of the incident API. */
export const handler = middy(
  createRouter(routes, { scopePrefix: config.env.SCOPE_PREFIX, logger, clock }),
).use(injectLambdaContext(logger, { resetKeys: true }));
