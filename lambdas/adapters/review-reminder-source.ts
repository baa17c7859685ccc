import { type NativeAttributeValue, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  actionItemsOverdueBefore,
  type DueActionItem,
  type DueReview,
  REMINDER_CLAIM_LEASE_MINUTES,
  type Reminder,
} from '#core/review-reminders';
import { storedActionItem } from '#core/reviews';
import { conditional, type DocumentSender, INDEX_PARTITIONS } from './store-keys';
import { UpdateExpression } from './update-expression';

/** The index both partitions are on (`gsi2pk` / `gsi2sk`). */
const INDEX = 'by-service';

const ReviewCandidate = z.object({
  incidentId: z.string().min(1),
  dueAt: z.string().min(1),
  owner: z.string().min(1).optional(),
});

/** A reminder's claim key: one per review or action item and due date, so a new due date reminds again. */
export function reminderClaimKey(reminder: Reminder): { PK: string; SK: string } {
  return reminder.kind === 'review'
    ? { PK: `REMIND#review#${reminder.incidentId}`, SK: reminder.due }
    : { PK: `REMIND#action#${reminder.incidentId}#${reminder.itemId}`, SK: reminder.due };
}

/** What a claim ended as: the reminder was published, or it could not be (its incident is gone). */
export type ClaimOutcome = 'sent' | 'skipped';

/**
 * What the review reminders read and write in the incidents table: the reviews not completed and the open
 * action items whose due time has passed, from their index partitions (Query, every page, only the
 * attributes a reminder needs, never a Scan), and the claims that make each reminder go out once per due
 * date. The index is eventually consistent: an item written a moment ago is found by the next run.
 */
export class ReviewReminderSource {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /**
   * Reviews due at or before `now` and not completed (`REVIEWS#DUE` → `<dueAt>#<incident id>`). `~` sorts
   * after `#`, so a review due exactly `now` is included and one due a millisecond later is not.
   */
  async overdueReviews(now: Date): Promise<DueReview[]> {
    const items = await this.query(INDEX_PARTITIONS.reviewsDue, `${now.toISOString()}~`, [
      'incidentId',
      'dueAt',
      'owner',
    ]);
    return items.flatMap((item) => {
      const parsed = ReviewCandidate.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  /**
   * Open action items due before today (UTC) (`ACTIONS#open` → `<dueDate>#<incident id>#<item id>`): an
   * item due today is not overdue until the day ends (see isActionItemOverdue).
   */
  async overdueActionItems(now: Date): Promise<DueActionItem[]> {
    const items = await this.query(INDEX_PARTITIONS.actions('open'), `${actionItemsOverdueBefore(now)}#`, [
      'incidentId',
      'id',
      'title',
      'owner',
      'dueDate',
      'status',
    ]);
    return items.flatMap((item) => {
      const parsed = storedActionItem(item);
      return parsed && typeof item.incidentId === 'string'
        ? [{ incidentId: item.incidentId, ...parsed }]
        : [];
    });
  }

  /**
   * Claims the reminder for its due date: true when this call claimed it, and the caller sends it. A claim
   * is `claimed` until markDone records it sent; one left `claimed` longer than the lease (its run crashed,
   * or SNS failed, before the reminder went out) may be claimed again, so the reminder is retried rather
   * than lost. One conditional put: absent, or claimed and stale.
   */
  async claim(reminder: Reminder, now: Date): Promise<boolean> {
    const staleBefore = new Date(now.getTime() - REMINDER_CLAIM_LEASE_MINUTES * 60_000).toISOString();
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...reminderClaimKey(reminder),
            kind: reminder.kind,
            incidentId: reminder.incidentId,
            ...(reminder.kind === 'action' ? { itemId: reminder.itemId } : {}),
            due: reminder.due,
            state: 'claimed',
            claimedAt: now.toISOString(),
          },
          ConditionExpression:
            'attribute_not_exists(PK) OR (#state = :claimed AND #claimedAt < :staleBefore)',
          ExpressionAttributeNames: { '#state': 'state', '#claimedAt': 'claimedAt' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':staleBefore': staleBefore },
        }),
      ),
    );
    return written !== undefined;
  }

  /** Records the claimed reminder as sent (or skipped, with why): no later run sends it again. */
  async markDone(reminder: Reminder, outcome: ClaimOutcome, now: Date, detail?: string): Promise<void> {
    const update = new UpdateExpression()
      .set({ state: outcome, doneAt: now.toISOString(), detail })
      .when(() => 'attribute_exists(PK)');
    await this.db.send(
      new UpdateCommand({ TableName: this.tableName, Key: reminderClaimKey(reminder), ...update.build() }),
    );
  }

  /** Every item of one index partition whose sort key is below `before`, with only `attributes`. */
  private async query(
    partition: string,
    before: string,
    attributes: readonly string[],
  ): Promise<Array<Record<string, NativeAttributeValue>>> {
    const names = Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name]));
    const found: Array<Record<string, NativeAttributeValue>> = [];
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX,
          KeyConditionExpression: '#pk = :pk AND #sk < :before',
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: { '#pk': 'gsi2pk', '#sk': 'gsi2sk', ...names },
          ExpressionAttributeValues: { ':pk': partition, ':before': before },
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}
