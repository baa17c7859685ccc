import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput, waitForActiveTable } from '#adapters/table-definition';

export interface DynamoProcess {
  endpoint: string;
  requests(): Promise<number>;
  stop(): Promise<void>;
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
}

/** Starts bench/dynamo-process.ts under tsx and waits until it listens. */
export async function startDynamoProcess(): Promise<DynamoProcess> {
  const script = fileURLToPath(new URL('./dynamo-process.ts', import.meta.url));
  const child = fork(script, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await next<{ port: number }>(child, 'ready');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async requests() {
      const reply = next<{ requests: number }>(child, 'count');
      child.send({ type: 'count' });
      return (await reply).requests;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/** A client of the bench's DynamoDB process: no retries, so every request counted is one the bench made. */
export function benchDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Creates a table with the deployed definition and waits until it is active. */
export async function createBenchTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(name)));
  await waitForActiveTable(
    async (table) => (await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus,
    name,
  );
}
