import * as z from 'zod';
import type { Level, Severity, Signal, SignalAction } from '#core/model';
import type { EventBridgeEnvelope } from './envelope';
import { compact, labels, type NormalizeResult, parseAt, parseInformational } from './parse';
import { Timestamp, toIsoUtc } from './time';

const EventTypeCategory = z.enum(['issue', 'scheduledChange', 'accountNotification', 'investigation']);
type EventTypeCategory = z.infer<typeof EventTypeCategory>;

const HealthEvent = z.object({
  eventArn: z.string().min(1).max(1000),
  service: z.string().min(1),
  eventTypeCode: z.string().min(1),
  eventTypeCategory: EventTypeCategory,
  eventScopeCode: z.enum(['PUBLIC', 'ACCOUNT_SPECIFIC', 'NONE']),
  statusCode: z.enum(['open', 'upcoming', 'closed']),
  lastUpdatedTime: Timestamp.optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  eventRegion: z.string().min(1).optional(),
  affectedAccount: z.string().min(1).optional(),
  communicationId: z.string().optional(),
  eventDescription: z.unknown().optional(),
  affectedEntities: z.unknown().optional(),
  page: z.unknown().optional(),
  totalPages: z.unknown().optional(),
});

const Descriptions = z.array(z.object({ language: z.string().optional(), latestDescription: z.string() }));
const Entities = z.array(z.object({ entityValue: z.string(), status: z.string().optional() }));

const ACTIONS = { open: 'trigger', upcoming: 'trigger', closed: 'resolve' } as const satisfies Record<
  string,
  SignalAction
>;

// `investigation` is listed by the Health API though not yet used; it is treated as a possible issue.
const BY_CATEGORY: Record<EventTypeCategory, { subcategory: string; severity: Severity; urgency: Level }> = {
  issue: { subcategory: 'Service issue', severity: 'high', urgency: 'high' },
  investigation: { subcategory: 'Service issue', severity: 'medium', urgency: 'medium' },
  scheduledChange: { subcategory: 'Scheduled change', severity: 'low', urgency: 'low' },
  accountNotification: { subcategory: 'Account notification', severity: 'info', urgency: 'low' },
};

/** `AWS Health Event`: one signal per event (and per affected account for account-specific events). */
export function normalizeHealthEvent(envelope: EventBridgeEnvelope): NormalizeResult {
  const parsed = parseAt(HealthEvent, envelope.detail, ['detail']);
  if (!parsed.ok) return { kind: 'rejected', rejection: parsed.rejection };
  const event = parsed.value;

  const warnings: string[] = [];
  const descriptions = parseInformational(
    Descriptions,
    event.eventDescription,
    ['detail', 'eventDescription'],
    warnings,
  );
  const entities =
    parseInformational(Entities, event.affectedEntities, ['detail', 'affectedEntities'], warnings) ?? [];
  // In an organization view `account` is the receiving (management) account; the affected one is here.
  const account = event.affectedAccount ?? envelope.account;
  const accountSpecific = event.eventScopeCode === 'ACCOUNT_SPECIFIC';
  const { subcategory, severity, urgency } = BY_CATEGORY[event.eventTypeCategory];
  const affected = accountSpecific || entities.length > 0;
  const region = event.eventRegion ?? envelope.region;
  const service = event.service.toLowerCase();
  const startTime = event.startTime ? (toIsoUtc(event.startTime) ?? event.startTime) : undefined;

  const signal: Signal = {
    action: ACTIONS[event.statusCode],
    // A public event is one incident however many accounts report it. An account-specific event shares its
    // ARN across the accounts it touches, yet each account's resources (and owners) differ: one per account.
    dedupKey: accountSpecific ? `${event.eventArn}#${account}` : event.eventArn,
    eventId: envelope.id,
    occurredAt: event.lastUpdatedTime ?? envelope.time,
    source: { kind: 'health', ref: event.eventArn, name: event.eventTypeCode, account, region },
    title: `AWS Health: ${event.service} ${eventTypeInWords(event.eventTypeCode, event.service)} in ${region}`,
    description: descriptions?.[0]?.latestDescription ?? '',
    summary: `${event.eventTypeCode} ${event.statusCode}${startTime ? ` since ${startTime}` : ''} (${scopeInWords(event.eventScopeCode)}${entities.length > 0 ? `, ${entities.length} affected resource(s)` : ''})`,
    service,
    category: 'Cloud Services',
    subcategory,
    severity,
    impact: impactOf(event.eventTypeCategory, affected, accountSpecific),
    urgency,
    labels: labels({
      eventTypeCode: event.eventTypeCode,
      eventTypeCategory: event.eventTypeCategory,
      eventScopeCode: event.eventScopeCode,
    }),
    details: compact({
      eventTypeCode: event.eventTypeCode,
      eventTypeCategory: event.eventTypeCategory,
      eventScopeCode: event.eventScopeCode,
      statusCode: event.statusCode,
      startTime,
      endTime: event.endTime ? (toIsoUtc(event.endTime) ?? event.endTime) : undefined,
      lastUpdatedTime: event.lastUpdatedTime,
      eventRegion: event.eventRegion,
      affectedAccount: event.affectedAccount,
      affectedEntities: entities.length > 0 ? entities.map((entity) => entity.entityValue) : undefined,
      communicationId: event.communicationId,
      // Health splits long entity lists over several events (pages) with the same ARN.
      page: typeof event.page === 'string' ? event.page : undefined,
      totalPages: typeof event.totalPages === 'string' ? event.totalPages : undefined,
      parseWarnings: warnings.length > 0 ? warnings : undefined,
    }),
    related: [],
    autoResolve: true,
  };
  return { kind: 'signals', signals: [signal], rejected: [] };
}

/** An issue touching our resources is high impact; a public one may not touch us at all. */
function impactOf(category: EventTypeCategory, affected: boolean, accountSpecific: boolean): Level {
  if (category === 'accountNotification') return accountSpecific ? 'medium' : 'low';
  return affected ? 'high' : 'medium';
}

/** `AWS_RDS_OPERATIONAL_ISSUE` with service `RDS` → `operational issue`. */
export function eventTypeInWords(eventTypeCode: string, service: string): string {
  const servicePrefix = `AWS_${service.toUpperCase()}_`;
  const code = eventTypeCode.startsWith(servicePrefix)
    ? eventTypeCode.slice(servicePrefix.length)
    : eventTypeCode.replace(/^AWS_/, '');
  return code.toLowerCase().replaceAll('_', ' ').trim() || eventTypeCode;
}

function scopeInWords(scope: 'PUBLIC' | 'ACCOUNT_SPECIFIC' | 'NONE'): string {
  if (scope === 'PUBLIC') return 'public event';
  if (scope === 'ACCOUNT_SPECIFIC') return 'account-specific event';
  return 'no scope';
}
