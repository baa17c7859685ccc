import type { Logger } from '@aws-lambda-powertools/logger';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { type ApplySignalDeps, applySignal, type SignalOutcome } from './apply-signal';

export type EventResult =
  | { eventId: string; dedupKey: string; result: SignalOutcome }
  | { eventId: string; outcome: 'ignored'; reason: string }
  | { eventId: string; outcome: 'rejected'; reason: string; field?: string };

export interface IngestReport {
  results: EventResult[];
}

function eventIdOf(event: unknown): string {
  if (typeof event === 'object' && event !== null && 'id' in event && typeof event.id === 'string')
    return event.id;
  return 'unknown';
}

/**
 * Ingests one EventBridge event or a list of them. Bad input is logged with the reason and the field and
 * then dropped: retrying it could never succeed. A failure of the store is different: after every other
 * signal has had its turn the invocation fails so that AWS retries it, which is safe because every step
 * of `applySignal` is idempotent.
 */
export function createEventIngester(deps: ApplySignalDeps, logger: Logger) {
  return async function ingestEvents(input: unknown): Promise<IngestReport> {
    const events = Array.isArray(input) ? input : [input];
    const results: EventResult[] = [];
    const failures: unknown[] = [];

    for (const event of events) {
      const eventId = eventIdOf(event);
      const normalized = normalizeEventBridgeEvent(event);
      if (normalized.kind === 'rejected') {
        const { reason, field } = normalized.rejection;
        logger.warn('event rejected', { eventId, reason, field });
        results.push({ eventId, outcome: 'rejected', reason, ...(field ? { field } : {}) });
        continue;
      }
      if (normalized.kind === 'ignored') {
        logger.info('event ignored', { eventId, reason: normalized.reason });
        results.push({ eventId, outcome: 'ignored', reason: normalized.reason });
        continue;
      }
      for (const { reason, field } of normalized.rejected) {
        logger.warn('part of event rejected', { eventId, reason, field });
        results.push({ eventId, outcome: 'rejected', reason, ...(field ? { field } : {}) });
      }
      for (const signal of normalized.signals) {
        try {
          const result = await applySignal(deps, signal);
          logger.info('signal applied', {
            eventId,
            dedupKey: signal.dedupKey,
            action: signal.action,
            ...result,
          });
          results.push({ eventId, dedupKey: signal.dedupKey, result });
        } catch (error) {
          logger.error('signal failed; the event will be retried', {
            eventId,
            dedupKey: signal.dedupKey,
            error,
          });
          failures.push(error);
        }
      }
    }

    if (failures.length > 0) {
      throw new AggregateError(failures, `${failures.length} signal(s) failed to apply; retry the event`);
    }
    return { results };
  };
}
