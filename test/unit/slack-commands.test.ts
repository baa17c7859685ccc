import { describe, expect, it } from 'vitest';
import { formFields, parseSlackCommand, SLACK_USAGE, SlackCommandPayload } from '#core/slack-commands';

const ok = (text: string) => {
  const parsed = parseSlackCommand(text);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse: ${parsed.message}`);
  return parsed.command;
};
const refusal = (text: string) => {
  const parsed = parseSlackCommand(text);
  if (parsed.ok) throw new Error(`expected "${text}" to be refused`);
  return parsed.message;
};

describe('/incident commands', () => {
  it('reads create with a quoted title and options in any order, any case', () => {
    expect(ok('create "API returning 503 errors"')).toEqual({
      name: 'create',
      title: 'API returning 503 errors',
    });
    expect(ok('Create "Checkout down" urgency=HIGH service=checkout-api impact=medium')).toEqual({
      name: 'create',
      title: 'Checkout down',
      impact: 'medium',
      urgency: 'high',
      service: 'checkout-api',
    });
    expect(ok('create service="payments api" "Card auth failing"')).toMatchObject({
      title: 'Card auth failing',
      service: 'payments api',
    });
  });

  it('reads a title typed without quotes as the rest of the line, and typographic quotes as quotes', () => {
    expect(ok('create checkout is down impact=high')).toEqual({
      name: 'create',
      title: 'checkout is down',
      impact: 'high',
    });
    expect(ok('create \u201cAPI returning 503 errors\u201d')).toMatchObject({
      title: 'API returning 503 errors',
    });
    // An "=" inside a quoted title is part of the title.
    expect(ok('create "p99=4s on search"')).toEqual({ name: 'create', title: 'p99=4s on search' });
  });

  it('keeps Unicode as typed: accents, emoji, other scripts', () => {
    expect(ok('create "Zahlungsausfall – Café 🔥 決済"')).toMatchObject({
      title: 'Zahlungsausfall – Café 🔥 決済',
    });
    expect(ok('update inc-20261127-0042 "Rollback läuft ✅"')).toEqual({
      name: 'update',
      incidentId: 'INC-20261127-0042',
      message: 'Rollback läuft ✅',
    });
  });

  it('reads ack, status, resolve, update, list, diag and help', () => {
    expect(ok('ack INC-20261127-0042')).toEqual({ name: 'ack', incidentId: 'INC-20261127-0042' });
    expect(ok('acknowledge INC-20261127-0042')).toEqual({ name: 'ack', incidentId: 'INC-20261127-0042' });
    expect(ok('status INC-20261127-0042')).toEqual({ name: 'status', incidentId: 'INC-20261127-0042' });
    expect(ok('resolve INC-20261127-0042 "Rolled back deployment with bad Redis config"')).toEqual({
      name: 'resolve',
      incidentId: 'INC-20261127-0042',
      resolution: 'Rolled back deployment with bad Redis config',
    });
    expect(ok('resolve INC-20261127-0042 rolled back the deploy')).toMatchObject({
      resolution: 'rolled back the deploy',
    });
    expect(ok('  list  ')).toEqual({ name: 'list' });
    expect(ok('diag INC-20261127-0042')).toEqual({ name: 'diag', incidentId: 'INC-20261127-0042' });
    expect(ok('diag INC-20261127-0042 restart-web')).toEqual({
      name: 'diag',
      incidentId: 'INC-20261127-0042',
      runbook: 'restart-web',
    });
    expect(ok('help')).toEqual({ name: 'help' });
    expect(ok('')).toEqual({ name: 'help' });
  });

  it.each([
    ['frobnicate INC-20261127-0042', '"frobnicate" is not a command'],
    ['ack', '`ack` needs an incident id, like INC-20261127-0042'],
    ['ack 42', '"42" is not an incident id (like INC-20261127-0042)'],
    ['ack INC-20261127-0042 INC-20261127-0043', '`ack <id>` takes one incident id'],
    ['resolve INC-20261127-0042', '`resolve <id> "<resolution>"` needs the resolution'],
    ['resolve INC-20261127-0042 ""', '`resolve <id> "<resolution>"` needs the resolution'],
    ['update INC-20261127-0042', '`update <id> "<message>"` needs the message'],
    ['create', '`create "<title>"` needs a title'],
    ['create "Down" impact=severe', 'impact: must be high, medium or low, not "severe"'],
    [
      'create "Down" priority=P1',
      '"priority=" is not an option of create: give impact=, urgency= or service=',
    ],
    ['create "Down', 'A quote is not closed'],
    ['list everything', '`list` takes nothing after it'],
    ['diag INC-20261127-0042 "restart web"', 'runbook: "restart web" is not a runbook name'],
    ['diag INC-20261127-0042 a b', '`diag <id> [runbook]` takes at most one runbook'],
  ])('refuses "%s" saying what is wrong', (text, message) => {
    expect(refusal(text)).toBe(`${message}. Try \`/incident help\`.`);
  });

  it('refuses a title over its size limit, naming the field', () => {
    expect(refusal(`create "${'x'.repeat(1025)}"`)).toMatch(/^title: must be at most 1024 bytes/);
  });

  it('repeats at most 40 characters of what was typed', () => {
    expect(refusal(`${'y'.repeat(100)}`)).toBe(
      `"${'y'.repeat(39)}…" is not a command. Try \`/incident help\`.`,
    );
  });

  it('documents every command in its usage', () => {
    for (const name of ['create', 'ack', 'resolve', 'update', 'status', 'list', 'diag', 'help'])
      expect(SLACK_USAGE).toContain(`/incident ${name}`);
  });
});

describe('the slash command form body', () => {
  const body =
    'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=%2Fincident&text=create+%22API+returning+503+errors%22+impact%3Dhigh&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456';

  it('decodes the fields Firebreak uses and ignores the rest', () => {
    const payload = SlackCommandPayload.parse(formFields(body));
    expect(payload).toEqual({
      team_id: 'T0001',
      user_id: 'U2147483697',
      user_name: 'Steve',
      channel_id: 'C2147483705',
      command: '/incident',
      text: 'create "API returning 503 errors" impact=high',
      response_url: 'https://hooks.slack.com/commands/1234/5678',
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
    });
    expect(parseSlackCommand(payload.text)).toEqual({
      ok: true,
      command: { name: 'create', title: 'API returning 503 errors', impact: 'high' },
    });
  });

  it('names the field that is missing or wrong', () => {
    const fields = formFields(body.replace('user_id=U2147483697&', '').replace('https%3A', 'http%3A'));
    const result = SlackCommandPayload.safeParse(fields);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'response_url',
      'user_id',
    ]);
  });
});
