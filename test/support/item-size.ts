import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoServer } from './dynamo-server';

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text).length;

/** A number's stored size: about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+|0+$/g, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** The size DynamoDB counts for one attribute value (its documented item-size rules). */
export function attributeValueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + attributeValueBytes(v), 0);
  if (value.M !== undefined) return 3 + mapBytes(value.M, 1);
  throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
}

function mapBytes(map: Record<string, AttributeValue>, perEntry: number): number {
  return Object.entries(map).reduce(
    (sum, [name, value]) => sum + perEntry + utf8(name) + attributeValueBytes(value),
    0,
  );
}

/** An item's size as DynamoDB counts it against the 400 KB limit: attribute names plus values. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return mapBytes(item, 0);
}

export interface StoredItem {
  key: string;
  bytes: number;
}

/** Every item of the table with its size, read back raw from the store (a test-only scan), largest first. */
export async function storedItemSizes(server: DynamoServer, table: string): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await server.client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      items.push({ key: `${item.PK?.S} ${item.SK?.S}`, bytes: itemBytes(item) });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => b.bytes - a.bytes);
}
