import { type NativeAttributeValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SummarySource } from '#core/figures';
import { Incident } from '#core/model';
import type { DocumentSender } from './store-keys';
import { TABLE_INDEXES } from './table-definition';

/**
 * The longest range the figures read at once: a year, leap day included. One Query per month partition
 * (at most 13), each paginated, so the cost grows with the incidents in the range; a longer range is
 * refused rather than read slowly.
 */
export const MAX_FIGURES_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

const INDEX = byCreatedIndex();

function byCreatedIndex() {
  const index = TABLE_INDEXES.find((candidate) => candidate.indexName === 'by-created');
  if (!index) throw new Error('the table has no by-created index');
  return index;
}

/** What the figures need of an incident (SummarySource), and nothing else: read with a projection. */
export const FigureItem = Incident.pick({
  priority: true,
  service: true,
  team: true,
  status: true,
  mergedInto: true,
  detectedAt: true,
  createdAt: true,
  acknowledgedAt: true,
  resolvedAt: true,
  respondBy: true,
  slaBreached: true,
});

const ATTRIBUTES = Object.keys(FigureItem.shape);

export interface FiguresReadOptions {
  /** Caps the items one Query reads; tests lower it so a month takes several pages. */
  readSize?: number;
}

/**
 * The incidents created in `[from, to)`, oldest first, as the figures read them: from the `by-created`
 * index (`MONTH#<yyyy-mm>` → `<createdAt>#<id>`), one Query per month of the range with the range as a
 * sort-key condition, every page followed. Never a Scan. The sort key always ends in `#<id>`, so
 * `BETWEEN from AND to` takes an incident created at exactly `from` and leaves out one created at exactly
 * `to`: the same half-open range a person means by "from Monday to Monday".
 */
export async function incidentsCreatedBetween(
  db: DocumentSender,
  tableName: string,
  from: Date,
  to: Date,
  options: FiguresReadOptions = {},
): Promise<SummarySource[]> {
  const span = to.getTime() - from.getTime();
  if (!(span > 0))
    throw new RangeError(`from must be before to, got ${from.toISOString()} and ${to.toISOString()}`);
  if (span > MAX_FIGURES_RANGE_DAYS * DAY_MS)
    throw new RangeError(`the range must be at most ${MAX_FIGURES_RANGE_DAYS} days`);
  const fromKey = from.toISOString();
  const toKey = to.toISOString();
  // The last month is the one of the last instant in the range (to itself is outside it).
  const months = monthsBetween(fromKey.slice(0, 7), new Date(to.getTime() - 1).toISOString().slice(0, 7));
  const perMonth = await Promise.all(
    months.map((month) => readMonth(db, tableName, month, fromKey, toKey, options.readSize)),
  );
  return perMonth.flat();
}

async function readMonth(
  db: DocumentSender,
  tableName: string,
  month: string,
  from: string,
  to: string,
  readSize: number | undefined,
): Promise<SummarySource[]> {
  const found: SummarySource[] = [];
  let startKey: Record<string, NativeAttributeValue> | undefined;
  do {
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEX.indexName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ProjectionExpression: ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: {
          '#pk': INDEX.partitionKey,
          '#sk': INDEX.sortKey,
          ...Object.fromEntries(ATTRIBUTES.map((name, i) => [`#a${i}`, name])),
        },
        ExpressionAttributeValues: { ':pk': `MONTH#${month}`, ':from': from, ':to': to },
        ...(readSize ? { Limit: readSize } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of result.Items ?? []) found.push(FigureItem.parse(item));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return found;
}

/** `yyyy-mm` months from `first` to `last`, both included, in order. */
function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  let year = Number(first.slice(0, 4));
  let month = Number(first.slice(5, 7));
  for (let current = first; current <= last; ) {
    months.push(current);
    month += 1;
    if (month === 13) {
      month = 1;
      year += 1;
    }
    current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
  }
  return months;
}
