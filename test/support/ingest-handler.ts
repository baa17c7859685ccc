import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { IngestReport } from '../../lambdas/ingest/ingest-events';
import type { DynamoServer } from './dynamo-server';

export const LAMBDA_CONTEXT = {
  functionName: 'firebreak-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:firebreak-ingest',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/firebreak-ingest',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** The environment a Lambda module reads at cold start, pointed at the local DynamoDB-protocol server. */
export function stubLocalAwsEnv(dynamoEndpoint: string): void {
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamoEndpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
}

export type IngestHandler = (event: unknown) => Promise<IngestReport>;

export const STATE_MACHINE_ARN =
  'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-incident-lifecycle';

/**
 * Step Functions at the SDK-client boundary (the ASL itself is executed in the lifecycle tests): executions
 * are refused by name the second time, as the service does.
 */
export function mockStepFunctions() {
  const sfn = mockClient(SFNClient);
  const started = new Set<string>();
  sfn.on(StartExecutionCommand).callsFake((input: { name?: string }) => {
    const name = input.name ?? '';
    if (started.has(name)) {
      throw Object.assign(new Error(`Execution ${name} already exists`), { name: 'ExecutionAlreadyExists' });
    }
    started.add(name);
    return { executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}` };
  });
  sfn.on(SendTaskSuccessCommand).resolves({});
  return { sfn, started };
}

/**
 * Loads the real Lambda handler module (config, clients, middy, logger) against the given table, the way
 * Lambda would at cold start: through its environment variables.
 */
export async function loadIngestHandler(
  server: Pick<DynamoServer, 'endpoint'>,
  tableName: string,
): Promise<IngestHandler> {
  vi.stubEnv('TABLE_NAME', tableName);
  vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
  vi.stubEnv('GROUPING_CONFIG', JSON.stringify(DEFAULT_GROUPING_CONFIG));
  stubLocalAwsEnv(server.endpoint);
  vi.resetModules();
  const module = await import('../../lambdas/ingest/handler');
  return (event: unknown) => module.handler(event, LAMBDA_CONTEXT) as Promise<IngestReport>;
}
