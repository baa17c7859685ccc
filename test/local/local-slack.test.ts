import { describe, expect, it } from 'vitest';
import { SlackApiError } from '#adapters/slack-api';
import { LocalSlack } from '../../local/local-slack';
import { RecordingSns } from '../../local/recording-sns';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const setup = () => {
  const sns = new RecordingSns(
    (arn) => arn,
    () => NOW,
  );
  return { sns, slack: new LocalSlack(sns, () => NOW) };
};
const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SlackApiError)) throw new Error(`expected a SlackApiError, got ${String(error)}`);
  return error.name;
};

describe("LocalSlack, local mode's Slack", () => {
  it('records a posted message with the notifications, as chat to its channel, and answers its ts', async () => {
    // Prepare
    const { sns, slack } = setup();
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'P1 INC-20261127-0001: Checkout down' } },
    ];

    // Act
    const posted = await slack.call('chat.postMessage', {
      channel: 'C0PAYMENTS',
      text: 'P1 CRITICAL incident INC-20261127-0001 on checkout: Checkout down\nOpen: https://x',
      blocks,
      metadata: { event_type: 'firebreak_notice', event_payload: { incident_id: 'INC-20261127-0001' } },
    });

    // Assess
    expect(posted).toEqual({ ok: true, channel: 'C0PAYMENTS', ts: '1795773600.000001' });
    expect(sns.published).toEqual([
      {
        at: NOW.toISOString(),
        topic: 'slack',
        target: 'slack:C0PAYMENTS',
        kind: 'chat',
        incidentId: 'INC-20261127-0001',
        subject: 'P1 INC-20261127-0001: Checkout down',
        text: 'P1 CRITICAL incident INC-20261127-0001 on checkout: Checkout down\nOpen: https://x',
        blocks,
      },
    ]);
  });

  it('records a reply to a response_url, and refuses a message to no channel', async () => {
    // Prepare
    const { sns, slack } = setup();

    // Act
    await slack.respond('https://hooks.slack.com/commands/T1/2/3', {
      text: 'Acknowledged INC-20261127-0001',
    });
    const noChannel = await refusal(slack.call('chat.postMessage', { channel: '#payments', text: 'x' }));

    // Assess
    expect(sns.published).toEqual([
      expect.objectContaining({
        target: 'slack:response_url',
        kind: 'chat',
        subject: 'Acknowledged INC-20261127-0001',
      }),
    ]);
    expect(noChannel).toBe('Slack.channel_not_found');
  });

  it('creates a channel once per name, invites and pins as Slack does, refusing repeats', async () => {
    // Prepare
    const { slack } = setup();

    // Act
    const created = await slack.call('conversations.create', { name: 'inc-20261127-0001' });
    const taken = await refusal(slack.call('conversations.create', { name: 'inc-20261127-0001' }));
    const badName = await refusal(slack.call('conversations.create', { name: 'INC 1' }));
    await slack.call('conversations.invite', { channel: 'CLOCAL0001', users: 'U1,U2' });
    const again = await refusal(slack.call('conversations.invite', { channel: 'CLOCAL0001', users: 'U2' }));
    await slack.call('pins.add', { channel: 'CLOCAL0001', timestamp: '1.000001' });
    const pinned = await refusal(slack.call('pins.add', { channel: 'CLOCAL0001', timestamp: '1.000001' }));
    const unknown = await refusal(slack.call('conversations.kick', {}));

    // Assess
    expect(created).toEqual({
      ok: true,
      channel: { id: 'CLOCAL0001', name: 'inc-20261127-0001', created: 1795773600, is_archived: false },
    });
    expect([taken, badName, again, pinned, unknown]).toEqual([
      'Slack.name_taken',
      'Slack.invalid_name_specials',
      'Slack.already_in_channel',
      'Slack.already_pinned',
      'Slack.unknown_method',
    ]);
    expect(slack.madeChannels()).toEqual([
      {
        id: 'CLOCAL0001',
        name: 'inc-20261127-0001',
        created: 1795773600,
        members: ['U1', 'U2'],
        pins: ['1.000001'],
      },
    ]);
  });

  it('lists channels page by page with a cursor, ending with an empty one', async () => {
    // Prepare
    const { slack } = setup();
    for (const n of [1, 2, 3]) await slack.call('conversations.create', { name: `inc-20261127-000${n}` });

    // Act
    const first = await slack.call('conversations.list', { limit: 2 });
    const cursor = (first.response_metadata as { next_cursor: string }).next_cursor;
    const second = await slack.call('conversations.list', { limit: 2, cursor });

    // Assess
    expect((first.channels as Array<{ name: string }>).map((c) => c.name)).toEqual([
      'inc-20261127-0001',
      'inc-20261127-0002',
    ]);
    expect(cursor).not.toBe('');
    expect((second.channels as Array<{ name: string }>).map((c) => c.name)).toEqual(['inc-20261127-0003']);
    expect(second.response_metadata).toEqual({ next_cursor: '' });
  });
});
