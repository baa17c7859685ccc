import type { IncidentStore } from '#adapters/incident-store';
import { alertOfClaim } from '#core/dedup';
import { isOpen } from '#core/lifecycle';
import type { Incident } from '#core/model';
import { DEFAULT_PRIORITY_POLICY, outranks, type PriorityPolicy, raisedRespondBy } from '#core/priority';
import type { LifecycleStarter } from '../ingest/apply-signal';
import { findAlertClaims } from './settle-alerts';

export interface MergeDeps {
  store: IncidentStore;
  workflow: Pick<LifecycleStarter, 'signalResolved' | 'signalPriorityRaised'>;
  clock: () => Date;
  policy?: PriorityPolicy;
}

/** Why a merge cannot be done: the incident named does not exist, or its state forbids it. */
export class MergeRefused extends Error {
  constructor(
    message: string,
    readonly reason: 'not-found' | 'conflict',
    readonly incidentId: string,
  ) {
    super(message);
    this.name = 'MergeRefused';
  }
}

export interface MergeResult {
  source: Incident;
  target: Incident;
  /** Alerts moved by this call (0 when a retry finds the merge done). */
  moved: number;
}

/**
 * Merges `sourceId` into `targetId` when responders find they are one problem: the source's alerts (and its
 * groups, so their new alerts join the target) move to the target, the target takes the higher priority,
 * and the source is resolved as merged, which ends its lifecycle. Each step is conditional or idempotent, so
 * a retry after a failure at any point finishes the merge; a merge done already answers as done.
 */
export async function mergeIncident(
  deps: MergeDeps,
  sourceId: string,
  targetId: string,
  actor: string,
): Promise<MergeResult> {
  const { store } = deps;
  if (sourceId === targetId)
    throw new MergeRefused('an incident cannot be merged into itself', 'conflict', sourceId);
  const [source, target] = await Promise.all([store.getIncident(sourceId), store.getIncident(targetId)]);
  if (!source) throw new MergeRefused(`incident ${sourceId} does not exist`, 'not-found', sourceId);
  if (!target) throw new MergeRefused(`incident ${targetId} does not exist`, 'not-found', targetId);
  if (!isOpen(source.status)) {
    if (source.mergedInto === targetId)
      return finishMerge(deps, source, target, actor, { moved: 0, retry: true });
    throw new MergeRefused(
      `incident ${sourceId} is ${source.status}; only an open incident can be merged`,
      'conflict',
      sourceId,
    );
  }
  if (!isOpen(target.status) || target.mergedInto) {
    const state = target.mergedInto ? `being merged into ${target.mergedInto}` : target.status;
    throw new MergeRefused(
      `incident ${targetId} is ${state}; merge into an open incident`,
      'conflict',
      targetId,
    );
  }

  const now = deps.clock();
  // From here on no new alert joins the source: the ones it has are the ones that move.
  const marked = await store.markMerging(sourceId, targetId, now);
  if (!marked) {
    const current = await store.getIncident(sourceId);
    if (current?.mergedInto === targetId && !isOpen(current.status))
      return { source: current, target, moved: 0 };
    throw new MergeRefused(
      `incident ${sourceId} changed while it was being merged: reload it and retry`,
      'conflict',
      sourceId,
    );
  }

  const adopted = await store.adoptAlerts(
    targetId,
    {
      alerts: marked.alerts,
      groupKeys: marked.groupKeys ?? [],
      ...(marked.lastAlertAt && (!target.lastAlertAt || marked.lastAlertAt > target.lastAlertAt)
        ? { lastAlertAt: marked.lastAlertAt }
        : {}),
    },
    now,
  );
  if (!adopted) {
    throw new MergeRefused(
      `incident ${targetId} closed while ${sourceId} was being merged into it`,
      'conflict',
      targetId,
    );
  }

  const { claims } = await findAlertClaims(store, marked);
  let moved = 0;
  for (const claim of claims) {
    // The source's record first: once the claim has moved, the source's index no longer finds it.
    const record = alertOfClaim(claim);
    if (record) await store.putAlertRecord({ ...record, incidentId: sourceId, movedTo: targetId });
    if (await store.claims.moveToIncident(claim, sourceId, targetId)) moved += 1;
  }
  for (const groupKey of marked.groupKeys ?? []) await store.claims.moveGroup(groupKey, sourceId, targetId);

  const policy = deps.policy ?? DEFAULT_PRIORITY_POLICY;
  let finalTarget = adopted;
  if (outranks(marked.priority, adopted.priority)) {
    const raised = await store.raisePriority(
      adopted,
      {
        from: adopted.priority,
        to: marked.priority,
        respondBy: raisedRespondBy(marked.priority, adopted.respondBy, now, policy),
      },
      now,
    );
    if (raised) {
      finalTarget = raised.incident;
      if (raised.lifecycleToken) await deps.workflow.signalPriorityRaised(raised.lifecycleToken);
    }
  }

  const count = Object.keys(marked.alerts).length;
  const resolved = await store.resolveMerged(sourceId, { actor, into: targetId, alerts: count }, now);
  // The source's lifecycle ends with its resolution notice, which says where the work went.
  if (resolved?.lifecycleToken) await deps.workflow.signalResolved(resolved.lifecycleToken);
  const merged = resolved?.incident ?? (await store.getIncident(sourceId)) ?? marked;
  return finishMerge(deps, merged, finalTarget, actor, { moved, targetPriorityBefore: adopted.priority });
}

/**
 * The steps after the source is resolved as merged, repeated by a retry that finds it so: the timeline
 * entries on both incidents (put once, keyed by when the merge began) and, on a retry, the wake-up of the
 * source's lifecycle (a token no longer waited on is not an error).
 */
async function finishMerge(
  deps: MergeDeps,
  source: Incident,
  target: Incident,
  actor: string,
  step: { moved: number; retry?: boolean; targetPriorityBefore?: Incident['priority'] },
): Promise<MergeResult> {
  const { store } = deps;
  const { moved, targetPriorityBefore } = step;
  if (step.retry) {
    const token = await store.lifecycleTokenOf(source.id);
    if (token) await deps.workflow.signalResolved(token);
  }
  const count = source.mergedAlerts ?? 0;
  const at = source.mergedAt ?? source.resolvedAt ?? deps.clock().toISOString();
  await Promise.all([
    store.appendTimeline({
      incidentId: source.id,
      entryId: `merge:${target.id}`,
      at,
      kind: 'merged',
      actor,
      message: `Merged into ${target.id} by ${actor}: ${count} alert(s) moved there`,
      details: { into: target.id, alerts: count },
    }),
    store.appendTimeline({
      incidentId: target.id,
      entryId: `merge:${source.id}`,
      at,
      kind: 'merged',
      actor,
      message: `${source.id} merged into this incident by ${actor}: ${count} alert(s) moved here`,
      details: {
        from: source.id,
        alerts: count,
        ...(targetPriorityBefore && target.priority !== targetPriorityBefore
          ? { priority: { from: targetPriorityBefore, to: target.priority } }
          : {}),
      },
    }),
  ]);
  return { source, target, moved };
}
