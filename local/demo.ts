/**
 * `npm run demo`: plays a short, realistic scenario against local mode so the console fills with incidents
 * in different states. Uses local mode at FIREBREAK_URL (default http://127.0.0.1:$PORT, PORT 3000) with
 * FIREBREAK_TOKEN; when nothing answers there, starts local mode itself (time scale 60) and keeps it running.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { alarmStateChangeEvent } from './cloudwatch-events';
import { DEMO_ALARMS, type DemoAlarm } from './demo-alarms';
import { startLocal } from './runtime';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

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
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
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

async function main() {
  let keepRunning = false;
  if (!(await reachable())) {
    token = token || randomBytes(16).toString('hex');
    const local = await startLocal({
      port,
      timeScale: 60,
      token,
      integrationKey: randomBytes(16).toString('hex'),
      escalation: DEFAULT_ESCALATION_CONFIG,
      grouping: DEFAULT_GROUPING_CONFIG,
    });
    url = local.url;
    keepRunning = true;
    console.log(`Started local mode at ${url} (time scale 60x)`);
  } else if (!token) {
    console.error(`Local mode is running at ${url}: set FIREBREAK_TOKEN to the API token it printed.`);
    process.exit(2);
  }

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
  console.log('An alarm recovers:');
  await alarm(DEMO_ALARMS.search, 'OK');

  console.log(`\nOpen the console: ${url}/?token=${token}`);
  if (keepRunning) console.log('Local mode keeps running; press Ctrl-C to stop.');
}

await main();
