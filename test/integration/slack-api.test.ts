import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Incident, TimelineEntry } from '#core/model';
import { ACTION_ACKNOWLEDGE, ACTION_RESOLVE } from '#core/slack-actions';
import { slackSignature } from '#core/slack-signature';
import {
  type ApiAnswer,
  type CallOptions,
  loadApi,
  RUNBOOK_STATE_MACHINE_ARN,
  SLACK_SIGNING_SECRET,
} from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';

const SLACK_CONFIG = { channels: { payments: 'C0PAYMENTS' }, incidentChannels: ['P1', 'P2'] };
const COMMANDS = 'POST /integrations/slack/commands';
const ACTIONS = 'POST /integrations/slack/actions';
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0001/1234/abcd';

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;
/** What the API posted to response URLs (Slack's side of `fetch`). */
let posted: Array<{ url: string; body: Record<string, unknown> }>;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('slack-api');
  posted = [];
  // Slack has no local implementation: the response_url posts are answered at fetch, the client boundary.
  vi.stubGlobal('fetch', async (url: string | URL, init?: RequestInit) => {
    posted.push({ url: String(url), body: JSON.parse(String(init?.body ?? '{}')) });
    return new Response('ok', { status: 200 });
  });
  api = await loadApi(server, table, undefined, { slack: { config: SLACK_CONFIG } });
});
afterEach(() => {
  api.restore();
  vi.unstubAllGlobals();
});

let triggers = 0;

/** A form post as Slack signs it: `v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
function signed(rawBody: string, at = Math.floor(Date.now() / 1000), secret = SLACK_SIGNING_SECRET) {
  return {
    rawBody,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(at),
      'x-slack-signature': slackSignature(secret, String(at), rawBody),
    },
    anonymous: true,
  };
}

function commandBody(
  text: string,
  user = { id: 'U0DANA', name: 'dana' },
  extra: Record<string, string> = {},
) {
  triggers += 1;
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    team_domain: 'example',
    channel_id: 'C0PAYMENTS',
    channel_name: 'payments-oncall',
    user_id: user.id,
    user_name: user.name,
    command: '/incident',
    text,
    api_app_id: 'A0001',
    response_url: RESPONSE_URL,
    trigger_id: `trigger-${triggers}`,
    ...extra,
  }).toString();
}

async function slash(text: string, user?: { id: string; name: string }): Promise<ApiAnswer> {
  return api.call(COMMANDS, '/integrations/slack/commands', signed(commandBody(text, user)));
}

const reply = (answer: ApiAnswer) => answer.body as { response_type: string; text: string };

async function incident(id: string): Promise<Incident> {
  const answer = await api.call('GET /incidents/{id}', `/incidents/${id}`);
  expect(answer.status).toBe(200);
  return answer.body as Incident;
}

async function timeline(id: string): Promise<TimelineEntry[]> {
  const answer = await api.call('GET /incidents/{id}/timeline', `/incidents/${id}/timeline`);
  return (answer.body as { items: TimelineEntry[] }).items;
}

async function created(text = 'create "API returning 503 errors"'): Promise<string> {
  const answer = await slash(text);
  expect(answer.status).toBe(200);
  const id = /INC-\d{8}-\d{4,}/.exec(reply(answer).text)?.[0];
  if (!id) throw new Error(`no incident id in ${reply(answer).text}`);
  return id;
}

describe('/incident through the real API handler', () => {
  beforeEach(async () => {
    // Dana's chat contact is her Slack user id: her commands act as person:dana.
    const dana = await api.call('PUT /people/{id}', '/people/dana', {
      body: { name: 'Dana', timeZone: 'Europe/Berlin', contacts: [{ type: 'chat', address: 'U0DANA' }] },
    });
    expect(dana.status).toBe(201);
  });

  it('create → ack → resolve shows in the incident and its timeline with the Slack actor', async () => {
    const create = await slash('create "API returning 503 errors" service=api');
    expect(create.status).toBe(200);
    expect(reply(create).response_type).toBe('in_channel');
    expect(reply(create).text).toMatch(
      /^Created <https:\/\/firebreak\.example\.com\/incidents\/INC-\d{8}-\d{4}\|\*INC-\d{8}-\d{4}\*> \(P1\): API returning 503 errors\. Paging on-call\.$/,
    );
    const id = /INC-\d{8}-\d{4}/.exec(reply(create).text)?.[0] ?? '';
    const opened = await incident(id);
    // Impact and urgency default to high; the channel is the payments team's, so the incident is theirs.
    expect(opened).toMatchObject({ priority: 'P1', service: 'api', team: 'payments', status: 'triggered' });
    expect(api.started.size).toBe(1);

    // Eli is no Firebreak person: he is recorded by Slack user id and name.
    const ack = await slash(`ack ${id.toLowerCase()}`, { id: 'U0ELI', name: 'eli' });
    expect(reply(ack)).toEqual({
      response_type: 'in_channel',
      text: `<https://firebreak.example.com/incidents/${id}|*${id}*> (P1) acknowledged by <@U0ELI>: paging stops.`,
    });
    expect(await incident(id)).toMatchObject({ status: 'acknowledged', assignee: 'slack:U0ELI (eli)' });

    const resolve = await slash(`resolve ${id} "Rolled back deployment with bad Redis config"`);
    expect(reply(resolve).response_type).toBe('in_channel');
    expect(reply(resolve).text).toMatch(
      /\(P1\) resolved by <@U0DANA> after \d+ seconds?: Rolled back deployment with bad Redis config$/,
    );
    expect(await incident(id)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'person:dana',
      resolution: 'Rolled back deployment with bad Redis config',
    });

    const entries = await timeline(id);
    const byKind = (kind: string) => entries.filter((entry) => entry.kind === kind);
    expect(byKind('acknowledged')).toEqual([
      expect.objectContaining({
        actor: 'slack:U0ELI (eli)',
        details: { via: 'slack', slackUser: { id: 'U0ELI', name: 'eli' } },
      }),
    ]);
    expect(byKind('resolved')).toEqual([expect.objectContaining({ actor: 'person:dana' })]);
    expect(byKind('opened')[0]?.message ?? '').toBeTruthy();
  });

  it('update adds a note from the Slack user; status and list answer only the asker', async () => {
    const id = await created();
    const update = await slash(`update ${id} "Failing over to eu-west-1"`, { id: 'U0ELI', name: 'eli' });
    expect(reply(update).text).toContain('Update on');
    expect(reply(update).text).toContain('from <@U0ELI>: Failing over to eu-west-1');
    const notes = (await timeline(id)).filter((entry) => entry.kind === 'note');
    expect(notes).toEqual([
      expect.objectContaining({ actor: 'slack:U0ELI (eli)', message: 'Failing over to eu-west-1' }),
    ]);

    const status = reply(await slash(`status ${id}`));
    expect(status.response_type).toBe('ephemeral');
    expect(status.text).toContain('Status: triggered');

    const other = await created('create "Disk filling on batch hosts" impact=low urgency=low service=batch');
    const list = reply(await slash('list'));
    expect(list.response_type).toBe('ephemeral');
    const lines = list.text.split('\n');
    expect(lines[0]).toBe('Open incidents (2):');
    expect(lines[1]).toContain(id);
    expect(lines[2]).toContain(other);
  });

  it('a command delivered twice (the same trigger) opens one incident', async () => {
    const body = commandBody('create "Checkout down"');
    const first = await api.call(COMMANDS, '/integrations/slack/commands', signed(body));
    const again = await api.call(COMMANDS, '/integrations/slack/commands', signed(body));
    const idOf = (answer: ApiAnswer) => /INC-\d{8}-\d{4}/.exec(reply(answer).text)?.[0];
    expect(idOf(again)).toBe(idOf(first));
    const listed = await api.call('GET /incidents', '/incidents');
    expect((listed.body as { items: unknown[] }).items).toHaveLength(1);
  });

  it('refusals are answers for the asker, naming what is wrong', async () => {
    expect(reply(await slash('reboot everything'))).toEqual({
      response_type: 'ephemeral',
      text: '"reboot" is not a command. Try `/incident help`.',
    });
    expect(reply(await slash('ack INC-20261201-9999'))).toEqual({
      response_type: 'ephemeral',
      text: 'incident INC-20261201-9999 does not exist',
    });
    const id = await created();
    await slash(`resolve ${id} "fixed"`);
    expect(reply(await slash(`ack ${id}`)).text).toBe(
      `incident ${id} is resolved; it cannot be acknowledged`,
    );
    expect(reply(await slash('help')).text).toContain('/incident create');
  });

  it('diag says why a bound diagnostic cannot run on an incident it cannot fill', async () => {
    const id = await created('create "Web hosts unhealthy" service=web');
    // describe-instance needs the alarm's InstanceId dimension; a reported incident has none.
    expect(reply(await slash(`diag ${id}`))).toEqual({
      response_type: 'ephemeral',
      text: `\`describe-instance\` did not run on ${id}: could not fill TargetId (from {dimension.InstanceId}) from the alert.`,
    });
    expect(reply(await slash(`diag ${id} restart-everything`)).text).toContain(
      '"restart-everything" is not a bound runbook',
    );
    expect(reply(await slash(`diag ${id} restart-web`)).text).toBe(
      '`restart-web` is a remediation, not a diagnostic: run it from the incident page or the API.',
    );
  });

  it('diag starts the bound diagnostic, answers at once, and gives the run the response_url', async () => {
    api.restore();
    api = await loadApi(server, table, undefined, {
      slack: { config: SLACK_CONFIG },
      runbooks: {
        bindings: {
          'describe-service': {
            match: { service: 'web' },
            document: { name: 'Firebreak-Diagnose', version: '1' },
            parameters: {
              TargetType: 'service',
              TargetId: '{service}',
              AutomationAssumeRole: '{automationRole}',
            },
            kind: 'diagnostic',
          },
        },
      },
    });
    const id = await created('create "Web hosts unhealthy" service=web');
    const diag = reply(await slash(`diag ${id}`, { id: 'U0ELI', name: 'eli' }));
    expect(diag.response_type).toBe('in_channel');
    expect(diag.text).toMatch(
      new RegExp(
        `^<@U0ELI> started \`describe-service\` on <[^|]+\\|\\*${id}\\*> \\(run [^,]+, requested\\)\\. The result will be posted here when it ends\\.$`,
      ),
    );
    const starts = api.sfn
      .commandCalls(StartExecutionCommand)
      .filter((call) => call.args[0].input.stateMachineArn === RUNBOOK_STATE_MACHINE_ARN);
    expect(starts).toHaveLength(1);
    const runs = await api.call('GET /incidents/{id}/runbooks', `/incidents/${id}/runbooks`);
    const [run] = (runs.body as { runs: Array<Record<string, unknown>> }).runs;
    expect(run).toMatchObject({ binding: 'describe-service', requestedBy: 'slack:U0ELI (eli)' });
    // The reply URL is kept on the run for its answer, never given out by the API.
    expect(JSON.stringify(runs.body)).not.toContain('hooks.slack.com');
  });
});

describe('Slack request verification', () => {
  const call = (options: CallOptions) => api.call(COMMANDS, '/integrations/slack/commands', options);

  it('refuses a wrong signature, a tampered body, a stale or future timestamp, and missing headers with 401', async () => {
    const body = commandBody('create "x"');
    const now = Math.floor(Date.now() / 1000);
    const refusals: CallOptions[] = [
      signed(body, now, 'not-the-signing-secret'),
      { ...signed(body), rawBody: body.replace('x', 'y') },
      signed(body, now - 301),
      signed(body, now + 301),
      { ...signed(body), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ];
    for (const options of refusals) {
      const answer = await call(options);
      expect(answer.status).toBe(401);
      expect((answer.body as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    expect((await api.call('GET /incidents', '/incidents')).body).toMatchObject({ items: [] });
  });

  it('refuses a verified form without the fields Slack always sends, naming the field', async () => {
    const answer = await call(signed('text=list&team_id=T1'));
    expect(answer.status).toBe(400);
    expect((answer.body as { error: { field: string } }).error.field).toBe('user_id');
  });
});

describe('buttons', () => {
  function click(actionId: string, incidentId: string, user = { id: 'U0ELI', username: 'eli' }) {
    triggers += 1;
    const payload = {
      type: 'block_actions',
      user,
      team: { id: 'T0001' },
      channel: { id: 'C0PAYMENTS' },
      response_url: 'https://hooks.slack.com/actions/T0001/5678/efgh',
      trigger_id: `trigger-${triggers}`,
      actions: [{ action_id: actionId, value: incidentId, action_ts: `1733050000.${triggers}` }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return api.call(ACTIONS, '/integrations/slack/actions', signed(body));
  }

  it('Acknowledge and Resolve act as the Slack user and replace the message with the incident as it is now', async () => {
    const id = await created();
    const ack = await click(ACTION_ACKNOWLEDGE, id);
    expect(ack.status).toBe(200);
    expect(await incident(id)).toMatchObject({ status: 'acknowledged', assignee: 'slack:U0ELI (eli)' });
    expect(posted.at(-1)).toMatchObject({
      url: 'https://hooks.slack.com/actions/T0001/5678/efgh',
      body: { replace_original: true },
    });
    const ackMessage = JSON.stringify(posted.at(-1)?.body);
    expect(ackMessage).toContain(ACTION_RESOLVE);
    expect(ackMessage).not.toContain(ACTION_ACKNOWLEDGE);

    await click(ACTION_RESOLVE, id);
    expect(await incident(id)).toMatchObject({ status: 'resolved', resolvedBy: 'slack:U0ELI (eli)' });
    const resolvedMessage = JSON.stringify(posted.at(-1)?.body);
    expect(resolvedMessage).not.toContain(ACTION_RESOLVE);
  });

  it('a click the incident’s state forbids tells the clicker why and leaves the message', async () => {
    const id = await created();
    await slash(`resolve ${id} "fixed"`);
    const late = await click(ACTION_ACKNOWLEDGE, id);
    expect(late.status).toBe(200);
    expect(posted.at(-1)?.body).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: `incident ${id} is resolved; it cannot be acknowledged`,
    });
  });

  it('an unsigned click is refused', async () => {
    const answer = await api.call(ACTIONS, '/integrations/slack/actions', {
      rawBody: 'payload=%7B%7D',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      anonymous: true,
    });
    expect(answer.status).toBe(401);
  });
});

describe('Slack off', () => {
  it('serves no Slack routes', async () => {
    api.restore();
    api = await loadApi(server, table);
    const answer = await api.call(COMMANDS, '/integrations/slack/commands', signed(commandBody('list')));
    expect(answer.status).toBe(404);
  });
});
