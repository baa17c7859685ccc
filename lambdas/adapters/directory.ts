import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { conditional, type DocumentSender } from './store-keys';

/** A record as a directory stores it: its fields, its id and the version a write must name to replace it. */
export type Versioned<T> = T & { id: string; version: number; updatedAt: string };

/** The attributes of a stored item that are keys and bookkeeping, never part of the record. */
const KEY_ATTRIBUTES = new Set(['PK', 'SK']);

function recordOf<T>(item: Record<string, unknown>): Versioned<T> {
  return Object.fromEntries(
    Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name)),
  ) as Versioned<T>;
}

/**
 * Records of one kind (people, schedules), each an item of its own (`<prefix>#<id>`, `SK=<sk>`) and a copy
 * in one directory partition (`PK=<directory>, SK=<id>`), so that listing them is one Query: no Scan, no new
 * index, no transaction. The record item is the truth and carries a version for optimistic locking; the
 * copy is written after it and only ever replaced by a copy of the same or a later version, so a retry or a
 * late writer never rolls it back. A failure between the two writes leaves the copy behind by one version
 * (or missing, for a new record); the same PUT again repairs it, since a write that changes nothing still
 * writes the copy. A delete removes the copy first: a record is never listed after it is gone.
 */
export class Directory<T extends Record<string, unknown>> {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
    private readonly names: { prefix: string; sk: string; directory: string },
  ) {}

  private key(id: string) {
    return { PK: `${this.names.prefix}#${id}`, SK: this.names.sk };
  }

  private copyKey(id: string) {
    return { PK: this.names.directory, SK: id };
  }

  /** The record, read consistently (a write's version check follows it), or undefined. */
  async get(id: string): Promise<Versioned<T> | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(id), ConsistentRead: true }),
    );
    return result.Item ? recordOf<T>(result.Item) : undefined;
  }

  /** Every record, by id, from the directory partition. */
  async list(): Promise<Versioned<T>[]> {
    const records: Versioned<T>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': this.names.directory },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) records.push(recordOf<T>(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  /**
   * Writes `record` as the version after `previous` (the first version when there is none). Undefined when
   * another writer got there first: the caller reads again and decides again.
   */
  async put(
    id: string,
    record: T,
    previous: Versioned<T> | undefined,
    now: Date,
  ): Promise<Versioned<T> | undefined> {
    const next = {
      ...record,
      id,
      version: (previous?.version ?? 0) + 1,
      updatedAt: now.toISOString(),
    } as Versioned<T>;
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(id), ...next },
          ...(previous
            ? {
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': previous.version },
              }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
        }),
      ),
    );
    if (!written) return undefined;
    await this.writeCopy(next);
    return next;
  }

  /** Writes the directory copy of a stored record, unless a later version's copy is already there. */
  async writeCopy(record: Versioned<T>): Promise<void> {
    await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.copyKey(record.id), ...record },
          ConditionExpression: 'attribute_not_exists(PK) OR version <= :version',
          ExpressionAttributeValues: { ':version': record.version },
        }),
      ),
    );
  }

  /**
   * Deletes the record at `version`. False when it changed since it was read (or is gone): then its copy is
   * written back from what is stored, so the directory still lists it.
   */
  async delete(record: Versioned<T>): Promise<boolean> {
    await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.copyKey(record.id),
          ConditionExpression: 'attribute_not_exists(PK) OR version <= :version',
          ExpressionAttributeValues: { ':version': record.version },
        }),
      ),
    );
    const deleted = await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(record.id),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': record.version },
        }),
      ),
    );
    if (deleted) return true;
    const current = await this.get(record.id);
    if (current) await this.writeCopy(current);
    return false;
  }
}

/** Two records are the same when their JSON is, whatever order DynamoDB gives a map's attributes in. */
export function sameRecord(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => field !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, field]) => [name, canonical(field)]),
    );
  return value;
}
