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
};

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
