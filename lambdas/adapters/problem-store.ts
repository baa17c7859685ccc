import {
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Category } from '#core/model';
import type { RecurrenceBasis, RecurrenceCandidate } from '#core/problems';
import { storedActionItem } from '#core/reviews';
import { type IncidentActionItem, incidentActionItemRecords } from './incident-action-items';
import { type IndexListing, readIndexPage } from './index-page';
import { conditional, type DocumentSender, INDEX_PARTITIONS, keys } from './store-keys';
import { UpdateExpression } from './update-expression';

/** A problem's id: `PRB-` and the number of its oldest incident (`INC-20261101-0003` → `PRB-20261101-0003`). */
export const PROBLEM_ID = /^PRB-\d{8}-\d{4,}$/;

/** The problem id a set of recurring incidents converges on: the one of its oldest incident. */
export function problemIdFor(oldestIncidentId: string): string {
  return `PRB-${oldestIncidentId.replace(/^INC-/, '')}`;
}

const Basis = z.discriminatedUnion('by', [
  z.object({ by: z.literal('alert'), alertKey: z.string() }),
  z.object({ by: z.literal('service'), service: z.string(), category: Category }),
]);

/** A problem record as stored (`keys.problem(id)`). Problems stay open: the record is what people work from. */
export const Problem = z.object({
  id: z.string().regex(PROBLEM_ID),
  title: z.string(),
  basis: Basis,
  /** Its incidents, by id (a string set in the table: adding one twice changes nothing; never empty there). */
  incidentIds: z
    .union([z.set(z.string()), z.array(z.string())])
    .optional()
    .transform((ids) => [...(ids ?? [])].sort((a, b) => a.localeCompare(b))),
  status: z.literal('open'),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().min(1),
});
export type Problem = z.infer<typeof Problem>;

/** What candidates() reads of each incident: what recurrence compares, never the whole item. */
const CandidateItem = z.object({
  id: z.string(),
  createdAt: z.string(),
  service: z.string(),
  category: Category,
  dedupKey: z.string(),
  alerts: z.record(z.string(), z.string()).default({}),
  problemId: z.string().optional(),
  mergedInto: z.string().optional(),
});

/** Problems on by-created, newest first. */
const PROBLEM_LISTING: IndexListing = {
  index: 'by-created',
  partition: INDEX_PARTITIONS.problems,
  owns: (key) => key.PK?.startsWith('PRB#') === true && key.SK === 'META',
  what: 'the problem listing',
  newestFirst: true,
};

/** Above every character of the times and ids in sort keys: closes a range after a prefix. */
const PREFIX_END = '~';

/** An incident's alert keys for recurrence: its own dedup key and its alerts' ids (see #core/alerts). */
export function alertKeysOf(incident: { dedupKey: string; alerts: Record<string, string> }): string[] {
  return [incident.dedupKey, ...Object.keys(incident.alerts)];
}

/**
 * Problem records in the incidents table: `PK=PRB#<id>, SK=META`, listed newest first on the `by-created`
 * index (`PROBLEMS` → `<createdAt>#<id>`). Every write is one conditional write: the record is put only if
 * absent (concurrent detections choose the same id, see problemIdFor) and incidents are added to its string
 * set, so a retry changes nothing.
 */
export class ProblemStore {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /** Creates the problem unless it exists; true when this call created it. */
  async putIfAbsent(
    problem: { id: string; title: string; basis: RecurrenceBasis; incidentIds: readonly string[] },
    now: Date,
  ): Promise<boolean> {
    const at = now.toISOString();
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.problem(problem.id),
            id: problem.id,
            title: problem.title,
            basis: problem.basis,
            incidentIds: new Set(problem.incidentIds),
            status: 'open',
            createdAt: at,
            updatedAt: at,
            version: 1,
            gsi3pk: INDEX_PARTITIONS.problems,
            gsi3sk: `${at}#${problem.id}`,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  /**
   * Adds incidents to an existing problem; only when one of them is not in it yet, so a retry (or a second
   * detection of the same incidents) neither bumps the version nor the time. False when nothing was added.
   */
  async addIncidents(problemId: string, incidentIds: readonly string[], now: Date): Promise<boolean> {
    if (incidentIds.length === 0) return false;
    const update = new UpdateExpression()
      .add('incidentIds', new Set(incidentIds))
      .add('version', 1)
      .set({ updatedAt: now.toISOString() })
      .when(() => 'attribute_exists(PK)')
      .when(
        (u) =>
          `NOT (${incidentIds.map((id) => `contains(${u.name('incidentIds')}, ${u.value(id)})`).join(' AND ')})`,
      );
    return (await this.update(problemId, update)) !== undefined;
  }

  /** Takes an incident out of a problem (it turned out linked to another one); a retry changes nothing. */
  async removeIncident(problemId: string, incidentId: string, now: Date): Promise<boolean> {
    const update = new UpdateExpression()
      .set({ updatedAt: now.toISOString() })
      .add('version', 1)
      .when(() => 'attribute_exists(PK)')
      .when((u) => `contains(${u.name('incidentIds')}, ${u.value(incidentId)})`);
    // DELETE from a set is not among UpdateExpression's clauses: added to the built expression.
    const built = update.build();
    const value = ':removed';
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.problem(problemId),
          ...built,
          UpdateExpression: `${built.UpdateExpression} DELETE #incidentIds ${value}`,
          ExpressionAttributeNames: { ...built.ExpressionAttributeNames, '#incidentIds': 'incidentIds' },
          ExpressionAttributeValues: { ...built.ExpressionAttributeValues, [value]: new Set([incidentId]) },
        }),
      ),
    );
    return result !== undefined;
  }

  async get(id: string): Promise<Problem | undefined> {
    if (!PROBLEM_ID.test(id)) return undefined;
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.problem(id), ConsistentRead: true }),
    );
    return result.Item ? Problem.parse(result.Item) : undefined;
  }

  /**
   * Problems newest first, `limit` at a time; `cursor` is the previous page's `nextCursor`. A cursor of
   * another listing is refused (InvalidCursorError).
   */
  async list(page: { limit: number; cursor?: string }): Promise<{ items: Problem[]; nextCursor?: string }> {
    return readIndexPage(this.db, this.tableName, PROBLEM_LISTING, page, (item) => Problem.parse(item));
  }

  /**
   * The incidents of `service` created from `from` up to `to` (inclusive, by createdAt), as recurrence
   * reads them: one Query of the `by-service` index (`SVC#<service>` → `<createdAt>#<id>`) with a sort-key
   * range and a projection, never a Scan. The index is eventually consistent: an incident created a moment
   * ago may not show yet, and is found when the next incident resolves.
   */
  async candidates(service: string, from: string, to: string): Promise<RecurrenceCandidate[]> {
    const found: RecurrenceCandidate[] = [];
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'by-service',
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ProjectionExpression:
            '#id, #createdAt, #service, #category, #alerts, #dedupKey, #problemId, #mergedInto',
          ExpressionAttributeNames: {
            '#pk': 'gsi2pk',
            '#sk': 'gsi2sk',
            '#id': 'id',
            '#createdAt': 'createdAt',
            '#service': 'service',
            '#category': 'category',
            '#alerts': 'alerts',
            '#dedupKey': 'dedupKey',
            '#problemId': 'problemId',
            '#mergedInto': 'mergedInto',
          },
          ExpressionAttributeValues: {
            ':pk': `SVC#${service}`,
            ':from': from,
            ':to': `${to}#${PREFIX_END}`,
          },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const incident = CandidateItem.parse(item);
        found.push({
          id: incident.id,
          createdAt: incident.createdAt,
          service: incident.service,
          category: incident.category,
          alertKeys: alertKeysOf(incident),
          ...(incident.problemId ? { problemId: incident.problemId } : {}),
          ...(incident.mergedInto ? { mergedInto: incident.mergedInto } : {}),
        });
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  /**
   * The open action items of an incident's review (`keys.actionItem`, written by the reviews): one Query of
   * the incident's partition. An item that does not parse is left out rather than failing the problem.
   */
  async openActionItems(incidentId: string): Promise<IncidentActionItem[]> {
    const records = await incidentActionItemRecords(this.db, this.tableName, incidentId);
    return records.flatMap((record) => {
      const item = storedActionItem(record);
      return item?.status === 'open' ? [{ ...item, incidentId }] : [];
    });
  }

  private async update(problemId: string, update: UpdateExpression) {
    return conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.problem(problemId),
          ...update.build(),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
  }
}
