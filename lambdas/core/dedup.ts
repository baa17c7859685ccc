import * as z from 'zod';
import { type Alert, AlertState, readAlertEntry } from './alerts';
import { readIncident } from './incident';
import { type Incident, Priority, SignalAction, SourceRef } from './model';

/**
 * The claim on a dedup key, which is also the live alert: which incident the alert is in, its state, how
 * often and when it fired, and the newest source change applied to it. It is the one item every change
 * for the key is serialized on (conditional writes on `watermark`), so it outlives the incident: an OK
 * that arrives before its ALARM still leaves the watermark that makes the late ALARM stale. A repeated
 * trigger of a firing alert is counted here, in one write.
 */
export const Claim = z.object({
  dedupKey: z.string(),
  /** The newest incident opened for this key, open or not. */
  incidentId: z.string().optional(),
  /** Whether `incidentId` is still open as far as this key is concerned. */
  open: z.boolean(),
  /** occurredAt of the newest applied change (ISO 8601 UTC, fixed width, so strings order like times). */
  watermark: z.string(),
  lastEventId: z.string(),
  lastAction: SignalAction,
  /** The delivery that opened `incidentId`. */
  openedBy: z.string().optional(),
  /** The change before the one that opened `incidentId`: lets a late retry of that recovery finish. */
  previousIncidentId: z.string().optional(),
  previousEventId: z.string().optional(),
  previousAction: SignalAction.optional(),
  /**
   * The incident as it was opened (JSON), so any later change for the key can finish an interrupted open.
   * Kept as text: it is rarely needed, and parsing it on every change would cost more than the rest.
   */
  opening: z.string().optional(),
  /** The delivery that last changed the alert's state or incident (a repeat does not): what a retry finishes. */
  transitionedBy: z.string().optional(),
  /** The generation it left when it moved to `incidentId`: kept so the incident it left keeps a record. */
  previousState: AlertState.optional(),
  previousFirstSeen: z.string().optional(),
  previousLastSeen: z.string().optional(),
  previousFired: z.number().int().min(0).optional(),
  /** The alert's own state (a claim written before alerts were tracked has none: its `open` tells). */
  state: AlertState.optional(),
  alertId: z.string().optional(),
  /** The group of the incident it is in, if any. */
  groupKey: z.string().optional(),
  autoResolve: z.boolean().optional(),
  /** When it first and last fired in its incident, and how often. */
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
  fired: z.number().int().min(0).optional(),
  /** What its latest trigger said. */
  title: z.string().optional(),
  summary: z.string().optional(),
  priority: Priority.optional(),
  source: SourceRef.optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Claim = z.infer<typeof Claim>;

/** The claim's alert is firing and counted on an open incident: a new trigger of it is a repeat. */
export function firingOnOpenIncident(claim: Claim | undefined): boolean {
  return claim?.open === true && (claim.state ?? 'firing') === 'firing';
}

/**
 * The group claim: which incident gathers a group's alerts now, and the incident as it was opened, so a
 * later alert of the group can finish an open that stopped half way. Serializes the opening of a group's
 * incident with one conditional write, as the alert claim does for an alert.
 */
export const GroupClaim = z.object({
  groupKey: z.string(),
  incidentId: z.string(),
  openedBy: z.string(),
  opening: z.string(),
});
export type GroupClaim = z.infer<typeof GroupClaim>;

/** The incident a group claim was opened with, if it is `incidentId`. */
export function groupOpening(claim: GroupClaim, incidentId: string): Incident | undefined {
  const opening = readIncident(JSON.parse(claim.opening) as Record<string, unknown>);
  return opening.id === incidentId ? opening : undefined;
}

/** The incident a claim was opened with, if the claim holds one for `incidentId`. */
export function claimOpening(claim: Claim, incidentId: string): Incident | undefined {
  if (!claim.opening) return undefined;
  const opening = readIncident(JSON.parse(claim.opening) as Record<string, unknown>);
  return opening.id === incidentId ? opening : undefined;
}

/** Canonical fixed-width UTC form, so that comparing strings compares instants. */
export function canonicalTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${iso}`);
  return new Date(ms).toISOString();
}

/** The alert a claim holds, on the incident it is in now; undefined for a claim from before alerts were kept. */
export function alertOfClaim(claim: Claim): Alert | undefined {
  const { incidentId, alertId, firstSeen, lastSeen, source, priority } = claim;
  if (!incidentId || !alertId || !firstSeen || !lastSeen || !source || !priority) return undefined;
  return {
    alertId,
    dedupKey: claim.dedupKey,
    incidentId,
    state: claim.state ?? (claim.open ? 'firing' : 'resolved'),
    autoResolve: claim.autoResolve ?? true,
    firstSeenAt: firstSeen,
    lastSeenAt: lastSeen,
    firedCount: Math.max(1, claim.fired ?? 1),
    source,
    title: claim.title ?? source.name,
    summary: claim.summary ?? '',
    priority,
    details: claim.details ?? {},
  };
}

/**
 * A live alert as its incident lists it: the claim's alert, whose state is taken from the incident's alert
 * map `entry` when that entry is at least as new as the claim's last change. The claim may have been read
 * from the eventually consistent alerts-by-incident index, the incident item is read strongly consistent,
 * and every state change is written to the claim first and then to the map: a newer map entry is the truth,
 * an older one only a step that is still to be written (the claim is then ahead of it).
 */
export function liveAlertOfClaim(claim: Claim, entry: string | undefined): Alert | undefined {
  const alert = alertOfClaim(claim);
  if (!alert || entry === undefined) return alert;
  const recorded = readAlertEntry(entry);
  if (Date.parse(recorded.at) < Date.parse(claim.watermark)) return alert;
  return { ...alert, state: recorded.state, autoResolve: recorded.autoResolve };
}

/**
 * The alert as it was on the incident it left when its last trigger moved it (see AlertClaims.attach):
 * the record that incident keeps. What it last said is taken from the claim as it is now.
 */
export function previousAlertOfClaim(claim: Claim): Alert | undefined {
  const current = alertOfClaim(claim);
  const { previousIncidentId, previousFirstSeen, previousLastSeen } = claim;
  if (!current || !previousIncidentId || !previousFirstSeen || !previousLastSeen) return undefined;
  if (previousIncidentId === claim.incidentId) return undefined;
  return {
    ...current,
    incidentId: previousIncidentId,
    state: claim.previousState ?? 'resolved',
    firstSeenAt: previousFirstSeen,
    lastSeenAt: previousLastSeen,
    firedCount: Math.max(1, claim.previousFired ?? 1),
  };
}
