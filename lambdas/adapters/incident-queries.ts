import { GetCommand, type NativeAttributeValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { Alert } from '#core/alerts';
import {
  type CursorIndex,
  type CursorPart,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
} from '#core/cursor';
import { liveAlertOfClaim } from '#core/dedup';
import type { SummarySource } from '#core/figures';
import { readIncident } from '#core/incident';
import {
  type Category,
  type Incident,
  OPEN_STATUSES,
  type Priority,
  type Status,
  TimelineEntry,
} from '#core/model';
import { parseClaim } from './alert-claims';
import { incidentsCreatedBetween } from './incident-figures-source';
import { type DocumentSender, keys } from './incident-store';
import { ALERTS_INDEX, TABLE_INDEXES, TABLE_KEYS } from './table-definition';

export { InvalidCursorError };

export interface IncidentFilter {
  status?: Status[];
  priority?: Priority;
  service?: string;
  team?: string;
  category?: Category;
  /** ISO 8601 date or date-time: only incidents created at or after it. */
  since?: string;
}

export interface PageRequest {
  /** 1 to MAX_PAGE_SIZE. */
  limit: number;
  /** `nextCursor` of the previous page, unchanged. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export const MAX_PAGE_SIZE = 100;

/**
 * How far back a listing with neither `service` nor a priority-of-open-incidents filter reaches when no
 * `since` is given: the month-by-month walk needs a last month, and a dashboard wants recent incidents.
 * Nothing older is listed unless `since` asks for it.
 */
export const DEFAULT_LOOKBACK_DAYS = 90;

type Item = Record<string, NativeAttributeValue>;

interface Filter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, NativeAttributeValue>;
}

/** One ordered key range: a partition, optionally narrowed to a sort-key prefix and lower bound. */
interface Range {
  indexName?: string;
  pk: string;
  sk: string;
  partition: string;
  sortPrefix?: string;
  sortFrom?: string;
  /** The month of a month-by-month walk, or the part of a walk over two kinds of item: named in its cursors. */
  month?: string;
  part?: CursorPart;
  /**
   * The index's sort key is unique within the partition: a cursor holds only the index keys, and the walk
   * resumes after that sort key (`#sk > :after`) instead of from a whole ExclusiveStartKey. Keeps cursors
   * short when the table key is long (a dedup key can take a kilobyte). Not with sortPrefix or sortFrom.
   */
  resumeAfterSortKey?: boolean;
  /** What the index does not serve: a FilterExpression. */
  filter?: Filter;
  /** What a cursor's key must also satisfy to resume in this range, beyond its partition and bounds. */
  keyCheck?(key: Record<string, string>, range: Range): boolean;
}

/** A walk over consecutive ranges in one order, and how to turn its items into results. */
interface Walk<T> {
  kind: CursorIndex;
  ranges: Range[];
  forward: boolean;
  /** An item as a result; undefined leaves it out (it takes no place on the page). */
  parse(item: Item, range: Range): T | undefined;
  /** When set, a result whose identity is already on the page is left out (the first one stays). */
  identity?(value: T): string;
}

/** Where a walk starts: a range, and in it an ExclusiveStartKey or a sort key to go on after. */
interface Start {
  range: number;
  key?: Item;
  after?: string;
}

const INDEX = Object.fromEntries(TABLE_INDEXES.map((index) => [index.indexName, index])) as Record<
  (typeof TABLE_INDEXES)[number]['indexName'],
  (typeof TABLE_INDEXES)[number]
>;

/** Above every character of the ISO times and ids in sort keys: closes a prefix range. */
const PREFIX_END = '~';

const META_PK = /^INC#(INC-\d{8}-\d{4,})$/;

/** The alerts-by-incident index's sort key: `<first seen>#<alert id>` (see alertIndexAttributes). */
const LIVE_ALERT_SORT = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})#[A-Za-z0-9_-]{12}$/;

/** What the alert listing reads of the incident item: its alert map, the truth for each alert's state. */
const AlertMapItem = z.object({ alerts: z.record(z.string(), z.string()).default({}) });

/**
 * The read side of the incident API: filtered, paginated listings served by the table's indexes (never a
 * Scan), and incident timelines. Pages are filled even when a filter drops most items, and a cursor
 * resumes just after the last item returned, so nothing is skipped or repeated.
 */
export class IncidentQueries {
  /**
   * `options.readSize` caps the items one Query reads (default MAX_PAGE_SIZE + 1). Real queries also stop
   * at 1 MB, so the walk never relies on one read; tests lower it to make every page take several reads.
   */
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
    private readonly clock: () => Date,
    private readonly options: { readSize?: number } = {},
  ) {
    const { readSize } = options;
    if (readSize !== undefined && (!Number.isInteger(readSize) || readSize < 1)) {
      throw new RangeError(`readSize must be a positive integer, got ${readSize}`);
    }
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.incident(id), ConsistentRead: true }),
    );
    return result.Item ? readIncident(result.Item) : undefined;
  }

  /**
   * Incidents newest first (by createdAt, then id). The index follows from the filter:
   * - `service` → `by-service`, its one partition (`since` as a sort-key bound when given);
   * - else `priority` with a status filter of open statuses only → `open-by-priority` (sparse: holds only
   *   open incidents), the priority's sort-key prefix;
   * - else `by-created`, month partitions from the clock's month back to the month of `since` (default
   *   DEFAULT_LOOKBACK_DAYS before now: the month walk needs an end; the other two read one partition and
   *   reach back as far as it goes unless `since` is given).
   * Without a status filter every status is listed, so a priority alone walks the months. The filters the
   * index does not serve (status, team, category, priority off its key) are a FilterExpression.
   */
  listIncidents(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>> {
    return this.walk(this.incidentWalk(filter), page);
  }

  /**
   * The incidents created in `[from, to)` with only what the figures read (`GET /metrics/…`), oldest first;
   * at most MAX_FIGURES_RANGE_DAYS. See incident-figures-source.ts.
   */
  incidentsCreatedBetween(from: Date, to: Date): Promise<SummarySource[]> {
    const { readSize } = this.options;
    return incidentsCreatedBetween(this.db, this.tableName, from, to, readSize ? { readSize } : {});
  }

  /** An incident's timeline, oldest first. */
  listTimeline(incidentId: string, page: PageRequest): Promise<Page<TimelineEntry>> {
    return this.walk(
      {
        kind: 'timeline',
        ranges: [
          {
            pk: TABLE_KEYS.partitionKey,
            sk: TABLE_KEYS.sortKey,
            partition: `INC#${incidentId}`,
            sortPrefix: 'TL#',
          },
        ],
        forward: true,
        parse: (item) => TimelineEntry.parse(item),
      },
      page,
    );
  }

  /**
   * An incident's alerts; undefined when the incident does not exist. First the records it keeps of alerts
   * that left it (moved to a new incident after it resolved, or merged away: `movedTo`), from its own
   * partition, strongly consistent, by alert id; then its live alerts, the claims on the alerts-by-incident
   * index whose incident is still this one, by when they first fired. The index is eventually consistent:
   * a live alert's state is taken from the incident's alert map (read first, strongly consistent) when the
   * map is newer, and an alert already listed from the records is not listed again on the same page (a claim
   * that just moved on can still show here for a moment). One cursor says which part and where.
   */
  async listAlerts(incidentId: string, page: PageRequest): Promise<Page<Alert> | undefined> {
    checkLimit(page.limit);
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.incident(incidentId),
        ProjectionExpression: '#alerts, #id',
        ExpressionAttributeNames: { '#alerts': 'alerts', '#id': 'id' },
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    const { alerts } = AlertMapItem.parse(result.Item);
    return this.walk(alertWalk(incidentId, alerts), page);
  }

  private incidentWalk(filter: IncidentFilter): Walk<Incident> {
    const since = filter.since === undefined ? undefined : normalizeSince(filter.since);
    const statuses = [...new Set(filter.status ?? [])];
    const onlyOpen = statuses.length > 0 && statuses.every((status) => OPEN_STATUSES.includes(status));
    const parse = (item: Item) => readIncident(item);
    const conditions: Conditions = new Conditions();
    conditions.in('status', statuses);
    conditions.equals('team', filter.team);
    conditions.equals('category', filter.category);
    const keyCheck = incidentKeyFits;

    if (filter.service !== undefined) {
      const index = INDEX['by-service'];
      conditions.equals('priority', filter.priority);
      return {
        kind: 'by-service',
        ranges: [
          {
            indexName: index.indexName,
            pk: index.partitionKey,
            sk: index.sortKey,
            partition: `SVC#${filter.service}`,
            sortFrom: since,
            filter: conditions.build(),
            keyCheck,
          },
        ],
        forward: false,
        parse,
      };
    }
    if (filter.priority !== undefined && onlyOpen) {
      const index = INDEX['open-by-priority'];
      const prefix = `${filter.priority}#`;
      return {
        kind: 'open-by-priority',
        ranges: [
          {
            indexName: index.indexName,
            pk: index.partitionKey,
            sk: index.sortKey,
            partition: 'OPEN',
            sortPrefix: prefix,
            sortFrom: since === undefined ? undefined : `${prefix}${since}`,
            filter: conditions.build(),
            keyCheck,
          },
        ],
        forward: false,
        parse,
      };
    }
    const index = INDEX['by-created'];
    conditions.equals('priority', filter.priority);
    const now = this.clock();
    const from = since ?? new Date(now.getTime() - DEFAULT_LOOKBACK_DAYS * 86_400_000).toISOString();
    const built = conditions.build();
    return {
      kind: 'by-created',
      ranges: monthsNewestFirst(now.toISOString().slice(0, 7), from.slice(0, 7)).map((month) => ({
        indexName: index.indexName,
        pk: index.partitionKey,
        sk: index.sortKey,
        partition: `MONTH#${month}`,
        sortFrom: from,
        month,
        filter: built,
        keyCheck,
      })),
      forward: false,
      parse,
    };
  }

  /**
   * Collects `limit` + 1 matching items (the extra one only tells whether another page exists), querying
   * on while a FilterExpression leaves pages short: DynamoDB applies Limit before the filter.
   */
  private async walk<T>(walk: Walk<T>, page: PageRequest): Promise<Page<T>> {
    const limit = checkLimit(page.limit);
    const readSize = this.options.readSize ?? MAX_PAGE_SIZE + 1;
    const start: Start = page.cursor === undefined ? { range: 0 } : resume(walk, page.cursor);
    const found: { value: T; key: Record<string, string>; range: Range }[] = [];
    const seen = new Set<string>();
    for (let r = start.range; r < walk.ranges.length && found.length <= limit; r++) {
      const range = walk.ranges[r] as Range;
      const resuming = r === start.range;
      let startKey: Item | undefined = resuming ? start.key : undefined;
      const after = resuming ? start.after : undefined;
      do {
        const result = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            ...queryInput(range, walk.forward, startKey ? undefined : after),
            // A filtered query may drop most of what it reads: read a full page's worth at once.
            Limit: range.filter ? readSize : Math.min(readSize, limit + 1 - found.length),
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of result.Items ?? []) {
          if (found.length > limit) break;
          const value = walk.parse(item, range);
          if (value === undefined) continue;
          const identity = walk.identity?.(value);
          if (identity !== undefined) {
            if (seen.has(identity)) continue;
            seen.add(identity);
          }
          found.push({ value, key: keyOf(item, range), range });
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey && found.length <= limit);
    }
    const items = found.slice(0, limit);
    const last = items.at(-1);
    if (found.length <= limit || !last) return { items: items.map((entry) => entry.value) };
    const nextCursor = encodeCursor({
      v: 1,
      index: walk.kind,
      ...(last.range.month ? { month: last.range.month } : {}),
      ...(last.range.part ? { part: last.range.part } : {}),
      key: last.key,
    });
    return { items: items.map((entry) => entry.value), nextCursor };
  }
}

/**
 * An incident's alerts: the records in its partition (alerts that left it), then the live claims on the
 * alerts-by-incident index that still name it (the index may lag a claim that moved on), each with its
 * state from the incident's alert map when that is newer (see liveAlertOfClaim).
 */
function alertWalk(incidentId: string, alerts: Record<string, string>): Walk<Alert> {
  const index = INDEX[ALERTS_INDEX];
  return {
    kind: 'alerts',
    ranges: [
      {
        pk: TABLE_KEYS.partitionKey,
        sk: TABLE_KEYS.sortKey,
        partition: keys.incident(incidentId).PK,
        sortPrefix: 'ALERT#',
        part: 'records',
      },
      {
        indexName: index.indexName,
        pk: index.partitionKey,
        sk: index.sortKey,
        partition: `ALERTS#${incidentId}`,
        part: 'live',
        // `<first seen>#<alert id>`: one claim per alert id.
        resumeAfterSortKey: true,
        filter: {
          expression: '#incidentId = :incidentId',
          names: { '#incidentId': 'incidentId' },
          values: { ':incidentId': incidentId },
        },
        keyCheck: (key, range) => LIVE_ALERT_SORT.test(key[range.sk] ?? ''),
      },
    ],
    forward: true,
    parse: (item, range) => {
      if (range.part === 'records') return Alert.parse(item);
      const claim = parseClaim(item);
      return liveAlertOfClaim(claim, claim.alertId === undefined ? undefined : alerts[claim.alertId]);
    },
    identity: (alert) => alert.alertId,
  };
}

/** Builds a FilterExpression from the filters the chosen index does not serve. */
class Conditions {
  private readonly parts: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, NativeAttributeValue> = {};

  equals(attribute: string, value: string | undefined): void {
    if (value === undefined) return;
    this.names[`#${attribute}`] = attribute;
    this.values[`:${attribute}`] = value;
    this.parts.push(`#${attribute} = :${attribute}`);
  }

  in(attribute: string, values: readonly string[]): void {
    if (values.length === 0) return;
    this.names[`#${attribute}`] = attribute;
    const placeholders = values.map((value, i) => {
      this.values[`:${attribute}${i}`] = value;
      return `:${attribute}${i}`;
    });
    this.parts.push(`#${attribute} IN (${placeholders.join(', ')})`);
  }

  build(): Filter | undefined {
    if (this.parts.length === 0) return undefined;
    return { expression: this.parts.join(' AND '), names: this.names, values: this.values };
  }
}

function queryInput(range: Range, forward: boolean, after?: string) {
  const { filter } = range;
  const names: Record<string, string> = { '#pk': range.pk, ...filter?.names };
  const values: Record<string, NativeAttributeValue> = { ':pk': range.partition, ...filter?.values };
  let keyCondition = '#pk = :pk';
  if (after !== undefined) {
    if (range.sortFrom !== undefined || range.sortPrefix !== undefined) {
      throw new Error('a range that resumes after its sort key takes no sort-key bounds');
    }
    keyCondition += ' AND #sk > :after';
    values[':after'] = after;
  } else if (range.sortFrom !== undefined && range.sortPrefix !== undefined) {
    keyCondition += ' AND #sk BETWEEN :from AND :to';
    Object.assign(values, { ':from': range.sortFrom, ':to': `${range.sortPrefix}${PREFIX_END}` });
  } else if (range.sortFrom !== undefined) {
    keyCondition += ' AND #sk >= :from';
    values[':from'] = range.sortFrom;
  } else if (range.sortPrefix !== undefined) {
    keyCondition += ' AND begins_with(#sk, :prefix)';
    values[':prefix'] = range.sortPrefix;
  }
  // DynamoDB refuses a name the expressions do not use.
  if (keyCondition.includes('#sk')) names['#sk'] = range.sk;
  return {
    ...(range.indexName ? { IndexName: range.indexName } : { ConsistentRead: true }),
    KeyConditionExpression: keyCondition,
    ...(filter ? { FilterExpression: filter.expression } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: forward,
  };
}

/**
 * Where a cursor resumes just after `item`: its table keys plus the index's keys (an ExclusiveStartKey),
 * or only the index's keys for a range that resumes after its sort key.
 */
function keyOf(item: Item, range: Range): Record<string, string> {
  const names = range.resumeAfterSortKey
    ? [range.pk, range.sk]
    : [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, range.pk, range.sk];
  return Object.fromEntries(names.map((name) => [name, String(item[name])]));
}

/**
 * Where a cursor resumes. The cursor is only base64 JSON, so everything in it is checked against the
 * walk this filter makes: a key outside its ranges would make DynamoDB fail the query (a 500 for bad input).
 */
function resume(walk: Walk<unknown>, text: string): Start {
  const cursor = decodeCursor(text, walk.kind);
  const r = walk.ranges.findIndex((range) => range.month === cursor.month && range.part === cursor.part);
  const range = walk.ranges[r];
  if (!range || !keyFits(cursor.key, range)) {
    throw new InvalidCursorError('it does not belong to this listing');
  }
  if (range.resumeAfterSortKey) return { range: r, after: cursor.key[range.sk] };
  return { range: r, key: cursor.key };
}

function keyFits(key: Record<string, string>, range: Range): boolean {
  const expected = new Set(
    range.resumeAfterSortKey
      ? [range.pk, range.sk]
      : [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, range.pk, range.sk],
  );
  const names = Object.keys(key);
  if (names.length !== expected.size || !names.every((name) => expected.has(name))) return false;
  const partition = key[range.pk];
  const sort = key[range.sk] ?? '';
  if (partition !== range.partition) return false;
  if (range.sortPrefix !== undefined && !sort.startsWith(range.sortPrefix)) return false;
  if (range.sortFrom !== undefined && sort < range.sortFrom) return false;
  return range.keyCheck?.(key, range) ?? true;
}

/** An incident index's key also names its incident: the same one in the table key and the index key. */
function incidentKeyFits(key: Record<string, string>, range: Range): boolean {
  const id = META_PK.exec(key[TABLE_KEYS.partitionKey] ?? '')?.[1];
  const sort = key[range.sk] ?? '';
  return id !== undefined && key[TABLE_KEYS.sortKey] === 'META' && sort.endsWith(`#${id}`);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return limit;
}

/** Sort keys hold `toISOString()` times: a bound must be spelled the same way to compare as text. */
function normalizeSince(since: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const time = iso.test(since) ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(time)) throw new RangeError(`since must be an ISO 8601 date or date-time, got ${since}`);
  return new Date(time).toISOString();
}

/** `yyyy-mm` months from `newest` back to `oldest`, both included; none when oldest is after newest. */
function monthsNewestFirst(newest: string, oldest: string): string[] {
  const months: string[] = [];
  let year = Number(newest.slice(0, 4));
  let month = Number(newest.slice(5, 7));
  for (let current = newest; current >= oldest; ) {
    months.push(current);
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
    current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
  }
  return months;
}
