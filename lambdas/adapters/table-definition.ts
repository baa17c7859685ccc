/**
 * The incidents table's keys and indexes, in one place: the CDK construct declares the deployed table from
 * it and local mode and the tests create the same table from it.
 */
export const TABLE_KEYS = { partitionKey: 'PK', sortKey: 'SK' } as const;

export const TABLE_INDEXES = [
  /** Open incidents only (sparse): `OPEN` → `<priority>#<createdAt>#<id>`. */
  { indexName: 'open-by-priority', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** `SVC#<service>` → `<createdAt>#<id>`. */
  { indexName: 'by-service', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /** `MONTH#<yyyy-mm>` → `<createdAt>#<id>`: newest first within a month. */
  { indexName: 'by-created', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  /** An incident's live alerts (their claims): `ALERTS#<incident id>` → `<first seen>#<alert id>`. */
  { indexName: 'alerts-by-incident', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
] as const;

/** The index of an incident's live alerts, which the release of a resolved incident's alerts reads. */
export const ALERTS_INDEX = 'alerts-by-incident';

/** TTL attribute: only idempotency records expire; incidents and timelines never do. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** CreateTable input for a DynamoDB-protocol server (local mode, tests). */
export function createTableInput(tableName: string) {
  const attributeNames = new Set<string>([TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey]);
  for (const index of TABLE_INDEXES) {
    attributeNames.add(index.partitionKey);
    attributeNames.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributeNames].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: TABLE_INDEXES.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

/**
 * Waits until a table just created answers: a DynamoDB-protocol server reports a new table as CREATING
 * and refuses item requests on it until it is ACTIVE, even when that takes no time at all.
 */
export async function waitForActiveTable(
  describe: (tableName: string) => Promise<string | undefined>,
  tableName: string,
  attempts = 200,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if ((await describe(tableName)) === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
