import type { Incident } from './model';
import type { Person } from './people';
import { escapeMrkdwn, escapeUrl } from './slack-text';

/** What Slack's answer to a slash command carries: who sees it, and its text (Slack's mrkdwn). */
export interface SlackCommandReply {
  /** `ephemeral`: only the person who typed the command sees it; `in_channel`: everyone in the channel. */
  response_type: 'ephemeral' | 'in_channel';
  text: string;
}

/** The Slack user a command or a button click came from. */
export interface SlackUser {
  id: string;
  /** The user's handle as Slack sends it (`user_name`, `user.username`); may be empty. */
  name: string;
}

/** Who acts on the timeline: a Firebreak person when one is known by this Slack user, else the user. */
export interface SlackActor {
  actor: string;
  personId?: string;
}

/** A Slack handle or name as it may appear on the timeline: short, one line, no control characters. */
function cleanName(name: string): string {
  return name
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, 80);
}

/**
 * The person whose chat contact is this Slack user: their user id first (stable), else their handle, with or
 * without the `@`, in any case. A handle two people share names nobody: the Slack user acts as themselves.
 * Without a person, the actor is `slack:<user id> (<handle>)`, so the timeline keeps both.
 */
export function slackActor(people: readonly Pick<Person, 'id' | 'contacts'>[], user: SlackUser): SlackActor {
  const chats = (person: Pick<Person, 'contacts'>) =>
    person.contacts.filter((contact) => contact.type === 'chat').map((contact) => contact.address.trim());
  const byId = people.filter((person) => chats(person).includes(user.id));
  const name = cleanName(user.name).replace(/^@/, '').toLowerCase();
  const byName =
    byId.length === 0 && name
      ? people.filter((person) =>
          chats(person).some((address) => address.replace(/^@/, '').toLowerCase() === name),
        )
      : [];
  const found = byId.length === 1 ? byId[0] : byName.length === 1 ? byName[0] : undefined;
  if (found) return { actor: `person:${found.id}`, personId: found.id };
  const handle = cleanName(user.name);
  return { actor: handle ? `slack:${user.id} (${handle})` : `slack:${user.id}` };
}

/** How Slack shows who acted: a mention for the Slack user, the person's id when the actor is a person. */
function mention(user: SlackUser): string {
  return `<@${user.id}>`;
}

/** A duration as people say it: "45 seconds", "23 minutes", "2 hours 5 minutes", "3 days 4 hours". */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const unit = (count: number, name: string) => `${count} ${name}${count === 1 ? '' : 's'}`;
  if (seconds < 60) return unit(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24)
    return [unit(hours, 'hour'), ...(minutes % 60 ? [unit(minutes % 60, 'minute')] : [])].join(' ');
  const days = Math.floor(hours / 24);
  return [unit(days, 'day'), ...(hours % 24 ? [unit(hours % 24, 'hour')] : [])].join(' ');
}

function headline(incident: Pick<Incident, 'id' | 'priority'>, link: string): string {
  return `<${escapeUrl(link)}|*${incident.id}*> (${incident.priority})`;
}

/** `/incident create`: the incident opened, or the open one the report joined. */
export function createdReply(
  incident: Pick<Incident, 'id' | 'priority' | 'title'>,
  joined: boolean,
  link: string,
): SlackCommandReply {
  const title = escapeMrkdwn(incident.title);
  return {
    response_type: 'in_channel',
    text: joined
      ? `Joined ${headline(incident, link)}, already open: ${title}. Its on-call is paged already.`
      : `Created ${headline(incident, link)}: ${title}. Paging on-call.`,
  };
}

/** `/incident ack` (or the button): acknowledged now, or already by someone. */
export function acknowledgedReply(
  incident: Pick<Incident, 'id' | 'priority' | 'assignee' | 'lastAcknowledgedAt'>,
  user: SlackUser,
  now: boolean,
  link: string,
): SlackCommandReply {
  if (now)
    return {
      response_type: 'in_channel',
      text: `${headline(incident, link)} acknowledged by ${mention(user)}: paging stops.`,
    };
  const by = escapeMrkdwn(incident.assignee ?? 'someone');
  return {
    response_type: 'ephemeral',
    text: `${headline(incident, link)} was already acknowledged by ${by}${
      incident.lastAcknowledgedAt ? ` at ${incident.lastAcknowledgedAt}` : ''
    }.`,
  };
}

/** `/incident resolve`: resolved, how long it was open, what was done. */
export function resolvedReply(
  incident: Pick<Incident, 'id' | 'priority' | 'detectedAt' | 'resolvedAt' | 'resolution'>,
  user: SlackUser,
  link: string,
): SlackCommandReply {
  const duration = incident.resolvedAt
    ? ` after ${humanDuration(Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt))}`
    : '';
  const resolution = incident.resolution ? `: ${escapeMrkdwn(incident.resolution)}` : '';
  return {
    response_type: 'in_channel',
    text: `${headline(incident, link)} resolved by ${mention(user)}${duration}${resolution}`,
  };
}

/** `/incident update`: the note, shown to the channel as it went on the timeline. */
export function updateReply(
  incident: Pick<Incident, 'id' | 'priority'>,
  user: SlackUser,
  message: string,
  link: string,
): SlackCommandReply {
  return {
    response_type: 'in_channel',
    text: `Update on ${headline(incident, link)} from ${mention(user)}: ${escapeMrkdwn(message)}`,
  };
}

/** `/incident status`: the incident at a glance, for the person who asked. */
export function statusReply(incident: Incident, link: string, now: Date): SlackCommandReply {
  const state =
    incident.status === 'acknowledged' && incident.assignee
      ? `acknowledged by ${escapeMrkdwn(incident.assignee)}`
      : incident.status;
  const opened = humanDuration(now.getTime() - Date.parse(incident.detectedAt));
  const lines = [
    `${headline(incident, link)} ${escapeMrkdwn(incident.title)}`,
    `Status: ${state} · opened ${opened} ago · level ${incident.escalationLevel}`,
    `Service: ${escapeMrkdwn(incident.service)}${incident.team ? ` · team ${escapeMrkdwn(incident.team)}` : ''}`,
    ...(incident.resolution ? [`Resolution: ${escapeMrkdwn(incident.resolution)}`] : []),
  ];
  return { response_type: 'ephemeral', text: lines.join('\n') };
}

/** How many incidents `/incident list` shows; the rest are counted. */
export const LIST_LIMIT = 20;

/** `/incident list`: open incidents, most urgent first, then oldest first. */
export function listReply(
  incidents: readonly Incident[],
  link: (id: string) => string,
  now: Date,
  more = false,
): SlackCommandReply {
  if (incidents.length === 0) return { response_type: 'ephemeral', text: 'No open incidents.' };
  const sorted = [...incidents].sort(
    (a, b) => a.priority.localeCompare(b.priority) || a.detectedAt.localeCompare(b.detectedAt),
  );
  const shown = sorted.slice(0, LIST_LIMIT);
  const lines = shown.map(
    (incident) =>
      `• *${incident.priority}* <${escapeUrl(link(incident.id))}|${incident.id}> ${escapeMrkdwn(incident.title)} ` +
      `(${incident.status}, ${humanDuration(now.getTime() - Date.parse(incident.detectedAt))})`,
  );
  const hidden = sorted.length - shown.length;
  const tail = hidden > 0 || more ? [`…and ${hidden > 0 ? `${hidden} ` : ''}more: see the console.`] : [];
  return {
    response_type: 'ephemeral',
    text: [`Open incidents (${more ? `${sorted.length}+` : sorted.length}):`, ...lines, ...tail].join('\n'),
  };
}

/** A refusal or a failure, for the person who typed the command only. */
export function refusalReply(message: string): SlackCommandReply {
  return { response_type: 'ephemeral', text: message };
}
