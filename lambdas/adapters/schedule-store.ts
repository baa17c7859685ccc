import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Override, ScheduleBody, ScheduleOverride } from '#core/schedules';
import { Directory, sameRecord, type Versioned } from './directory';
import { conditional, type DocumentSender } from './store-keys';

/** A schedule as stored: the body, an id, a version and when it last changed. */
export type StoredSchedule = Versioned<ScheduleBody>;

/** An override as stored: who made it and when; its id is what `DELETE .../overrides/{overrideId}` names. */
export type StoredOverride = Override & { id: string; createdAt: string; createdBy: string };

const MAX_PUT_ATTEMPTS = 3;
const OVERRIDE_PREFIX = 'OVERRIDE#';

export type PutScheduleResult =
  | { outcome: 'created' | 'replaced' | 'unchanged'; schedule: StoredSchedule }
  | { outcome: 'conflict' };

/**
 * Schedules in the incidents table: `PK=SCHEDULE#<id>, SK=SCHEDULE`, with a copy in the `SCHEDULES`
 * directory partition for `GET /schedules` (see Directory). Each override is an item of the schedule's
 * partition, `SK=OVERRIDE#<createdAt>#<overrideId>`, so one Query lists them in the order they were made:
 * the order in which later overrides win (see shifts).
 */
export class ScheduleStore {
  private readonly directory: Directory<ScheduleBody>;

  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {
    this.directory = new Directory(db, tableName, {
      prefix: 'SCHEDULE',
      sk: 'SCHEDULE',
      directory: 'SCHEDULES',
    });
  }

  get(id: string): Promise<StoredSchedule | undefined> {
    return this.directory.get(id);
  }

  /** Every schedule, by id. */
  list(): Promise<StoredSchedule[]> {
    return this.directory.list();
  }

  /** Creates or replaces a schedule's rules (its overrides stay); the same body twice changes nothing. */
  async put(id: string, body: ScheduleBody, now: Date): Promise<PutScheduleResult> {
    const record = { name: body.name, timeZone: body.timeZone, layers: body.layers };
    for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
      const current = await this.directory.get(id);
      if (
        current &&
        sameRecord(record, { name: current.name, timeZone: current.timeZone, layers: current.layers })
      ) {
        await this.directory.writeCopy(current);
        return { outcome: 'unchanged', schedule: current };
      }
      const written = await this.directory.put(id, record, current, now);
      if (written) return { outcome: current ? 'replaced' : 'created', schedule: written };
    }
    return { outcome: 'conflict' };
  }

  /** A schedule's overrides in the order they were made (a later one wins where two overlap). */
  async overrides(scheduleId: string): Promise<StoredOverride[]> {
    const found: StoredOverride[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': scheduleKey(scheduleId), ':prefix': OVERRIDE_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(overrideOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  /**
   * Adds an override. Its id comes from the caller (derived from the request's idempotency key), so a
   * retried request finds the override it already made and adds no second one.
   */
  async addOverride(
    scheduleId: string,
    override: StoredOverride,
  ): Promise<{ override: StoredOverride; created: boolean }> {
    const existing = (await this.overrides(scheduleId)).find((found) => found.id === override.id);
    if (existing) return { override: existing, created: false };
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...overrideKey(scheduleId, override), ...override },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    // Refused only when this very item exists: the same request got there first.
    return { override, created: written !== undefined };
  }

  /** Deletes an override; undefined when the schedule has no such override (any more). */
  async deleteOverride(scheduleId: string, overrideId: string): Promise<StoredOverride | undefined> {
    const existing = (await this.overrides(scheduleId)).find((found) => found.id === overrideId);
    if (!existing) return undefined;
    const deleted = await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: overrideKey(scheduleId, existing),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ),
    );
    return deleted ? existing : undefined;
  }
}

const scheduleKey = (id: string) => `SCHEDULE#${id}`;

function overrideKey(scheduleId: string, override: StoredOverride) {
  return { PK: scheduleKey(scheduleId), SK: `${OVERRIDE_PREFIX}${override.createdAt}#${override.id}` };
}

function overrideOf(item: Record<string, unknown>): StoredOverride {
  const { id, person, start, end, createdAt, createdBy } = item as StoredOverride;
  return { id, person, start, end, createdAt, createdBy };
}

/** What the on-call arithmetic reads from stored overrides, in their order. */
export function overrideRules(overrides: readonly StoredOverride[]): ScheduleOverride[] {
  return overrides.map(({ id, person, start, end }) => ({ id, person, start, end }));
}
