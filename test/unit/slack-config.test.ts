import { describe, expect, it } from 'vitest';
import { chatChannelFor, incidentChannelName, SlackChannelId, SlackConfig } from '#core/slack-config';

describe('SlackConfig', () => {
  it('reads channels by team, a default channel and the priorities with a channel of their own', () => {
    // Act
    const config = SlackConfig.parse({
      channels: { payments: 'C0123ABCD' },
      defaultChannel: 'G0456EFGH',
      incidentChannels: ['P1', 'P2'],
    });

    // Assess
    expect(config).toEqual({
      channels: { payments: 'C0123ABCD' },
      defaultChannel: 'G0456EFGH',
      incidentChannels: ['P1', 'P2'],
    });
  });

  it('defaults to no channels and no incident channels', () => {
    expect(SlackConfig.parse({})).toEqual({ channels: {}, incidentChannels: [] });
  });

  it('refuses a channel name where an id belongs, naming the field', () => {
    // Act
    const parsed = SlackConfig.safeParse({
      channels: { payments: '#payments' },
      defaultChannel: 'c0123abcd',
    });

    // Assess
    expect(parsed.success).toBe(false);
    const issues = parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues).toEqual([
      'channels.payments: must be a Slack channel id like C0123ABCD (not a #name)',
      'defaultChannel: must be a Slack channel id like C0123ABCD (not a #name)',
    ]);
  });

  it('refuses unknown keys and priorities that do not exist', () => {
    expect(SlackConfig.safeParse({ channel: 'C0123ABCD' }).success).toBe(false);
    expect(SlackConfig.safeParse({ incidentChannels: ['P0'] }).success).toBe(false);
  });

  it('takes public (C) and private (G) channel ids only', () => {
    expect(SlackChannelId.safeParse('C0123ABCD').success).toBe(true);
    expect(SlackChannelId.safeParse('G0123ABCD').success).toBe(true);
    expect(SlackChannelId.safeParse('D0123ABCD').success).toBe(false);
    expect(SlackChannelId.safeParse('C').success).toBe(false);
  });
});

describe('chatChannelFor', () => {
  const config = SlackConfig.parse({ channels: { payments: 'C0PAYMENTS' }, defaultChannel: 'C0DEFAULT' });

  it("answers the team's channel, else the default one", () => {
    expect(chatChannelFor(config, { team: 'payments' })).toBe('C0PAYMENTS');
    expect(chatChannelFor(config, { team: 'search' })).toBe('C0DEFAULT');
    expect(chatChannelFor(config, {})).toBe('C0DEFAULT');
  });

  it('answers none when neither the team nor a default has a channel', () => {
    const teamsOnly = SlackConfig.parse({ channels: { payments: 'C0PAYMENTS' } });

    expect(chatChannelFor(teamsOnly, { team: 'search' })).toBeUndefined();
    expect(chatChannelFor(teamsOnly, {})).toBeUndefined();
  });

  it('never reads a team named like an object property as a channel', () => {
    expect(chatChannelFor(SlackConfig.parse({}), { team: 'constructor' })).toBeUndefined();
  });
});

describe('incidentChannelName', () => {
  it('is the incident id in lower case, as Slack names channels', () => {
    expect(incidentChannelName('INC-20261201-0042')).toBe('inc-20261201-0042');
    expect(incidentChannelName('INC-20261201-123456')).toBe('inc-20261201-123456');
  });

  it('keeps within 80 characters of letters, digits, - and _', () => {
    const name = incidentChannelName(`INC ${'X'.repeat(100)}`);

    expect(name).toMatch(/^[a-z0-9_-]{1,80}$/);
  });
});
