import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
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

export type IngestHandler = (event: unknown) => Promise<IngestReport>;

/**
 * Loads the real Lambda handler module (config, clients, middy, logger) against the given table, the way
 * Lambda would at cold start: through its environment variables.
 */
export async function loadIngestHandler(
  server: Pick<DynamoServer, 'endpoint'>,
  tableName: string,
): Promise<IngestHandler> {
  vi.stubEnv('TABLE_NAME', tableName);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', server.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.resetModules();
  const module = await import('../../lambdas/ingest/handler');
  return (event: unknown) => module.handler(event, LAMBDA_CONTEXT) as Promise<IngestReport>;
}
