import * as z from 'zod';
import { Incident, SignalAction } from './model';

/**
 * The claim on a dedup key: which incident is open for it, and the newest source change applied to it.
 * It is the one item every change for the key is serialized on (conditional writes on `watermark`), so
 * it outlives the incident: an OK that arrives before its ALARM still leaves the watermark that makes
 * the late ALARM stale.
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
});
export type Claim = z.infer<typeof Claim>;

/** The incident a claim was opened with, if the claim holds one for `incidentId`. */
export function claimOpening(claim: Claim, incidentId: string): Incident | undefined {
  if (!claim.opening) return undefined;
  const opening = Incident.parse(JSON.parse(claim.opening));
  return opening.id === incidentId ? opening : undefined;
}

/** Canonical fixed-width UTC form, so that comparing strings compares instants. */
export function canonicalTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${iso}`);
  return new Date(ms).toISOString();
}
