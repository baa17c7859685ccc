import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createTableInput, waitForActiveTable } from '#adapters/table-definition';

export interface DynamoServer {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Creates a fresh incidents table and returns its name. */
  createTable(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

let tableCounter = 0;

/** Starts an in-memory DynamoDB-protocol server (dynalite) on 127.0.0.1 and a client for it. */
export async function startDynamoServer(): Promise<DynamoServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    doc,
    async createTable(prefix = 'incidents') {
      tableCounter += 1;
      const name = `${prefix}-${process.pid}-${tableCounter}`;
      await client.send(new CreateTableCommand(createTableInput(name)));
      await waitForActiveTable(
        async (table) =>
          (await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus,
        name,
      );
      return name;
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error?: Error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
