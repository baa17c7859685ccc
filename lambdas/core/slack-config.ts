import * as z from 'zod';
import { type Incident, Priority } from './model';

/** A Slack channel id (C…, G…), as the Web API takes it; names are not stable, ids are. */
export const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, {
  error: 'must be a Slack channel id like C0123ABCD (not a #name)',
});

/** Where Firebreak talks in Slack: context key `firebreak.slack`, env `SLACK_CONFIG` (absent = Slack off). */
export const SlackConfig = z.strictObject({
  /** Team → the channel that gets the team's pages and updates, with Acknowledge and Resolve buttons. */
  channels: z.record(z.string().min(1), SlackChannelId).default({}),
  /** The channel for incidents whose team has none of its own; none when absent. */
  defaultChannel: SlackChannelId.optional(),
  /** Priorities that get an incident channel of their own (`inc-<yyyymmdd>-<number>`); none when empty. */
  incidentChannels: z.array(Priority).default([]),
});
export type SlackConfig = z.infer<typeof SlackConfig>;

/** The channel a notice about `incident` goes to: its team's, else the default one, else none. */
export function chatChannelFor(config: SlackConfig, incident: Pick<Incident, 'team'>): string | undefined {
  const { team } = incident;
  // Own keys only: a team named `constructor` must not read Object.prototype's.
  const own = team !== undefined && Object.hasOwn(config.channels, team) ? config.channels[team] : undefined;
  return own ?? config.defaultChannel;
}

/**
 * The team whose channel this is: a report made there (`/incident create`) is that team's, so it pages
 * the team's policy. A channel configured for two teams names neither; the default channel names none.
 */
export function teamOfChannel(config: SlackConfig, channelId: string): string | undefined {
  const teams = Object.entries(config.channels).filter(([, channel]) => channel === channelId);
  return teams.length === 1 ? teams[0]?.[0] : undefined;
}

/** Slack's limit on a channel name. */
const MAX_CHANNEL_NAME = 80;

/**
 * `inc-20261201-0042` for INC-20261201-0042: Slack takes lower-case letters, digits, `-` and `_` only, at
 * most 80 of them. The incident id gives one name per incident, so a retry finds the channel it made.
 */
export function incidentChannelName(incidentId: string): string {
  return incidentId
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(0, MAX_CHANNEL_NAME);
}
