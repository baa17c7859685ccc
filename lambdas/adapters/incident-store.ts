import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Alert } from '#core/alerts';
import { readIncident, storedIncident } from '#core/incident';
import { IncidentRole, type IncidentRoles } from '#core/incident-roles';
import type { Incident, Priority } from '#core/model';
import { TimelineEntry } from '#core/model';
import { expiredNotices } from '#core/notices';
import { AlertClaims } from './alert-claims';
import { conditional, type DocumentSender, keys } from './store-keys';
import { UpdateExpression } from './update-expression';

export { conditional, type DocumentSender, isConditionFailure, keys } from './store-keys';

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

const OPEN_VALUES = { ':triggered': 'triggered', ':acknowledged': 'acknowledged' };

/**
 * DynamoDB single-table store for incidents, timelines, dedup claims and id counters. Every write is a
 * single conditional item write: there are no transactions, so callers order them so that repeating any
 * prefix of a sequence completes it instead of duplicating it.
 */
export class IncidentStore {
  /** The alert and group claims, in the same table. */
  readonly claims: AlertClaims;

  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {
    this.claims = new AlertClaims(db, tableName);
  }

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

  /** Creates the incident unless it exists; never overwrites one that has moved on. */
  async putIncidentIfAbsent(incident: Incident, openedBy: string): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.incident(incident.id),
            ...storedIncident(incident),
            ...indexAttributes(incident),
            openedBy,
          },
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
    return result.Item ? readIncident(result.Item) : undefined;
  }

  /**
   * Adds a new alert to the open incident of its group: only while the incident takes alerts of the group,
   * its last alert arrived at or after `windowStart`, and it has room. Repeating it changes nothing but the
   * version. Returns the incident after, or undefined when it cannot take the alert (or does not exist).
   */
  joinAlert(
    incidentId: string,
    join: { groupKey: string; alertId: string; entry: string; at: string; windowStart: string; cap: number },
    now: Date,
  ): Promise<Incident | undefined> {
    const path = `alerts.${join.alertId}`;
    const update = new UpdateExpression()
      .set({ [path]: join.entry, lastAlertAt: join.at })
      .when((u) => `contains(${u.name('groupKeys')}, ${u.value(join.groupKey)})`)
      .when((u) => `${u.name('lastAlertAt')} >= ${u.value(join.windowStart)}`)
      .when((u) => `attribute_not_exists(${u.name('mergedInto')})`)
      .when(
        (u) =>
          `(attribute_exists(${u.name(path)}) AND ${u.name(path)} <= ${u.value(join.entry)}) OR ` +
          `(attribute_not_exists(${u.name(path)}) AND size(${u.name('alerts')}) < ${u.value(join.cap)})`,
      );
    return this.updateOpenIncident(incidentId, now, update);
  }

  /**
   * Records an alert's newer state on its open incident (it resolved, or fired again). Repeating it changes
   * nothing but the version; an older state than the one recorded is refused. Returns the incident after.
   */
  setAlertState(
    incidentId: string,
    change: { alertId: string; entry: string; firedAt?: string },
    now: Date,
  ): Promise<Incident | undefined> {
    const path = `alerts.${change.alertId}`;
    const update = new UpdateExpression()
      .set({ [path]: change.entry, ...(change.firedAt ? { lastAlertAt: change.firedAt } : {}) })
      .when((u) => `attribute_exists(${u.name(path)}) AND ${u.name(path)} <= ${u.value(change.entry)}`);
    return this.updateOpenIncident(incidentId, now, update);
  }

  /**
   * Resolves an incident whose alerts have all recovered, as read at `version`: a concurrent change (an
   * alert firing again) makes the caller look again. Returns the incident and the lifecycle's parked token.
   */
  async resolveRecovered(
    incidentId: string,
    version: number,
    by: { at: string; eventId: string },
    now: Date,
  ): Promise<{ incident: Incident; lifecycleToken?: string } | undefined> {
    const update = new UpdateExpression()
      .set({ status: 'resolved', resolvedAt: by.at, resolvedBy: by.eventId })
      // Leaves the sparse open-incidents index.
      .remove('gsi1pk', 'gsi1sk')
      .when((u) => `${u.name('version')} = ${u.value(version)}`);
    return this.withToken(await this.updateOpenIncident(incidentId, now, update, true));
  }

  /**
   * A joining alert outranks the incident: its priority and the response deadline it brings (never later
   * than the one standing), from `from` only. Returns the incident and the lifecycle's parked token.
   */
  async raisePriority(
    incident: Pick<Incident, 'id' | 'createdAt'>,
    raise: { from: Priority; to: Priority; respondBy: string },
    now: Date,
  ): Promise<{ incident: Incident; lifecycleToken?: string } | undefined> {
    const update = new UpdateExpression()
      .set({
        priority: raise.to,
        respondBy: raise.respondBy,
        priorityRaisedAt: now.toISOString(),
        // The open-incidents index orders by priority first.
        gsi1sk: `${raise.to}#${incident.createdAt}#${incident.id}`,
      })
      .when((u) => `${u.name('priority')} = ${u.value(raise.from)}`);
    return this.withToken(await this.updateOpenIncident(incident.id, now, update, true));
  }

  /**
   * Marks an open incident as being merged into `into`: from now on no new alert joins it. Repeating it
   * (same target) is harmless; a different target is refused.
   */
  markMerging(incidentId: string, into: string, now: Date): Promise<Incident | undefined> {
    const update = new UpdateExpression()
      .set({ mergedInto: into })
      .when(
        (u) => `attribute_not_exists(${u.name('mergedInto')}) OR ${u.name('mergedInto')} = ${u.value(into)}`,
      );
    return this.updateOpenIncident(incidentId, now, update);
  }

  /**
   * Takes alerts merged in from another incident, with their states, and that incident's groups (so their
   * new alerts join here). An entry newer than the one given stays. Returns the incident after.
   */
  adoptAlerts(
    incidentId: string,
    adopted: { alerts: Record<string, string>; groupKeys: readonly string[]; lastAlertAt?: string },
    now: Date,
  ): Promise<Incident | undefined> {
    const update = new UpdateExpression();
    for (const [alertId, entry] of Object.entries(adopted.alerts)) {
      const path = `alerts.${alertId}`;
      update.setTo(path, (u) => `if_not_exists(${u.name(path)}, ${u.value(entry)})`);
    }
    if (adopted.groupKeys.length > 0) update.add('groupKeys', new Set(adopted.groupKeys));
    if (adopted.lastAlertAt) update.set({ lastAlertAt: adopted.lastAlertAt });
    return this.updateOpenIncident(incidentId, now, update);
  }

  /** Resolves an incident merged into another (see markMerging); its alerts have moved there. */
  async resolveMerged(
    incidentId: string,
    by: { actor: string; into: string; alerts: number },
    now: Date,
  ): Promise<{ incident: Incident; lifecycleToken?: string } | undefined> {
    const update = new UpdateExpression()
      .set({
        status: 'resolved',
        resolvedAt: now.toISOString(),
        resolvedBy: by.actor,
        resolution: `Merged into ${by.into}`,
        alerts: {},
        mergedAlerts: by.alerts,
      })
      .remove('gsi1pk', 'gsi1sk')
      .when((u) => `${u.name('mergedInto')} = ${u.value(by.into)}`);
    return this.withToken(await this.updateOpenIncident(incidentId, now, update, true));
  }

  /** The record an incident keeps of an alert that left it (put once; a retry writes nothing new). */
  async putAlertRecord(alert: Alert): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.alert(alert.incidentId, alert.alertId), ...alert },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    );
    return written !== undefined;
  }

  /** One conditional update of an open incident that stamps updatedAt and bumps version. */
  private async updateOpenIncident(
    incidentId: string,
    now: Date,
    update: UpdateExpression,
    keepItem = false,
  ): Promise<(Incident & { lifecycleToken?: string }) | undefined> {
    update
      .set({ updatedAt: now.toISOString() })
      .add('version', 1)
      .when(() => 'attribute_exists(PK)')
      .when((u) => `${u.name('status')} IN (${u.value('triggered')}, ${u.value('acknowledged')})`);
    const item = await this.updatedItem(incidentId, update);
    if (!item) return undefined;
    const incident = readIncident(item);
    return keepItem && typeof item.lifecycleToken === 'string'
      ? { ...incident, lifecycleToken: item.lifecycleToken }
      : incident;
  }

  /** One conditional update built with UpdateExpression; the incident after, or undefined when refused. */
  private async updateWith(incidentId: string, update: UpdateExpression): Promise<Incident | undefined> {
    const item = await this.updatedItem(incidentId, update);
    return item ? readIncident(item) : undefined;
  }

  /** Runs one conditional update of the incident item; the item after, or undefined when refused. */
  private async updatedItem(
    incidentId: string,
    update: UpdateExpression,
  ): Promise<Record<string, unknown> | undefined> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.incident(incidentId),
          ...update.build(),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result?.Attributes;
  }

  private withToken(
    updated: (Incident & { lifecycleToken?: string }) | undefined,
  ): { incident: Incident; lifecycleToken?: string } | undefined {
    if (!updated) return undefined;
    const { lifecycleToken, ...incident } = updated;
    return { incident, ...(lifecycleToken ? { lifecycleToken } : {}) };
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
   * Records the incident's own chat channel, once: the first id recorded stays (one conditional write), so
   * two writers that each found the channel agree on it. Answers the id recorded, or undefined when the
   * incident does not exist.
   */
  async recordChatChannel(incidentId: string, channelId: string, now: Date): Promise<string | undefined> {
    const update = new UpdateExpression()
      .setTo('chatChannel', (u) => `if_not_exists(${u.name('chatChannel')}, ${u.value(channelId)})`)
      .set({ updatedAt: now.toISOString() })
      .when(() => 'attribute_exists(PK)');
    return (await this.updateWith(incidentId, update))?.chatChannel;
  }

  /**
   * Links the incident to a problem record, once: `problemId` is set only where none is, with when
   * (`problemLinkedAt`, which the link's timeline entry is written at, so a retry writes the same entry).
   * Answers the problem the incident is linked to after it, and when; undefined when it does not exist.
   */
  async linkProblem(
    incidentId: string,
    problemId: string,
    now: Date,
  ): Promise<{ problemId: string; linkedAt: string } | undefined> {
    const update = new UpdateExpression()
      .set({ problemId, problemLinkedAt: now.toISOString() })
      .when(() => 'attribute_exists(PK)')
      .when((u) => `attribute_not_exists(${u.name('problemId')})`);
    if (await this.updatedItem(incidentId, update)) return { problemId, linkedAt: now.toISOString() };
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.incident(incidentId),
        ProjectionExpression: 'problemId, problemLinkedAt',
        ConsistentRead: true,
      }),
    );
    const linked = result.Item?.problemId;
    if (typeof linked !== 'string') return undefined;
    const at = result.Item?.problemLinkedAt;
    return { problemId: linked, linkedAt: typeof at === 'string' ? at : now.toISOString() };
  }

  /** The lifecycle's task token parked on the incident, if any (for a retry to wake it again). */
  async lifecycleTokenOf(incidentId: string): Promise<string | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.incident(incidentId),
        ProjectionExpression: 'lifecycleToken',
        ConsistentRead: true,
      }),
    );
    const token = result.Item?.lifecycleToken;
    return typeof token === 'string' ? token : undefined;
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
      incident: readIncident(item),
      ...(typeof item.lifecycleToken === 'string' ? { lifecycleToken: item.lifecycleToken } : {}),
    };
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

  /**
   * Gives the incident the roles `to`, if its roles are still `from` (as read) and it is not closed: one
   * conditional write. The timeline entry that tells of the change is kept on the incident in the same
   * write, so that a retry which finds nothing left to change can still append it (see rolesEntryOf).
   * Undefined when the condition did not hold: the caller reads the incident again to see why.
   */
  setRoles(
    incidentId: string,
    change: { from: IncidentRoles; to: IncidentRoles; entry: TimelineEntry },
    now: Date,
  ): Promise<Incident | undefined> {
    const update = new UpdateExpression().set({ lastRolesEntry: change.entry, updatedAt: now.toISOString() });
    if (Object.keys(change.to).length > 0) update.set({ roles: change.to });
    else update.remove('roles');
    for (const role of IncidentRole.options) {
      const held = change.from[role];
      const path = `roles.${role}`;
      update.when((u) =>
        held === undefined ? `attribute_not_exists(${u.name(path)})` : `${u.name(path)} = ${u.value(held)}`,
      );
    }
    update
      .add('version', 1)
      .when(() => 'attribute_exists(PK)')
      .when((u) => `${u.name('status')} <> ${u.value('closed')}`);
    return this.updateWith(incidentId, update);
  }

  /** The timeline entry of the incident's latest role change (see setRoles), if it ever had one. */
  async rolesEntryOf(incidentId: string): Promise<TimelineEntry | undefined> {
    const result = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.incident(incidentId),
        ProjectionExpression: 'lastRolesEntry',
        ConsistentRead: true,
      }),
    );
    const entry = TimelineEntry.safeParse(result.Item?.lastRolesEntry);
    return entry.success ? entry.data : undefined;
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
   * Parks the lifecycle's task token on the open incident, for whoever resolves it or raises its priority to
   * send back. Returns the incident as it is with the token parked (a change written before the token is
   * there shows in it, one written after it sends the token back); undefined when it is no longer open:
   * then nobody would ever send it.
   */
  parkLifecycleToken(incidentId: string, token: string, now: Date): Promise<Incident | undefined> {
    return this.updateIncident(incidentId, now, {
      set: 'lifecycleToken = :token',
      condition: '#status IN (:triggered, :acknowledged)',
      values: { ':token': token, ...OPEN_VALUES },
      bumpVersion: false,
    });
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
    return result?.Attributes ? readIncident(result.Attributes) : undefined;
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
