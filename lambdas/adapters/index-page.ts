import { type NativeAttributeValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, InvalidCursorError } from '#core/cursor';
import type { DocumentSender } from './store-keys';
import { TABLE_INDEXES } from './table-definition';

type IndexName = 'by-service' | 'by-created';

/** One partition of an index listed a page at a time (problems, action items by status). */
export interface IndexListing {
  index: IndexName;
  partition: string;
  /** Whether a cursor's item key belongs to this listing (a cursor of another listing is refused). */
  owns: (key: Record<string, string>) => boolean;
  /** What the listing is, for the refusal: "the problem listing". */
  what: string;
  newestFirst?: boolean;
  /** A filter on the partition's items; each Query then reads `readLimit` items, as matches may be few. */
  filter?: {
    expression: string;
    names: Record<string, string>;
    values: Record<string, NativeAttributeValue>;
  };
  readLimit?: number;
}

const attributesOf = (index: IndexName) => {
  const found = TABLE_INDEXES.find((candidate) => candidate.indexName === index);
  if (!found) throw new Error(`no index ${index}`);
  return found;
};

/**
 * A page of `listing`, `limit` items at a time, following index pages until the page is full; `cursor` is
 * the previous page's `nextCursor`. `parse` turns an item into what is listed, or undefined to leave out one
 * that does not parse rather than fail the listing.
 */
export async function readIndexPage<T>(
  db: DocumentSender,
  tableName: string,
  listing: IndexListing,
  page: { limit: number; cursor?: string },
  parse: (item: Record<string, NativeAttributeValue>) => T | undefined,
): Promise<{ items: T[]; nextCursor?: string }> {
  const { partitionKey, sortKey } = attributesOf(listing.index);
  let startKey: Record<string, NativeAttributeValue> | undefined;
  if (page.cursor !== undefined) {
    const { key } = decodeCursor(page.cursor, listing.index);
    if (key[partitionKey] !== listing.partition || !listing.owns(key))
      throw new InvalidCursorError(`it does not continue ${listing.what}`);
    startKey = key;
  }
  const items: T[] = [];
  let last: Record<string, NativeAttributeValue> | undefined;
  // One more than asked for tells whether another page exists.
  while (items.length <= page.limit) {
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: listing.index,
        KeyConditionExpression: '#pk = :partition',
        ...(listing.filter ? { FilterExpression: listing.filter.expression } : {}),
        ExpressionAttributeNames: { '#pk': partitionKey, ...listing.filter?.names },
        ExpressionAttributeValues: { ':partition': listing.partition, ...listing.filter?.values },
        ScanIndexForward: !listing.newestFirst,
        Limit: listing.filter ? (listing.readLimit ?? 100) : page.limit + 1 - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) {
      if (items.length === page.limit) {
        // There is more: the cursor resumes after the last item returned.
        const key = last as Record<string, string>;
        const resume: Record<string, string> = {
          PK: key.PK as string,
          SK: key.SK as string,
          [partitionKey]: key[partitionKey] as string,
          [sortKey]: key[sortKey] as string,
        };
        return { items, nextCursor: encodeCursor({ v: 1, index: listing.index, key: resume }) };
      }
      const parsed = parse(item);
      if (parsed === undefined) continue;
      items.push(parsed);
      last = item;
    }
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  return { items };
}
