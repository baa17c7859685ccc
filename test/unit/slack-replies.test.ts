import { describe, expect, it } from 'vitest';
import type { Incident } from '#core/model';
import { ACTION_ACKNOWLEDGE, ACTION_RESOLVE, SlackActionPayload, slackActions } from '#core/slack-actions';
import {
  acknowledgedReply,
  createdReply,
  humanDuration,
  LIST_LIMIT,
  listReply,
  resolvedReply,
  slackActor,
  statusReply,
  updateReply,
} from '#core/slack-replies';
import { escapeMrkdwn, escapeUrl } from '#core/slack-text';

const link = (id: string) => `https://firebreak.example.com/incidents/${id}`;
const user = { id: 'U024BE7LH', name: 'dana' };

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-20261201-0007',
    title: 'API returning 503 errors',
    description: '',
    service: 'api',
    category: 'Application',
    subcategory: 'Error rate',
    severity: 'high',
    impact: 'high',
    urgency: 'high',
    priority: 'P1',
    status: 'triggered',
    source: { kind: 'manual', ref: 'x', name: 'dana' },
    dedupKey: 'manual:x',
    escalationLevel: 1,
    alerts: {},
    alertCount: 1,
    firingCount: 1,
    slaBreached: false,
    respondBy: '2026-12-01T10:15:00.000Z',
    detectedAt: '2026-12-01T10:00:00.000Z',
    createdAt: '2026-12-01T10:00:00.000Z',
    notices: {},
    lastSignalAt: '2026-12-01T10:00:00.000Z',
    version: 1,
    ...over,
  } as Incident;
}

describe('who a Slack user is', () => {
  const people = [
    { id: 'dana', contacts: [{ type: 'chat' as const, address: 'U024BE7LH' }] },
    { id: 'eli', contacts: [{ type: 'chat' as const, address: '@Eli' }] },
    { id: 'sam', contacts: [{ type: 'email' as const, address: 'sam@example.com' }] },
    { id: 'twin-a', contacts: [{ type: 'chat' as const, address: '@twin' }] },
    { id: 'twin-b', contacts: [{ type: 'chat' as const, address: 'twin' }] },
  ];

  it('is the person whose chat contact is their user id, whatever their handle', () => {
    expect(slackActor(people, { id: 'U024BE7LH', name: 'someone-else' })).toEqual({
      actor: 'person:dana',
      personId: 'dana',
    });
  });

  it('is the person whose chat handle matches, with or without @, in any case', () => {
    expect(slackActor(people, { id: 'U999', name: 'eli' })).toEqual({ actor: 'person:eli', personId: 'eli' });
    expect(slackActor(people, { id: 'U999', name: '@ELI' }).personId).toBe('eli');
  });

  it('is the Slack user by id and name when no person matches, or two do', () => {
    expect(slackActor(people, { id: 'U555', name: 'sam' })).toEqual({ actor: 'slack:U555 (sam)' });
    expect(slackActor(people, { id: 'U556', name: 'twin' })).toEqual({ actor: 'slack:U556 (twin)' });
    expect(slackActor([], { id: 'U557', name: '' })).toEqual({ actor: 'slack:U557' });
    expect(slackActor([], { id: 'U558', name: 'a\u0007b' }).actor).toBe('slack:U558 (ab)');
  });
});

describe('replies to /incident', () => {
  it('announces a created incident to the channel, with its link, priority and title escaped', () => {
    const reply = createdReply(
      incident({ title: 'Errors <5xx> & timeouts' }),
      false,
      link('INC-20261201-0007'),
    );
    expect(reply).toEqual({
      response_type: 'in_channel',
      text:
        'Created <https://firebreak.example.com/incidents/INC-20261201-0007|*INC-20261201-0007*> (P1): ' +
        'Errors &lt;5xx&gt; &amp; timeouts. Paging on-call.',
    });
    expect(createdReply(incident(), true, link('x')).text).toMatch(/^Joined .*already open/);
  });

  it('says who acknowledged, or who had already, only to the clicker', () => {
    expect(acknowledgedReply(incident(), user, true, 'L')).toEqual({
      response_type: 'in_channel',
      text: '<L|*INC-20261201-0007*> (P1) acknowledged by <@U024BE7LH>: paging stops.',
    });
    const again = acknowledgedReply(
      incident({ assignee: 'person:eli', lastAcknowledgedAt: '2026-12-01T10:03:00.000Z' }),
      user,
      false,
      'L',
    );
    expect(again).toEqual({
      response_type: 'ephemeral',
      text: '<L|*INC-20261201-0007*> (P1) was already acknowledged by person:eli at 2026-12-01T10:03:00.000Z.',
    });
  });

  it('gives the resolution with how long the incident was open', () => {
    const resolved = incident({
      status: 'resolved',
      resolvedAt: '2026-12-01T10:23:00.000Z',
      resolution: 'Rolled back deployment with bad Redis config',
    });
    expect(resolvedReply(resolved, user, 'L').text).toBe(
      '<L|*INC-20261201-0007*> (P1) resolved by <@U024BE7LH> after 23 minutes: ' +
        'Rolled back deployment with bad Redis config',
    );
  });

  it('shows an update as it went on the timeline', () => {
    expect(updateReply(incident(), user, 'Failing over to <eu-west-1>', 'L')).toEqual({
      response_type: 'in_channel',
      text: 'Update on <L|*INC-20261201-0007*> (P1) from <@U024BE7LH>: Failing over to &lt;eu-west-1&gt;',
    });
  });

  it('shows the status at a glance to the asker only', () => {
    const reply = statusReply(
      incident({ status: 'acknowledged', assignee: 'person:dana', team: 'payments' }),
      'L',
      new Date('2026-12-01T11:05:00.000Z'),
    );
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text.split('\n')).toEqual([
      '<L|*INC-20261201-0007*> (P1) API returning 503 errors',
      'Status: acknowledged by person:dana · opened 1 hour 5 minutes ago · level 1',
      'Service: api · team payments',
    ]);
  });

  it('lists open incidents most urgent first, then oldest first, and says when there are more', () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    const reply = listReply(
      [
        incident({ id: 'INC-20261201-0003', priority: 'P3', detectedAt: '2026-12-01T09:00:00.000Z' }),
        incident({ id: 'INC-20261201-0002', priority: 'P1', detectedAt: '2026-12-01T11:30:00.000Z' }),
        incident({ id: 'INC-20261201-0001', priority: 'P1', detectedAt: '2026-12-01T11:00:00.000Z' }),
      ],
      link,
      now,
    );
    const lines = reply.text.split('\n');
    expect(lines[0]).toBe('Open incidents (3):');
    expect(lines.slice(1).map((line) => /INC-\d+-(\d+)>/.exec(line)?.[1])).toEqual(['0001', '0002', '0003']);
    expect(lines[1]).toContain('(triggered, 1 hour)');
    expect(listReply([], link, now)).toEqual({ response_type: 'ephemeral', text: 'No open incidents.' });
    const many = Array.from({ length: LIST_LIMIT }, (_, i) =>
      incident({ id: `INC-20261201-${String(i + 1).padStart(4, '0')}` }),
    );
    const more = listReply(many, link, now, true).text.split('\n');
    expect(more[0]).toBe(`Open incidents (${LIST_LIMIT}+):`);
    expect(more.at(-1)).toBe('…and more: see the console.');
  });

  it('says durations as people do', () => {
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(60_000)).toBe('1 minute');
    expect(humanDuration(23 * 60_000)).toBe('23 minutes');
    expect(humanDuration(120 * 60_000)).toBe('2 hours');
    expect(humanDuration(125 * 60_000)).toBe('2 hours 5 minutes');
    expect(humanDuration(26 * 3_600_000)).toBe('1 day 2 hours');
    expect(humanDuration(-5)).toBe('0 seconds');
    expect(escapeMrkdwn('a & <b>')).toBe('a &amp; &lt;b&gt;');
    expect(escapeUrl('https://x.example/?a=1|2&b')).toBe('https://x.example/?a=1%7C2&amp;b');
  });
});

describe('button clicks', () => {
  const payload = (actions: unknown[], type = 'block_actions') =>
    SlackActionPayload.parse({
      type,
      user: { id: 'U024BE7LH', username: 'dana' },
      response_url: 'https://hooks.slack.com/actions/T1/1/abc',
      trigger_id: 't-1',
      actions,
    });

  it('reads Firebreak’s buttons, each with a key that repeats with the click', () => {
    expect(
      slackActions(
        payload([
          { action_id: ACTION_ACKNOWLEDGE, value: 'INC-20261201-0007', action_ts: '1733050000.1' },
          { action_id: ACTION_RESOLVE, value: 'INC-20261201-0008', action_ts: '1733050000.2' },
          { action_id: 'someone-elses-button', value: 'x' },
        ]),
      ),
    ).toEqual([
      { name: 'acknowledge', incidentId: 'INC-20261201-0007', key: 'U024BE7LH:1733050000.1' },
      { name: 'resolve', incidentId: 'INC-20261201-0008', key: 'U024BE7LH:1733050000.2' },
    ]);
  });

  it('does nothing for other interactions, and refuses a Firebreak button without an incident id', () => {
    expect(slackActions(payload([{ action_id: ACTION_ACKNOWLEDGE, value: 'x' }], 'view_submission'))).toEqual(
      [],
    );
    expect(() => slackActions(payload([{ action_id: ACTION_ACKNOWLEDGE, value: 'rm -rf' }]))).toThrow(
      /must be an incident id/,
    );
  });
});
