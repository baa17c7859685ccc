import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Claim, GroupClaim } from '#core/dedup';
import type { Incident, Priority, Signal } from '#core/model';
import { conditional, type DocumentSender, keys } from './store-keys';
import { ALERTS_INDEX } from './table-definition';
import { UpdateExpression } from './update-expression';

/** Stands for "no previous change" in the claim's copy of it (an expression cannot copy a missing attribute). */
export const NONE = '-';

/** The alerts-by-incident index: an incident's live alerts (claims) by when they first fired. */
export function alertIndexAttributes(incidentId: string, firstSeen: string, alertId: string) {
  return { gsi4pk: `ALERTS#${incidentId}`, gsi4sk: `${firstSeen}#${alertId}` };
}

export function parseClaim(item: Record<string, unknown>): Claim {
  const present = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== NONE));
  return Claim.parse(present);
}

/** What a trigger tells of its alert, written on every trigger that is applied. */
export interface AlertFacts {
  alertId: string;
  priority: Priority;
}

/** Where an attach puts the alert, and what it carries when its trigger opens that incident. */
export interface AttachTarget {
  incidentId: string;
  groupKey?: string;
  /** Set when this trigger opens the incident: the incident as opened, to finish an interrupted open. */
  opening?: Incident;
}

/**
 * The dedup claims, which are the live alerts, and the group claims. Each method is one conditional write
 * (or one read): the claim serializes every change of its alert, the group claim the opening of its
 * group's incident.
 */
export class AlertClaims {
  constructor(
    private readonly db: DocumentSender,
    private readonly tableName: string,
  ) {}

  async get(dedupKey: string): Promise<Claim | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.claim(dedupKey), ConsistentRead: true }),
    );
    return result.Item ? parseClaim(result.Item) : undefined;
  }

  /**
   * A newer trigger of an alert that is firing on an open incident: counted on the alert, in this one
   * write. Undefined when the alert is not firing there (or the trigger is not newer).
   */
  async repeat(signal: Signal, facts: AlertFacts): Promise<Claim | undefined> {
    const update = this.latest(new UpdateExpression(), signal, facts)
      .add('fired', 1)
      .when((u) => `attribute_exists(PK) AND ${u.name('watermark')} < ${u.value(signal.occurredAt)}`)
      .when((u) => `${u.name('open')} = ${u.value(true)}`)
      .when((u) => `attribute_not_exists(${u.name('state')}) OR ${u.name('state')} = ${u.value('firing')}`);
    return (await this.update(signal.dedupKey, update, 'ALL_NEW')) ?? undefined;
  }

  /**
   * Puts the alert, firing, on an incident as a new alert there: a key never seen, or one whose incident is
   * over (released). The generation it leaves is kept as `previous…`, so the incident it was on keeps its
   * record of it even if the caller stops before writing that (see previousAlertOfClaim). Returns the claim
   * as it was, or undefined when the alert is still on an open incident, or the trigger is not newer.
   */
  async attach(
    signal: Signal,
    facts: AlertFacts,
    target: AttachTarget,
  ): Promise<{ before?: Claim } | undefined> {
    const none = NONE;
    const update = this.latest(new UpdateExpression(), signal, facts)
      .setTo('previousIncidentId', (u) => `if_not_exists(${u.name('incidentId')}, ${u.value(none)})`)
      .setTo('previousEventId', (u) => `if_not_exists(${u.name('lastEventId')}, ${u.value(none)})`)
      .setTo('previousAction', (u) => `if_not_exists(${u.name('lastAction')}, ${u.value(none)})`)
      .setTo('previousState', (u) => `if_not_exists(${u.name('state')}, ${u.value(none)})`)
      .setTo('previousFirstSeen', (u) => `if_not_exists(${u.name('firstSeen')}, ${u.value(none)})`)
      .setTo('previousLastSeen', (u) => `if_not_exists(${u.name('lastSeen')}, ${u.value(none)})`)
      .setTo('previousFired', (u) => `if_not_exists(${u.name('fired')}, ${u.value(0)})`)
      .set({
        incidentId: target.incidentId,
        open: true,
        state: 'firing',
        transitionedBy: signal.eventId,
        firstSeen: signal.occurredAt,
        fired: 1,
        ...alertIndexAttributes(target.incidentId, signal.occurredAt, facts.alertId),
        ...(target.groupKey ? { groupKey: target.groupKey } : {}),
        ...(target.opening ? { openedBy: signal.eventId, opening: JSON.stringify(target.opening) } : {}),
      })
      .when(
        (u) =>
          `attribute_not_exists(PK) OR (${u.name('watermark')} < ${u.value(signal.occurredAt)} AND ` +
          `${u.name('open')} = ${u.value(false)})`,
      );
    if (!target.groupKey) update.remove('groupKey');
    if (!target.opening) update.remove('openedBy', 'opening');
    const before = await this.update(signal.dedupKey, update, 'ALL_OLD', true);
    if (before === undefined) return undefined;
    return before === null ? {} : { before };
  }

  /**
   * A resolved alert fires again while its incident is open: back to firing there, counted. Undefined when
   * it is no longer resolved on that incident, or the trigger is not newer.
   */
  async refire(signal: Signal, facts: AlertFacts, incidentId: string): Promise<Claim | undefined> {
    const update = this.latest(new UpdateExpression(), signal, facts)
      .set({ state: 'firing', transitionedBy: signal.eventId })
      .add('fired', 1)
      .when((u) => `${u.name('watermark')} < ${u.value(signal.occurredAt)}`)
      .when((u) => `${u.name('open')} = ${u.value(true)} AND ${u.name('state')} = ${u.value('resolved')}`)
      .when((u) => `${u.name('incidentId')} = ${u.value(incidentId)}`);
    return (await this.update(signal.dedupKey, update, 'ALL_NEW')) ?? undefined;
  }

  /**
   * Moves the alert this trigger attached to another incident (the first one could not take it). Only
   * while this trigger is still the last change applied and the alert is still on `from`.
   */
  async retarget(
    signal: Signal,
    facts: AlertFacts,
    from: string,
    target: AttachTarget & { restart?: boolean },
  ): Promise<boolean> {
    const update = new UpdateExpression()
      .set({
        ...(target.restart ? { firstSeen: signal.occurredAt, fired: 1 } : {}),
        incidentId: target.incidentId,
        ...alertIndexAttributes(target.incidentId, signal.occurredAt, facts.alertId),
        ...(target.groupKey ? { groupKey: target.groupKey } : {}),
        ...(target.opening ? { openedBy: signal.eventId, opening: JSON.stringify(target.opening) } : {}),
      })
      .when((u) => `${u.name('lastEventId')} = ${u.value(signal.eventId)}`)
      .when((u) => `${u.name('incidentId')} = ${u.value(from)}`);
    if (!target.groupKey) update.remove('groupKey');
    if (!target.opening) update.remove('openedBy', 'opening');
    return (await this.update(signal.dedupKey, update, 'NONE', true)) !== undefined;
  }

  /**
   * Applies a newer resolve, acknowledge or note to the key, creating the claim if it has none (so a late
   * older change is recognised as stale). `state` sets the alert's state in the same write. Returns the
   * claim as it was before, or undefined when the change is not newer.
   */
  async change(signal: Signal, state?: 'resolved'): Promise<{ before?: Claim } | undefined> {
    const update = new UpdateExpression()
      .set({
        dedupKey: signal.dedupKey,
        watermark: signal.occurredAt,
        lastEventId: signal.eventId,
        lastAction: signal.action,
        ...(state ? { state, transitionedBy: signal.eventId } : {}),
      })
      .setTo('open', (u) => `if_not_exists(${u.name('open')}, ${u.value(false)})`)
      .when((u) => `attribute_not_exists(PK) OR ${u.name('watermark')} < ${u.value(signal.occurredAt)}`);
    const before = await this.update(signal.dedupKey, update, 'ALL_OLD', true);
    if (before === undefined) return undefined;
    return before === null ? {} : { before };
  }

  /**
   * The alert's incident is over: a new trigger of the alert belongs to a new incident. Only while the
   * claim still points at that incident. Returns the claim as released.
   */
  async release(dedupKey: string, incidentId: string): Promise<Claim | undefined> {
    const update = new UpdateExpression()
      .set({ open: false })
      .when(
        (u) => `${u.name('incidentId')} = ${u.value(incidentId)} AND ${u.name('open')} = ${u.value(true)}`,
      );
    return (await this.update(dedupKey, update, 'ALL_NEW')) ?? undefined;
  }

  /**
   * Moves an alert to the incident its incident was merged into: only while it is still on `from`. Its
   * state, counts and place in its incident's order stay. Returns the claim as moved.
   */
  async moveToIncident(claim: Claim, from: string, to: string): Promise<Claim | undefined> {
    const update = new UpdateExpression()
      .set({
        incidentId: to,
        ...(claim.alertId && claim.firstSeen ? alertIndexAttributes(to, claim.firstSeen, claim.alertId) : {}),
      })
      .when((u) => `${u.name('incidentId')} = ${u.value(from)}`);
    return (await this.update(claim.dedupKey, update, 'ALL_NEW')) ?? undefined;
  }

  /** An incident's alerts by the index (eventually consistent), a page at a time. */
  async listByIncident(
    incidentId: string,
    startKey?: Record<string, unknown>,
  ): Promise<{ claims: Claim[]; next?: Record<string, unknown> }> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ALERTS_INDEX,
        KeyConditionExpression: 'gsi4pk = :pk',
        ExpressionAttributeValues: { ':pk': `ALERTS#${incidentId}` },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return {
      claims: (page.Items ?? []).map(parseClaim).filter((claim) => claim.incidentId === incidentId),
      ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
    };
  }

  async getGroup(groupKey: string): Promise<GroupClaim | undefined> {
    const result = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.group(groupKey), ConsistentRead: true }),
    );
    return result.Item ? GroupClaim.parse(result.Item) : undefined;
  }

  /**
   * Makes `opening` the group's incident: only if the group has none yet, or still has `replacing` (the
   * incident this opener saw and found closed to new alerts). False when another alert got there first.
   */
  async claimGroup(
    groupKey: string,
    opening: Incident,
    openedBy: string,
    replacing?: string,
  ): Promise<boolean> {
    const written = await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.group(groupKey),
            groupKey,
            incidentId: opening.id,
            openedBy,
            opening: JSON.stringify(opening),
          },
          ConditionExpression: replacing
            ? 'attribute_not_exists(PK) OR incidentId = :replacing'
            : 'attribute_not_exists(PK)',
          ...(replacing ? { ExpressionAttributeValues: { ':replacing': replacing } } : {}),
        }),
      ),
    );
    return written !== undefined;
  }

  /** Points the group at another incident (a merge moved it there), if it still points at `from`. */
  async moveGroup(groupKey: string, from: string, to: string): Promise<boolean> {
    const update = new UpdateExpression()
      .set({ incidentId: to })
      .when((u) => `${u.name('incidentId')} = ${u.value(from)}`);
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: keys.group(groupKey), ...update.build() }),
      ),
    );
    return result !== undefined;
  }

  /** The fields every applied trigger refreshes: ordering, and what the alert said last. */
  private latest(update: UpdateExpression, signal: Signal, facts: AlertFacts): UpdateExpression {
    return update.set({
      dedupKey: signal.dedupKey,
      alertId: facts.alertId,
      watermark: signal.occurredAt,
      lastEventId: signal.eventId,
      lastAction: signal.action,
      lastSeen: signal.occurredAt,
      autoResolve: signal.autoResolve,
      title: signal.title,
      summary: signal.summary,
      priority: facts.priority,
      source: signal.source,
      details: signal.details,
    });
  }

  /**
   * One conditional update of a claim. Undefined when its condition did not hold; with `orNull`, null when
   * it held on a claim that did not exist (ReturnValues ALL_OLD of a new item).
   */
  private async update(
    dedupKey: string,
    update: UpdateExpression,
    returns: 'ALL_NEW' | 'ALL_OLD' | 'NONE',
    orNull = false,
  ): Promise<Claim | null | undefined> {
    const result = await conditional(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.claim(dedupKey),
          ...update.build(),
          ReturnValues: returns,
        }),
      ),
    );
    if (result === undefined) return undefined;
    if (result.Attributes) return parseClaim(result.Attributes);
    return orNull ? null : undefined;
  }
}
