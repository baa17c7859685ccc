import * as z from 'zod';
import { type IncidentFigures, incidentFigures } from './figures';
import { personText, TEXT_LIMITS } from './limits';
import type { Incident, TimelineEntry } from './model';

/** Resolving a P1 or P2 opens a review due this long after the resolution. */
export const REVIEW_DUE_HOURS = 48;
/** Priorities whose resolution opens a review draft. */
export const REVIEWED_PRIORITIES: ReadonlySet<string> = new Set(['P1', 'P2']);

const Lines = z.array(personText(TEXT_LIMITS.note)).max(50, { error: 'must have at most 50 entries' });

export const ActionItemStatus = z.enum(['open', 'done', 'dropped']);

/** A follow-up someone owns: what, who, by when, and whether it is done. */
export const ActionItem = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/, { error: 'must be 1-40 lower-case letters, digits or "-"' }),
  title: personText(TEXT_LIMITS.title),
  owner: personText(TEXT_LIMITS.name),
  dueDate: z.iso.date({ error: 'must be a date like 2026-12-15' }),
  status: ActionItemStatus.default('open'),
});
export type ActionItem = z.infer<typeof ActionItem>;

/** An action item as stored (its own item, beside other attributes); undefined when it does not parse. */
export function storedActionItem(item: Record<string, unknown>): ActionItem | undefined {
  const parsed = ActionItem.safeParse({
    id: item.id,
    title: item.title,
    owner: item.owner,
    dueDate: item.dueDate,
    status: item.status,
  });
  return parsed.success ? parsed.data : undefined;
}

/** What people write in a review (`PUT /incidents/{id}/review`); the rest is filled from the record. */
export const ReviewBody = z
  .strictObject({
    /** `scheduled` needs `scheduledFor`; `completed` closes the review. */
    state: z.enum(['draft', 'scheduled', 'completed']),
    scheduledFor: z.iso.datetime({ offset: true }).optional(),
    /**
     * Who sees the review through (reminders go to them): the incident commander, or whoever acknowledged
     * first, when the draft opens; left out of a PUT, the owner stays as it is.
     */
    owner: personText(TEXT_LIMITS.name).optional(),
    rootCause: personText(TEXT_LIMITS.description).optional(),
    /** Five whys: each answer asks the next why. */
    whys: z.array(personText(TEXT_LIMITS.note)).max(10, { error: 'must have at most 10 whys' }).default([]),
    wentWell: Lines.default([]),
    wentPoorly: Lines.default([]),
    lessons: Lines.default([]),
    actionItems: z
      .array(ActionItem)
      .max(50, { error: 'must have at most 50 action items' })
      .refine((items) => new Set(items.map((item) => item.id)).size === items.length, {
        error: 'must not use an action item id twice',
      })
      .default([]),
  })
  .refine((body) => body.state !== 'scheduled' || body.scheduledFor !== undefined, {
    path: ['scheduledFor'],
    error: 'is needed when the review is scheduled',
  });
export type ReviewBody = z.infer<typeof ReviewBody>;

/** What the record says, filled in when the draft opens and kept as it was then. */
export interface ReviewFacts {
  incidentId: string;
  title: string;
  priority: string;
  service: string;
  team?: string;
  summary: string;
  impact: string;
  resolution?: string;
  figures: IncidentFigures;
  detectedAt: string;
  createdAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  paged: string[];
  timeline: Array<{ at: string; kind: string; actor: string; message: string }>;
  runbooks: Array<{ name: string; state: string }>;
  alerts: Array<{ title: string; state: string; firstSeenAt: string; firedCount: number }>;
}

/** The facts of a review as stored and answered (see ReviewFacts). */
export const ReviewFactsSchema = z.object({
  incidentId: z.string(),
  title: z.string(),
  priority: z.string(),
  service: z.string(),
  team: z.string().optional(),
  summary: z.string(),
  impact: z.string(),
  resolution: z.string().optional(),
  figures: z
    .object({
      ttd: z.number(),
      tta: z.number().nullable(),
      ttr: z.number().nullable(),
      slaBreached: z.boolean(),
    })
    .describe('Time to detect, acknowledge and resolve in seconds (null when it never happened)'),
  detectedAt: z.string(),
  createdAt: z.string(),
  acknowledgedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  paged: z.array(z.string()).describe('Every target paged, in the order first paged'),
  timeline: z
    .array(z.object({ at: z.string(), kind: z.string(), actor: z.string(), message: z.string() }))
    .describe('The incident’s timeline when the review opened, oldest first'),
  runbooks: z.array(z.object({ name: z.string(), state: z.string() })),
  alerts: z.array(
    z.object({ title: z.string(), state: z.string(), firstSeenAt: z.string(), firedCount: z.number() }),
  ),
});
export type Review = ReviewFacts & ReviewBody & { dueAt: string; openedAt: string; version: number };

/**
 * A review is one DynamoDB item (400 KB at most): its facts' timeline takes at most REVIEW_TIMELINE_BYTES of
 * it (an incident with thousands of entries keeps its first and last ones), and a save that would make the
 * whole review larger than REVIEW_MAX_BYTES is refused, so what people write always has room.
 */
export const REVIEW_TIMELINE_BYTES = 120_000;
/** The facts' alerts take at most this much (an incident holds up to 1000 alerts). */
export const REVIEW_ALERTS_BYTES = 60_000;
export const REVIEW_MAX_BYTES = 360_000;

const encoder = new TextEncoder();

/** The review's size as JSON: a little more than DynamoDB counts for the same attributes. */
export function reviewBytes(review: object): number {
  return encoder.encode(JSON.stringify(review)).length;
}

type TimelineLine = ReviewFacts['timeline'][number];

/**
 * The timeline within `maxBytes`: as many of its first and last entries as fit (half the room each), with
 * one line in between saying how many were left out. Unchanged when it fits.
 */
export function fitTimeline(lines: readonly TimelineLine[], maxBytes: number): TimelineLine[] {
  if (reviewBytes(lines) <= maxBytes) return [...lines];
  const half = maxBytes / 2;
  const take = (from: readonly TimelineLine[]) => {
    const kept: TimelineLine[] = [];
    let used = 0;
    for (const line of from) {
      used += reviewBytes(line) + 1;
      if (used > half) break;
      kept.push(line);
    }
    return kept;
  };
  const head = take(lines);
  const tail = take([...lines].reverse()).reverse();
  const left = lines.length - head.length - tail.length;
  const gap: TimelineLine = {
    at: tail[0]?.at ?? head.at(-1)?.at ?? '',
    kind: 'note',
    actor: 'firebreak',
    message: `${left} entries left out here: the incident's own timeline has them all`,
  };
  return [...head, gap, ...tail];
}

/**
 * The draft's facts from the incident as it was resolved: its timeline oldest first, the figures, who was
 * paged, what ran and its alerts. People then write the rest.
 */
export function reviewFacts(
  incident: Incident,
  timeline: readonly TimelineEntry[],
  runbooks: ReviewFacts['runbooks'],
  alerts: ReviewFacts['alerts'],
): ReviewFacts {
  return {
    incidentId: incident.id,
    title: incident.title,
    priority: incident.priority,
    service: incident.service,
    ...(incident.team ? { team: incident.team } : {}),
    summary: incident.summary || incident.description || incident.title,
    impact: `${incident.impact} impact, ${incident.urgency} urgency (${incident.priority})`,
    ...(incident.resolution ? { resolution: incident.resolution } : {}),
    figures: incidentFigures(incident),
    detectedAt: incident.detectedAt,
    createdAt: incident.createdAt,
    ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    paged: [...(incident.pagedTargets ?? [])],
    timeline: fitTimeline(
      [...timeline]
        .sort((a, b) => a.at.localeCompare(b.at) || a.entryId.localeCompare(b.entryId))
        .map(({ at, kind, actor, message }) => ({ at, kind, actor, message })),
      REVIEW_TIMELINE_BYTES,
    ),
    runbooks,
    alerts: fitAlerts(alerts, REVIEW_ALERTS_BYTES),
  };
}

type AlertLine = ReviewFacts['alerts'][number];

/**
 * The alerts within `maxBytes`: the first ones seen, then one line saying how many more there are (the
 * incident's alert listing has them all). Unchanged when they fit.
 */
export function fitAlerts(alerts: readonly AlertLine[], maxBytes: number): AlertLine[] {
  if (reviewBytes(alerts) <= maxBytes) return [...alerts];
  const kept: AlertLine[] = [];
  let used = 0;
  for (const alert of alerts) {
    used += reviewBytes(alert) + 1;
    if (used > maxBytes - 200) break;
    kept.push(alert);
  }
  const rest = alerts.slice(kept.length);
  return [
    ...kept,
    {
      title: `${rest.length} more alerts: the incident's alert listing has them all`,
      state: 'more',
      firstSeenAt: rest[0]?.firstSeenAt ?? '',
      firedCount: rest.reduce((total, alert) => total + alert.firedCount, 0),
    },
  ];
}

/** When a review of an incident resolved at `resolvedAt` is due. */
export function reviewDueAt(resolvedAt: string): string {
  return new Date(Date.parse(resolvedAt) + REVIEW_DUE_HOURS * 3_600_000).toISOString();
}

const duration = (seconds: number | null) => {
  if (seconds === null) return 'n/a';
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/** Markdown keeps what people typed as text: characters that would format it are escaped. */
function text(value: string): string {
  return value.replace(/([\\`*_[\]<>#|])/g, '\\$1').replace(/\r?\n/g, ' ');
}

const list = (items: readonly string[]) =>
  items.length ? items.map((item) => `- ${text(item)}`) : ['- (none)'];

/** The review as Markdown (`Accept: text/markdown`): for a wiki page or the review meeting's screen. */
export function reviewMarkdown(review: Review): string {
  const { figures } = review;
  return [
    `# Post-incident review: ${review.incidentId} ${text(review.title)}`,
    '',
    `State: ${review.state}${review.scheduledFor ? ` (meeting ${review.scheduledFor})` : ''} · due ${review.dueAt}${review.owner ? ` · owner ${text(review.owner)}` : ''}`,
    '',
    '## Summary',
    text(review.summary),
    '',
    `Impact: ${text(review.impact)}. Service: ${text(review.service)}${review.team ? `, team ${text(review.team)}` : ''}.`,
    ...(review.resolution ? ['', `Resolution: ${text(review.resolution)}`] : []),
    '',
    '## Figures',
    `- Time to detect: ${duration(figures.ttd)}`,
    `- Time to acknowledge: ${duration(figures.tta)}`,
    `- Time to resolve: ${duration(figures.ttr)}`,
    `- Response SLA: ${figures.slaBreached ? 'breached' : 'met'}`,
    '',
    '## Timeline (UTC)',
    '| time | what | who | |',
    '|---|---|---|---|',
    ...review.timeline.map(
      (entry) => `| ${entry.at} | ${entry.kind} | ${text(entry.actor)} | ${text(entry.message)} |`,
    ),
    '',
    '## Paged',
    ...list(review.paged),
    '',
    '## Runbooks',
    ...list(review.runbooks.map((run) => `${run.name}: ${run.state}`)),
    '',
    '## Alerts',
    ...list(
      review.alerts.map(
        (alert) => `${alert.title} (${alert.state}, fired ${alert.firedCount}×, first ${alert.firstSeenAt})`,
      ),
    ),
    '',
    '## Root cause',
    review.rootCause ? text(review.rootCause) : '(not yet written)',
    ...review.whys.map((why, index) => `${index + 1}. Why? ${text(why)}`),
    '',
    '## What went well',
    ...list(review.wentWell),
    '',
    '## What went poorly',
    ...list(review.wentPoorly),
    '',
    '## Lessons',
    ...list(review.lessons),
    '',
    '## Action items',
    ...(review.actionItems.length
      ? [
          '| item | owner | due | status |',
          '|---|---|---|---|',
          ...review.actionItems.map(
            (item) => `| ${text(item.title)} | ${text(item.owner)} | ${item.dueDate} | ${item.status} |`,
          ),
        ]
      : ['- (none)']),
    '',
  ].join('\n');
}
