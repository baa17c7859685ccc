import type { IncidentStore } from '#adapters/incident-store';
import type { Claim } from '#core/dedup';
import type { Incident } from '#core/model';

/** How often the index is read again for alerts it does not show yet (it is eventually consistent). */
const INDEX_ATTEMPTS = 5;
const INDEX_PAUSE_MS = 100;

/**
 * After an incident was resolved (or merged away): every alert still on it is released, so its next
 * trigger opens, or joins, a new incident instead of being counted on one that is over. The alerts are
 * found by the alerts-by-incident index and checked against the incident's own alert map; `known` claims
 * (the alert whose recovery resolved it) need no lookup. Returns the alerts not found, for a later pass
 * (the lifecycle's resolution step runs it again).
 */
export async function releaseAlerts(
  store: IncidentStore,
  incident: Pick<Incident, 'id' | 'alerts'>,
  known: readonly Claim[] = [],
): Promise<{ released: number; missing: string[] }> {
  const { claims, missing } = await findAlertClaims(store, incident, known);
  let released = 0;
  for (const claim of claims) {
    if (claim.open && (await store.claims.release(claim.dedupKey, incident.id))) released += 1;
  }
  return { released, missing };
}

/**
 * The claims of an incident's alerts: found by the alerts-by-incident index (eventually consistent, so it
 * is read again, a little later each time, until it shows every alert of the incident's map) and by the
 * `known` claims. Returns the alert ids it could not find.
 */
export async function findAlertClaims(
  store: IncidentStore,
  incident: Pick<Incident, 'id' | 'alerts'>,
  known: readonly Claim[] = [],
): Promise<{ claims: Claim[]; missing: string[] }> {
  const expected = new Set(Object.keys(incident.alerts));
  const found = new Map<string, Claim>();
  for (const claim of known) {
    if (claim.alertId && claim.incidentId === incident.id) found.set(claim.alertId, claim);
  }
  for (let attempt = 0; attempt < INDEX_ATTEMPTS && missingOf(expected, found).length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, INDEX_PAUSE_MS * attempt));
    let start: Record<string, unknown> | undefined;
    do {
      const page = await store.claims.listByIncident(incident.id, start);
      for (const claim of page.claims)
        if (claim.alertId && !found.has(claim.alertId)) found.set(claim.alertId, claim);
      start = page.next;
    } while (start);
  }
  return { claims: [...found.values()], missing: missingOf(expected, found) };
}

function missingOf(expected: Set<string>, found: Map<string, Claim>): string[] {
  return [...expected].filter((alertId) => !found.has(alertId));
}
