import * as z from 'zod';
import { SUBCATEGORIES } from './categorize';
import { optionalPersonText, personText, TEXT_LIMITS } from './limits';
import { Category, Level, type Severity, type Signal } from './model';

/** A person reports an incident (`POST /incidents`). */
export const ManualIncident = z.strictObject({
  title: personText(TEXT_LIMITS.title),
  service: personText(TEXT_LIMITS.name),
  impact: Level,
  urgency: Level,
  category: Category.optional(),
  subcategory: personText(TEXT_LIMITS.name).optional(),
  description: optionalPersonText(TEXT_LIMITS.description).optional(),
  team: personText(TEXT_LIMITS.name).optional(),
  reporter: personText(TEXT_LIMITS.name).optional(),
});
export type ManualIncident = z.infer<typeof ManualIncident>;

const SEVERITY_BY_IMPACT: Record<Level, Severity> = { high: 'high', medium: 'medium', low: 'low' };

/**
 * The signal for a reported incident. Its key comes from the request (the client's Idempotency-Key, else
 * the request id), so a retried report finds the incident it already opened. A reported incident does not
 * resolve itself: a person resolves it.
 */
export function manualSignal(
  report: ManualIncident,
  context: { requestKey: string; actor: string; now: string },
): Signal {
  const category = report.category ?? 'Application';
  const reporter = report.reporter ?? context.actor;
  return {
    action: 'trigger',
    dedupKey: `manual:${context.requestKey}`,
    eventId: `manual:${context.requestKey}`,
    occurredAt: context.now,
    source: { kind: 'manual', ref: context.requestKey, name: reporter },
    title: report.title,
    description: report.description ?? '',
    summary: `Reported by ${reporter}`,
    service: report.service,
    ...(report.team ? { team: report.team } : {}),
    category,
    subcategory: report.subcategory ?? SUBCATEGORIES[category][0],
    severity: SEVERITY_BY_IMPACT[report.impact],
    impact: report.impact,
    urgency: report.urgency,
    labels: {},
    details: { reporter },
    related: [],
    autoResolve: false,
  };
}
