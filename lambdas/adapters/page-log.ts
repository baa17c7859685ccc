import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PageSent } from '#core/fairness';
import type { DocumentSender } from './store-keys';

/** One page that reached a person: the fairness report counts these. */
export interface PageEntry extends PageSent {
  incidentId: string;
  /** The notice key of the page on its incident (e.g. `page-c0-s1`). */
  key: string;
  /** The level's target that paged the person (`schedule:primary`, `person:alice`). */
  target: string;
}

const PREFIX = 'PAGED#';

/**
 * Pages to people, by person and time: `PK=PAGED#<person>`, `SK=<at>#<incident>#<key>`. A page's time is
 * the moment it was due, so a retried step writes the same item again (a put: no duplicate, no condition).
 */
export class PageLog {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  async record(entries: readonly PageEntry[]): Promise<void> {
    await Promise.all(
      entries.map((entry) =>
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              PK: `${PREFIX}${entry.person}`,
              SK: `${entry.at}#${entry.incidentId}#${entry.key}`,
              ...entry,
            },
          }),
        ),
      ),
    );
  }

  /** The pages `person` received in [from, to), oldest first. */
  async list(person: string, fromTime: string, toTime: string): Promise<PageEntry[]> {
    // Compared as text with the stored times, so both in toISOString's form.
    const from = new Date(fromTime).toISOString();
    const to = new Date(toTime).toISOString();
    const found: PageEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          // Every SK of an instant in [from, to) sorts between `from` and `to` (ISO 8601 text, then "#").
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `${PREFIX}${person}`, ':from': from, ':to': to },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { incidentId, key, target, at } = item as PageEntry;
        if (at >= from && at < to) found.push({ person, at, incidentId, key, target });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}
