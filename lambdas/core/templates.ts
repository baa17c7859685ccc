import { IncidentRole, ROLE_NAMES } from '#core/incident-roles';
import type { Incident, Priority } from '#core/model';

/**
 * Messages for people woken at 3 a.m.: the subject and the first line say what, how bad and where; the
 * link comes next; details follow. Nothing here reads the clock: a duration or an age is computed from the
 * `now` the caller passes.
 */
export type NotificationMessage = { subject: string; text: string };

/**
 * SNS rejects a subject of 100 characters or more, or one with line breaks or control characters, and the
 * publish fails outright; so subjects are cut to 99 (UTF-16 units, which never undercounts characters).
 */
export const MAX_SUBJECT_LENGTH = 99;

export const PRIORITY_MEANING: Record<Priority, string> = {
  P1: 'critical',
  P2: 'high',
  P3: 'moderate',
  P4: 'low',
};

export type PagedLevel = { name: string; number: number };

/** A person's signed acknowledgement link, in full (email, chat) and short (SMS) form. */
export interface AckLinks {
  full: string;
  short: string;
}

/**
 * A page as one person gets it: the page with their own acknowledgement link right after the first line,
 * and an SMS of the subject and the short link (one or two segments, where the whole page would be ten).
 */
export function personalPage(message: NotificationMessage, links: AckLinks): { text: string; sms: string } {
  const [first = '', ...rest] = message.text.split('\n');
  return {
    text: lines(first, `Acknowledge (you): ${links.full}`, ...rest),
    sms: `${message.subject} Ack: ${links.short}`,
  };
}

export function initialPage(
  incident: Incident,
  context: { link: string; level: PagedLevel; symptoms?: string },
): NotificationMessage {
  const link = trimLink(context.link);
  return {
    subject: subject(incident),
    text: lines(
      `${headline(incident)}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      `Acknowledge: ${link}/acknowledge (or POST to the API) to stop the paging.`,
      '',
      `Paged: level ${context.level.number}, ${oneLine(context.level.name)}`,
      `Respond by: ${formatTime(incident.respondBy)}`,
      ...details(incident),
      ...block('Symptoms', context.symptoms),
      ...block('Description', incident.description),
    ),
  };
}

export function escalationPage(
  incident: Incident,
  context: {
    link: string;
    level: PagedLevel;
    round: number;
    minutesUnacknowledged: number;
    previousTargets: string[];
  },
): NotificationMessage {
  const link = trimLink(context.link);
  const waited = formatDuration(context.minutesUnacknowledged * 60_000);
  const paged = context.previousTargets.length > 0 ? context.previousTargets.join(', ') : 'nobody';
  return {
    subject: subject(incident, `ESCALATION L${context.level.number}`),
    text: lines(
      `ESCALATION to level ${context.level.number} (${oneLine(context.level.name)}): ${headline(incident)}, ` +
        `unacknowledged for ${waited}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      `Acknowledge: ${link}/acknowledge (or POST to the API) to stop the paging.`,
      '',
      `You are paged because nobody acknowledged this incident for ${waited}.`,
      `Paged before: ${paged}`,
      `Escalation round: ${context.round}`,
      `Respond by: ${formatTime(incident.respondBy)}`,
      ...details(incident),
      ...block('Description', incident.description),
    ),
  };
}

/**
 * The first page after an alert of a higher priority joined or fired again on the incident: the paging starts
 * over at level 1 under the new priority, and says why.
 */
export function priorityRaisedPage(
  incident: Incident,
  context: { link: string; level: PagedLevel; previousTargets: string[] },
): NotificationMessage {
  const link = trimLink(context.link);
  const when = incident.priorityRaisedAt ? ` at ${formatTime(incident.priorityRaisedAt)}` : '';
  const paged = context.previousTargets.length > 0 ? context.previousTargets.join(', ') : 'nobody';
  return {
    subject: subject(incident, 'PRIORITY RAISED'),
    text: lines(
      `PRIORITY RAISED: ${headline(incident)}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      `Acknowledge: ${link}/acknowledge (or POST to the API) to stop the paging.`,
      '',
      `You are paged because an alert of a higher priority fired on this incident${when}: it is ${incident.priority} now.`,
      `Paged: level ${context.level.number}, ${oneLine(context.level.name)}`,
      `Paged before: ${paged}`,
      `Respond by: ${formatTime(incident.respondBy)}`,
      ...details(incident),
      ...block('Description', incident.description),
    ),
  };
}

export function reminder(
  incident: Incident,
  context: { link: string; now: string; lastUpdateAt?: string },
): NotificationMessage {
  const link = trimLink(context.link);
  const open = formatDuration(elapsedMs(incident.createdAt, context.now));
  const since = context.lastUpdateAt
    ? `no update for ${formatDuration(elapsedMs(context.lastUpdateAt, context.now))} (last at ${formatTime(context.lastUpdateAt)})`
    : 'no update posted yet';
  return {
    subject: subject(incident, 'UPDATE DUE'),
    text: lines(
      `Status update due: ${headline(incident)}, open for ${open}, ${since}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      `Post an update: ${link}/updates`,
      '',
      `Status: ${incident.status}`,
      ...rolesLine(incident),
      ...details(incident),
    ),
  };
}

export type UpdatePhase = 'Investigating' | 'Identified' | 'Monitoring';

export function statusUpdate(
  incident: Incident,
  context: { link: string; phase: UpdatePhase; message: string; author: string },
): NotificationMessage {
  const link = trimLink(context.link);
  return {
    subject: subject(incident, context.phase.toUpperCase()),
    text: lines(
      `${context.phase}: ${headline(incident)}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      '',
      `Update from ${oneLine(context.author)}:`,
      context.message.trim(),
      '',
      `Status: ${incident.status}`,
      ...rolesLine(incident),
      ...details(incident),
    ),
  };
}

export function slaBreach(incident: Incident, context: { link: string; now: string }): NotificationMessage {
  const link = trimLink(context.link);
  const late = formatDuration(elapsedMs(incident.respondBy, context.now));
  return {
    subject: subject(incident, 'SLA BREACHED'),
    text: lines(
      `Response SLA MISSED: ${headline(incident)} not acknowledged by ${formatTime(incident.respondBy)} ` +
        `(${late} late): ${oneLine(incident.title)}`,
      `Open: ${link}`,
      '',
      `Status: ${incident.status}`,
      `Escalation level reached: ${incident.escalationLevel}`,
      ...details(incident),
    ),
  };
}

export function exhausted(
  incident: Incident,
  context: { link: string; rounds: number },
): NotificationMessage {
  const link = trimLink(context.link);
  const rounds = `${context.rounds} ${context.rounds === 1 ? 'round' : 'rounds'}`;
  return {
    subject: subject(incident, 'ESCALATION EXHAUSTED'),
    text: lines(
      `Escalation EXHAUSTED, nobody acknowledged after ${rounds}: ${headline(incident)}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      `Acknowledge: ${link}/acknowledge`,
      '',
      'Every level of the escalation policy was paged and nobody acknowledged. Paging has stopped; someone ' +
        'must take this incident by hand.',
      `Respond by: ${formatTime(incident.respondBy)}`,
      ...details(incident),
    ),
  };
}

export function resolution(
  incident: Incident,
  context: { link: string; now?: string; rootCause?: string; nextSteps?: string[] },
): NotificationMessage {
  const link = trimLink(context.link);
  const resolvedAt = incident.resolvedAt ?? context.now;
  const toResolve = resolvedAt ? formatDuration(elapsedMs(incident.createdAt, resolvedAt)) : 'unknown';
  const toAcknowledge = incident.acknowledgedAt
    ? formatDuration(elapsedMs(incident.createdAt, incident.acknowledgedAt))
    : 'never acknowledged';
  const nextSteps = context.nextSteps?.filter((step) => step.trim() !== '') ?? [];
  const rootCause = context.rootCause?.trim();
  return {
    subject: subject(incident, 'RESOLVED'),
    text: lines(
      `RESOLVED after ${toResolve}: ${headline(incident)}: ${oneLine(incident.title)}`,
      `Open: ${link}`,
      '',
      `Time to resolve: ${toResolve}`,
      `Time to acknowledge: ${toAcknowledge}`,
      `Resolved: ${resolvedAt ? formatTime(resolvedAt) : 'unknown'}`,
      `Response SLA: ${incident.slaBreached ? 'missed' : 'met'}`,
      `Root cause: ${rootCause ? rootCause : 'not yet known'}`,
      ...(nextSteps.length > 0
        ? ['Next steps:', ...nextSteps.map((step) => `  - ${oneLine(step)}`)]
        : ['Next steps: none recorded']),
      ...rolesLine(incident),
      ...details(incident),
    ),
  };
}

/**
 * A duration for people, floored so it never overstates: `0 s`, `59 s`, `42 min`, `1 h`, `1 h 07 min`,
 * `2 d`, `2 d 3 h`. Negative durations (clock skew between sources) read as `0 s`; a non-number as `unknown`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')} min`;
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`;
}

/** `[P1] <KIND> INC-… service: title`, one line, within SNS's limit whatever the title holds. */
export function subject(incident: Incident, kind?: string): string {
  const prefix = `[${incident.priority}] ${kind ? `${kind} ` : ''}${incident.id} `;
  return truncate(prefix + oneLine(`${incident.service}: ${incident.title}`), MAX_SUBJECT_LENGTH);
}

/** "P1 CRITICAL incident INC-… on checkout-api" — how bad and where, for every first line. */
export function headline(incident: Incident): string {
  return `${incident.priority} ${PRIORITY_MEANING[incident.priority].toUpperCase()} incident ${incident.id} on ${oneLine(incident.service)}`;
}

function details(incident: Incident): string[] {
  const subcategory = incident.subcategory ? ` / ${oneLine(incident.subcategory)}` : '';
  const where = [incident.source.region, incident.source.account].filter(Boolean).join(', ');
  return [
    '',
    `Incident: ${incident.id}`,
    `Priority: ${incident.priority} (${PRIORITY_MEANING[incident.priority]}), impact ${incident.impact}, urgency ${incident.urgency}`,
    `Service: ${oneLine(incident.service)}`,
    `Team: ${incident.team ? oneLine(incident.team) : 'none'}`,
    `Severity: ${incident.severity} (from the source)`,
    `Category: ${incident.category}${subcategory}`,
    `Detected: ${formatTime(incident.detectedAt)}`,
    `Alerts: ${incident.alertCount}`,
    `Source: ${incident.source.kind} ${oneLine(incident.source.name)}${where ? ` (${where})` : ''}`,
    ...(incident.assignee ? [`Assignee: ${oneLine(incident.assignee)}`] : []),
  ];
}

/**
 * `Roles: incident commander alice, tech lead bob`: who leads the response, for stakeholders to know whom
 * to ask. Person ids, in the order commander, tech lead, comms lead, scribe; no line when nobody holds one.
 */
function rolesLine(incident: Pick<Incident, 'roles'>): string[] {
  const held = IncidentRole.options.flatMap((role) => {
    const person = incident.roles?.[role];
    return person ? [`${ROLE_NAMES[role]} ${oneLine(person)}`] : [];
  });
  return held.length > 0 ? [`Roles: ${held.join(', ')}`] : [];
}

function block(title: string, body: string | undefined): string[] {
  const trimmed = body?.trim();
  return trimmed ? ['', `${title}:`, trimmed] : [];
}

function lines(...parts: string[]): string {
  return parts.join('\n');
}

/** Newlines, tabs and other control characters become single spaces, so a string cannot break a line. */
export function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  return value.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** Cuts to `max` UTF-16 units with a trailing `…`, never splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = '';
  for (const char of value) {
    if (cut.length + char.length > max - 1) break;
    cut += char;
  }
  return `${cut.trimEnd()}…`;
}

export function trimLink(link: string): string {
  return link.replace(/\/+$/, '');
}

/** `2026-11-27 10:15 UTC`: shorter to read than ISO 8601; an unparseable value is shown as given. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function elapsedMs(from: string, to: string): number {
  return Date.parse(to) - Date.parse(from);
}
