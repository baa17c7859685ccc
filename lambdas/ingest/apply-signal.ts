import type { IncidentIdAllocator } from '#adapters/incident-ids';
import type { IncidentStore } from '#adapters/incident-store';
import { alertEntry, alertsAllRecovered, MAX_ALERTS_PER_INCIDENT, readAlertEntry } from '#core/alerts';
import { boundSignal } from '#core/bound-signal';
import {
  alertOfClaim,
  type Claim,
  canonicalTime,
  claimOpening,
  firingOnOpenIncident,
  groupOpening,
  previousAlertOfClaim,
} from '#core/dedup';
import { type AlertGroup, alertId, type GroupingConfig, groupOf } from '#core/grouping';
import { openedEntryFromSnapshot, openIncident, signalActor, timelineEntryForSignal } from '#core/incident';
import { openedMetric } from '#core/incident-metrics';
import { isOpen } from '#core/lifecycle';
import type { MetricSink } from '#core/metric-names';
import type { Incident, Signal } from '#core/model';
import {
  DEFAULT_PRIORITY_POLICY,
  outranks,
  type PriorityPolicy,
  prioritize,
  raisedRespondBy,
} from '#core/priority';
import { runbookAlertOfSignal } from '#core/runbook-alert';
import type { RunbookAlert } from '#core/runbooks';
import type { AlertHints } from '../incidents/alert-hints';
import { releaseAlerts } from '../incidents/settle-alerts';

export type SignalOutcome =
  | { outcome: 'opened'; incidentId: string }
  /** A new alert joined its group's open incident: counted there, nobody paged. */
  | { outcome: 'joined'; incidentId: string }
  /** A newer trigger of an alert already firing on an open incident: counted on the alert. */
  | { outcome: 'deduplicated'; incidentId: string }
  /** A resolved alert fired again while its incident is open. */
  | { outcome: 'refired'; incidentId: string }
  | { outcome: 'acknowledged'; incidentId: string }
  /** The alert recovered and so did its incident (every alert that resolves by itself has). */
  | { outcome: 'resolved'; incidentId: string }
  /** The alert recovered; its incident stays open for its other alerts. */
  | { outcome: 'recovered'; incidentId: string }
  /** Recorded on the open incident's timeline (INSUFFICIENT_DATA, recovery with auto-resolve off). */
  | { outcome: 'noted'; incidentId: string }
  /** This change was applied before (a redelivery): its work was completed, nothing doubled. */
  | { outcome: 'duplicate'; incidentId?: string }
  /** Older than a change already applied for the key (out-of-order delivery): ignored. */
  | { outcome: 'stale'; incidentId?: string }
  | { outcome: 'ignored'; reason: string };

/** The lifecycle state machine, as ingestion drives it (see #adapters/workflow). */
export interface LifecycleStarter {
  start(incidentId: string): Promise<unknown>;
  signalResolved(token: string): Promise<unknown>;
  /** Wakes the lifecycle to re-plan for a raised priority (pages the new priority's first level once). */
  signalPriorityRaised(token: string): Promise<unknown>;
}

/** Launches the runbooks bound to an alert (see lambdas/runbooks/launch.ts). */
export interface RunbookLaunch {
  launch(
    incidentId: string,
    alert: RunbookAlert,
    trigger: 'joined',
    options: { key: string; requestedBy: string },
  ): Promise<unknown>;
}

/** Runbooks for alerts joining an open incident: best effort, a failed launch never fails the signal. */
export interface RunbookJoinHook {
  launcher: RunbookLaunch;
  /** Told of a launch that failed after the alert joined (logged and counted by the caller). */
  onError: (error: unknown, context: { incidentId: string; dedupKey: string; alertId: string }) => void;
}

export interface ApplySignalDeps {
  store: IncidentStore;
  ids: IncidentIdAllocator;
  workflow: LifecycleStarter;
  clock: () => Date;
  policy?: PriorityPolicy;
  /** How alerts are grouped into incidents; without it every alert has an incident of its own. */
  grouping?: GroupingConfig;
  /** What this process learnt of alerts and groups: saves requests, never decides an outcome. */
  hints?: AlertHints;
  /** Launches the runbooks bound to an alert that joins an open incident; none when absent. */
  runbooks?: RunbookJoinHook;
  /** Counts the incidents opened (`IncidentOpened`, see #core/metric-names); not counted when absent. */
  metric?: MetricSink;
}

/** Claims are never deleted, so losing a race on them more than this often means a live storm on one key. */
const MAX_ATTEMPTS = 6;

/**
 * Turns one normalized signal into incident changes. The alert's claim is written first and serializes
 * every change of the alert; a group's claim serializes the opening of the group's incident. The incident
 * and timeline writes that follow are each idempotent, so a retry after a crash at any point (or a
 * redelivery) completes the work without doubling it.
 */
export async function applySignal(deps: ApplySignalDeps, input: Signal): Promise<SignalOutcome> {
  // Every source's text is held to the stored limits here, the one door to the store.
  const signal: Signal = boundSignal({ ...input, occurredAt: canonicalTime(input.occurredAt) });
  const flow = new SignalFlow(deps, signal);
  return signal.action === 'trigger' ? flow.trigger() : flow.change();
}

/** What the flow knows of the alert's claim before writing it. */
type View =
  | { kind: 'firing' }
  | { kind: 'free' }
  /** Recovered on an incident still open; `claim` when read (its recovery may not be finished). */
  | { kind: 'resolved-on-open'; incidentId: string; claim?: Claim }
  | { kind: 'past'; claim: Claim };

class SignalFlow {
  private readonly store: IncidentStore;
  private readonly group: AlertGroup | undefined;
  private readonly facts: { alertId: string; priority: Incident['priority'] };
  private readonly policy: PriorityPolicy;

  constructor(
    private readonly deps: ApplySignalDeps,
    private readonly signal: Signal,
  ) {
    this.store = deps.store;
    this.policy = deps.policy ?? DEFAULT_PRIORITY_POLICY;
    this.group = deps.grouping ? groupOf(signal, deps.grouping) : undefined;
    this.facts = {
      alertId: alertId(signal.dedupKey),
      priority: prioritize(signal.impact, signal.urgency, this.policy),
    };
  }

  async trigger(): Promise<SignalOutcome> {
    let view = this.hintedView();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let outcome: SignalOutcome | undefined;
      if (view.kind === 'past') return this.alreadyPast(view.claim);
      if (view.kind === 'firing') outcome = await this.repeat();
      else if (view.kind === 'resolved-on-open') {
        // A recovery that stopped half way is finished first, as a replay in time order would have it.
        if (view.claim && (await this.finishPendingRecovery(view.incidentId, view.claim))) {
          view = await this.read();
          continue;
        }
        outcome = await this.refire(view.incidentId);
      } else outcome = this.group ? await this.joinGroup() : await this.openNew();
      if (outcome) return outcome;
      view = await this.read();
    }
    throw new Error(
      `claim for ${this.signal.dedupKey} kept changing; giving up this attempt so it is retried`,
    );
  }

  /** Resolve, acknowledge and note signals: one claim write, then the follow-up on the alert's incident. */
  async change(): Promise<SignalOutcome> {
    const { signal } = this;
    const applied = await this.store.claims.change(
      signal,
      signal.action === 'resolve' ? 'resolved' : undefined,
    );
    if (!applied) {
      const current = await this.store.claims.get(signal.dedupKey);
      if (!current) throw new Error(`claim for ${signal.dedupKey} refused a change but does not exist`);
      return this.alreadyPast(current);
    }
    const before = applied.before;
    if (!before?.open || !before.incidentId) {
      return { outcome: 'ignored', reason: `${signal.title}: no open incident for ${signal.dedupKey}` };
    }
    return this.completeChange(before.incidentId, before);
  }

  private completeChange(incidentId: string, claim: Claim): Promise<SignalOutcome> {
    if (this.signal.action === 'resolve') return this.completeRecovery(incidentId, claim);
    if (this.signal.action === 'acknowledge') return this.completeAcknowledge(incidentId);
    return this.completeNote(incidentId);
  }

  /** What this process last saw of the alert, or, knowing nothing, a new alert (the common case in a storm). */
  private hintedView(): View {
    const hint = this.deps.hints?.alert(this.signal.dedupKey);
    if (hint?.state === 'firing') return { kind: 'firing' };
    if (hint?.state === 'resolved') return { kind: 'resolved-on-open', incidentId: hint.incidentId };
    return { kind: 'free' };
  }

  /** Reads the claim to choose the next write, after a write whose guess about it was wrong. */
  private async read(): Promise<View> {
    const claim = await this.store.claims.get(this.signal.dedupKey);
    if (!claim) return { kind: 'free' };
    if (claim.watermark >= this.signal.occurredAt) return { kind: 'past', claim };
    if (firingOnOpenIncident(claim)) return { kind: 'firing' };
    if (claim.open && claim.state === 'resolved' && claim.incidentId)
      return { kind: 'resolved-on-open', incidentId: claim.incidentId, claim };
    return { kind: 'free' };
  }

  /**
   * The claim's last change is a recovery whose incident does not show it yet (its delivery stopped after
   * the claim write): finish it now, under that delivery's identity. True when that resolved the incident.
   */
  private async finishPendingRecovery(incidentId: string, claim: Claim): Promise<boolean> {
    if (claim.lastAction !== 'resolve' || claim.transitionedBy !== claim.lastEventId) return false;
    const incident = await this.store.getIncident(incidentId);
    const recorded = incident?.alerts[this.facts.alertId];
    if (
      incident &&
      (!isOpen(incident.status) || (recorded && readAlertEntry(recorded).at >= claim.watermark))
    )
      return false;
    const recovery: Signal = {
      ...this.signal,
      action: 'resolve',
      eventId: claim.lastEventId,
      occurredAt: claim.watermark,
      autoResolve: claim.autoResolve ?? true,
      summary: `${this.signal.title}: recovered (finished after its delivery stopped half way)`,
      details: {},
    };
    const outcome = await new SignalFlow(this.deps, recovery).completeRecovery(incidentId, claim);
    return outcome.outcome === 'resolved';
  }

  /** A repeat of a firing alert: one write, on the alert. */
  private async repeat(): Promise<SignalOutcome | undefined> {
    const repeated = await this.store.claims.repeat(this.signal, this.facts);
    if (!repeated?.incidentId) {
      this.deps.hints?.forget(this.signal.dedupKey);
      return undefined;
    }
    this.deps.hints?.markFiring(this.signal.dedupKey, repeated.incidentId);
    return { outcome: 'deduplicated', incidentId: repeated.incidentId };
  }

  /** A resolved alert fires again on its open incident. */
  private async refire(incidentId: string): Promise<SignalOutcome | undefined> {
    const refired = await this.store.claims.refire(this.signal, this.facts, incidentId);
    if (!refired) return undefined;
    return this.completeRefire(incidentId);
  }

  private async completeRefire(incidentId: string): Promise<SignalOutcome | undefined> {
    const { signal } = this;
    const now = this.deps.clock();
    const entry = alertEntry(signal.occurredAt, 'firing', signal.autoResolve);
    const incident = await this.store.setAlertState(
      incidentId,
      { alertId: this.facts.alertId, entry, firedAt: signal.occurredAt },
      now,
    );
    // Its incident is over (resolved by hand meanwhile): the alert starts over elsewhere.
    if (!incident) return this.moveElsewhere(incidentId, true);
    this.deps.hints?.markFiring(signal.dedupKey, incidentId);
    await this.raiseIfOutranked(incident);
    await this.store.appendTimeline(
      timelineEntryForSignal(incidentId, signal, 'alert', { firedAgain: true, alertId: this.facts.alertId }),
    );
    return { outcome: 'refired', incidentId };
  }

  /** A new alert of a group: joins the group's open incident, or opens it. */
  private async joinGroup(): Promise<SignalOutcome | undefined> {
    const group = this.group;
    if (!group) return this.openNew();
    const hinted = this.deps.hints?.groupIncident(group.key);
    const target = hinted ?? (await this.store.claims.getGroup(group.key))?.incidentId;
    if (!target) return this.openNew();
    const attached = await this.store.claims.attach(this.signal, this.facts, {
      incidentId: target,
      groupKey: group.key,
    });
    if (!attached) return undefined;
    await this.recordLeftAlert(attached.before, target);
    const joined = await this.completeJoin(target);
    if (joined) return joined;
    const moved = await this.moveElsewhere(target, false);
    // The group's incident was the one the alert was on, and it is over: the alert left it only now.
    if (moved && 'incidentId' in moved && moved.incidentId)
      await this.recordLeftAlert(attached.before, moved.incidentId);
    return moved;
  }

  /**
   * Adds the alert (already attached to `incidentId`) to that incident. Undefined when the incident cannot
   * take it (over, out of the window, full): the caller moves it on.
   */
  private async completeJoin(incidentId: string): Promise<SignalOutcome | undefined> {
    const { signal, group } = this;
    if (!group) return undefined;
    const now = this.deps.clock();
    const join = {
      groupKey: group.key,
      alertId: this.facts.alertId,
      entry: alertEntry(signal.occurredAt, 'firing', signal.autoResolve),
      at: signal.occurredAt,
      windowStart: new Date(Date.parse(signal.occurredAt) - group.windowMinutes * 60_000).toISOString(),
      cap: MAX_ALERTS_PER_INCIDENT,
    };
    let incident = await this.store.joinAlert(incidentId, join, now);
    if (!incident && (await this.materializeGroupIncident(incidentId))) {
      incident = await this.store.joinAlert(incidentId, join, now);
    }
    if (!incident) {
      this.deps.hints?.forgetGroup(group.key);
      return undefined;
    }
    this.deps.hints?.markGroup(group.key, incidentId);
    this.deps.hints?.markFiring(signal.dedupKey, incidentId);
    await this.raiseIfOutranked(incident);
    await this.store.appendTimeline(
      timelineEntryForSignal(incidentId, signal, 'alert-joined', {
        alertId: this.facts.alertId,
        priority: this.facts.priority,
        group: group.values,
        rule: group.rule,
      }),
    );
    await this.launchRunbooks(incidentId);
    return { outcome: 'joined', incidentId };
  }

  /**
   * The runbooks bound to the alert that joined, and the diagnosis of its changes. Best effort: the alert
   * has joined whatever happens here (a redelivery launches again, writing nothing twice).
   */
  private async launchRunbooks(incidentId: string): Promise<void> {
    const hook = this.deps.runbooks;
    if (!hook) return;
    try {
      await hook.launcher.launch(incidentId, runbookAlertOfSignal(incidentId, this.signal), 'joined', {
        key: this.facts.alertId,
        requestedBy: 'firebreak',
      });
    } catch (error) {
      hook.onError(error, { incidentId, dedupKey: this.signal.dedupKey, alertId: this.facts.alertId });
    }
  }

  /**
   * The alert is attached to `from`, which cannot take it: it goes to the group's incident of now, or to a
   * new one that replaces `from` as the group's. The alert moves first and the group after, as when an
   * incident opens, so a group never points at an incident its alert did not reach. `restart` starts the
   * alert's count again (it had fired on `from` before).
   */
  private async moveElsewhere(from: string, restart: boolean, depth = 0): Promise<SignalOutcome | undefined> {
    const { signal, group } = this;
    if (depth >= MAX_ATTEMPTS) return undefined;
    if (group) {
      const current = await this.store.claims.getGroup(group.key);
      if (current && current.incidentId !== from) {
        const moved = await this.store.claims.retarget(signal, this.facts, from, {
          incidentId: current.incidentId,
          groupKey: group.key,
          restart,
        });
        if (!moved) return undefined;
        return (
          (await this.completeJoin(current.incidentId)) ??
          this.moveElsewhere(current.incidentId, false, depth + 1)
        );
      }
    }
    const now = this.deps.clock();
    const id = await this.deps.ids.next(now);
    const opening = openIncident(signal, id, now, this.policy, group?.key);
    const moved = await this.store.claims.retarget(signal, this.facts, from, {
      incidentId: id,
      ...(group ? { groupKey: group.key } : {}),
      opening,
      restart,
    });
    if (!moved) {
      this.deps.ids.release(id);
      return undefined;
    }
    if (group && !(await this.store.claims.claimGroup(group.key, opening, signal.eventId, from))) {
      // Another alert moved the group first: go where it points now. The id stays unused (the alert
      // referred to it for a moment), a gap in the day's numbers rather than a risk of reuse.
      return this.moveElsewhere(id, false, depth + 1);
    }
    await this.completeOpen(opening);
    return { outcome: 'opened', incidentId: id };
  }

  /** Opens a new incident for the alert (and, for a grouped one, for its group). */
  private async openNew(): Promise<SignalOutcome | undefined> {
    const { signal, group } = this;
    const now = this.deps.clock();
    const id = await this.deps.ids.next(now);
    const opening = openIncident(signal, id, now, this.policy, group?.key);
    const attached = await this.store.claims.attach(signal, this.facts, {
      incidentId: id,
      ...(group ? { groupKey: group.key } : {}),
      opening,
    });
    if (!attached) {
      this.deps.ids.release(id);
      return undefined;
    }
    await this.recordLeftAlert(attached.before, id);
    if (group && !(await this.store.claims.claimGroup(group.key, opening, signal.eventId))) {
      // Another alert of the group opened its incident first: join that one instead (the id stays unused,
      // as in moveElsewhere).
      return this.moveElsewhere(id, false);
    }
    await this.completeOpen(opening);
    return { outcome: 'opened', incidentId: id };
  }

  private async completeOpen(opening: Incident): Promise<void> {
    await Promise.all([
      this.putAndCount(opening, this.signal.eventId),
      this.store.appendTimeline(
        timelineEntryForSignal(opening.id, this.signal, 'opened', {
          priority: opening.priority,
          impact: opening.impact,
          urgency: opening.urgency,
          category: opening.category,
          subcategory: opening.subcategory,
          ...(this.group ? { group: this.group.values, rule: this.group.rule } : {}),
        }),
      ),
    ]);
    if (this.group) this.deps.hints?.markGroup(this.group.key, opening.id);
    this.deps.hints?.markFiring(this.signal.dedupKey, opening.id);
    // After the incident exists: the lifecycle's first step reads it. Named by the incident id, a second
    // start (a retry, a redelivery) is refused and changes nothing.
    await this.deps.workflow.start(opening.id);
  }

  /**
   * Counts an incident opened, by the one call whose put created its record. Every incident is opened here
   * (alerts, webhooks, and the API's and Slack's reports all apply a signal), and the put is conditional, so
   * a retry or a redelivery that finds the record counts nothing: never twice, at worst (a crash between the
   * put and this line) once less; a failed write beside the put (the timeline entry) does not stop the
   * count. The lifecycle's first step would also run once per incident, but it is retried as a whole and
   * writes nothing that could tell a retry apart.
   */
  private async putAndCount(opening: Incident, openedBy: string): Promise<void> {
    if (await this.store.putIncidentIfAbsent(opening, openedBy)) this.deps.metric?.(openedMetric(opening));
  }

  /** The incident the alert left (the claim as it was before it moved to `to`) keeps a record of it. */
  private async recordLeftAlert(before: Claim | undefined, to: string): Promise<void> {
    if (!before?.incidentId || before.incidentId === to) return;
    const left = alertOfClaim(before);
    if (left) await this.store.putAlertRecord(left);
  }

  /** The group claim points at an incident whose item was never written (its opener stopped): write it. */
  private async materializeGroupIncident(incidentId: string): Promise<boolean> {
    const group = this.group;
    if (!group || (await this.store.getIncident(incidentId))) return false;
    const claim = await this.store.claims.getGroup(group.key);
    const opening = claim && groupOpening(claim, incidentId);
    if (!claim || !opening) return false;
    await this.writeMaterialized(opening, claim.openedBy);
    return true;
  }

  private async writeMaterialized(opening: Incident, openedBy: string): Promise<void> {
    await Promise.all([
      this.putAndCount(opening, openedBy),
      this.store.appendTimeline(openedEntryFromSnapshot(opening, openedBy)),
    ]);
    await this.deps.workflow.start(opening.id);
  }

  /** A joining or re-firing alert that outranks its incident raises the incident's priority, once. */
  private async raiseIfOutranked(incident: Incident): Promise<void> {
    if (!outranks(this.facts.priority, incident.priority)) return;
    const now = this.deps.clock();
    const raised = await this.store.raisePriority(
      incident,
      {
        from: incident.priority,
        to: this.facts.priority,
        respondBy: raisedRespondBy(this.facts.priority, incident.respondBy, now, this.policy),
      },
      now,
    );
    if (!raised) return;
    await this.store.appendTimeline({
      ...timelineEntryForSignal(incident.id, this.signal, 'priority-raised', {
        from: incident.priority,
        to: this.facts.priority,
        respondBy: raised.incident.respondBy,
      }),
      entryId: `sig:${this.signal.eventId}:priority`,
      message: `Priority raised from ${incident.priority} to ${this.facts.priority}: ${this.signal.title}`,
    });
    if (raised.lifecycleToken) await this.deps.workflow.signalPriorityRaised(raised.lifecycleToken);
  }

  /** A change not newer than the claim: a redelivery of the last change (finish its work) or stale. */
  private async alreadyPast(current: Claim): Promise<SignalOutcome> {
    const { signal } = this;
    const incidentId = current.incidentId;
    if (current.previousEventId === signal.eventId && current.previousIncidentId) {
      // A late retry of the recovery before the alert moved to a new incident: finish that recovery.
      if (signal.action === 'resolve') await this.finishRecoveryOf(current.previousIncidentId, current);
      return { outcome: 'duplicate', incidentId: current.previousIncidentId };
    }
    if (current.lastEventId !== signal.eventId || !incidentId) {
      const redelivered = current.watermark === signal.occurredAt;
      return { outcome: redelivered ? 'duplicate' : 'stale', ...(incidentId ? { incidentId } : {}) };
    }
    if (signal.action === 'trigger') {
      await this.finishTrigger(current, incidentId);
    } else if (signal.action === 'resolve') {
      await this.finishRecoveryOf(incidentId, current);
    } else if (current.open) {
      await this.completeChange(incidentId, current);
    }
    return { outcome: 'duplicate', incidentId };
  }

  /** A redelivered trigger that was the last change: finish what it started, if it changed anything. */
  private async finishTrigger(current: Claim, incidentId: string): Promise<void> {
    if (current.transitionedBy !== this.signal.eventId) return; // a repeat: it was counted in its one write
    const left = previousAlertOfClaim(current);
    if (left) await this.store.putAlertRecord(left);
    const opening = current.openedBy === this.signal.eventId ? claimOpening(current, incidentId) : undefined;
    if (opening) {
      if (this.group) await this.store.claims.claimGroup(this.group.key, opening, this.signal.eventId);
      await this.completeOpen(opening);
      return;
    }
    // Released: its incident is over, and it was counted there before that.
    if (!current.open) return;
    const incident = await this.store.getIncident(incidentId);
    const recorded = incident?.alerts[this.facts.alertId];
    if (
      incident &&
      !isOpen(incident.status) &&
      recorded &&
      readAlertEntry(recorded).at >= this.signal.occurredAt
    )
      return;
    if (current.firstSeen === this.signal.occurredAt && this.group) {
      if (!(await this.completeJoin(incidentId))) await this.moveElsewhere(incidentId, false);
    } else {
      await this.completeRefire(incidentId);
    }
  }

  /**
   * Finishes a redelivered recovery only if it was the one recovering the alert on that incident: the
   * incident is still open, never got written, or carries this recovery's time. An older, long-resolved
   * incident is left alone.
   */
  private async finishRecoveryOf(incidentId: string, claim: Claim): Promise<void> {
    const incident = await this.store.getIncident(incidentId);
    const unwritten = !incident && claimOpening(claim, incidentId) !== undefined;
    if (
      unwritten ||
      (incident && (isOpen(incident.status) || incident.resolvedAt === this.signal.occurredAt))
    ) {
      await this.completeRecovery(incidentId, claim);
    }
  }

  /** The alert recovered: recorded on its incident, which resolves if every self-resolving alert has. */
  async completeRecovery(incidentId: string, claim: Claim): Promise<SignalOutcome> {
    const { signal } = this;
    const now = this.deps.clock();
    const entry = alertEntry(signal.occurredAt, 'resolved', signal.autoResolve);
    const change = { alertId: this.facts.alertId, entry };
    let incident = await this.store.setAlertState(incidentId, change, now);
    if (!incident && (await this.materializeIfMissing(incidentId, claim))) {
      incident = await this.store.setAlertState(incidentId, change, now);
    }
    this.deps.hints?.forget(signal.dedupKey);
    if (!incident) {
      const current = await this.store.getIncident(incidentId);
      // Its incident was merged into another before the alert's claim moved: follow it there.
      const mergedInto = await this.followMerge(current, claim);
      if (mergedInto) return this.completeRecovery(mergedInto, { ...claim, incidentId: mergedInto });
      const ours = current?.resolvedAt === signal.occurredAt;
      // A retry of the recovery that resolved it: finish what that delivery may not have reached.
      if (ours && current)
        await this.afterResolution(current, claim, await this.store.lifecycleTokenOf(incidentId));
      await this.store.appendTimeline(
        timelineEntryForSignal(
          incidentId,
          signal,
          ours ? 'resolved' : 'alert-resolved',
          ours ? {} : { ignoredBecause: `incident was already ${current?.status ?? 'gone'}` },
        ),
      );
      return ours ? { outcome: 'resolved', incidentId } : { outcome: 'noted', incidentId };
    }
    if (!signal.autoResolve) {
      this.deps.hints?.markResolved(signal.dedupKey, incidentId);
      await this.store.appendTimeline(
        timelineEntryForSignal(incidentId, signal, 'note', {
          autoResolve: false,
          why: 'recovered; auto-resolve is off for this source',
        }),
      );
      return { outcome: 'noted', incidentId };
    }
    const resolved = await this.resolveIfAllRecovered(incident, claim);
    if (!resolved) this.deps.hints?.markResolved(signal.dedupKey, incidentId);
    await this.store.appendTimeline(
      timelineEntryForSignal(incidentId, signal, resolved ? 'resolved' : 'alert-resolved', {
        alertId: this.facts.alertId,
        ...(resolved ? {} : { firing: incident.firingCount }),
      }),
    );
    return resolved ? { outcome: 'resolved', incidentId } : { outcome: 'recovered', incidentId };
  }

  /**
   * Resolves the incident when its alerts say it is over, against the version read: if another alert
   * fired meanwhile, it looks again. Then wakes the lifecycle and releases the incident's alerts.
   */
  private async resolveIfAllRecovered(read: Incident, claim: Claim): Promise<boolean> {
    let incident: Incident | undefined = read;
    for (let attempt = 0; incident && attempt < MAX_ATTEMPTS; attempt++) {
      if (!isOpen(incident.status) || !alertsAllRecovered(incident.alerts)) return false;
      const resolved = await this.store.resolveRecovered(
        incident.id,
        incident.version,
        { at: this.signal.occurredAt, eventId: this.signal.eventId },
        this.deps.clock(),
      );
      if (resolved) {
        await this.afterResolution(resolved.incident, claim, resolved.lifecycleToken);
        return true;
      }
      incident = await this.store.getIncident(incident.id);
    }
    return false;
  }

  /** Moves the alert to the incident its incident was merged into; that incident's id, if it did. */
  private async followMerge(incident: Incident | undefined, claim: Claim): Promise<string | undefined> {
    const into = incident?.mergedInto;
    if (!incident || !into || claim.incidentId !== incident.id) return undefined;
    return (await this.store.claims.moveToIncident(claim, incident.id, into)) ? into : undefined;
  }

  /** Wakes the lifecycle parked on the resolution (the notice goes out now) and releases the alerts. */
  private async afterResolution(incident: Incident, claim: Claim, lifecycleToken?: string): Promise<void> {
    if (lifecycleToken) await this.deps.workflow.signalResolved(lifecycleToken);
    await releaseAlerts(this.store, incident, [claim]);
  }

  /** Acknowledges from the source (PagerDuty-style `acknowledge`); already acknowledged is a note. */
  private async completeAcknowledge(incidentId: string): Promise<SignalOutcome> {
    const { signal } = this;
    const acknowledged = await this.store.acknowledge(incidentId, signalActor(signal), this.deps.clock());
    const incident = acknowledged ? undefined : await this.store.getIncident(incidentId);
    // A retry finds its own acknowledgement already applied: the timeline entry is still written once.
    const ours = acknowledged || incident?.status === 'acknowledged';
    await this.store.appendTimeline(
      timelineEntryForSignal(incidentId, signal, ours ? 'acknowledged' : 'note'),
    );
    return ours ? { outcome: 'acknowledged', incidentId } : { outcome: 'noted', incidentId };
  }

  private async completeNote(incidentId: string): Promise<SignalOutcome> {
    await this.store.appendTimeline(timelineEntryForSignal(incidentId, this.signal, 'note'));
    return { outcome: 'noted', incidentId };
  }

  /** Writes the opening snapshot (the claim's, or its group's) if the incident item does not exist. */
  private async materializeIfMissing(incidentId: string, claim: Claim): Promise<boolean> {
    const opening = claimOpening(claim, incidentId);
    if (opening) {
      if (await this.store.getIncident(incidentId)) return false;
      await this.writeMaterialized(opening, claim.openedBy ?? this.signal.eventId);
      return true;
    }
    return this.materializeGroupIncident(incidentId);
  }
}
