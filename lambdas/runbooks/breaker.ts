import type { RunbookRuns } from '#adapters/runbook-runs';
import { type BreakerCount, countBreakerStart, type RunbookRun, trippedBreaker } from '#core/runbook-run';

/** Reads of a breaker before giving up when others keep changing it (each write is optimistic). */
const MAX_ATTEMPTS = 5;

function resourceOf(run: Pick<RunbookRun, 'resource' | 'binding'>): string {
  return run.resource || run.binding;
}

/**
 * Counts an automatic remediation against its resource's circuit breaker, or refuses it (see
 * countBreakerStart): read, decide, write if nobody changed the breaker meanwhile, else read again.
 */
export async function countStart(
  runs: RunbookRuns,
  run: Pick<RunbookRun, 'resource' | 'binding' | 'runId'>,
  now: Date,
  limits: { maxRunsPerHour: number },
): Promise<BreakerCount> {
  const resource = resourceOf(run);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await runs.getBreaker(resource);
    const count = countBreakerStart(state, resource, run.runId, now, limits);
    if (!count.allowed || !count.next) return count;
    if (await runs.putBreaker(state, count.next)) return count;
  }
  throw new Error(`the circuit breaker of ${resource} kept changing; the step is retried`);
}

/**
 * Trips the resource's breaker for `cooldownMinutes` from `at` (the run's own time, so a retry writes
 * nothing new): automatic remediations of the resource stop until then.
 */
export async function tripBreaker(
  runs: RunbookRuns,
  run: Pick<RunbookRun, 'resource' | 'binding'>,
  at: Date,
  cooldownMinutes: number,
  by: string,
): Promise<void> {
  const resource = resourceOf(run);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const state = await runs.getBreaker(resource);
    const next = trippedBreaker(state, resource, at, cooldownMinutes, by);
    if (state?.trippedUntil === next.trippedUntil) return;
    if (await runs.putBreaker(state, next)) return;
  }
  throw new Error(`the circuit breaker of ${resource} kept changing; the step is retried`);
}
