import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Claim } from '#core/dedup';
import { Incident, type Signal, TimelineEntry } from '#core/model';
import { expiredNotices } from '#core/notices';

/** The one method of the document client the store uses; tests wrap it to inject faults. */
export type DocumentSender = Pick<DynamoDBDocumentClient, 'send'>;

export const keys = {
  incident: (id: string) => ({ PK: `INC#${id}`, SK: 'META' }),
  timeline: (id: string, at: string, entryId: string) => ({ PK: `INC#${id}`, SK: `TL#${at}#${entryId}` }),
  claim: (dedupKey: string) => ({ PK: `DEDUP#${dedupKey}`, SK: 'CLAIM' }),
  counter: (day: string) => ({ PK: `COUNTER#${day}`, SK: 'COUNTER' }),
};

/** Index attributes of an incident item, so the dashboard's queries never scan. */
export function indexAttributes(incident: Incident): Record<string, string> {
  const created = `${incident.createdAt}#${incident.id}`;
  return {
    ...(incident.status === 'triggered' || incident.status === 'acknowledged'
      ? { gsi1pk: 'OPEN', gsi1sk: `${incident.priority}#${created}` }
      : {}),
    gsi2pk: `SVC#${incident.service}`,
    gsi2sk: created,
    gsi3pk: `MONTH#${incident.createdAt.slice(0, 7)}`,
    gsi3sk: created,
  };
}

function parseClaim(item: Record<string, unknown>): Claim {
  const present = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== NONE));
  return Claim.parse(present);
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write; false when its condition did not hold, any other error propagates. */
async function conditional<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Stands for "no previous change" in the claim's copy of it (an expression cannot copy a missing attribute). */
const NONE = '-';

const OPEN_VALUES = { ':triggered': 'triggered', ':acknowledged': 'acknowledged' };

/**
 * DynamoDB single-table store for incidents, timelines, dedup claims and id counters. Every write is a
 * single conditional item write: there are no transactions, so callers order them so that repeating any
 * prefix of a sequence completes it instead of duplicating it.
 */
export class IncidentStore {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  /** Reserves `count` numbers of the day's incident sequence; returns the last one reserved. */
  async reserveSequence(day: string, count: number): Promise<number> {
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.counter(day),
        UpdateExpression: 'ADD #seq :count',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':count': count },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = result.Attributes?.seq;
    if (typeof seq !== 'number') throw new Error(`counter ${day} returned no sequence`);
    return seq;
  }

  /**
   * Claims the key for a new incident: succeeds only if this change is newer than every applied one and
   * no incident is open for the key. False when another change holds the key or is newer.
   */
  async claimToOpen(signal: Signal, opening: Incident): Promise<boolean> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(signal.dedupKey),
          UpdateExpression:
            // The previous change is kept (one generation) so that a late retry of the recovery that
            // released the key can still finish its work; the operands read the item as it was.
            'SET previousIncidentId = if_not_exists(incidentId, :none), previousEventId = if_not_exists(lastEventId, :none), ' +
            'previousAction = if_not_exists(lastAction, :none), dedupKey = :key, incidentId = :id, #open = :true, ' +
            'watermark = :t, lastEventId = :e, lastAction = :a, openedBy = :e, opening = :opening',
          ConditionExpression: 'attribute_not_exists(PK) OR (watermark < :t AND #open = :false)',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: {
            ':key': signal.dedupKey,
            ':id': opening.id,
            ':true': true,
            ':false': false,
            ':t': signal.occurredAt,
            ':e': signal.eventId,
            ':a': signal.action,
            // One string rather than a nested map: it is only read back whole, and is far cheaper to marshal.
            ':opening': JSON.stringify(opening),
            ':none': NONE,
          },
        }),
      ),
    );
    return result !== undefined;
  }

  /**
   * A trigger that was counted on the key's incident found that incident resolved by hand meanwhile: it
   * opens the next incident instead. Only while the key still points at that incident and this trigger was
   * the last change applied, so a redelivery, or a trigger that lost a race, cannot open a second one.
   */
  async claimToReopen(signal: Signal, opening: Incident, closedIncidentId: string): Promise<boolean> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(signal.dedupKey),
          UpdateExpression:
            'SET previousIncidentId = incidentId, previousEventId = lastEventId, previousAction = lastAction, ' +
            'incidentId = :id, #open = :true, openedBy = :e, opening = :opening',
          ConditionExpression: 'incidentId = :closed AND lastEventId = :e',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: {
            ':id': opening.id,
            ':true': true,
            ':e': signal.eventId,
            ':closed': closedIncidentId,
            ':opening': JSON.stringify(opening),
          },
        }),
      ),
    );
    return result !== undefined;
  }

  /** Applies a newer trigger to the key's open incident. Returns the claim after, or undefined if not open / not newer. */
  async claimToAddAlert(signal: Signal): Promise<Claim | undefined> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(signal.dedupKey),
          UpdateExpression: 'SET watermark = :t, lastEventId = :e, lastAction = :a',
          ConditionExpression: 'attribute_exists(PK) AND watermark < :t AND #open = :true',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: {
            ':t': signal.occurredAt,
            ':e': signal.eventId,
            ':a': signal.action,
            ':true': true,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result?.Attributes ? parseClaim(result.Attributes) : undefined;
  }

  /**
   * Applies a newer resolve or note to the key, creating the claim if it has none (so a late older
   * change is recognised as stale). `close` releases the key's open incident. Returns the claim before.
   */
  async claimChange(signal: Signal, close: boolean): Promise<{ before: Claim | undefined } | undefined> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(signal.dedupKey),
          UpdateExpression: `SET dedupKey = :key, watermark = :t, lastEventId = :e, lastAction = :a, #open = ${
            close ? ':false' : 'if_not_exists(#open, :false)'
          }`,
          ConditionExpression: 'attribute_not_exists(PK) OR watermark < :t',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: {
            ':key': signal.dedupKey,
            ':t': signal.occurredAt,
            ':e': signal.eventId,
            ':a': signal.action,
            ':false': false,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!result) return undefined;
    return { before: result.Attributes ? parseClaim(result.Attributes) : undefined };
  }

  async getClaim(dedupKey: string): Promise<Claim | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.claim(dedupKey), ConsistentRead: true }),
    );
    return result.Item ? parseClaim(result.Item) : undefined;
  }

  /** Creates the incident unless it exists; never overwrites one that has moved on. */
  async putIncidentIfAbsent(incident: Incident, openedBy: string): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.incident(incident.id), ...incident, ...indexAttributes(incident), openedBy },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.incident(id), ConsistentRead: true }),
    );
    return result.Item ? Incident.parse(result.Item) : undefined;
  }

  /**
   * Counts a newer alert on an open incident. The `lastSignalAt` condition makes a retried delivery a
   * no-op rather than a second count. False when the incident is missing, not open, or already has it.
   */
  async recordAlert(incidentId: string, signal: Signal, now: Date): Promise<boolean> {
    const updated = await this.applySignalToOpenIncident(incidentId, signal, now, {
      set: 'alertCount = alertCount + :one',
    });
    return updated !== undefined;
  }

  /**
   * Resolves an open incident from a recovery signal. Returns the lifecycle's parked task token (if any) so
   * the caller can wake it; undefined when the incident is missing, not open, or already past this signal.
   */
  async resolveFromSignal(
    incidentId: string,
    signal: Signal,
    now: Date,
  ): Promise<{ lifecycleToken?: string } | undefined> {
    const updated = await this.applySignalToOpenIncident(incidentId, signal, now, {
      set: '#status = :resolved, resolvedAt = :t, resolvedBy = :e',
      // Leaves the sparse open-incidents index.
      remove: 'gsi1pk, gsi1sk',
      values: { ':resolved': 'resolved', ':e': signal.eventId },
    });
    if (!updated) return undefined;
    const token = updated.lifecycleToken;
    return typeof token === 'string' ? { lifecycleToken: token } : {};
  }

  /**
   * One conditional update of an open incident for a signal newer than the last one it applied: the
   * change itself plus the bookkeeping every such change carries (signal time, version).
   */
  private async applySignalToOpenIncident(
    incidentId: string,
    signal: Signal,
    now: Date,
    change: { set: string; remove?: string; values?: Record<string, unknown> },
  ): Promise<Record<string, unknown> | undefined> {
    const { set, remove, values = {} } = change;
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.incident(incidentId),
          UpdateExpression: `SET ${set}, lastSignalAt = :t, updatedAt = :now, version = version + :one${
            remove ? ` REMOVE ${remove}` : ''
          }`,
          ConditionExpression:
            'attribute_exists(PK) AND #status IN (:triggered, :acknowledged) AND lastSignalAt < :t',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':t': signal.occurredAt,
            ':now': now.toISOString(),
            ...OPEN_VALUES,
            ...values,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result?.Attributes;
  }

  /**
   * Records that a notice was sent, once: false when the key is already there (a retry, or a concurrent
   * step got there first). `extra` sets more attributes in the same write, which also drops the records
   * of notices old enough that no retry can need them (see #core/notices).
   */
  async recordNotice(
    incident: Pick<Incident, 'id' | 'notices'>,
    key: string,
    at: Date,
    extra: { set?: string; values?: Record<string, unknown> } = {},
  ): Promise<boolean> {
    const expired = expiredNotices(incident.notices, at, key);
    const updated = await this.updateIncident(incident.id, at, {
      set: `notices.#key = :now${extra.set ? `, ${extra.set}` : ''}`,
      condition: 'attribute_not_exists(notices.#key)',
      names: { '#key': key, ...Object.fromEntries(expired.map((old, i) => [`#old${i}`, old])) },
      values: extra.values ?? {},
      ...(expired.length > 0 ? { remove: expired.map((_, i) => `notices.#old${i}`).join(', ') } : {}),
      bumpVersion: false,
    });
    return updated !== undefined;
  }

  /**
   * Acknowledges a triggered incident: someone owns it and paging stops. `acknowledgedAt` keeps the first
   * acknowledgement (it measures the response); a re-acknowledgement after a timeout updates only
   * `lastAcknowledgedAt`. False when the incident is not triggered.
   */
  acknowledge(incidentId: string, actor: string, now: Date): Promise<Incident | undefined> {
    return this.updateIncident(incidentId, now, {
      set: '#status = :acknowledged, acknowledgedAt = if_not_exists(acknowledgedAt, :now), lastAcknowledgedAt = :now, assignee = :actor',
      condition: '#status = :triggered',
      values: { ':acknowledged': 'acknowledged', ':triggered': 'triggered', ':actor': actor },
    });
  }

  /**
   * Resolves an open incident by hand. Returns the incident as resolved (and the lifecycle's parked token,
   * if any), or undefined when it is not open.
   */
  async resolveByHand(
    incidentId: string,
    by: { actor: string; resolution: string; rootCause?: string },
    now: Date,
  ): Promise<{ incident: Incident; lifecycleToken?: string } | undefined> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.incident(incidentId),
          UpdateExpression: `SET #status = :resolved, resolvedAt = :now, resolvedBy = :actor, resolution = :resolution${
            by.rootCause ? ', rootCause = :rootCause' : ''
          }, updatedAt = :now, version = version + :one REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: 'attribute_exists(PK) AND #status IN (:triggered, :acknowledged)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':resolved': 'resolved',
            ':now': now.toISOString(),
            ':actor': by.actor,
            ':resolution': by.resolution,
            ...(by.rootCause ? { ':rootCause': by.rootCause } : {}),
            ':one': 1,
            ...OPEN_VALUES,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const item = result?.Attributes;
    if (!item) return undefined;
    return {
      incident: Incident.parse(item),
      ...(typeof item.lifecycleToken === 'string' ? { lifecycleToken: item.lifecycleToken } : {}),
    };
  }

  /**
   * Releases the dedup key of an incident resolved by hand, so the next trigger for it opens a new incident.
   * Only if the key still points at this incident. The watermark stays: ordering still holds.
   */
  async releaseClaim(dedupKey: string, incidentId: string): Promise<boolean> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(dedupKey),
          UpdateExpression: 'SET #open = :false',
          ConditionExpression: 'incidentId = :id AND #open = :true',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':id': incidentId, ':true': true, ':false': false },
        }),
      ),
    );
    return result !== undefined;
  }

  /** Closes a resolved incident (after its review); false when it is not resolved. */
  close(incidentId: string, actor: string, now: Date): Promise<Incident | undefined> {
    return this.updateIncident(incidentId, now, {
      set: '#status = :closed, closedAt = :now, closedBy = :actor',
      condition: '#status = :resolved',
      values: { ':closed': 'closed', ':resolved': 'resolved', ':actor': actor },
    });
  }

  /**
   * Applies field changes if the incident is still at `version` (optimistic locking): false when someone
   * changed it meanwhile, or it is closed.
   */
  applyPatch(
    incidentId: string,
    version: number,
    fields: Record<string, string>,
    indexes: Record<string, string>,
    now: Date,
  ): Promise<Incident | undefined> {
    const entries = Object.entries({ ...fields, ...indexes });
    const names = Object.fromEntries(entries.map(([field], i) => [`#f${i}`, field]));
    const values = Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value]));
    return this.updateIncident(incidentId, now, {
      set: entries.map((_, i) => `#f${i} = :v${i}`).join(', '),
      condition: 'version = :version AND #status <> :closed',
      names,
      values: { ...values, ':version': version, ':closed': 'closed' },
    });
  }

  /** A status update was sent to stakeholders: the reminder clock starts again. */
  async recordStatusUpdate(incidentId: string, now: Date): Promise<boolean> {
    const updated = await this.updateIncident(incidentId, now, {
      set: 'lastUpdateAt = :now',
      condition: '#status IN (:triggered, :acknowledged)',
      values: { ...OPEN_VALUES },
    });
    return updated !== undefined;
  }

  /** An acknowledgement that timed out: back to triggered so paging restarts; false if no longer acknowledged. */
  async retriggerAfterAckTimeout(incidentId: string, noticeKey: string, now: Date): Promise<boolean> {
    const updated = await this.updateIncident(incidentId, now, {
      set: '#status = :triggered, escalationLevel = :zero, ackTimedOutAt = :now, notices.#key = :now',
      condition: '#status = :acknowledged',
      names: { '#key': noticeKey },
      values: { ':triggered': 'triggered', ':acknowledged': 'acknowledged', ':zero': 0 },
    });
    return updated !== undefined;
  }

  /** Marks a missed response SLA once: only if it was never acknowledged. */
  async markSlaBreached(incidentId: string, now: Date): Promise<boolean> {
    const updated = await this.updateIncident(incidentId, now, {
      set: 'slaBreached = :true',
      condition: 'attribute_not_exists(acknowledgedAt) AND slaBreached = :false',
      values: { ':true': true, ':false': false },
    });
    return updated !== undefined;
  }

  /**
   * Parks the lifecycle's task token on the open incident, for whoever resolves it to send back. False when
   * it is no longer open: then nobody would ever send it.
   */
  async parkLifecycleToken(incidentId: string, token: string, now: Date): Promise<boolean> {
    const updated = await this.updateIncident(incidentId, now, {
      set: 'lifecycleToken = :token',
      condition: '#status IN (:triggered, :acknowledged)',
      values: { ':token': token, ...OPEN_VALUES },
      bumpVersion: false,
    });
    return updated !== undefined;
  }

  /** A conditional update of an existing incident that stamps updatedAt and (by default) bumps version. */
  private async updateIncident(
    incidentId: string,
    now: Date,
    change: {
      set: string;
      condition: string;
      names?: Record<string, string>;
      values: Record<string, unknown>;
      /** Attributes to remove in the same write. */
      remove?: string;
      bumpVersion?: boolean;
    },
  ): Promise<Incident | undefined> {
    const bump = change.bumpVersion === false ? '' : ', version = version + :one';
    const names = {
      ...(`${change.set} ${change.condition}`.includes('#status') ? { '#status': 'status' } : {}),
      ...change.names,
    };
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.incident(incidentId),
          UpdateExpression: `SET ${change.set}, updatedAt = :now${bump}${change.remove ? ` REMOVE ${change.remove}` : ''}`,
          ConditionExpression: `attribute_exists(PK) AND ${change.condition}`,
          // DynamoDB refuses an empty map here.
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ...(bump ? { ':one': 1 } : {}),
            ...change.values,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result?.Attributes ? Incident.parse(result.Attributes) : undefined;
  }

  /** Appends a timeline entry; an entry with the same key is never replaced (append-only audit trail). */
  async appendTimeline(entry: TimelineEntry): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.timeline(entry.incidentId, entry.at, entry.entryId), ...entry },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  /** The whole timeline of an incident, oldest first. */
  async listTimeline(incidentId: string): Promise<TimelineEntry[]> {
    const entries: TimelineEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :tl)',
          ExpressionAttributeValues: { ':pk': `INC#${incidentId}`, ':tl': 'TL#' },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) entries.push(TimelineEntry.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }
}
