import { type NativeAttributeValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ActionItem } from '#core/reviews';
import { type DocumentSender, keys } from './store-keys';

/** An action item with the incident whose review holds it. */
export type IncidentActionItem = ActionItem & { incidentId: string };

/** The sort-key prefix of an incident's action-item items (`keys.actionItem`). */
export const ACTION_ITEM_PREFIX = 'ACTION#';

/**
 * The action-item items of one incident's review, as stored: one consistent Query of the incident's
 * partition, every page followed.
 */
export async function incidentActionItemRecords(
  db: DocumentSender,
  tableName: string,
  incidentId: string,
): Promise<Array<Record<string, NativeAttributeValue>>> {
  const found: Array<Record<string, NativeAttributeValue>> = [];
  let startKey: Record<string, NativeAttributeValue> | undefined;
  do {
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :action)',
        ExpressionAttributeValues: { ':pk': keys.incident(incidentId).PK, ':action': ACTION_ITEM_PREFIX },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    found.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return found;
}
