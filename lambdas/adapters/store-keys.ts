import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The one method of the document client the stores use; tests wrap it to inject faults. */
export type DocumentSender = Pick<DynamoDBDocumentClient, 'send'>;

/** Every item's key in the single table. */
export const keys = {
  incident: (id: string) => ({ PK: `INC#${id}`, SK: 'META' }),
  timeline: (id: string, at: string, entryId: string) => ({ PK: `INC#${id}`, SK: `TL#${at}#${entryId}` }),
  /** An incident's record of one of its alerts, written when the alert leaves it (see AlertClaims.attach). */
  alert: (incidentId: string, alertId: string) => ({ PK: `INC#${incidentId}`, SK: `ALERT#${alertId}` }),
  claim: (dedupKey: string) => ({ PK: `DEDUP#${dedupKey}`, SK: 'CLAIM' }),
  group: (groupKey: string) => ({ PK: `GROUP#${groupKey}`, SK: 'CLAIM' }),
  counter: (day: string) => ({ PK: `COUNTER#${day}`, SK: 'COUNTER' }),
  /** The incident's post-incident review (one per incident): facts, what people wrote, `version`. */
  review: (incidentId: string) => ({ PK: `INC#${incidentId}`, SK: 'REVIEW' }),
  /** One action item of the incident's review, kept as its own item so it can be listed across incidents. */
  actionItem: (incidentId: string, itemId: string) => ({ PK: `INC#${incidentId}`, SK: `ACTION#${itemId}` }),
  /** An update posted with `"public": true` (the only incident text the status page shows). */
  publicUpdate: (incidentId: string, at: string, updateId: string) => ({
    PK: `INC#${incidentId}`,
    SK: `PUBLIC#${at}#${updateId}`,
  }),
  /** A problem record: recurring incidents linked for root-cause work. */
  problem: (problemId: string) => ({ PK: `PRB#${problemId}`, SK: 'META' }),
};

/**
 * The items other than incidents that share the table's indexes (sparse, by partition-key prefix, so they
 * never mix with incidents' `SVC#…` and `MONTH#…` partitions):
 * - `by-service` (gsi2): `REVIEWS#DUE` → `<dueAt>#<incident id>` for reviews not completed;
 *   `ACTIONS#<status>` → `<dueDate>#<incident id>#<item id>` for action items;
 *   `PUBLIC#UPDATES` → `<at>#<incident id>#<update id>` for public updates.
 * - `by-created` (gsi3): `PROBLEMS` → `<createdAt>#<problem id>`, newest last.
 */
export const INDEX_PARTITIONS = {
  reviewsDue: 'REVIEWS#DUE',
  actions: (status: string) => `ACTIONS#${status}`,
  publicUpdates: 'PUBLIC#UPDATES',
  problems: 'PROBLEMS',
} as const;

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write; undefined when its condition did not hold, any other error propagates. */
export async function conditional<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
