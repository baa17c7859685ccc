import type { IncidentIdAllocator } from '#adapters/incident-ids';
import type { IncidentStore } from '#adapters/incident-store';
import { boundSignal } from '#core/bound-signal';
import { type Claim, canonicalTime, claimOpening } from '#core/dedup';
import { openedEntryFromSnapshot, openIncident, signalActor, timelineEntryForSignal } from '#core/incident';
import { isOpen } from '#core/lifecycle';
import type { Incident, Signal } from '#core/model';
import { DEFAULT_PRIORITY_POLICY, type PriorityPolicy } from '#core/priority';

export type SignalOutcome =
  | { outcome: 'opened'; incidentId: string }
  /** A newer alert for an open incident: counted on it, no new incident. */
  | { outcome: 'deduplicated'; incidentId: string }
  | { outcome: 'acknowledged'; incidentId: string }
  | { outcome: 'resolved'; incidentId: string }
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
}

export interface ApplySignalDeps {
  store: IncidentStore;
  ids: IncidentIdAllocator;
  workflow: LifecycleStarter;
  clock: () => Date;
  policy?: PriorityPolicy;
  grouping?: import('#core/grouping').GroupingConfig;
}

/** Claims are never deleted, so losing both claim races more than this often means a live storm on one key. */
const MAX_CLAIM_ATTEMPTS = 5;

/**
 * Turns one normalized signal into incident changes. The dedup claim is written first and serializes
 * every change for the key; the incident and timeline writes that follow are each idempotent, so a
 * retry after a crash at any point (or a redelivery) completes the work without doubling it.
 */
export async function applySignal(deps: ApplySignalDeps, input: Signal): Promise<SignalOutcome> {
  // Every source's text is held to the stored limits here, the one door to the store.
  const signal: Signal = boundSignal({ ...input, occurredAt: canonicalTime(input.occurredAt) });
  const flow = new SignalFlow(deps, signal);
  return signal.action === 'trigger' ? flow.trigger() : flow.change();
}

class SignalFlow {
  private readonly store: IncidentStore;

  constructor(
    private readonly deps: ApplySignalDeps,
    private readonly signal: Signal,
  ) {
    this.store = deps.store;
  }

  async trigger(): Promise<SignalOutcome> {
    const { signal } = this;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const now = this.deps.clock();
      const id = await this.deps.ids.next(now);
      const opening = openIncident(signal, id, now, this.deps.policy ?? DEFAULT_PRIORITY_POLICY);
      if (await this.store.claimToOpen(signal, opening)) {
        await this.completeOpen(opening);
        return { outcome: 'opened', incidentId: id };
      }
      this.deps.ids.release(id);

      const claim = await this.store.claimToAddAlert(signal);
      if (claim?.incidentId) {
        if (await this.completeAlert(claim, claim.incidentId)) {
          return { outcome: 'deduplicated', incidentId: claim.incidentId };
        }
        const reopened = await this.reopenAfterClosed(claim.incidentId);
        if (reopened) return reopened;
        continue;
      }

      const current = await this.store.getClaim(signal.dedupKey);
      if (current && current.watermark >= signal.occurredAt) return this.alreadyPast(current);
      // The claim moved between our two writes (opened or resolved by a concurrent change): go again.
    }
    throw new Error(
      `dedup claim for ${signal.dedupKey} kept changing; giving up this attempt so it is retried`,
    );
  }

  /** Resolve and note signals: one claim write, then the follow-up on the incident open before it. */
  async change(): Promise<SignalOutcome> {
    const { signal } = this;
    const close = this.closes();
    const applied = await this.store.claimChange(signal, close);
    if (!applied) {
      const current = await this.store.getClaim(signal.dedupKey);
      if (!current) throw new Error(`dedup claim for ${signal.dedupKey} refused a change but does not exist`);
      return this.alreadyPast(current);
    }
    const before = applied.before;
    if (!before?.open || !before.incidentId) {
      return { outcome: 'ignored', reason: `${signal.title}: no open incident for ${signal.dedupKey}` };
    }
    if (close) return this.completeResolve(before.incidentId, before);
    if (signal.action === 'acknowledge') return this.completeAcknowledge(before.incidentId);
    return this.completeNote(before.incidentId);
  }

  /** A change not newer than the claim: a redelivery of the last change (finish its work) or stale. */
  private async alreadyPast(current: Claim): Promise<SignalOutcome> {
    const { signal } = this;
    const incidentId = current.incidentId;
    if (current.previousEventId === signal.eventId && current.previousIncidentId) {
      // A late retry of the recovery that released the key before it fired again: finish that recovery.
      if (this.closes()) await this.finishResolveOf(current.previousIncidentId, current);
      return { outcome: 'duplicate', incidentId: current.previousIncidentId };
    }
    if (current.lastEventId !== signal.eventId || !incidentId) {
      const redelivered = current.watermark === signal.occurredAt;
      return { outcome: redelivered ? 'duplicate' : 'stale', ...(incidentId ? { incidentId } : {}) };
    }
    if (signal.action === 'trigger') {
      const opening = current.openedBy === signal.eventId ? claimOpening(current, incidentId) : undefined;
      if (opening) await this.completeOpen(opening);
      else if (!(await this.completeAlert(current, incidentId))) {
        return (await this.reopenAfterClosed(incidentId)) ?? { outcome: 'duplicate', incidentId };
      }
    } else if (this.closes()) {
      await this.finishResolveOf(incidentId, current);
    } else if (signal.action === 'acknowledge' && current.open) {
      await this.completeAcknowledge(incidentId);
    } else if (current.open) {
      await this.completeNote(incidentId);
    }
    return { outcome: 'duplicate', incidentId };
  }

  private closes(): boolean {
    return this.signal.action === 'resolve' && this.signal.autoResolve;
  }

  /**
   * Finishes a redelivered recovery only if it was the one releasing the incident: the incident is still
   * open, never got written, or carries this recovery's time. An older, long-resolved incident is left alone.
   */
  private async finishResolveOf(incidentId: string, claim: Claim): Promise<void> {
    const incident = await this.store.getIncident(incidentId);
    const unwritten = !incident && claimOpening(claim, incidentId) !== undefined;
    if (
      unwritten ||
      (incident && (isOpen(incident.status) || incident.resolvedAt === this.signal.occurredAt))
    ) {
      await this.completeResolve(incidentId, claim);
    }
  }

  private async completeOpen(opening: Incident): Promise<void> {
    await this.writeOpening(opening);
    // After the incident exists: the lifecycle's first step reads it. Named by the incident id, a second
    // start (a retry, a redelivery) is refused and changes nothing.
    await this.deps.workflow.start(opening.id);
  }

  private async writeOpening(opening: Incident): Promise<void> {
    await Promise.all([
      this.store.putIncidentIfAbsent(opening, this.signal.eventId),
      this.store.appendTimeline(
        timelineEntryForSignal(opening.id, this.signal, 'opened', {
          priority: opening.priority,
          impact: opening.impact,
          urgency: opening.urgency,
          category: opening.category,
          subcategory: opening.subcategory,
        }),
      ),
    ]);
  }

  /** The incident this trigger was counted on was resolved by hand meanwhile: open the next one. */
  private async reopenAfterClosed(closedIncidentId: string): Promise<SignalOutcome | undefined> {
    const now = this.deps.clock();
    const id = await this.deps.ids.next(now);
    const opening = openIncident(this.signal, id, now, this.deps.policy ?? DEFAULT_PRIORITY_POLICY);
    if (!(await this.store.claimToReopen(this.signal, opening, closedIncidentId))) {
      this.deps.ids.release(id);
      return undefined;
    }
    await this.completeOpen(opening);
    return { outcome: 'opened', incidentId: id };
  }

  /**
   * Counts the alert on the open incident. False only when the incident turned out resolved or closed (by a
   * person, between this trigger's claim write and now): then the trigger belongs to a new incident.
   */
  private async completeAlert(claim: Claim, incidentId: string): Promise<boolean> {
    const { signal } = this;
    const now = this.deps.clock();
    const [, counted] = await Promise.all([
      this.store.appendTimeline(timelineEntryForSignal(incidentId, signal, 'alert')),
      this.store.recordAlert(incidentId, signal, now),
    ]);
    // Not counted: already counted (a retry), no longer open, or never written because the delivery
    // that opened it stopped half way. Only the last needs work: finish the open, then count.
    if (counted) return true;
    if (await this.materializeIfMissing(incidentId, claim)) {
      await this.store.recordAlert(incidentId, signal, now);
      return true;
    }
    const incident = await this.store.getIncident(incidentId);
    return incident === undefined || isOpen(incident.status);
  }

  private async completeResolve(incidentId: string, claim: Claim): Promise<SignalOutcome> {
    const { signal } = this;
    const now = this.deps.clock();
    let resolved = await this.store.resolveFromSignal(incidentId, signal, now);
    if (!resolved && (await this.materializeIfMissing(incidentId, claim))) {
      resolved = await this.store.resolveFromSignal(incidentId, signal, now);
    }
    // Wake the lifecycle parked on the resolution, so the resolution notice goes out now.
    if (resolved?.lifecycleToken) await this.deps.workflow.signalResolved(resolved.lifecycleToken);
    const incident = resolved ? undefined : await this.store.getIncident(incidentId);
    const ours = resolved || incident?.resolvedAt === signal.occurredAt;
    await this.store.appendTimeline(
      timelineEntryForSignal(
        incidentId,
        signal,
        ours ? 'resolved' : 'alert',
        ours ? {} : { ignoredBecause: `incident was already ${incident?.status ?? 'gone'}` },
      ),
    );
    return ours ? { outcome: 'resolved', incidentId } : { outcome: 'noted', incidentId };
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
    const { signal } = this;
    const extra =
      signal.action === 'resolve'
        ? { autoResolve: false, why: 'recovered; auto-resolve is off for this source' }
        : {};
    await this.store.appendTimeline(timelineEntryForSignal(incidentId, signal, 'note', extra));
    return { outcome: 'noted', incidentId };
  }

  /** Writes the claim's opening snapshot if the incident item does not exist. True if it had to. */
  private async materializeIfMissing(incidentId: string, claim: Claim): Promise<boolean> {
    const opening = claimOpening(claim, incidentId);
    if (!opening) return false;
    if (await this.store.getIncident(incidentId)) return false;
    const openedBy = claim.openedBy ?? this.signal.eventId;
    await Promise.all([
      this.store.putIncidentIfAbsent(opening, openedBy),
      this.store.appendTimeline(openedEntryFromSnapshot(opening, openedBy)),
    ]);
    await this.deps.workflow.start(incidentId);
    return true;
  }
}
