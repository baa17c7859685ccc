import * as z from 'zod';
import { IncidentRoles } from './incident-roles';

/** How widely the problem hurts and how fast it must be handled; together they give the priority. */
export const Level = z.enum(['high', 'medium', 'low']);
export type Level = z.infer<typeof Level>;

export const Priority = z.enum(['P1', 'P2', 'P3', 'P4']);
export type Priority = z.infer<typeof Priority>;

/** The source's own severity, kept apart from urgency and priority. */
export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);
export type Severity = z.infer<typeof Severity>;

export const Status = z.enum(['triggered', 'acknowledged', 'resolved', 'closed']);
export type Status = z.infer<typeof Status>;
export const OPEN_STATUSES: readonly Status[] = ['triggered', 'acknowledged'];

export const Category = z.enum([
  'Infrastructure',
  'Application',
  'Security',
  'Database',
  'Network',
  'Cloud Services',
]);
export type Category = z.infer<typeof Category>;

export const SourceKind = z.enum([
  'cloudwatch',
  'guardduty',
  'securityhub',
  'health',
  'alertmanager',
  'pagerduty',
  'manual',
]);
export type SourceKind = z.infer<typeof SourceKind>;

/** Where an alert came from, with the identifiers an engineer needs to find it again. */
export const SourceRef = z.object({
  kind: SourceKind,
  /** The source's identifier of the alerting thing: alarm ARN, finding id, Health event ARN, fingerprint. */
  ref: z.string().min(1),
  name: z.string().min(1),
  account: z.string().optional(),
  region: z.string().optional(),
  url: z.string().optional(),
});
export type SourceRef = z.infer<typeof SourceRef>;

/**
 * What a normalized alert asks for:
 * - trigger: something is wrong (opens an incident or adds an alert to the open one);
 * - acknowledge: someone owns it (acknowledges the open incident; PagerDuty Events v2 `acknowledge`);
 * - resolve: it has recovered (resolves the open incident);
 * - note: worth recording on an open incident, never opens one (e.g. INSUFFICIENT_DATA).
 */
export const SignalAction = z.enum(['trigger', 'acknowledge', 'resolve', 'note']);
export type SignalAction = z.infer<typeof SignalAction>;

/** One alert from any source, normalized. The ingest path turns signals into incident changes. */
export const Signal = z.object({
  action: SignalAction,
  /** Identifies the alerting thing across its state changes; one open incident per key. */
  dedupKey: z.string().min(1).max(1024),
  /** Unique per delivered change: the same change delivered twice has the same id. */
  eventId: z.string().min(1),
  /** When the source says the change happened (ISO 8601, UTC). Orders changes for the same key. */
  occurredAt: z.iso.datetime({ offset: true }),
  source: SourceRef,
  title: z.string().min(1),
  description: z.string(),
  /** One line an engineer reads first: the state reason, finding title, or event summary. */
  summary: z.string(),
  service: z.string().min(1),
  team: z.string().min(1).optional(),
  category: Category,
  subcategory: z.string().min(1),
  severity: Severity,
  impact: Level,
  urgency: Level,
  /** Free-form labels carried to the incident (alarm tags, finding type, ...). */
  labels: z.record(z.string(), z.string()),
  /** Structured facts for the timeline: metric, threshold, datapoints, child alarms, resources. */
  details: z.record(z.string(), z.unknown()),
  /** Related alert keys (a composite alarm's children); linked, never merged. */
  related: z.array(z.string()),
  /** False when the source asks that recovery must not resolve the incident (tag firebreak:auto-resolve=false). */
  autoResolve: z.boolean(),
  /** `off` when the source asks that this alert is never grouped with others (tag firebreak:group=off). */
  group: z.literal('off').optional(),
  /** The source's own grouping of its alerts (Alertmanager's `groupKey`), for rules that group by it. */
  sourceGroupKey: z.string().min(1).optional(),
});
export type Signal = z.infer<typeof Signal>;

export const Incident = z.object({
  id: z.string().regex(/^INC-\d{8}-\d{4,}$/),
  title: z.string().min(1),
  description: z.string(),
  /** What the source said when it opened the incident (e.g. the alarm's state reason): the symptoms. */
  summary: z.string().optional(),
  service: z.string().min(1),
  team: z.string().optional(),
  category: Category,
  subcategory: z.string(),
  severity: Severity,
  impact: Level,
  urgency: Level,
  priority: Priority,
  status: Status,
  source: SourceRef,
  dedupKey: z.string(),
  labels: z.record(z.string(), z.string()),
  related: z.array(z.string()),
  assignee: z.string().optional(),
  /** Who holds the response roles (commander, tech lead, comms lead, scribe), set with `PUT /incidents/{id}/roles`. */
  roles: IncidentRoles.optional(),
  /** Every notification target paged so far, each once, in the order first paged: the resolution notice goes to them. */
  pagedTargets: z.array(z.string()).optional(),
  escalationLevel: z.number().int().min(0),
  /**
   * The groups whose new alerts join this incident (see #core/grouping): its own, plus those of incidents
   * merged into it. None when its alert stands alone.
   */
  groupKeys: z.array(z.string()).optional(),
  /** Its alerts: alert id → newest change and state (see #core/alerts). */
  alerts: z.record(z.string(), z.string()).default({}),
  /** Alerts in it, and how many fire now: derived from `alerts` when read, never stored. */
  alertCount: z.number().int().min(0),
  firingCount: z.number().int().min(0),
  /** When the last alert joined or fired again: a new alert of the group joins within the group's window. */
  lastAlertAt: z.string().optional(),
  /** Set when a person merged this incident into another: its alerts moved there. */
  mergedInto: z.string().optional(),
  mergedAt: z.string().optional(),
  /** How many alerts moved out with the merge. */
  mergedAlerts: z.number().int().min(0).optional(),
  /** When a joining alert raised the priority (the lifecycle re-plans from it). */
  priorityRaisedAt: z.string().optional(),
  slaBreached: z.boolean(),
  /** Response deadline from the priority's SLA (ISO 8601). */
  respondBy: z.string(),
  detectedAt: z.string(),
  createdAt: z.string(),
  acknowledgedAt: z.string().optional(),
  /** The latest acknowledgement (after an acknowledgement timed out, `acknowledgedAt` keeps the first). */
  lastAcknowledgedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  /** Who or what resolved it: a person, or the delivery id of the recovery signal. */
  resolvedBy: z.string().optional(),
  /** What was done to resolve it, and the root cause when known: both go into the resolution notice. */
  resolution: z.string().optional(),
  rootCause: z.string().optional(),
  closedAt: z.string().optional(),
  closedBy: z.string().optional(),
  /**
   * Notices the lifecycle has sent, by key (e.g. `page-c0-s1`), with when: a retried step finds its notice
   * here and does not send it again.
   */
  notices: z.record(z.string(), z.string()).default({}),
  /**
   * The Slack channel of its own (a channel id), for the priorities configured to get one: recorded once,
   * when it is opened. Messages there are never read into the timeline (only `/incident update` adds notes).
   */
  chatChannel: z.string().optional(),
  /**
   * The problem record (`PRB-…`) its recurrence is linked to, for the root-cause work (see #core/problems):
   * set once, when the problem is opened or extended with it.
   */
  problemId: z.string().optional(),
  /** When stakeholders last got a status update (Investigating / Identified / Monitoring). */
  lastUpdateAt: z.string().optional(),
  /** Time of the newest source change applied to this incident. */
  lastSignalAt: z.string(),
  version: z.number().int().min(1),
});
export type Incident = z.infer<typeof Incident>;

export const TimelineKind = z.enum([
  'opened',
  'alert',
  'alert-joined',
  'alert-resolved',
  'merged',
  'priority-raised',
  'note',
  'resolved',
  'acknowledged',
  'closed',
  'escalated',
  'notified',
  'updated',
  'remediation',
  /** Findings of the built-in diagnosis of recent changes (and other read-only diagnoses). */
  'diagnosis',
  'sla-breached',
  'failure',
  /** The post-incident review opened, scheduled, completed, or an action item of it changed. */
  'review',
  /** Linked to a problem record (recurrence). */
  'problem',
]);
export type TimelineKind = z.infer<typeof TimelineKind>;

/** Append-only audit entry: who or what, when, what happened, and the structured facts. */
export const TimelineEntry = z.object({
  incidentId: z.string(),
  /** Unique within the incident and deterministic for the change that wrote it, so a retry rewrites nothing. */
  entryId: z.string(),
  at: z.string(),
  kind: TimelineKind,
  actor: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;
