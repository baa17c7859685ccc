import type { IncidentStore } from '#adapters/incident-store';
import type { Incident } from '#core/model';
import type { LifecycleStarter } from '../ingest/apply-signal';
import { releaseAlerts } from './settle-alerts';

export interface ResolveDeps {
  store: IncidentStore;
  /** The lifecycle parked on the resolution is woken to send the resolution notice. */
  workflow: Pick<LifecycleStarter, 'signalResolved'>;
  clock: () => Date;
}

/** Who resolves an incident by hand (a person through the API, or a runbook that fixed it), and how. */
export interface Resolution {
  actor: string;
  resolution: string;
  rootCause?: string | undefined;
  /** The `resolved` timeline entry's id: one per resolver, so a retry rewrites nothing. */
  entryId: string;
}

/**
 * Resolves an open incident by hand and finishes the resolution (see finishResolution). `resolvedNow` is
 * false when the incident was not open: the caller decides what that means (a retry, a conflict); the
 * incident is undefined when it does not exist.
 */
export async function resolveIncident(
  deps: ResolveDeps,
  id: string,
  by: Resolution,
): Promise<{ incident: Incident | undefined; resolvedNow: boolean }> {
  const now = deps.clock();
  const resolved = await deps.store.resolveByHand(
    id,
    { actor: by.actor, resolution: by.resolution, ...(by.rootCause ? { rootCause: by.rootCause } : {}) },
    now,
  );
  if (!resolved) return { incident: await deps.store.getIncident(id), resolvedNow: false };
  await finishResolution(deps, resolved.incident, by, resolved.lifecycleToken);
  return { incident: resolved.incident, resolvedNow: true };
}

/**
 * What follows a resolution by hand, each step conditional or put-if-absent so that a retry repeats it
 * harmlessly: the incident's alerts are released, so their next trigger opens a new incident (the
 * lifecycle's resolution step releases any the index did not show yet); the `resolved` entry is written;
 * and the lifecycle parked on the resolution is woken, when its token is at hand.
 */
export async function finishResolution(
  deps: ResolveDeps,
  incident: Incident,
  by: Resolution,
  lifecycleToken?: string,
): Promise<void> {
  await releaseAlerts(deps.store, incident);
  await deps.store.appendTimeline({
    incidentId: incident.id,
    entryId: by.entryId,
    at: incident.resolvedAt ?? deps.clock().toISOString(),
    kind: 'resolved',
    actor: incident.resolvedBy ?? by.actor,
    message: `Resolved: ${incident.resolution ?? by.resolution}`,
    details: {
      resolution: incident.resolution ?? by.resolution,
      ...(incident.rootCause ? { rootCause: incident.rootCause } : {}),
    },
  });
  if (lifecycleToken) await deps.workflow.signalResolved(lifecycleToken);
}
