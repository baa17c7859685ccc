/**
 * How long the record of a sent notice is kept on its incident. It exists so that a retried step, or a
 * client retrying a request with its Idempotency-Key, does not send the notice again; Step Functions'
 * retries take minutes and clients retry within hours, so a day is ample. Dropping older records keeps an
 * incident that stays open for weeks as small as one open for a day (test/integration/item-size.test.ts).
 */
export const NOTICE_RETENTION_MS = 24 * 3_600_000;

/** Notices sent once per incident, whatever its age: their records stay. */
const KEPT = new Set(['sla-breach', 'resolution', 'failure']);

/** At most this many records are dropped by one write, so its expression stays small. */
const MAX_EXPIRED_PER_WRITE = 50;

/** The records of `notices` that may be dropped at `now`, never `except` (the one being written). */
export function expiredNotices(
  notices: Readonly<Record<string, string>>,
  now: Date,
  except?: string,
): string[] {
  const cutoff = now.getTime() - NOTICE_RETENTION_MS;
  const expired: string[] = [];
  for (const [key, sentAt] of Object.entries(notices)) {
    if (key === except || KEPT.has(key)) continue;
    const at = Date.parse(sentAt);
    if (!Number.isNaN(at) && at < cutoff) expired.push(key);
    if (expired.length >= MAX_EXPIRED_PER_WRITE) break;
  }
  return expired;
}
