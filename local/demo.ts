/**
 * `npm run demo`: plays a short, realistic scenario against local mode so the console fills with incidents
 * in different states, then a bound remediation: a deploy, the web tier's CPU alarm, the restart-web
 * runbook waiting for approval, approved, run, and checked once the alarm settles; then the loop closes (a
 * public update on the status page, a P1 closed through its checklist and review, a recurring alarm becoming
 * a problem, the figures: see demo-loop.ts). Uses local mode at
 * FIREBREAK_URL (default http://127.0.0.1:$PORT, PORT 3000) with FIREBREAK_TOKEN; when nothing answers
 * there, starts local mode itself (time scale 60, the bindings of local/demo-config.json) and keeps it running.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RunbookRun } from '#core/runbook-run';
import { slackSignature } from '#core/slack-signature';
import { alarmStateChangeEvent } from './cloudwatch-events';
import { DEMO_ALARMS, type DemoAlarm } from './demo-alarms';
import {
  closeWithChecklist,
  type DemoClient,
  printFigures,
  recurringAlarm,
  showStatusPage,
} from './demo-loop';
import { parseAutomationOutcomes } from './local-automation';
import { loadLocalConfig, runtimeOptionsOf } from './local-config';
import { startLocal } from './runtime';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const DEMO_CONFIG = fileURLToPath(new URL('./demo-config.json', import.meta.url));
const port = Number(process.env.PORT ?? 3000);
let url = process.env.FIREBREAK_URL ?? `http://127.0.0.1:${port}`;
let token = process.env.FIREBREAK_TOKEN ?? '';

async function reachable(): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const { status, answer } = await send(method, path, body);
  if (status >= 400) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(answer)}`);
  return answer;
}

async function send(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, answer: (await response.json()) as Record<string, unknown> };
}

/** A GET without the token, as anyone on the internet would read the status page. */
async function publicGet(path: string) {
  const response = await fetch(`${url}${path}`, { headers: { accept: 'application/json' } });
  return { status: response.status, answer: (await response.json()) as Record<string, unknown> };
}

/** Sends one alarm state change through /local/events and returns the incident it touched. */
async function alarm({ name, metric, tags }: DemoAlarm, state: 'ALARM' | 'OK'): Promise<string> {
  const event = alarmStateChangeEvent({
    id: `demo-${name}-${state}-${Date.now()}`,
    alarmName: name,
    state,
    previous: state === 'ALARM' ? 'OK' : 'ALARM',
    at: new Date().toISOString(),
    tags,
    metric,
  });
  const answer = await call('POST', '/local/events', event);
  const [result] = answer.results as Array<{ outcome: string; incidentId?: string }>;
  console.log(`  ${name} → ${state}: ${result?.outcome} ${result?.incidentId ?? ''}`);
  return result?.incidentId ?? '';
}

/** The runs of an incident, as the API lists them. */
async function runsOf(incidentId: string): Promise<RunbookRun[]> {
  return (await call('GET', `/incidents/${incidentId}/runbooks`)).runs as RunbookRun[];
}

/** Waits for `done` (polling every half second), printing each new state of the run on the way. */
async function until<T>(
  read: () => Promise<T | undefined>,
  what: string,
  minutes = 15,
): Promise<T | undefined> {
  const deadline = Date.now() + minutes * 60_000;
  while (Date.now() < deadline) {
    const found = await read();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(`  gave up waiting for ${what} after ${minutes} minutes`);
  return undefined;
}

const describeRun = (run: RunbookRun) =>
  `${run.binding} (${run.document?.name} v${run.document?.version}, ${Object.entries(run.parameters)
    .filter(([name]) => name !== 'AutomationAssumeRole')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ')})`;

/**
 * The bound remediation: restart-web waits for approval on the web incident, the demo approves it, the
 * automation runs (see /local/automations), the alarm goes back to OK, and once the run's settle time has
 * passed Firebreak checks the alarm and records the run as verified (the incident auto-remediated).
 */
async function remediate(incidentId: string): Promise<void> {
  const bound = await send('GET', '/runbooks');
  if (bound.status === 404) {
    console.log('  (this local mode serves no runbook routes, so restart-web does not run)');
    return;
  }
  const names = (bound.answer.runbooks as Array<{ name: string }>).map((runbook) => runbook.name);
  if (!names.includes('restart-web')) {
    console.log(`  restart-web is not bound here: start local mode with FIREBREAK_CONFIG=${DEMO_CONFIG}`);
    return;
  }
  let seen = '';
  const follow = async (done: (run: RunbookRun) => boolean) => {
    const run = (await runsOf(incidentId)).find((candidate) => candidate.binding === 'restart-web');
    if (run && run.state !== seen) {
      seen = run.state;
      console.log(`  restart-web is ${run.state}${run.reason ? `: ${run.reason}` : ''}`);
    }
    return run && done(run) ? run : undefined;
  };
  const waiting = await until(
    () => follow((run) => run.state !== 'requested'),
    'restart-web to await approval',
  );
  if (!waiting) return;
  const diagnosis = (await call('GET', `/incidents/${incidentId}/timeline?limit=100`)).items as Array<{
    kind: string;
    message: string;
  }>;
  for (const entry of diagnosis.filter((e) => e.kind === 'diagnosis')) console.log(`  ${entry.message}`);
  if (waiting.state !== 'awaiting-approval') return;
  console.log(`  ${describeRun(waiting)} awaits approval: approving it`);
  await call('POST', `/incidents/${incidentId}/runbooks/${waiting.runId}/approve`, {
    reason: 'CPU pinned since the v142 deploy; a restart clears it',
  });
  const ran = await until(
    () => follow((run) => !['approved', 'running'].includes(run.state)),
    'the restart to finish',
  );
  if (!ran) return;
  const automations = (await call('GET', '/local/automations')).items as Array<{
    runId: string;
    automationId: string;
    status: string;
    steps: Array<{ name: string; status: string }>;
  }>;
  const automation = automations.find((found) => found.runId === ran.runId);
  if (automation) {
    const steps = automation.steps.map((step) => `${step.name} ${step.status}`).join(', ');
    console.log(`  automation ${automation.automationId}: ${automation.status} (${steps})`);
  }
  if (ran.state !== 'succeeded') {
    console.log(`  the restart did not succeed (${ran.failure ?? ran.state}): escalation continues`);
    return;
  }
  // The restart worked: the CPU drops and the alarm goes back to OK before the settle time ends.
  await alarm(DEMO_ALARMS.web, 'OK');
  const settled = await until(() => follow((run) => run.state !== 'succeeded'), 'the alarm to settle');
  if (settled)
    console.log(`  restart-web ended ${settled.state}${settled.reason ? `: ${settled.reason}` : ''}`);
}

/** A week ago, as a local date-time: a rotation that has been turning for a while. */
function weekAgo(time: string): string {
  return `${new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)}T${time}`;
}

/**
 * A small rotation: alice and bob take the primary schedule a day each (handoff 09:00 Berlin), with bob
 * covering the next two hours by an override; the secondary follows the sun (carol in Berlin on weekdays
 * 08:00-20:00, erin in New York the rest of the time); dana is the engineering manager. Everyone has an
 * SMS number (pages reach it at once) and an email (waiting for confirmation, as SNS email is).
 */
async function setUpRotation(): Promise<void> {
  const people: Array<[id: string, name: string, timeZone: string, phone: string]> = [
    ['alice', 'Alice Moreau', 'Europe/Berlin', '+4915100000001'],
    ['bob', 'Bob Nakamura', 'Europe/Berlin', '+4915100000002'],
    ['carol', 'Carol Schmidt', 'Europe/Berlin', '+4915100000003'],
    ['erin', 'Erin Walsh', 'America/New_York', '+12125550104'],
    ['dana', 'Dana Okafor', 'Europe/London', '+447700900105'],
  ];
  for (const [id, name, timeZone, phone] of people) {
    await call('PUT', `/people/${id}`, {
      name,
      timeZone,
      contacts: [
        { type: 'sms', address: phone },
        { type: 'email', address: `${id}@example.com` },
        // Their Slack user: what they do with /incident acts as them, and incident channels invite them.
        { type: 'chat', address: slackUserOf(id) },
      ],
    });
  }
  await call('PUT', '/schedules/primary', {
    name: 'Primary on-call',
    timeZone: 'Europe/Berlin',
    layers: [{ people: ['alice', 'bob'], start: weekAgo('09:00'), shift: { length: 1, unit: 'days' } }],
  });
  await call('PUT', '/schedules/secondary', {
    name: 'Secondary (follow the sun)',
    timeZone: 'Europe/Berlin',
    layers: [
      { people: ['erin'], start: weekAgo('00:00'), shift: { length: 1, unit: 'weeks' } },
      {
        people: ['carol'],
        start: weekAgo('08:00'),
        shift: { length: 1, unit: 'weeks' },
        restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' }],
      },
    ],
  });
  const now = Date.now();
  await fetch(`${url}/schedules/primary/overrides`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': `demo-${new Date(now).toISOString().slice(0, 13)}`,
    },
    body: JSON.stringify({
      person: 'bob',
      start: new Date(now - 60_000).toISOString(),
      end: new Date(now + 2 * 3_600_000).toISOString(),
    }),
  });
  for (const schedule of ['primary', 'secondary']) {
    const onCall = await call('GET', `/schedules/${schedule}/oncall`);
    console.log(`  ${schedule}: ${String(onCall.person ?? 'nobody')} until ${String(onCall.until)}`);
  }
}

/** The pages people received so far, as local mode recorded them (one per contact method reached). */
async function printPagesToPeople(): Promise<void> {
  const items = (await call('GET', '/local/notifications')).items as Array<{
    person?: string;
    contact?: { type: string; address: string };
    kind: string;
    incidentId?: string;
    text?: string;
  }>;
  const pages = items.filter((found) => found.person && ['initial', 'escalation'].includes(found.kind));
  for (const item of pages)
    console.log(
      `  ${item.incidentId ?? ''} paged ${item.person} by ${item.contact ? `${item.contact.type} ${item.contact.address}` : 'the people topic'}`,
    );
  // What the woken engineer taps: the acknowledgement link of the first SMS, the incident page beside it.
  const first = pages.find((item) => item.contact?.type === 'sms' && item.text?.includes('/ack/'));
  const ackLink = first?.text?.match(/\S+\/ack\/\S+/)?.[0];
  if (first && ackLink) {
    console.log(`  On a phone (or a narrow window, light or dark), ${first.person}'s link: ${ackLink}`);
    console.log(`  and the incident page: ${url}/?token=${token}#/incidents/${first.incidentId ?? ''}`);
  }
}

/** A demo person's Slack user id (U + their name): the chat contact /incident maps back to them. */
function slackUserOf(person: string): string {
  return `U0${person.toUpperCase()}`;
}

let slackSecret = process.env.FIREBREAK_SLACK_SIGNING_SECRET ?? '';

/** `/incident <text>` as Slack sends it from the payments team's channel: a form post signed with the secret. */
async function slashCommand(person: string, text: string): Promise<string> {
  const body = new URLSearchParams({
    team_id: 'T0DEMO',
    user_id: slackUserOf(person),
    user_name: person,
    channel_id: 'C0PAYMENTS',
    command: '/incident',
    text,
    response_url: 'https://hooks.slack.com/commands/T0DEMO/1/demo',
    trigger_id: `demo-${randomBytes(6).toString('hex')}`,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${url}/integrations/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(slackSecret, timestamp, body),
    },
    body,
  });
  const answer = (await response.json()) as { text?: string; error?: { message: string } };
  if (!response.ok) throw new Error(`/incident ${text}: ${response.status} ${answer.error?.message ?? ''}`);
  return answer.text ?? '';
}

/** The seed's conversation, in Slack: create, acknowledge, update, resolve, each answered in the channel. */
async function workInSlack(): Promise<void> {
  if (!slackSecret) {
    console.log('  (skipped: local mode runs without FIREBREAK_SLACK_SIGNING_SECRET)');
    return;
  }
  const plain = (text: string) => text.replace(/<([^|>]+)\|([^>]+)>/g, '$2').replace(/<@(\w+)>/g, '@$1');
  const created = await slashCommand('dana', 'create "API returning 503 errors" service=payments-api');
  console.log(`  dana: /incident create "API returning 503 errors" → ${plain(created)}`);
  const id = /INC-\d{8}-\d{4,}/.exec(created)?.[0] ?? '';
  console.log(`  alice: /incident ack ${id} → ${plain(await slashCommand('alice', `ack ${id}`))}`);
  const update = `update ${id} "Redis config from the 10:02 deploy is wrong; rolling back"`;
  console.log(
    `  alice: /incident ${update.split(' "')[0]} … → ${plain(await slashCommand('alice', update))}`,
  );
  const resolve = `resolve ${id} "Rolled back deployment with bad Redis config"`;
  console.log(`  alice: /incident resolve ${id} … → ${plain(await slashCommand('alice', resolve))}`);
  const items = (await call('GET', '/local/notifications')).items as Array<{ kind: string; target: string }>;
  const posts = items.filter((item) => item.kind === 'chat');
  const channels = [...new Set(posts.map((item) => item.target.slice('slack:'.length)))];
  console.log(
    `  ${posts.length} Slack message(s) posted so far, to ${channels.join(', ')} (see /local/notifications)`,
  );
}

async function main() {
  let keepRunning = false;
  if (!(await reachable())) {
    token = token || randomBytes(16).toString('hex');
    slackSecret = slackSecret || randomBytes(16).toString('hex');
    const config = loadLocalConfig({ FIREBREAK_CONFIG: DEMO_CONFIG });
    const local = await startLocal({
      port,
      timeScale: 60,
      token,
      integrationKey: randomBytes(16).toString('hex'),
      ...runtimeOptionsOf(config),
      automationOutcomes: parseAutomationOutcomes(process.env),
      slack: { ...(config.slack ? { config: config.slack } : {}), signingSecret: slackSecret },
    });
    url = local.url;
    keepRunning = true;
    console.log(`Started local mode at ${url} (time scale 60x)`);
  } else if (!token) {
    console.error(`Local mode is running at ${url}: set FIREBREAK_TOKEN to the API token it printed.`);
    process.exit(2);
  }

  console.log('On call (people and schedules):');
  await setUpRotation();
  console.log('Alarms fire:');
  const checkout = await alarm(DEMO_ALARMS.checkout, 'ALARM');
  // Same service, minutes later: joins the checkout incident as its second alert; nobody is paged again.
  await alarm(DEMO_ALARMS.checkoutLatency, 'ALARM');
  const database = await alarm(DEMO_ALARMS.database, 'ALARM');
  await alarm(DEMO_ALARMS.search, 'ALARM');
  console.log('People respond:');
  await call('POST', `/incidents/${database}/acknowledge`);
  await call('POST', `/incidents/${database}/updates`, {
    phase: 'Identified',
    message: 'A deploy doubled the connection pool size; rolling it back.',
  });
  console.log(`  ${database} acknowledged, update posted`);
  await call('POST', `/incidents/${checkout}/notes`, {
    message: 'Error rate started with the 09:40 deploy of checkout-api.',
  });
  const reported = await call('POST', '/incidents', {
    title: 'Customers report password-reset emails arriving late',
    service: 'auth',
    impact: 'medium',
    urgency: 'medium',
    description: 'Support has 14 tickets in the last hour; the email provider status page is green.',
    reporter: 'support-desk',
  });
  console.log(`  ${String(reported.id)} reported by support`);
  console.log('In Slack (the payments channel):');
  await workInSlack();
  console.log('Pages to people (each with a signed acknowledgement link):');
  await printPagesToPeople();
  console.log('An alarm recovers:');
  await alarm(DEMO_ALARMS.search, 'OK');
  console.log('A deploy, then the web tier runs hot:');
  const deployed = await call('POST', '/local/changes', {
    resource: DEMO_ALARMS.web.metric.dimensions.InstanceId,
    service: 'web',
    actor: 'deploy-pipeline',
    what: 'deployed web v142',
    at: new Date(Date.now() - 4 * 60_000).toISOString(),
  });
  console.log(
    `  ${String(deployed.actor)} ${String(deployed.what)} on ${String(deployed.resource)} 4 minutes ago`,
  );
  const web = await alarm(DEMO_ALARMS.web, 'ALARM');

  console.log(`\nOpen the console: ${url}/?token=${token}`);
  console.log(`The bound remediation on ${web} (restart-web, approval mode):`);
  await remediate(web);
  const demo: DemoClient = { call, send, publicGet, alarm, until };
  console.log('For customers (the public status page):');
  await showStatusPage(demo, checkout);
  console.log('Closing the loop (checklist, review, action item):');
  await closeWithChecklist(demo, database);
  console.log('An alarm that keeps coming back:');
  await recurringAlarm(demo);
  console.log('The figures (GET /metrics/summary, last 30 days):');
  await printFigures(demo);
  console.log(`\nReports, problems, reviews and action items: ${url}/?token=${token}#/reports`);
  if (keepRunning) console.log('Local mode keeps running; press Ctrl-C to stop.');
}

await main();
