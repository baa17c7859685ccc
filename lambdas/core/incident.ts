import { alertEntry, countAlerts } from './alerts';
import { alertId } from './grouping';
import { Incident, OPEN_STATUSES, type Signal, type TimelineEntry, type TimelineKind } from './model';
import { DEFAULT_PRIORITY_POLICY, type PriorityPolicy, prioritize, respondBy } from './priority';

/**
 * A new incident for a trigger signal: priority from the matrix, response deadline from its SLA, the
 * signal's alert as its first, and the group it gathers alerts for (if any).
 */
export function openIncident(
  signal: Signal,
  id: string,
  now: Date,
  policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY,
  groupKey?: string,
): Incident {
  const priority = prioritize(signal.impact, signal.urgency, policy);
  const createdAt = now.toISOString();
  return {
    id,
    title: signal.title,
    description: signal.description,
    ...(signal.summary ? { summary: signal.summary } : {}),
    service: signal.service,
    ...(signal.team ? { team: signal.team } : {}),
    category: signal.category,
    subcategory: signal.subcategory,
    severity: signal.severity,
    impact: signal.impact,
    urgency: signal.urgency,
    priority,
    status: 'triggered',
    source: signal.source,
    dedupKey: signal.dedupKey,
    labels: signal.labels,
    related: signal.related,
    escalationLevel: 0,
    notices: {},
    ...(groupKey ? { groupKeys: [groupKey] } : {}),
    alerts: { [alertId(signal.dedupKey)]: alertEntry(signal.occurredAt, 'firing', signal.autoResolve) },
    alertCount: 1,
    firingCount: 1,
    lastAlertAt: signal.occurredAt,
    slaBreached: false,
    respondBy: respondBy(priority, createdAt, policy),
    detectedAt: signal.occurredAt,
    createdAt,
    lastSignalAt: signal.occurredAt,
    version: 1,
  };
}

/** Who a source signal is attributed to on the timeline. */
export function signalActor(signal: Signal): string {
  return `${signal.source.kind}:${signal.source.name}`;
}

const MESSAGE_PREFIX: Record<TimelineKind, string> = {
  opened: 'Opened',
  alert: 'Alert',
  'alert-joined': 'Alert joined',
  'alert-resolved': 'Alert resolved',
  merged: 'Merged',
  'priority-raised': 'Priority raised',
  note: 'Note',
  resolved: 'Resolved',
  acknowledged: 'Acknowledged',
  closed: 'Closed',
  escalated: 'Escalated',
  notified: 'Notified',
  updated: 'Updated',
  remediation: 'Remediation',
  diagnosis: 'Diagnosis',
  'sla-breached': 'Response SLA breached',
  failure: 'Failure',
  review: 'Review',
  problem: 'Problem',
};

/**
 * The timeline entry a signal writes. Everything in it derives from the signal, so a retry of the same
 * delivery produces the identical entry under the identical key: the put-if-absent makes it a no-op.
 */
export function timelineEntryForSignal(
  incidentId: string,
  signal: Signal,
  kind: TimelineKind,
  extra: Record<string, unknown> = {},
): TimelineEntry {
  const text = signal.summary || signal.title;
  return {
    incidentId,
    entryId: `sig:${signal.eventId}`,
    at: signal.occurredAt,
    kind,
    actor: signalActor(signal),
    message: `${MESSAGE_PREFIX[kind]}: ${text}`,
    details: {
      action: signal.action,
      dedupKey: signal.dedupKey,
      eventId: signal.eventId,
      source: signal.source,
      severity: signal.severity,
      ...(signal.related.length > 0 ? { related: signal.related } : {}),
      ...signal.details,
      ...extra,
    },
  };
}

/**
 * The "opened" entry rebuilt from the incident as it was opened, for a later change that has to finish an
 * open whose own delivery stopped half way. Same key as the opener's entry, so only one of them lands.
 */
export function openedEntryFromSnapshot(opening: Incident, openedBy: string): TimelineEntry {
  return {
    incidentId: opening.id,
    entryId: `sig:${openedBy}`,
    at: opening.detectedAt,
    kind: 'opened',
    actor: `${opening.source.kind}:${opening.source.name}`,
    message: `${MESSAGE_PREFIX.opened}: ${opening.title}`,
    details: {
      dedupKey: opening.dedupKey,
      eventId: openedBy,
      source: opening.source,
      severity: opening.severity,
      priority: opening.priority,
      impact: opening.impact,
      urgency: opening.urgency,
      category: opening.category,
      subcategory: opening.subcategory,
      recoveredFrom: 'the dedup claim, after the opening delivery stopped before writing the incident',
    },
  };
}

/**
 * An incident as stored (an item, or the claim's JSON copy) read into the model: the alert counts are
 * derived from its alert map, never stored. An incident written before alerts were tracked one by one
 * counts as one alert.
 */
export function readIncident(item: Record<string, unknown>): Incident {
  const alerts = item.alerts;
  const counts =
    typeof alerts === 'object' && alerts !== null
      ? countAlerts(alerts as Record<string, string>)
      : { alertCount: 1, firingCount: OPEN_STATUSES.includes(item.status as Incident['status']) ? 1 : 0 };
  // Stored as a string set, so a group can be taken off by value.
  const groupKeys = item.groupKeys instanceof Set ? [...item.groupKeys].map(String).sort() : item.groupKeys;
  return Incident.parse({ ...item, ...counts, ...(groupKeys === undefined ? {} : { groupKeys }) });
}

/** The attributes an incident is stored with: everything but what is derived when read. */
export function storedIncident(incident: Incident): Record<string, unknown> {
  const { alertCount: _alertCount, firingCount: _firingCount, groupKeys, ...stored } = incident;
  return groupKeys && groupKeys.length > 0 ? { ...stored, groupKeys: new Set(groupKeys) } : stored;
}
