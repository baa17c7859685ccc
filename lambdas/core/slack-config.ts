import * as z from 'zod';
import { type Incident, Priority } from './model';

/** A Slack channel id (C…, G…), as the Web API takes it; names are not stable, ids are. */
export const SlackChannelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{2,}$/, { error: 'must be a Slack channel id like C0123ABCD (not a #name)' });

/**
 * Where Firebreak talks in Slack: the same shape in CDK context (`firebreak.slack`), in the functions'
 * SLACK_CONFIG and in local mode's config (`slack`).
 */
export const SlackConfig = z.strictObject({
  /** Team → the channel that gets the team's pages and updates, with Acknowledge and Resolve buttons. */
  channels: z.record(z.string().min(1), SlackChannelId).default({}),
  /** The channel for incidents whose team has none of its own; none when absent. */
  defaultChannel: SlackChannelId.optional(),
  /** Priorities that get an incident channel of their own (`inc-<yyyymmdd>-<number>`); none when empty. */
  incidentChannels: z.array(Priority).default([]),
});
export type SlackConfig = z.infer<typeof SlackConfig>;

/** Slack's longest channel name. */
export const MAX_CHANNEL_NAME_LENGTH = 80;

/** The channel a notice about `incident` goes to, or undefined: its team's channel, else the default one. */
export function chatChannelFor(config: SlackConfig, incident: Pick<Incident, 'team'>): string | undefined {
  // Own properties only: a team called `constructor` must not find Object.prototype's.
  const own =
    incident.team !== undefined && Object.hasOwn(config.channels, incident.team)
      ? config.channels[incident.team]
      : undefined;
  return own ?? config.defaultChannel;
}

/**
 * `inc-20261201-0042` for INC-20261201-0042. Slack takes lower-case letters, digits, hyphens and
 * underscores, at most 80 characters; an incident id is far shorter, and anything else it held would be
 * replaced by a hyphen.
 */
export function incidentChannelName(incidentId: string): string {
  return incidentId
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, MAX_CHANNEL_NAME_LENGTH);
}
