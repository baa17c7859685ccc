import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type DocumentSender, isConditionFailure } from './incident-store';

/** `any`: one key for every integration route (PagerDuty Events v2 and the Alertmanager webhook). */
export const INTEGRATION_KINDS = ['pagerduty', 'alertmanager', 'any'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** 32 characters: what `randomBytes(16).toString('hex')` gives, and PagerDuty's routing_key length. */
export const INTEGRATION_KEY_LENGTH = 32;

/** An integration as admins see it: never its key, never the key's hash. */
export const Integration = z.object({
  integrationId: z.string(),
  name: z.string(),
  kind: z.enum(INTEGRATION_KINDS),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});
export type Integration = z.infer<typeof Integration>;

const LISTING_PK = 'INTEGRATIONS';
const itemKeys = {
  /** Looked up by the hash of the key a request presents: one GetItem, no index. */
  byHash: (hash: string) => ({ PK: `INTKEY#${hash}`, SK: 'KEY' }),
  /** One partition for all integrations: admins list them with a Query. */
  listing: (integrationId: string) => ({ PK: LISTING_PK, SK: integrationId }),
};

/** A fresh key colliding with a stored one means a broken generator; a few tries, then give up loudly. */
const MAX_CREATE_ATTEMPTS = 3;

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Integration keys (PagerDuty routing keys, Alertmanager bearer tokens), stored hashed in the incidents
 * table: a table read (a backup, an export, a console) never yields a key that works. Each integration is
 * two items: the key item (`INTKEY#<sha256>`) that authenticates, and the listing item (`INTEGRATIONS`)
 * that admins list and revoke by id, which holds the hash but never the key.
 */
export class IntegrationKeys {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /** Creates an integration; the answer is the only time its key is ever visible. */
  async create(
    input: { name: string; kind: IntegrationKind; createdBy: string },
    now: Date,
    randomKey: () => string,
  ): Promise<{ integration: Integration; key: string }> {
    for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
      const key = randomKey();
      if (key.length !== INTEGRATION_KEY_LENGTH) {
        throw new Error(
          `integration keys are ${INTEGRATION_KEY_LENGTH} characters; the generator gave another length`,
        );
      }
      const hash = hashKey(key);
      const integration: Integration = {
        integrationId: `int-${hash.slice(0, 12)}`,
        name: input.name,
        kind: input.kind,
        createdAt: now.toISOString(),
        createdBy: input.createdBy,
      };
      // The listing item first: if the second write never happens, what is left is a listed integration
      // whose key nobody has (revocable, harmless), never a working key that no admin can see or revoke.
      if (
        !(await this.putIfAbsent({
          ...itemKeys.listing(integration.integrationId),
          ...integration,
          keyHash: hash,
        }))
      )
        continue;
      // Refused only if a revocation got here first (see revoke): then this key must not work.
      if (!(await this.putIfAbsent({ ...itemKeys.byHash(hash), ...integration }))) {
        throw new Error(`integration ${integration.integrationId} was revoked while it was being created`);
      }
      return { integration, key };
    }
    throw new Error(`could not find an unused integration key in ${MAX_CREATE_ATTEMPTS} attempts`);
  }

  /**
   * The integration a key belongs to, unless it is unknown or revoked. The same work for every key (one
   * hash, one consistent read) whatever the outcome, and the key itself is never logged nor stored.
   * Consistent read: a revocation must take effect on the very next request.
   */
  async findByKey(key: string): Promise<Integration | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: itemKeys.byHash(hashKey(key)), ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item || item.revokedAt !== undefined) return undefined;
    const parsed = Integration.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  }

  /** Every integration, revoked ones included (with who revoked them and when), oldest first. */
  async list(): Promise<Integration[]> {
    const items: Integration[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': LISTING_PK },
          ExclusiveStartKey: startKey,
        }),
      );
      // Parsing strips the table keys and the hash: neither leaves this class.
      for (const item of page.Items ?? []) items.push(Integration.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.integrationId.localeCompare(b.integrationId),
    );
  }

  /**
   * Revokes an integration; undefined when there is no such integration. Idempotent: revoking again keeps
   * the first revocation's time and actor. The key item is marked first, so the key stops working before
   * the listing says it has; a retry after a failure between the two writes completes both.
   */
  async revoke(integrationId: string, by: string, now: Date): Promise<Integration | undefined> {
    const listing = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKeys.listing(integrationId),
        ConsistentRead: true,
      }),
    );
    const hash = listing.Item?.keyHash;
    if (typeof hash !== 'string') return undefined;
    const revoked = { ':now': now.toISOString(), ':by': by, ':id': integrationId };
    // Written even if the key item does not exist yet (its creation still in flight): the tombstone makes
    // that creation's put-if-absent fail, so the key never starts working.
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKeys.byHash(hash),
        UpdateExpression:
          'SET revokedAt = if_not_exists(revokedAt, :now), revokedBy = if_not_exists(revokedBy, :by), integrationId = if_not_exists(integrationId, :id)',
        ConditionExpression: 'attribute_not_exists(PK) OR integrationId = :id',
        ExpressionAttributeValues: revoked,
      }),
    );
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKeys.listing(integrationId),
        UpdateExpression:
          'SET revokedAt = if_not_exists(revokedAt, :now), revokedBy = if_not_exists(revokedBy, :by)',
        ConditionExpression: 'attribute_exists(PK) AND integrationId = :id',
        ExpressionAttributeValues: revoked,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Integration.parse(result.Attributes);
  }

  /** False when the item already exists; any other failure propagates. */
  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
