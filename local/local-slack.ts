import { type SlackApi, SlackApiError, type SlackReply } from '#adapters/slack-api';
import type { RecordedNotification } from './recording-sns';

/** A channel local mode's Slack made with conversations.create. */
export interface LocalChannel {
  id: string;
  name: string;
  /** Seconds since 1970, as Slack gives it. */
  created: number;
  members: string[];
  /** Timestamps of the messages pinned. */
  pins: string[];
}

const CHANNEL_NAME = /^[a-z0-9_-]{1,80}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

const refuse = (error: string, method: string) =>
  new SlackApiError(error, `Slack refused ${method}: ${error} (local mode)`);

/**
 * Stands in for Slack's Web API in local mode: answers the methods Firebreak calls as Slack does
 * (chat.postMessage → ts, conversations.create → id or name_taken, conversations.invite, pins.add,
 * conversations.list page by page) and records every message in the list /local/notifications serves, as
 * `kind: 'chat'` to `slack:<channel>`. Nothing leaves the machine. A channel it did not create (a team
 * channel from the configuration) is taken to exist.
 */
export class LocalSlack implements SlackApi {
  private readonly channels = new Map<string, LocalChannel>();
  private messages = 0;

  constructor(
    private readonly recorder: { published: RecordedNotification[] },
    private readonly clock: () => Date,
  ) {}

  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (method) {
      case 'chat.postMessage':
      case 'chat.update':
        return this.message(method, body);
      case 'conversations.create':
        return this.create(body);
      case 'conversations.invite':
        return this.invite(body);
      case 'conversations.list':
        return this.list(body);
      case 'pins.add':
        return this.pin(body);
      default:
        throw refuse('unknown_method', method);
    }
  }

  async respond(_responseUrl: string, reply: SlackReply): Promise<void> {
    this.record('slack:response_url', reply.text, reply.blocks);
  }

  /** The channels made so far, in order (for tests and the local console). */
  madeChannels(): LocalChannel[] {
    return [...this.channels.values()].map((channel) => ({
      ...channel,
      members: [...channel.members],
      pins: [...channel.pins],
    }));
  }

  private message(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channelId(method, body.channel);
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if (text === '' && !blocks) throw refuse('no_text', method);
    this.messages += 1;
    const ts =
      method === 'chat.update' && typeof body.ts === 'string'
        ? body.ts
        : `${Math.floor(this.clock().getTime() / 1000)}.${String(this.messages).padStart(6, '0')}`;
    this.record(`slack:${channel}`, text, blocks, incidentIdOf(body.metadata));
    return { ok: true, channel, ts };
  }

  private create(body: Record<string, unknown>): Record<string, unknown> {
    const name = body.name;
    if (typeof name !== 'string' || !CHANNEL_NAME.test(name))
      throw refuse('invalid_name_specials', 'conversations.create');
    if ([...this.channels.values()].some((channel) => channel.name === name))
      throw refuse('name_taken', 'conversations.create');
    const channel: LocalChannel = {
      id: `CLOCAL${String(this.channels.size + 1).padStart(4, '0')}`,
      name,
      created: Math.floor(this.clock().getTime() / 1000),
      members: [],
      pins: [],
    };
    this.channels.set(channel.id, channel);
    return { ok: true, channel: { id: channel.id, name, created: channel.created, is_archived: false } };
  }

  private invite(body: Record<string, unknown>): Record<string, unknown> {
    const channel = this.made('conversations.invite', body.channel);
    const users = typeof body.users === 'string' ? body.users.split(',').filter(Boolean) : [];
    if (users.length === 0) throw refuse('no_user', 'conversations.invite');
    const fresh = users.filter((user) => !channel.members.includes(user));
    if (fresh.length === 0) throw refuse('already_in_channel', 'conversations.invite');
    channel.members.push(...fresh);
    return { ok: true, channel: { id: channel.id, name: channel.name } };
  }

  private list(body: Record<string, unknown>): Record<string, unknown> {
    const limit = Math.min(Math.max(Number(body.limit ?? 100) || 100, 1), 1000);
    const offset = typeof body.cursor === 'string' && body.cursor !== '' ? Number(body.cursor.slice(7)) : 0;
    const all = [...this.channels.values()];
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? `offset:${offset + limit}` : '';
    return {
      ok: true,
      channels: page.map(({ id, name, created }) => ({ id, name, created, is_archived: false })),
      response_metadata: { next_cursor: next },
    };
  }

  private pin(body: Record<string, unknown>): Record<string, unknown> {
    const channel = this.made('pins.add', body.channel);
    if (typeof body.timestamp !== 'string') throw refuse('no_item_specified', 'pins.add');
    if (channel.pins.includes(body.timestamp)) throw refuse('already_pinned', 'pins.add');
    channel.pins.push(body.timestamp);
    return { ok: true };
  }

  private channelId(method: string, channel: unknown): string {
    if (typeof channel !== 'string' || !CHANNEL_ID.test(channel)) throw refuse('channel_not_found', method);
    return channel;
  }

  /** A channel this stand-in made: the only ones it has members and pins for. */
  private made(method: string, channel: unknown): LocalChannel {
    const found = this.channels.get(this.channelId(method, channel));
    if (!found) throw refuse('channel_not_found', method);
    return found;
  }

  private record(target: string, text: string, blocks: unknown[] | undefined, incidentId?: string): void {
    const notification: RecordedNotification = {
      at: this.clock().toISOString(),
      topic: 'slack',
      target,
      kind: 'chat',
      ...(incidentId ? { incidentId } : {}),
      subject: headerOf(blocks) ?? text.split('\n')[0] ?? '',
      text,
      ...(blocks ? { blocks } : {}),
    };
    this.recorder.published.push(notification);
  }
}

/** The incident a message is about, from the metadata SlackChat posts with it. */
function incidentIdOf(metadata: unknown): string | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const payload = (metadata as { event_payload?: unknown }).event_payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const id = (payload as { incident_id?: unknown }).incident_id;
  return typeof id === 'string' ? id : undefined;
}

/** The text of a message's header block, which reads as its subject. */
function headerOf(blocks: unknown[] | undefined): string | undefined {
  const header = blocks?.find(
    (block): block is { type: 'header'; text: { text: string } } =>
      typeof block === 'object' &&
      block !== null &&
      (block as { type?: unknown }).type === 'header' &&
      typeof (block as { text?: { text?: unknown } }).text?.text === 'string',
  );
  return header?.text.text;
}
