import type { EscalationConfig } from './escalation';
import type { Incident } from './model';
import { type PagePerson, reachable } from './page-targets';
import { formatDuration, MAX_SUBJECT_LENGTH, type NotificationMessage, oneLine, truncate } from './templates';

/**
 * Reminders that a post-incident review or one of its action items is overdue. Pure: which items are
 * overdue at `now`, who is told, and what they read. The scheduled reminder function (and local mode's
 * timer) reads the candidates, claims each reminder once per due date and publishes it.
 */

/** A review not yet completed, as the reminder reads it (the `REVIEWS#DUE` index partition). */
export interface DueReview {
  incidentId: string;
  /** When the review is due: an ISO instant (`reviewDueAt`). */
  dueAt: string;
  owner?: string;
}

/** An action item, as the reminder reads it (the `ACTIONS#open` index partition). */
export interface DueActionItem {
  incidentId: string;
  id: string;
  title: string;
  owner: string;
  /** The day it is due, `YYYY-MM-DD`: it may be done until that day ends (UTC). */
  dueDate: string;
  status: string;
}

/** One reminder to send: what is overdue, by when it was due, and whose it is. */
export type Reminder =
  | { kind: 'review'; incidentId: string; due: string; owner?: string }
  | {
      kind: 'action';
      incidentId: string;
      itemId: string;
      itemTitle: string;
      due: string;
      owner: string;
    };

const DAY_MS = 86_400_000;

/** A review is overdue from its due instant on: due exactly now counts as overdue. */
export function isReviewOverdue(dueAt: string, now: Date): boolean {
  const due = Date.parse(dueAt);
  return Number.isFinite(due) && due <= now.getTime();
}

/**
 * An action item due on day D may be done all of D: it is overdue from D + 1 at 00:00 UTC on. A due date
 * names no zone, and the owners' zones differ; UTC is the one day boundary everybody shares (and it is the
 * zone of every time Firebreak shows), so an owner east of UTC may hear a few hours after their own
 * midnight, one west of it a few hours before it.
 */
export function isActionItemOverdue(dueDate: string, now: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dueDate)) return false;
  const start = Date.parse(`${dueDate}T00:00:00.000Z`);
  return Number.isFinite(start) && now.getTime() >= start + DAY_MS;
}

/** Action items due before this day (`YYYY-MM-DD`, UTC) are overdue at `now`: the index's upper bound. */
export function actionItemsOverdueBefore(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The reminders due at `now`, reviews first, each list by due date (then incident and item). */
export function overdueReminders(
  reviews: readonly DueReview[],
  items: readonly DueActionItem[],
  now: Date,
): Reminder[] {
  const byDue = (a: Reminder, b: Reminder) =>
    a.due.localeCompare(b.due) ||
    a.incidentId.localeCompare(b.incidentId) ||
    (a.kind === 'action' && b.kind === 'action' ? a.itemId.localeCompare(b.itemId) : 0);
  const dueReviews = reviews
    .filter((review) => isReviewOverdue(review.dueAt, now))
    .map(
      (review): Reminder => ({
        kind: 'review',
        incidentId: review.incidentId,
        due: review.dueAt,
        ...(review.owner ? { owner: review.owner } : {}),
      }),
    )
    .sort(byDue);
  const dueItems = items
    .filter((item) => item.status === 'open' && isActionItemOverdue(item.dueDate, now))
    .map(
      (item): Reminder => ({
        kind: 'action',
        incidentId: item.incidentId,
        itemId: item.id,
        itemTitle: item.title,
        due: item.dueDate,
        owner: item.owner,
      }),
    )
    .sort(byDue);
  return [...dueReviews, ...dueItems];
}

/** The management targets of every policy: the topics a reminder without an owner to reach can go to. */
export function managementTargets(config: EscalationConfig): string[] {
  return [...new Set(Object.values(config.policies).map((policy) => policy.management))].sort();
}

/** Why a reminder went to management rather than (or as well as) its owner. */
export type ManagementReason = 'no-owner' | 'unknown-owner' | 'unreachable-owner';

/** Where a reminder goes: delivery targets as the notifier takes them (`person:<id>`, topic names). */
export interface ReminderRouting {
  deliveries: string[];
  /** Set when management is told: the message says why. */
  management?: { target: string; reason: ManagementReason };
}

/**
 * To the owner as a person (the people topic reaches their confirmed contact methods), as a page is.
 * Without an owner, or with one who is not in the directory, to the management topic of the incident's
 * escalation policy instead; an owner with no confirmed email or SMS contact is told and management too,
 * as paging does (see resolveTargets), so a reminder is never silent.
 */
export function routeReminder(
  owner: string | undefined,
  person: PagePerson | undefined,
  managementTarget: string,
): ReminderRouting {
  if (!owner)
    return { deliveries: [managementTarget], management: { target: managementTarget, reason: 'no-owner' } };
  if (!person)
    return {
      deliveries: [managementTarget],
      management: { target: managementTarget, reason: 'unknown-owner' },
    };
  if (!reachable(person))
    return {
      deliveries: [`person:${person.id}`, managementTarget],
      management: { target: managementTarget, reason: 'unreachable-owner' },
    };
  return { deliveries: [`person:${person.id}`] };
}

function managementLine(reminder: Reminder, management: ReminderRouting['management']): string[] {
  if (!management) return [];
  const what = reminder.kind === 'review' ? 'the review' : 'this action item';
  const owner = reminder.owner ? oneLine(reminder.owner) : '';
  const why =
    management.reason === 'no-owner'
      ? `${what} has no owner`
      : management.reason === 'unknown-owner'
        ? `its owner "${owner}" is not a person in Firebreak's directory`
        : `its owner ${owner} has no confirmed email or SMS contact (they were sent it too)`;
  return ['', `Sent to management (${management.target}) because ${why}: please find someone to own it.`];
}

/** `2026-11-29 10:00 UTC`: the instant in the zone every Firebreak time is shown in. */
function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The reminder as its reader gets it: the subject says what is overdue and of which incident; the first
 * line the same with the incident's title; then the review's console page (`#/incidents/<id>/review`,
 * where action items are edited too), when it was due and how long ago, whose it is, and, when management
 * is told, why.
 */
export function reminderMessage(
  reminder: Reminder,
  context: {
    incident: Pick<Incident, 'id' | 'title' | 'priority' | 'service'>;
    /** The review's page in the console; absent when no console URL is configured. */
    link?: string;
    routing: ReminderRouting;
    now: Date;
  },
): NotificationMessage {
  const { incident, now } = context;
  const about = `${incident.priority} incident ${incident.id} on ${oneLine(incident.service)}: ${oneLine(incident.title)}`;
  const open = context.link
    ? `Open the review: ${context.link}`
    : `Open the review: GET /incidents/${incident.id}/review`;
  const owner = `Owner: ${reminder.owner ? oneLine(reminder.owner) : 'nobody'}`;
  const lines =
    reminder.kind === 'review'
      ? [
          `Post-incident review overdue: ${about}`,
          open,
          '',
          `Due: ${utc(reminder.due)} (${formatDuration(now.getTime() - Date.parse(reminder.due))} ago)`,
          owner,
          `Incident: ${incident.id}`,
          'Write the root cause, what went well and poorly, the lessons and the action items, then mark the review completed or scheduled.',
        ]
      : [
          `Action item overdue: "${oneLine(reminder.itemTitle)}" from the review of ${about}`,
          open,
          '',
          `Due: ${reminder.due} (overdue since ${reminder.due} ended, UTC)`,
          owner,
          `Incident: ${incident.id}`,
          `Action item: ${reminder.itemId}`,
          'Do it and mark it done, or change its due date or owner in the review.',
        ];
  const subject =
    reminder.kind === 'review'
      ? `[${incident.priority}] REVIEW OVERDUE ${incident.id} ${oneLine(incident.service)}: ${oneLine(incident.title)}`
      : `[${incident.priority}] ACTION ITEM OVERDUE ${incident.id}: ${oneLine(reminder.itemTitle)}`;
  return {
    subject: truncate(subject, MAX_SUBJECT_LENGTH),
    text: [...lines, ...managementLine(reminder, context.routing.management)].join('\n'),
  };
}

/**
 * The review's console page from the incident link template (`…/incidents/{id}`): the incident's page and
 * `/review` (`#/incidents/<id>/review` in the console). Undefined without a template.
 */
export function reviewPageLink(incidentLink: string | undefined): string | undefined {
  if (!incidentLink) return undefined;
  return `${incidentLink.replace(/\/+$/, '')}/review`;
}

/**
 * How long a claimed reminder that was never marked sent (the run crashed or SNS failed before it was
 * published) stays claimed before a later run may claim and send it again. Longer than the reminder
 * function may run, so two runs never send the same reminder at once; shorter than the schedule's period,
 * so the next run retries it.
 */
export const REMINDER_CLAIM_LEASE_MINUTES = 10;
