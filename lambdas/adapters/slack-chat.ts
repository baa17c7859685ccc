import * as z from 'zod';
import type { Incident } from '#core/model';
import { CHAT_DELIVERY_PREFIX } from '#core/page-targets';
import { chatChannelFor, incidentChannelName, type SlackConfig } from '#core/slack-config';
import { incidentMessage } from '#core/slack-messages';
import type { NotificationMessage } from '#core/templates';
import type { ChatContext, ChatDelivery } from '../lifecycle/notify-once';
import type { IncidentStore } from './incident-store';
import { type NotificationKind, PAGE_KINDS } from './notifier';
import type { PeopleStore } from './people-store';
import { type SlackApi, SlackApiError } from './slack-api';

/**
 * The delivery to the incident's own channel, whatever its id: the id is known only once the channel
 * exists, and a delivery must be named the same on every retry of a notice for its record to be found.
 */
export const INCIDENT_CHANNEL_DELIVERY = `${CHAT_DELIVERY_PREFIX}incident`;

/** A Slack user id, as a person's `chat` contact holds it for the invitation (a `@handle` cannot be invited). */
const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;
/** conversations.list pages read at most, 200 channels each, when looking for a channel by name. */
const MAX_LIST_PAGES = 50;
/** Our transport failures: the call may not have been made, so it is retried rather than noted. */
const TRANSPORT_ERRORS: ReadonlySet<string> = new Set([
  'ratelimited',
  'timeout',
  'request_failed',
  'http_error',
  'invalid_response',
]);

const Channel = z.object({
  id: z.string().min(1),
  name: z.string(),
  created: z.number().optional(),
  is_archived: z.boolean().optional(),
});
type Channel = z.infer<typeof Channel>;
const Created = z.object({ channel: Channel });
const Listed = z.object({
  channels: z.array(Channel).default([]),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});
const Posted = z.object({ channel: z.string().min(1), ts: z.string().min(1) });
const Invited = z.object({ errors: z.array(z.object({ error: z.string() })).optional() });

export interface SlackChatDeps {
  slack: SlackApi;
  config: SlackConfig;
  incidentLink: (incidentId: string) => string;
  store: Pick<IncidentStore, 'recordChatChannel' | 'appendTimeline'>;
  people: Pick<PeopleStore, 'get'>;
  clock: () => Date;
}

/**
 * Posts notices to Slack as incident messages with buttons: to the team's channel (or the default one),
 * and to the incident's own channel for the priorities configured to get one. That channel is opened by
 * the incident's first page (or the first page after its priority was raised to such a priority); messages
 * in it are never read into the timeline: only `/incident update` adds notes.
 */
export class SlackChat implements ChatDelivery {
  constructor(private readonly deps: SlackChatDeps) {}

  targetsFor(incident: Incident, kind: NotificationKind): string[] {
    const targets: string[] = [];
    const channel = chatChannelFor(this.deps.config, incident);
    if (channel) targets.push(`${CHAT_DELIVERY_PREFIX}${channel}`);
    const ownChannel =
      incident.chatChannel !== undefined ||
      (PAGE_KINDS.has(kind) && this.deps.config.incidentChannels.includes(incident.priority));
    if (ownChannel) targets.push(INCIDENT_CHANNEL_DELIVERY);
    return targets;
  }

  async post(
    target: string,
    kind: NotificationKind,
    incident: Incident,
    message: NotificationMessage,
    context: ChatContext = { people: [] },
  ): Promise<string> {
    if (!target.startsWith(CHAT_DELIVERY_PREFIX)) throw new Error(`${target} is not a Slack delivery`);
    const channel =
      target === INCIDENT_CHANNEL_DELIVERY
        ? (incident.chatChannel ?? (await this.openIncidentChannel(incident, context.people)))
        : target.slice(CHAT_DELIVERY_PREFIX.length);
    const { text, blocks } = incidentMessage(incident, message, this.deps.incidentLink(incident.id));
    const posted = parse(
      Posted,
      await this.deps.slack.call('chat.postMessage', {
        channel,
        text,
        blocks,
        unfurl_links: false,
        unfurl_media: false,
        // Lets whoever reads the channel's messages (local mode, a workflow) tell which incident one is about.
        metadata: { event_type: 'firebreak_notice', event_payload: { incident_id: incident.id, kind } },
      }),
      'chat.postMessage',
    );
    return `${posted.channel}:${posted.ts}`;
  }

  /**
   * Opens the incident's channel: creates it (or, when its name is taken because an earlier attempt stopped
   * before recording it, finds it), invites the people paged, posts and pins the link, writes the timeline
   * entry and records the channel, in that order. Every step is safe to repeat, so a crash anywhere before
   * the record repeats them (at worst one more pinned link); once recorded, the channel is only posted to.
   */
  private async openIncidentChannel(incident: Incident, paged: readonly string[]): Promise<string> {
    const name = incidentChannelName(incident.id);
    const channel = await this.createOrFind(name);
    const invitation = await this.invite(channel.id, incident, paged);
    const pinned = await this.pinLink(channel.id, incident);
    const problems = [...invitation.problems, ...pinned];
    await this.deps.store.appendTimeline({
      incidentId: incident.id,
      // Slack's creation time: the same on every retry, so a repeated entry lands on the same key.
      entryId: `slack:channel:${channel.id}`,
      at: channel.created ? new Date(channel.created * 1000).toISOString() : this.deps.clock().toISOString(),
      kind: 'updated',
      actor: 'firebreak:slack',
      message:
        `Slack channel #${name} opened for the incident` +
        (invitation.invited.length > 0 ? `; invited ${invitation.invited.join(', ')}` : '; nobody invited'),
      details: {
        channel: channel.id,
        name,
        invited: invitation.invited,
        ...(invitation.withoutSlackId.length > 0 ? { withoutSlackId: invitation.withoutSlackId } : {}),
        ...(problems.length > 0 ? { problems } : {}),
      },
    });
    const recorded = await this.deps.store.recordChatChannel(incident.id, channel.id, this.deps.clock());
    if (!recorded) throw new Error(`incident ${incident.id} does not exist`);
    return recorded;
  }

  private async createOrFind(name: string): Promise<Channel> {
    try {
      const created = await this.deps.slack.call('conversations.create', { name, is_private: false });
      return parse(Created, created, 'conversations.create').channel;
    } catch (error) {
      if (!(error instanceof SlackApiError && error.error === 'name_taken')) throw error;
      const found = await this.findChannel(name);
      if (!found)
        throw new SlackApiError(
          'name_taken',
          `#${name} exists but Firebreak cannot see it (private, or another workspace's): rename it or invite the app`,
        );
      if (found.is_archived)
        throw new SlackApiError('is_archived', `#${name} exists but is archived: unarchive it, or rename it`);
      return found;
    }
  }

  /** The public channel named `name`, archived or not, reading conversations.list page by page. */
  private async findChannel(name: string): Promise<Channel | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const listed = parse(
        Listed,
        await this.deps.slack.call('conversations.list', {
          types: 'public_channel',
          exclude_archived: false,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        }),
        'conversations.list',
      );
      const found = listed.channels.find((channel) => channel.name === name);
      if (found) return found;
      const next = listed.response_metadata?.next_cursor;
      if (!next || next === cursor) return undefined;
      cursor = next;
    }
    return undefined;
  }

  /**
   * Invites the people this notice pages and those paged before, by the Slack user id in their `chat`
   * contact. A refusal (a user id that no longer exists) is noted, not failed: the channel serves the
   * others; only a failed call is retried.
   */
  private async invite(
    channel: string,
    incident: Incident,
    paged: readonly string[],
  ): Promise<{ invited: string[]; withoutSlackId: string[]; problems: string[] }> {
    const earlier = (incident.pagedTargets ?? []).flatMap((target) =>
      target.startsWith('person:') ? [target.slice('person:'.length)] : [],
    );
    const ids = [...new Set([...paged, ...earlier])];
    const found = await Promise.all(ids.map(async (id) => ({ id, person: await this.deps.people.get(id) })));
    const invited: string[] = [];
    const withoutSlackId: string[] = [];
    const users = new Set<string>();
    for (const { id, person } of found) {
      const slackIds = (person?.contacts ?? []).flatMap((contact) =>
        contact.type === 'chat' && SLACK_USER_ID.test(contact.address.trim()) ? [contact.address.trim()] : [],
      );
      if (slackIds.length === 0) withoutSlackId.push(id);
      else invited.push(id);
      for (const user of slackIds) users.add(user);
    }
    if (users.size === 0) return { invited, withoutSlackId, problems: [] };
    const problems = await this.noted('conversations.invite', async () => {
      // `force`: the valid users are invited even if another one is refused.
      const answer = await this.deps.slack.call('conversations.invite', {
        channel,
        users: [...users].join(','),
        force: true,
      });
      return (parse(Invited, answer, 'conversations.invite').errors ?? []).map((one) => one.error);
    });
    return { invited, withoutSlackId, problems };
  }

  /** Posts the incident's link to its channel and pins it, for whoever joins later. */
  private async pinLink(channel: string, incident: Incident): Promise<string[]> {
    const link = this.deps.incidentLink(incident.id);
    const posted = parse(
      Posted,
      await this.deps.slack.call('chat.postMessage', {
        channel,
        text:
          `${incident.priority} ${incident.id}: ${incident.title}\n${link}\n` +
          `Post updates with \`/incident update ${incident.id} "…"\`: messages in this channel are not ` +
          "read into the incident's timeline.",
        unfurl_links: false,
      }),
      'chat.postMessage',
    );
    return this.noted('pins.add', async () => {
      await this.deps.slack.call('pins.add', { channel, timestamp: posted.ts });
      return [];
    });
  }

  /**
   * Runs a call whose refusal is worth a note but not a retry: answers the notes. `already_…` refusals say
   * that a repeated step had been done; transport failures are thrown.
   */
  private async noted(method: string, call: () => Promise<string[]>): Promise<string[]> {
    try {
      return (await call())
        .filter((error) => !error.startsWith('already_'))
        .map((error) => `${method}: ${error}`);
    } catch (error) {
      if (!(error instanceof SlackApiError) || TRANSPORT_ERRORS.has(error.error)) throw error;
      return error.error.startsWith('already_') ? [] : [`${method}: ${error.error}`];
    }
  }
}

/** A Slack answer read with `schema`; one it does not fit is Slack's failure, named like its others. */
function parse<T extends z.ZodType>(schema: T, answer: Record<string, unknown>, method: string): z.infer<T> {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || 'the answer').join(', ');
    throw new SlackApiError('invalid_response', `Slack answered ${method} without a valid ${where}`);
  }
  return parsed.data;
}
