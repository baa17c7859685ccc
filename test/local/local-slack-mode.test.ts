import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Incident } from '#core/model';
import { ACTION_ACKNOWLEDGE } from '#core/slack-actions';
import { slackSignature } from '#core/slack-signature';
import { type LocalRuntime, startLocal } from '../../local/runtime';

const TOKEN = 'local-test-token';
const SIGNING_SECRET = 'local-slack-signing-secret';
let local: LocalRuntime;

beforeAll(async () => {
  local = await startLocal({
    port: 0,
    timeScale: 1,
    token: TOKEN,
    integrationKey: '0123456789abcdef0123456789abcdef',
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    slack: {
      config: { channels: { payments: 'C0PAYMENTS' }, incidentChannels: ['P1'] },
      signingSecret: SIGNING_SECRET,
    },
  });
});
afterAll(async () => {
  await local.stop();
});

/** Posts a form to a Slack route, signed as Slack signs it. */
async function slack(path: string, form: Record<string, string>) {
  const body = new URLSearchParams(form).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${local.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

interface Recorded {
  kind: string;
  target: string;
  text: string;
  incidentId?: string;
  blocks?: unknown[];
}

async function notifications(): Promise<Recorded[]> {
  const response = await fetch(`${local.url}/local/notifications`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { items: Recorded[] }).items;
}

async function until<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = await read();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function incident(id: string): Promise<Incident> {
  const response = await fetch(`${local.url}/incidents/${id}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await response.json()) as Incident;
}

describe('Slack in local mode', () => {
  it('runs /incident, posts the page to the team and incident channels, and takes a button click', async () => {
    const created = await slack('/integrations/slack/commands', {
      team_id: 'T0001',
      user_id: 'U0DANA',
      user_name: 'dana',
      channel_id: 'C0PAYMENTS',
      command: '/incident',
      text: 'create "Card payments failing" service=payments-api',
      response_url: 'https://hooks.slack.com/commands/T0001/1/x',
      trigger_id: 'local-1',
    });
    expect(created.status).toBe(200);
    const reply = JSON.parse(created.text) as { response_type: string; text: string };
    expect(reply.response_type).toBe('in_channel');
    const id = /INC-\d{8}-\d{4}/.exec(reply.text)?.[0] ?? '';
    expect(reply.text).toContain(`Created <${local.url}/#/incidents/${id}|*${id}*> (P1)`);

    // The lifecycle's first page goes to SNS and, as a chat message with buttons, to the team's channel
    // and to the incident's own channel (P1), all in /local/notifications.
    const page = await until(
      async () =>
        (await notifications()).find(
          (item) => item.kind === 'chat' && item.target === 'slack:C0PAYMENTS' && item.text.includes(id),
        ),
      'the page in the team channel',
    );
    expect(JSON.stringify(page.blocks)).toContain(ACTION_ACKNOWLEDGE);
    const channel = await until(async () => (await incident(id)).chatChannel, 'the incident channel');
    expect(local.slack.madeChannels().map((made) => [made.id, made.name])).toEqual([
      [channel, id.toLowerCase()],
    ]);
    expect(
      (await notifications()).some((item) => item.kind === 'chat' && item.target === `slack:${channel}`),
    ).toBe(true);

    const clicked = await slack('/integrations/slack/actions', {
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: 'U0ELI', username: 'eli' },
        response_url: 'https://hooks.slack.com/actions/T0001/2/y',
        actions: [{ action_id: ACTION_ACKNOWLEDGE, value: id, action_ts: '1733050000.1' }],
      }),
    });
    expect(clicked.status).toBe(200);
    expect(await incident(id)).toMatchObject({ status: 'acknowledged', assignee: 'slack:U0ELI (eli)' });
    const replaced = (await notifications()).filter((item) => item.target === 'slack:response_url').at(-1);
    expect(replaced?.kind).toBe('chat');
    // The clicked message now says who acknowledged, and offers Resolve only.
    const blocks = JSON.stringify(replaced?.blocks);
    expect(blocks).toContain('slack:U0ELI (eli)');
    expect(blocks).not.toContain(ACTION_ACKNOWLEDGE);
  });

  it('refuses a request signed with another secret', async () => {
    const body = 'command=%2Fincident&text=list';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${local.url}/integrations/slack/commands`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature('another-secret', timestamp, body),
      },
      body,
    });
    expect(response.status).toBe(401);
  });
});
