/**
 * Alert storm side by side with Alertmanager (issue 9): the same 10,000 ALARM events over 200 alarms on 20
 * services, one event per request, 32 in flight, each alarm's events in order, sent to a real Alertmanager
 * (grouping by service into a local webhook receiver) and to local mode's `POST /local/events`, in the same
 * run. Reports events/s, notifications, and Firebreak's incidents and alerts at the end; the figure is the
 * ratio of Firebreak's events/s to Alertmanager's. Only 127.0.0.1 is ever addressed; every loop is bounded
 * in count and time.
 *
 *   npm run bench:storm
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { alarmStateChangeEvent, EC2_CPU } from '../local/cloudwatch-events';
import { type LocalRuntime, startLocal } from '../local/runtime';
import {
  type AlertmanagerProcess,
  alertmanagerVersion,
  ensureAlertmanager,
  startAlertmanager,
  startWebhookReceiver,
  type WebhookReceiver,
} from './alertmanager';

const SERVICES = 20;
const ALARMS_PER_SERVICE = 10;
const EVENTS = 10_000;
const IN_FLIGHT = 32;
/** Warm-up: other alarms on other services, same runner, before the timed part; excluded from every count. */
const WARM_UP = { services: 4, alarmsPerService: 10, events: 600 };
/**
 * Local mode's lifecycle clock runs at wall-clock speed, as deployed: each incident's lifecycle starts and
 * sends its first page, while its waits (first escalation 15 min, the P2 response SLA 60 min, reminders
 * 30 min) stay minutes away, so they neither fire nor compete for the CPU during the storm. A faster clock
 * would make the count depend on how long the storm took: at 5x, a 200 s storm reaches the first escalation.
 */
const TIME_SCALE = 1;
/**
 * Alertmanager's defaults are 30s / 5m / 4h. Scaled down so the bench finishes; grouping behaves the same:
 * one notification per group once its first alert has waited group_wait, then one more only if the group's
 * set of alerts changes (checked every group_interval) or repeat_interval passes.
 */
const ROUTE = { groupWait: '5s', groupInterval: '10s', repeatInterval: '4h' };
const GROUP_WAIT_MS = 5_000;
const GROUP_INTERVAL_MS = 10_000;
/** Per side: the storm stops sending after this long, and the run is reported incomplete. */
const STORM_DEADLINE_MS = 300_000;
/** The whole bench gives up after this long, whatever it is doing. */
const WATCHDOG_MS = 10 * 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

interface Alarm {
  name: string;
  service: string;
  instance: string;
}

/** One ALARM event, as both sides receive it: the CloudWatch event and the Alertmanager alert it maps to. */
interface StormEvent {
  alarm: number;
  cloudWatch: string;
  alertmanager: string;
}

interface Stream {
  alarms: Alarm[];
  services: string[];
  events: StormEvent[];
}

/** Each side builds its streams just before sending them (see buildStream); the content is the same. */
interface Streams {
  warmUp: () => Stream;
  storm: () => Stream;
}

/**
 * `alarmsPerService × services` alarms, `events / alarms` ALARM events each, interleaved change by change.
 * State times increase per alarm and lie in the second before the stream is built, which is just before it
 * is sent: Alertmanager flushes a group at once, without waiting group_wait, when an alert's startsAt is
 * already older than group_wait (dispatch.go, aggrGroup.insert), and a storm arrives as it happens.
 */
function buildStream(prefix: string, services: number, alarmsPerService: number, events: number): Stream {
  const serviceNames = Array.from(
    { length: services },
    (_, s) => `${prefix}-svc-${String(s).padStart(2, '0')}`,
  );
  const alarms: Alarm[] = [];
  for (let a = 0; a < services * alarmsPerService; a++) {
    const service = serviceNames[a % services] ?? '';
    alarms.push({
      name: `${service}-alarm-${String(Math.floor(a / services)).padStart(2, '0')}`,
      service,
      instance: `i-${prefix}${String(a).padStart(6, '0')}`,
    });
  }
  const perAlarm = Math.floor(events / alarms.length);
  const base = Date.now() - 1_000;
  const out: StormEvent[] = [];
  for (let change = 0; change < perAlarm; change++) {
    alarms.forEach((alarm, a) => {
      const at = new Date(base + change * 10).toISOString();
      const event = alarmStateChangeEvent({
        id: `${prefix}-${a}-${change}`,
        alarmName: alarm.name,
        state: 'ALARM',
        previous: change === 0 ? 'OK' : 'ALARM',
        at,
        tags: { 'firebreak:service': alarm.service },
        metric: { ...EC2_CPU, dimensions: { InstanceId: alarm.instance } },
      });
      const alert = {
        labels: {
          alertname: alarm.name,
          service: alarm.service,
          instance: alarm.instance,
          severity: 'high',
        },
        annotations: {
          summary: event.detail.state.reason,
          description: event.detail.configuration.description,
        },
        startsAt: at,
        generatorURL: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${alarm.name}`,
      };
      out.push({ alarm: a, cloudWatch: JSON.stringify(event), alertmanager: JSON.stringify([alert]) });
    });
  }
  return { alarms, services: serviceNames, events: out };
}

interface Reply {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
/** Set when the bench is interrupted: every storm stops sending. */
let stopping = false;

function send(
  method: string,
  url: string,
  body: string | undefined,
  headers: Record<string, string>,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface StormRun {
  sent: number;
  failed: number;
  errors: string[];
  seconds: number;
  complete: boolean;
  /** CPU seconds of this process (load generator, plus local mode on Firebreak's side). */
  benchCpu: number;
  /** Event-loop utilization of this process during the storm (1 = never idle). */
  loop: number;
}

/**
 * Sends every event once, `IN_FLIGHT` at a time, keeping each alarm's events in order: an alarm is never in
 * flight twice, and alarms take turns. Stops at the deadline.
 */
async function runStorm(
  events: StormEvent[],
  deliver: (event: StormEvent) => Promise<void>,
): Promise<StormRun> {
  const queues = new Map<number, StormEvent[]>();
  for (const event of events) {
    const queue = queues.get(event.alarm) ?? [];
    queue.push(event);
    queues.set(event.alarm, queue);
  }
  const ready = [...queues.keys()];
  const run = { sent: 0, failed: 0, errors: [] as string[], complete: true };
  const deadline = Date.now() + STORM_DEADLINE_MS;
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  const worker = async () => {
    for (let alarm = ready.shift(); alarm !== undefined; alarm = ready.shift()) {
      if (stopping || Date.now() > deadline) {
        run.complete = false;
        return;
      }
      const queue = queues.get(alarm) ?? [];
      const event = queue.shift();
      if (!event) continue;
      try {
        await deliver(event);
      } catch (error) {
        run.failed += 1;
        if (run.errors.length < 5) run.errors.push(error instanceof Error ? error.message : String(error));
      }
      run.sent += 1;
      if (queue.length > 0) ready.push(alarm);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    ...run,
    seconds,
    benchCpu: (used.user + used.system) / 1e6,
    loop: performance.eventLoopUtilization(loop).utilization,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until it returns the same value for `stableMs`, or `maxMs` has passed. */
async function settle(read: () => Promise<number>, stableMs: number, maxMs: number): Promise<number> {
  const until = Date.now() + maxMs;
  let last = await read();
  let since = Date.now();
  while (Date.now() < until) {
    await sleep(250);
    const now = await read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= stableMs) {
      break;
    }
  }
  return last;
}

interface AlertmanagerResult {
  version: string;
  storm: Stream;
  run: StormRun;
  serverCpu: number;
  notifications: number;
  alertsNotified: number;
  distinctAlertsNotified: number;
  firingAtEnd: number;
  waitedAfterStorm: number;
}

async function alertmanagerSide(streams: Streams, cleanups: Array<() => Promise<void>>) {
  const binary = ensureAlertmanager();
  const version = alertmanagerVersion(binary);
  const receiver: WebhookReceiver = await startWebhookReceiver();
  cleanups.push(() => receiver.stop());
  const am: AlertmanagerProcess = await startAlertmanager(binary, receiver.url, ROUTE);
  cleanups.push(() => am.stop());
  console.log(`Alertmanager ${version} (${binary}) on ${am.url}, clustering off, webhook ${receiver.url}`);

  const deliver = async (event: StormEvent) => {
    const reply = await send('POST', `${am.url}/api/v2/alerts`, event.alertmanager, {});
    if (reply.status !== 200)
      throw new Error(`POST /api/v2/alerts answered ${reply.status}: ${reply.body.slice(0, 200)}`);
  };
  const warm = await runStorm(streams.warmUp().events, deliver);
  if (warm.failed > 0)
    throw new Error(`Alertmanager warm-up: ${warm.failed} requests failed: ${warm.errors.join('; ')}`);

  const storm = streams.storm();
  const cpuBefore = am.cpuSeconds();
  const stormStarted = Date.now();
  const run = await runStorm(storm.events, deliver);
  const serverCpu = am.cpuSeconds() - cpuBefore;
  const stormEnded = Date.now();

  // Flush: the first notification of each group is due group_wait after its first alert; any later one at
  // the next group_interval after the last change. Wait past both, then until nothing more arrives.
  const services = new Set(storm.services);
  const ours = () => receiver.notifications.filter((n) => services.has(n.groupLabels.service ?? ''));
  const flushAt = Math.max(stormStarted + GROUP_WAIT_MS, stormEnded) + GROUP_INTERVAL_MS + 2_000;
  await sleep(Math.max(0, flushAt - Date.now()));
  await settle(async () => ours().length, 3_000, 30_000);
  const waitedAfterStorm = (Date.now() - stormEnded) / 1000;

  const notified = ours();
  const firing = await send(
    'GET',
    `${am.url}/api/v2/alerts?active=true&silenced=false&inhibited=false`,
    undefined,
    {},
  );
  const alerts = JSON.parse(firing.body) as Array<{ labels: Record<string, string> }>;
  const result: AlertmanagerResult = {
    version,
    storm,
    run,
    serverCpu,
    notifications: notified.length,
    alertsNotified: notified.reduce((sum, n) => sum + n.alertNames.length, 0),
    distinctAlertsNotified: new Set(notified.flatMap((n) => n.alertNames)).size,
    firingAtEnd: alerts.filter((alert) => services.has(alert.labels.service ?? '')).length,
    waitedAfterStorm,
  };
  if (receiver.malformed > 0)
    console.warn(`webhook: ${receiver.malformed} bodies were not Alertmanager payloads`);
  return result;
}

interface FirebreakResult {
  run: StormRun;
  outcomes: Map<string, number>;
  incidents: number;
  openIncidents: number;
  servicesWithOneIncident: number;
  alertCountSum: number;
  /** Items of GET /incidents/{id}/alerts, when that route exists. */
  alertsListed?: number;
  pages: { initial: number; escalation: number };
  notificationsByKind: Map<string, number>;
  notificationsTotal: number;
  simulatedMinutes: number;
}

type IncidentItem = { id: string; status: string; alertCount?: number };
type Notification = { kind: string; incidentId?: string };

async function firebreakSide(streams: Streams, cleanups: Array<() => Promise<void>>) {
  const token = randomBytes(16).toString('hex');
  const local: LocalRuntime = await startLocal({
    port: 0,
    timeScale: TIME_SCALE,
    token,
    integrationKey: randomBytes(16).toString('hex'),
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
  });
  cleanups.push(() => local.stop());
  console.log(`Firebreak local mode on ${local.url} (in this process), lifecycle time scale ${TIME_SCALE}×`);
  const auth = { authorization: `Bearer ${token}` };
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const reply = await send('GET', `${local.url}${path}`, undefined, auth);
    return { status: reply.status, body: JSON.parse(reply.body) as T };
  };

  const outcomes = new Map<string, number>();
  let counting = false;
  const deliver = async (event: StormEvent) => {
    const reply = await send('POST', `${local.url}/local/events`, event.cloudWatch, auth);
    if (reply.status !== 200)
      throw new Error(`POST /local/events answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    if (!counting) return;
    const { results } = JSON.parse(reply.body) as { results: Array<{ outcome: string; detail?: string }> };
    for (const result of results) {
      const key =
        result.detail && result.detail !== result.outcome
          ? `${result.outcome} (${result.detail})`
          : result.outcome;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
  };
  const warm = await runStorm(streams.warmUp().events, deliver);
  if (warm.failed > 0)
    throw new Error(`Firebreak warm-up: ${warm.failed} requests failed: ${warm.errors.join('; ')}`);

  const storm = streams.storm();
  counting = true;
  const stormStarted = Date.now();
  const run = await runStorm(storm.events, deliver);

  // Incidents of the storm's services (the warm-up used others), every status, page by page.
  const incidents: IncidentItem[] = [];
  let servicesWithOneIncident = 0;
  for (const service of storm.services) {
    let cursor: string | undefined;
    let ofService = 0;
    for (let page = 0; page < 1_000; page++) {
      const query = `service=${encodeURIComponent(service)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await get<{ items: IncidentItem[]; nextCursor?: string }>(`/incidents?${query}`);
      incidents.push(...body.items);
      ofService += body.items.length;
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    if (ofService === 1) servicesWithOneIncident += 1;
  }
  const ids = new Set(incidents.map((incident) => incident.id));

  // Pages go out from each incident's lifecycle, after it opened: wait until no more arrive.
  const notifications = async () =>
    (await get<{ items: Notification[] }>('/local/notifications')).body.items.filter((n) =>
      ids.has(n.incidentId ?? ''),
    );
  await settle(async () => (await notifications()).length, 3_000, 30_000);
  const mine = await notifications();
  const simulatedMinutes = ((Date.now() - stormStarted) * TIME_SCALE) / 60_000;
  const notificationsByKind = new Map<string, number>();
  for (const n of mine) notificationsByKind.set(n.kind, (notificationsByKind.get(n.kind) ?? 0) + 1);

  // Alerts: listed per incident if the API has a route for them; otherwise only the incidents' counters.
  let alertsListed: number | undefined;
  const first = incidents[0];
  if (first && (await get(`/incidents/${encodeURIComponent(first.id)}/alerts?limit=100`)).status === 200) {
    alertsListed = 0;
    for (const incident of incidents) {
      let cursor: string | undefined;
      for (let page = 0; page < 1_000; page++) {
        const { body } = await get<{ items: unknown[]; nextCursor?: string }>(
          `/incidents/${encodeURIComponent(incident.id)}/alerts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        alertsListed += body.items.length;
        cursor = body.nextCursor;
        if (!cursor) break;
      }
    }
  }

  const result: FirebreakResult = {
    run,
    outcomes,
    incidents: incidents.length,
    openIncidents: incidents.filter((i) => i.status === 'triggered' || i.status === 'acknowledged').length,
    servicesWithOneIncident,
    alertCountSum: incidents.reduce((sum, incident) => sum + (incident.alertCount ?? 0), 0),
    ...(alertsListed === undefined ? {} : { alertsListed }),
    pages: {
      initial: notificationsByKind.get('initial') ?? 0,
      escalation: notificationsByKind.get('escalation') ?? 0,
    },
    notificationsByKind,
    notificationsTotal: mine.length,
    simulatedMinutes,
  };
  return result;
}

const perSecond = (run: StormRun) => run.sent / run.seconds;
const ms = (seconds: number, events: number) => `${((seconds / events) * 1000).toFixed(3)} ms`;

function report(storm: Stream, am: AlertmanagerResult, fb: FirebreakResult) {
  const amRate = perSecond(am.run);
  const fbRate = perSecond(fb.run);
  const ratio = fbRate / amRate;
  const ratioText = ratio.toFixed(ratio < 0.1 ? 3 : 2);
  const pages = fb.pages.initial + fb.pages.escalation;
  const kinds = [...fb.notificationsByKind].map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none';
  const outcomes = [...fb.outcomes].map(([kind, n]) => `${kind} ${n}`).join(', ');
  const rows: Array<[string, string, string]> = [
    ['events sent (failed)', `${am.run.sent} (${am.run.failed})`, `${fb.run.sent} (${fb.run.failed})`],
    ['seconds', am.run.seconds.toFixed(2), fb.run.seconds.toFixed(2)],
    ['**events/s**', `**${amRate.toFixed(0)}**`, `**${fbRate.toFixed(0)}**`],
    [
      'notifications sent',
      `${am.notifications} webhook notifications, ${am.alertsNotified} alerts in them (${am.distinctAlertsNotified} distinct)`,
      `${pages} pages (initial ${fb.pages.initial}, escalation ${fb.pages.escalation}); ${fb.notificationsTotal} in all (${kinds})`,
    ],
    [
      'incidents at the end',
      '—',
      `${fb.incidents} (${fb.openIncidents} open; ${fb.servicesWithOneIncident} of ${storm.services.length} services have exactly one)`,
    ],
    [
      'alerts at the end',
      `${am.firingAtEnd} firing (GET /api/v2/alerts)`,
      fb.alertsListed === undefined
        ? `not tracked separately yet (no GET /incidents/{id}/alerts); incidents' alertCount sum ${fb.alertCountSum}`
        : `${fb.alertsListed} (GET /incidents/{id}/alerts); alertCount sum ${fb.alertCountSum}`,
    ],
    ['ingest outcomes', '—', outcomes],
    [
      'CPU per event: this process / the server process',
      `${ms(am.run.benchCpu, am.run.sent)} (load generator) / ${ms(am.serverCpu, am.run.sent)} (Alertmanager)`,
      `${ms(fb.run.benchCpu, fb.run.sent)} (load generator + local mode + its dynalite, one process)`,
    ],
    ['event-loop utilization of this process', am.run.loop.toFixed(2), fb.run.loop.toFixed(2)],
  ];
  console.log(
    `\n| storm: ${EVENTS} ALARM events, ${storm.alarms.length} alarms, ${storm.services.length} services, ${IN_FLIGHT} in flight | Alertmanager ${am.version} | Firebreak local mode |`,
  );
  console.log('|---|---|---|');
  for (const [name, a, f] of rows) console.log(`| ${name} | ${a} | ${f} |`);
  console.log(`\n**ratio Firebreak / Alertmanager events/s: ${ratioText}×**`);
  console.log(
    `Alertmanager route: group_by [service], group_wait ${ROUTE.groupWait}, group_interval ${ROUTE.groupInterval}, repeat_interval ${ROUTE.repeatInterval}; counted ${am.waitedAfterStorm.toFixed(0)} s after its storm ended.` +
      `\nFirebreak lifecycle clock: ${TIME_SCALE}× wall time, ${fb.simulatedMinutes.toFixed(1)} simulated minutes from the first storm event to the count (first escalation due 15 min after an incident opens).`,
  );

  const alertsTarget = ALARMS_PER_SERVICE * SERVICES;
  const targets: Array<[string, string, string]> = [
    [
      "Firebreak's pages ≤ Alertmanager's notifications",
      `${pages} ≤ ${am.notifications}`,
      pages <= am.notifications ? 'yes' : '**no**',
    ],
    [`exactly ${SERVICES} incidents`, String(fb.incidents), fb.incidents === SERVICES ? 'yes' : '**no**'],
    fb.alertsListed === undefined
      ? [`exactly ${alertsTarget} alerts`, 'not tracked separately yet', 'cannot tell']
      : [
          `exactly ${alertsTarget} alerts`,
          String(fb.alertsListed),
          fb.alertsListed === alertsTarget ? 'yes' : '**no**',
        ],
    ["events/s ≥ 0.5× Alertmanager's", `${ratioText}×`, ratio >= 0.5 ? 'yes' : '**no**'],
  ];
  console.log('\n| target | observed | met? |\n|---|---|---|');
  for (const [name, observed, met] of targets) console.log(`| ${name} | ${observed} | ${met} |`);
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const cleanups: Array<() => Promise<void>> = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    stopping = true;
    // Closing the load generator's keep-alive sockets first lets local mode's server close at once.
    agent.destroy();
    for (const stop of cleanups.reverse()) {
      await Promise.race([stop().catch(() => undefined), sleep(5_000)]);
    }
  };
  const abort = (why: string, code: number) => {
    console.error(why);
    // Alertmanager and its directory are also removed synchronously at exit (see ./alertmanager).
    setTimeout(() => process.exit(code), 15_000).unref();
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted: stopping Alertmanager and local mode', 130));
  process.once('SIGTERM', () => abort('terminated: stopping Alertmanager and local mode', 143));
  const watchdog = setTimeout(
    () => abort(`the bench did not finish within ${WATCHDOG_MS / 60_000} minutes`, 1),
    WATCHDOG_MS,
  );

  try {
    const storm = () => buildStream('storm', SERVICES, ALARMS_PER_SERVICE, EVENTS);
    const warmUp = () => buildStream('warmup', WARM_UP.services, WARM_UP.alarmsPerService, WARM_UP.events);
    const am = await alertmanagerSide({ warmUp, storm }, cleanups);
    const fb = await firebreakSide({ warmUp, storm }, cleanups);
    report(am.storm, am, fb);
    for (const [side, run] of [
      ['Alertmanager', am.run],
      ['Firebreak', fb.run],
    ] as const) {
      if (run.failed > 0 || !run.complete) {
        console.error(
          `${side}: ${run.failed} requests failed${run.complete ? '' : `, stopped at the ${STORM_DEADLINE_MS / 1000} s deadline`}: ${run.errors.join('; ')}`,
        );
        process.exitCode = 1;
      }
    }
  } catch (error) {
    // Requests cut short by an interruption fail; the interruption is what to report.
    if (!stopping) throw error;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

await main();
