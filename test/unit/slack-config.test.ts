import { describe, expect, it } from 'vitest';
import { chatChannelFor, incidentChannelName, SlackConfig } from '#core/slack-config';

describe('SlackConfig', () => {
  it('defaults to no channels and no incident channels', () => {
    // Act
    const config = SlackConfig.parse({});

    // Assess
    expect(config).toEqual({ channels: {}, incidentChannels: [] });
  });

  it('takes team channels, a default channel and the priorities that get incident channels', () => {
    // Prepare
    const raw = {
      channels: { payments: 'C0123ABCD', platform: 'G9ZZ88YY' },
      defaultChannel: 'C0DEFAULT1',
      incidentChannels: ['P1', 'P2'],
    };

    // Act
    const config = SlackConfig.parse(raw);

    // Assess
    expect(config).toEqual(raw);
  });

  it.each([
    ['a #name', '#payments'],
    ['a bare name', 'payments'],
    ['a lower-case id', 'c0123abcd'],
    ['a user id', 'U0123ABCD'],
    ['a direct-message id', 'D0123ABCD'],
    ['too short an id', 'C1'],
  ])('refuses %s as a channel, saying what a channel id looks like', (_case, channel) => {
    // Act
    const parsed = SlackConfig.safeParse({ channels: { payments: channel } });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['channels', 'payments'],
        message: 'must be a Slack channel id like C0123ABCD (not a #name)',
      }),
    ]);
  });

  it('refuses a bad default channel, an unknown priority, an empty team name and unknown keys', () => {
    // Act
    const parsed = SlackConfig.safeParse({
      channels: { '': 'C0123ABCD' },
      defaultChannel: '#general',
      incidentChannels: ['P0'],
      channel: 'C0123ABCD',
    });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.code, issue.path])).toEqual(
      expect.arrayContaining([
        ['invalid_key', ['channels', '']],
        ['invalid_format', ['defaultChannel']],
        ['invalid_value', ['incidentChannels', 0]],
        ['unrecognized_keys', []],
      ]),
    );
  });
});

describe('chatChannelFor', () => {
  const config = SlackConfig.parse({
    channels: { payments: 'C0PAYMENTS', platform: 'C0PLATFORM' },
    defaultChannel: 'C0DEFAULT1',
  });

  it("sends a team's incidents to the team's channel", () => {
    expect(chatChannelFor(config, { team: 'payments' })).toBe('C0PAYMENTS');
  });

  it('sends incidents of a team without a channel, or of no team, to the default channel', () => {
    expect(chatChannelFor(config, { team: 'search' })).toBe('C0DEFAULT1');
    expect(chatChannelFor(config, {})).toBe('C0DEFAULT1');
  });

  it('sends them nowhere when there is no default channel', () => {
    // Prepare
    const noDefault = SlackConfig.parse({ channels: { payments: 'C0PAYMENTS' } });

    // Assess
    expect(chatChannelFor(noDefault, { team: 'search' })).toBeUndefined();
    expect(chatChannelFor(noDefault, { team: undefined })).toBeUndefined();
    expect(chatChannelFor(SlackConfig.parse({}), { team: 'payments' })).toBeUndefined();
  });

  it('takes no channel from the object prototype for a team called like one of its properties', () => {
    expect(chatChannelFor(config, { team: 'constructor' })).toBe('C0DEFAULT1');
    expect(chatChannelFor(config, { team: 'toString' })).toBe('C0DEFAULT1');
  });
});

describe('incidentChannelName', () => {
  it('is the incident id in lower case', () => {
    expect(incidentChannelName('INC-20261201-0042')).toBe('inc-20261201-0042');
  });

  it('keeps a number that widened past four digits', () => {
    expect(incidentChannelName('INC-20261201-12345')).toBe('inc-20261201-12345');
  });

  it('is always a name Slack accepts: lower case, letters, digits, hyphens, underscores, at most 80', () => {
    // Act
    const name = incidentChannelName(`INC 20261201/${'X'.repeat(100)}`);

    // Assess
    expect(name).toMatch(/^[a-z0-9_-]{1,80}$/);
    expect(name.startsWith('inc-20261201-x')).toBe(true);
  });
});
