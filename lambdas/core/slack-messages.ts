import type { Incident } from './model';
import { ACTION_ACKNOWLEDGE, ACTION_RESOLVE } from './slack-actions';
import { escapeMrkdwn, escapeUrl } from './slack-text';
import { formatTime, headline, type NotificationMessage, oneLine, PRIORITY_MEANING } from './templates';

/** Block Kit's limits: Slack refuses the whole message when one is exceeded. */
const LIMITS = { header: 150, field: 2000, section: 3000, text: 3000 } as const;

/**
 * A notice or a changed incident as a Slack message: header, fields (priority, status, service, team,
 * assignee), the text, a link, and buttons — Acknowledge while triggered, Resolve while open (with a confirm
 * dialog); none once resolved or closed. `text` is the plain fallback (notifications, screen readers).
 * Everything the incident carries is escaped, so a title cannot mention `<!channel>` or fake a link.
 */
export function incidentMessage(
  incident: Incident,
  message: NotificationMessage | undefined,
  link: string,
): { text: string; blocks: unknown[] } {
  const body = message?.text ?? changeSummary(incident);
  const blocks: unknown[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(`${incident.priority} ${incident.id}: ${oneLine(incident.title)}`, LIMITS.header),
      },
    },
    {
      type: 'section',
      fields: [
        field('Priority', `${incident.priority} (${PRIORITY_MEANING[incident.priority]})`),
        field('Status', incident.status),
        field('Service', incident.service),
        field('Team', incident.team ?? 'none'),
        field('Assignee', incident.assignee ?? 'nobody'),
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(body), LIMITS.section) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<${escapeUrl(link)}|Open ${incident.id} in Firebreak>` }],
    },
  ];
  const buttons = buttonsFor(incident);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'firebreak.incident', elements: buttons });
  return { text: cut(body, LIMITS.text), blocks };
}

/** What a message about a changed incident (no notice) says: how bad, where, and where it stands. */
function changeSummary(incident: Incident): string {
  const by = (who: string | undefined) => (who ? ` by ${oneLine(who)}` : '');
  const at = (when: string | undefined) => (when ? ` at ${formatTime(when)}` : '');
  const first = `${headline(incident)}: ${oneLine(incident.title)}`;
  switch (incident.status) {
    case 'triggered':
      return `${first}\nTriggered: nobody has acknowledged it yet.`;
    case 'acknowledged':
      return `${first}\nAcknowledged${by(incident.assignee)}${at(incident.lastAcknowledgedAt ?? incident.acknowledgedAt)}.`;
    case 'resolved':
      return (
        `${first}\nResolved${by(incident.resolvedBy)}${at(incident.resolvedAt)}.` +
        (incident.resolution ? `\nResolution: ${incident.resolution.trim()}` : '')
      );
    case 'closed':
      return `${first}\nClosed${by(incident.closedBy)}${at(incident.closedAt)}.`;
  }
}

function buttonsFor(incident: Pick<Incident, 'id' | 'status'>): unknown[] {
  const buttons: unknown[] = [];
  if (incident.status === 'triggered')
    buttons.push({
      type: 'button',
      action_id: ACTION_ACKNOWLEDGE,
      text: { type: 'plain_text', text: 'Acknowledge' },
      style: 'primary',
      value: incident.id,
    });
  if (incident.status === 'triggered' || incident.status === 'acknowledged')
    buttons.push({
      type: 'button',
      action_id: ACTION_RESOLVE,
      text: { type: 'plain_text', text: 'Resolve' },
      style: 'danger',
      value: incident.id,
      // Resolving stops the paging and tells the stakeholders: one stray click must not do it.
      confirm: {
        title: { type: 'plain_text', text: `Resolve ${incident.id}?` },
        text: {
          type: 'plain_text',
          text: 'This resolves the incident, stops the paging and sends the resolution notice.',
        },
        confirm: { type: 'plain_text', text: 'Resolve' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'danger',
      },
    });
  return buttons;
}

function field(name: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: cut(`*${name}*\n${escapeMrkdwn(oneLine(value))}`, LIMITS.field) };
}

/** Cuts to `max` UTF-16 units with a trailing `…`, never splitting a surrogate pair or an `&amp;`. */
function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  let kept = '';
  for (const char of value) {
    if (kept.length + char.length > max - 1) break;
    kept += char;
  }
  return `${kept.replace(/&[a-z]{0,3}$/, '').trimEnd()}…`;
}
