import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { ReviewState } from '#core/closing-checklist';
import {
  type ActionItem,
  type ActionItemStatus,
  type Review,
  ReviewBody,
  ReviewFactsSchema,
  storedActionItem,
} from '#core/reviews';
import {
  ACTION_ITEM_PREFIX,
  type IncidentActionItem,
  incidentActionItemRecords,
} from './incident-action-items';
import { type IndexListing, readIndexPage } from './index-page';
import { conditional, type DocumentSender, INDEX_PARTITIONS, keys } from './store-keys';
import { UpdateExpression } from './update-expression';

/** A review as stored (`keys.review`): the facts, what people wrote, and when it was last saved. */
const StoredReview = ReviewFactsSchema.extend({
  ...ReviewBody.shape,
  dueAt: z.string(),
  openedAt: z.string(),
  version: z.number().int().min(1),
  /** When the version stored was written: its timeline entry is written at this instant (see ReviewCommands). */
  savedAt: z.string().optional(),
});
export type StoredReview = Review & { savedAt?: string };

/** The review's place on the reviews-due index while it is still to do (REMOVEd once completed). */
function dueIndex(review: Pick<Review, 'incidentId' | 'dueAt'>) {
  return { gsi2pk: INDEX_PARTITIONS.reviewsDue, gsi2sk: `${review.dueAt}#${review.incidentId}` };
}

/** An action item's place on the action-items index: its status's partition, by due date. */
function actionIndex(incidentId: string, item: ActionItem) {
  return {
    gsi2pk: INDEX_PARTITIONS.actions(item.status),
    gsi2sk: `${item.dueDate}#${incidentId}#${item.id}`,
  };
}

/** A review saved again with the same body is not the same version: how many times a sync runs after. */
const MAX_SYNC_PASSES = 3;

/**
 * Post-incident reviews in the incidents table: one item per incident (`PK=INC#<id>, SK=REVIEW`) with a
 * `version` for optimistic locking, on the `REVIEWS#DUE` index partition until completed; each action item
 * its own item next to it (`SK=ACTION#<item id>`), on `ACTIONS#<status>` so they list across incidents.
 * No transactions: the review is written first (one conditional write), then its action items, each put or
 * deleted only over an item an older version wrote, so a late sync of an older save never undoes a newer one.
 */
export class ReviewStore {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /** Puts the review unless the incident has one; true when this call put it. */
  async openDraft(review: Review): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.review(review.incidentId),
            ...review,
            savedAt: review.openedAt,
            ...(review.state === 'completed' ? {} : dueIndex(review)),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  async get(incidentId: string): Promise<StoredReview | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.review(incidentId), ConsistentRead: true }),
    );
    return result.Item ? StoredReview.parse(result.Item) : undefined;
  }

  /** The review's state, for the closing checklist (see ReviewStates); undefined when there is none. */
  async stateOf(incidentId: string): Promise<ReviewState | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.review(incidentId),
        ProjectionExpression: '#state',
        ExpressionAttributeNames: { '#state': 'state' },
        ConsistentRead: true,
      }),
    );
    const state = ReviewBody.shape.state.safeParse(result.Item?.state);
    return state.success ? state.data : undefined;
  }

  /**
   * Writes what people wrote, if the review is still at `expectedVersion`: one conditional UpdateItem that
   * sets the body's fields (an optional one left out is removed, except `owner`, which stays), `version` + 1
   * and `savedAt`, and puts the review on the reviews-due index unless it is completed. The facts never
   * change. Undefined when the review is not at that version (or does not exist). `dueAt` (never changed
   * after the draft opened) is read when the caller does not give it.
   */
  async save(
    incidentId: string,
    body: ReviewBody,
    expectedVersion: number,
    now: Date,
    known?: { dueAt: string },
  ): Promise<StoredReview | undefined> {
    const dueAt = known?.dueAt ?? (await this.get(incidentId))?.dueAt;
    if (dueAt === undefined) return undefined;
    const update = new UpdateExpression().set({
      state: body.state,
      whys: body.whys,
      wentWell: body.wentWell,
      wentPoorly: body.wentPoorly,
      lessons: body.lessons,
      actionItems: body.actionItems,
      scheduledFor: body.scheduledFor,
      rootCause: body.rootCause,
      owner: body.owner,
      version: expectedVersion + 1,
      savedAt: now.toISOString(),
    });
    const absent = (['scheduledFor', 'rootCause'] as const).filter((field) => body[field] === undefined);
    if (absent.length > 0) update.remove(...absent);
    if (body.state === 'completed') update.remove('gsi2pk', 'gsi2sk');
    else update.set(dueIndex({ incidentId, dueAt }));
    update
      .when(() => 'attribute_exists(PK)')
      .when((u) => `${u.name('version')} = ${u.value(expectedVersion)}`);
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.review(incidentId),
          ...update.build(),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result?.Attributes ? StoredReview.parse(result.Attributes) : undefined;
  }

  /**
   * Makes the action-item items say what the review says: each of its items put (with the review's version,
   * over an item of an older or the same version only), each item of the incident no longer in it deleted
   * (if an older version wrote it). Then the review is read again: a newer version saved meanwhile (whose
   * own sync may have run before this one's writes) is synced too, so the items end as the newest says.
   */
  async syncActionItems(review: Pick<Review, 'incidentId' | 'actionItems' | 'version'>): Promise<void> {
    let current: Pick<Review, 'incidentId' | 'actionItems' | 'version'> | undefined = review;
    for (let pass = 0; current && pass < MAX_SYNC_PASSES; pass++) {
      await this.writeActionItems(current);
      const latest = await this.get(review.incidentId);
      current = latest && latest.version > current.version ? latest : undefined;
    }
  }

  private async writeActionItems(review: Pick<Review, 'incidentId' | 'actionItems' | 'version'>) {
    const { incidentId, version } = review;
    await Promise.all(
      review.actionItems.map((item) =>
        conditional(() =>
          this.db.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...keys.actionItem(incidentId, item.id),
                incidentId,
                id: item.id,
                title: item.title,
                owner: item.owner,
                dueDate: item.dueDate,
                status: item.status,
                reviewVersion: version,
                ...actionIndex(incidentId, item),
              },
              ConditionExpression: 'attribute_not_exists(PK) OR reviewVersion <= :version',
              ExpressionAttributeValues: { ':version': version },
            }),
          ),
        ),
      ),
    );
    const kept = new Set(review.actionItems.map((item) => item.id));
    const stale = (await this.storedActionItemIds(incidentId)).filter((id) => !kept.has(id));
    await Promise.all(
      stale.map((id) =>
        conditional(() =>
          this.db.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: keys.actionItem(incidentId, id),
              ConditionExpression: 'reviewVersion < :version',
              ExpressionAttributeValues: { ':version': version },
            }),
          ),
        ),
      ),
    );
  }

  /** The ids of the incident's action-item items. */
  private async storedActionItemIds(incidentId: string): Promise<string[]> {
    const records = await incidentActionItemRecords(this.db, this.tableName, incidentId);
    return records.map((record) => String(record.SK).slice(ACTION_ITEM_PREFIX.length));
  }

  /**
   * Action items of every incident with one status, by due date (then incident, then id), `limit` at a time,
   * from the `ACTIONS#<status>` partition of the by-service index (never a Scan); `owner` filters them. Pages
   * of the index are read until the page is full. A cursor of another listing, or of another status, is
   * refused (InvalidCursorError).
   */
  async listActionItems(query: {
    status: z.infer<typeof ActionItemStatus>;
    owner?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ items: IncidentActionItem[]; nextCursor?: string }> {
    const listing: IndexListing = {
      index: 'by-service',
      partition: INDEX_PARTITIONS.actions(query.status),
      owns: (key) => key.SK?.startsWith('ACTION#') === true && key.PK?.startsWith('INC#') === true,
      what: `the ${query.status} action items`,
      ...(query.owner === undefined
        ? {}
        : {
            filter: {
              expression: '#owner = :owner',
              names: { '#owner': 'owner' },
              values: { ':owner': query.owner },
            },
            readLimit: 100,
          }),
    };
    return readIndexPage(this.db, this.tableName, listing, query, (item) => {
      const parsed = storedActionItem(item);
      return parsed && typeof item.incidentId === 'string'
        ? { incidentId: item.incidentId, ...parsed }
        : undefined;
    });
  }
}
