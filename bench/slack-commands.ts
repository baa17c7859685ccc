/**
 * Slack commands: what each `/incident` command costs through the API's real route table (createApiRoutes
 * and createRouter, wired as lambdas/api/handler.ts wires them, Slack on), against the same operation through
 * its JSON route with a JWT, measured in the same run. Slack wants an answer within 3 seconds.
 *
 * DynamoDB requests are counted at the document client (and checked against what the server served); each
 * operation is timed around the router's call, on a fresh incident per sample, Slack and JSON alternating.
 * The DynamoDB-protocol server (dynalite) runs in its own process, as DynamoDB is remote to a Lambda; Step
 * Functions, SNS and Slack's response URLs are in-process recorders: nothing leaves the machine.
 *
 *   npm run bench:slack
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomAckKeys } from '#adapters/ack-key';
import type { SubscriptionSender } from '#adapters/contact-subscriptions';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentQueries } from '#adapters/incident-queries';
import { type DocumentSender, IncidentStore } from '#adapters/incident-store';
import { IntegrationKeys } from '#adapters/integration-keys';
import { type PublishSender, SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ProblemStore } from '#adapters/problem-store';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { ScheduleStore } from '#adapters/schedule-store';
import { fixedSlackSecrets } from '#adapters/slack-secrets';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { slackSignature } from '#core/slack-signature';
import { createRouter } from '../lambdas/api/router';
import { createApiRoutes } from '../lambdas/api/routes';
import type { LifecycleStarter } from '../lambdas/ingest/apply-signal';
import { RunbookLauncher } from '../lambdas/runbooks/launch';
import type { ApprovalSignals, RunbookStarter } from '../lambdas/runbooks/ports';
import { benchDynamoClient, createBenchTable, startDynamoProcess } from './dynamo-client';
import { quantile } from './stats';

const SAMPLES = 30;
/** Unrecorded rounds first, so that lazily compiled code (zod's parsers, V8's JIT) is warm, as in a warm container. */
const WARMUP = 5;
const OPEN_INCIDENTS_LISTED = 10;
const SIGNING_SECRET = 'bench-signing-secret';
const SCOPE_PREFIX = 'firebreak/';
const SLACK_BUDGET_MS = 3_000;
/** The Slack user who types the commands; a person (dana) has them as her chat contact, so she acts. */
const ASKER = { id: 'U0DANA', name: 'dana' };
/** The directory every acting command reads to find who the Slack user is: a small team. */
const PEOPLE = ['dana', 'eli', 'farah', 'gus', 'hana'];

/** What one measured call asked of DynamoDB (by command) and of the other services (by call). */
class Tally {
  readonly dynamo = new Map<string, number>();
  readonly other = new Map<string, number>();
  /**
   * Requests in sequence: one more each time a request starts while none is in flight. Some requests are
   * sent together (an incident and its first timeline entry), and latency follows these, not the requests.
   */
  roundTrips = 0;
  inFlight = 0;

  get requests(): number {
    return [...this.dynamo.values()].reduce((sum, n) => sum + n, 0);
  }
}

/** The call being measured; undefined while setting up, which is not counted. */
let tally: Tally | undefined;

const add = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

/** Forwards every command to the real client, counting it by name (`GetCommand` → `Get`) while measuring. */
function countingSender(doc: DocumentSender): DocumentSender {
  const forward = doc.send.bind(doc) as (command: { constructor: { name: string } }) => Promise<unknown>;
  const send = async (command: { constructor: { name: string } }) => {
    const counted = tally;
    if (!counted) return forward(command);
    add(counted.dynamo, command.constructor.name.replace(/Command$/, ''));
    if (counted.inFlight === 0) counted.roundTrips += 1;
    counted.inFlight += 1;
    try {
      return await forward(command);
    } finally {
      counted.inFlight -= 1;
    }
  };
  return { send } as unknown as DocumentSender;
}

const record = (call: string) => {
  if (tally) add(tally.other, call);
};

/** Step Functions' incident lifecycle: ports only, counted (the SFN adapter has its own tests). */
const recordingLifecycle: LifecycleStarter = {
  start: async () => record('StartExecution'),
  signalResolved: async () => record('SendTaskSuccess'),
  signalPriorityRaised: async () => record('SendTaskSuccess'),
};
const recordingRunbookStarter: RunbookStarter = {
  start: async () => {
    record('StartExecution (runbook)');
    return 'started';
  },
};
const recordingApprovals: ApprovalSignals = {
  approve: async () => 'signalled',
  reject: async () => 'signalled',
};
/** SNS for the notifier and the people topic's subscriptions; the people here have chat contacts only. */
const recordingSns = {
  send: async (command: { constructor: { name: string } }) => {
    record(`SNS ${command.constructor.name.replace(/Command$/, '')}`);
    return { MessageId: 'bench', SubscriptionArn: 'pending confirmation', Attributes: {} };
  },
} as unknown as PublishSender & SubscriptionSender;

const incidentLink = (id: string) => `https://firebreak.example.com/incidents/${id}`;
const logger = new Logger({ serviceName: 'firebreak-bench', logLevel: 'WARN' });

/** The API's router over one table, built as lambdas/api/handler.ts builds it with `firebreak.slack` set. */
function apiOver(doc: DocumentSender, table: string) {
  const clock = () => new Date();
  const store = new IncidentStore(doc, table);
  const runs = new RunbookRuns(doc, table);
  const launcher = new RunbookLauncher({
    runs,
    starter: recordingRunbookStarter,
    config: DEFAULT_RUNBOOK_CONFIG,
    automationRoleArn: 'arn:aws:iam::111122223333:role/firebreak-automation',
    clock,
  });
  const routes = createApiRoutes({
    store,
    queries: new IncidentQueries(doc, table, clock),
    keys: new IntegrationKeys(doc, table),
    people: new PeopleStore(doc, table),
    schedules: new ScheduleStore(doc, table),
    pages: new PageLog(doc, table),
    problems: new ProblemStore(doc, table),
    reviews: new ReviewStore(doc, table),
    subscriptions: new ContactSubscriptions(recordingSns, 'arn:aws:sns:us-east-1:111122223333:people'),
    ids: new IncidentIdAllocator(store),
    workflow: recordingLifecycle,
    notifier: new SnsNotifier(recordingSns, {}),
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    incidentLink,
    clock,
    newDedupKey: randomUUID,
    runbooks: { runs, launcher, approvals: recordingApprovals, config: DEFAULT_RUNBOOK_CONFIG },
    runbookJoins: { launcher, onError: (error) => logger.warn('runbook launch failed', { error }) },
    ackKeys: randomAckKeys(),
    // No `chat`: only updates and pages sent by hand post to channels through it, and none is measured here.
    slack: {
      config: { channels: { payments: 'C0PAYMENTS' }, incidentChannels: [] },
      secrets: fixedSlackSecrets(SIGNING_SECRET),
      responder: { respond: async () => record('response_url POST') },
      onReplyError: (error) => logger.warn('response_url post failed', { error }),
    },
  });
  return createRouter(routes, { scopePrefix: SCOPE_PREFIX, logger, clock });
}

type Api = ReturnType<typeof apiOver>;
type ApiEvent = Parameters<Api>[0];

let requestIds = 0;

/**
 * An API Gateway HTTP API (payload 2.0) event as API Gateway delivers it: with the JWT authorizer's claims
 * for the JSON routes, without for Slack's (which API Gateway leaves unauthenticated; the route verifies).
 */
function apiEvent(
  routeKey: string,
  path: string,
  options: {
    body?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    pathParameters?: Record<string, string>;
    jwt?: boolean;
  },
): ApiEvent {
  requestIds += 1;
  const method = routeKey.split(' ')[0] ?? 'GET';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: options.headers ?? {},
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '111122223333',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: `bench-${requestIds}`,
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(options.jwt
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: { sub: 'alice', scope: `${SCOPE_PREFIX}admin` }, scopes: [] },
            },
          }
        : {}),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  };
}

/** A JSON route called with a JWT, as a person's client or the console calls it. */
function jsonCall(
  routeKey: string,
  id: string | undefined,
  options: { body?: unknown; query?: string } = {},
) {
  const path = routeKey.split(' ')[1]?.replace('{id}', id ?? '') ?? '';
  return apiEvent(routeKey, path, {
    jwt: true,
    ...(id ? { pathParameters: { id } } : {}),
    ...(options.query ? { query: Object.fromEntries(new URLSearchParams(options.query)) } : {}),
    ...(options.body === undefined
      ? {}
      : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
  });
}

let triggers = 0;

/** `/incident <text>` as Slack posts it: the form body, signed now with the app's signing secret. */
function slashCommand(text: string): ApiEvent {
  triggers += 1;
  const body = new URLSearchParams({
    team_id: 'T0001',
    channel_id: 'C0PAYMENTS',
    channel_name: 'payments-oncall',
    user_id: ASKER.id,
    user_name: ASKER.name,
    command: '/incident',
    text,
    api_app_id: 'A0001',
    response_url: 'https://hooks.slack.com/commands/T0001/1234/abcd',
    trigger_id: `bench-trigger-${triggers}`,
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return apiEvent('POST /integrations/slack/commands', '/integrations/slack/commands', {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
    },
  });
}

interface Answer {
  status: number;
  body: { text?: string; items?: unknown[]; id?: string; error?: unknown };
}

function answerOf(result: unknown): Answer {
  const { statusCode, body } = result as { statusCode: number; body?: string };
  return { status: statusCode, body: body ? JSON.parse(body) : {} };
}

const call = async (api: Api, event: ApiEvent) => answerOf(await api(event));

const HIGH = { impact: 'high', urgency: 'high' };

let reports = 0;

/** A new incident (a P1 unless told) through POST /incidents, not counted; each its own service, so none joins another. */
async function openIncident(api: Api, level: { impact: string; urgency: string } = HIGH): Promise<string> {
  reports += 1;
  const answer = await call(
    api,
    jsonCall('POST /incidents', undefined, {
      body: { title: `Checkout errors ${reports}`, service: `bench-${reports}`, ...level, team: 'payments' },
    }),
  );
  if (answer.status !== 201 || !answer.body.id) throw new Error(`setup: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

/** One side of a comparison: the event for a sample, and what its answer must show for the sample to count. */
interface Variant {
  event: (id: string) => ApiEvent;
  /** A Slack refusal is a 200 too: the reply's text tells a command that ran from one that was refused. */
  succeeded: (answer: Answer) => boolean;
}

interface Operation {
  command: string;
  baseline: string;
  /**
   * What each sample acts on: a fresh incident (opened first, not counted), nothing (create), or the table
   * holding only the open incidents `list` lists.
   */
  on: 'a fresh incident' | 'nothing' | 'the listed incidents';
  slack: Variant;
  json: Variant;
}

const slackSaid = (pattern: RegExp) => (answer: Answer) =>
  answer.status === 200 && pattern.test(answer.body.text ?? '');
const jsonStatus = (status: number) => (answer: Answer) => answer.status === status;

function operations(): Operation[] {
  return [
    {
      command: '/incident create "…" service=…',
      baseline: 'POST /incidents',
      on: 'nothing',
      slack: {
        event: () => slashCommand(`create "Checkout errors" service=slack-create-${triggers}`),
        succeeded: slackSaid(/^Created /),
      },
      json: {
        event: () => {
          reports += 1;
          return jsonCall('POST /incidents', undefined, {
            body: { title: 'Checkout errors', service: `json-create-${reports}`, ...HIGH, team: 'payments' },
          });
        },
        succeeded: jsonStatus(201),
      },
    },
    {
      command: '/incident ack <id>',
      baseline: 'POST /incidents/{id}/acknowledge',
      on: 'a fresh incident',
      slack: { event: (id) => slashCommand(`ack ${id}`), succeeded: slackSaid(/acknowledged by/) },
      json: { event: (id) => jsonCall('POST /incidents/{id}/acknowledge', id), succeeded: jsonStatus(200) },
    },
    {
      command: '/incident resolve <id> "…"',
      baseline: 'POST /incidents/{id}/resolve',
      on: 'a fresh incident',
      slack: {
        event: (id) => slashCommand(`resolve ${id} "Rolled back the deployment"`),
        succeeded: slackSaid(/resolved by/),
      },
      json: {
        event: (id) =>
          jsonCall('POST /incidents/{id}/resolve', id, {
            body: { resolution: 'Rolled back the deployment' },
          }),
        succeeded: jsonStatus(200),
      },
    },
    {
      command: '/incident update <id> "…"',
      baseline: 'POST /incidents/{id}/notes',
      on: 'a fresh incident',
      slack: {
        event: (id) => slashCommand(`update ${id} "Failing over to eu-west-1"`),
        succeeded: slackSaid(/^Update on /),
      },
      json: {
        event: (id) =>
          jsonCall('POST /incidents/{id}/notes', id, { body: { message: 'Failing over to eu-west-1' } }),
        succeeded: jsonStatus(201),
      },
    },
    {
      command: '/incident status <id>',
      baseline: 'GET /incidents/{id}',
      on: 'a fresh incident',
      slack: { event: (id) => slashCommand(`status ${id}`), succeeded: slackSaid(/Status: triggered/) },
      json: { event: (id) => jsonCall('GET /incidents/{id}', id), succeeded: jsonStatus(200) },
    },
    {
      command: '/incident list',
      baseline: 'GET /incidents?status=triggered,acknowledged',
      on: 'the listed incidents',
      slack: {
        event: () => slashCommand('list'),
        succeeded: slackSaid(new RegExp(`^Open incidents \\(${OPEN_INCIDENTS_LISTED}\\):`)),
      },
      json: {
        event: () => jsonCall('GET /incidents', undefined, { query: 'status=triggered,acknowledged' }),
        succeeded: (answer) => answer.status === 200 && answer.body.items?.length === OPEN_INCIDENTS_LISTED,
      },
    },
  ];
}

interface Measured {
  tallies: Tally[];
  ms: number[];
}

/**
 * One measured call: counted at the client, timed around the router alone (the event is built and signed
 * before), and checked against the requests the server saw, so that nothing escapes the count.
 */
async function measure(
  api: Api,
  event: ApiEvent,
  variant: Variant,
  served: () => Promise<number>,
  into: Measured | undefined,
) {
  const before = await served();
  tally = new Tally();
  const started = performance.now();
  const result = await api(event);
  const ms = performance.now() - started;
  const measured = tally;
  tally = undefined;
  const answer = answerOf(result);
  if (!variant.succeeded(answer)) throw new Error(`${event.routeKey} failed: ${JSON.stringify(answer)}`);
  const serverSaw = (await served()) - before;
  if (serverSaw !== measured.requests)
    throw new Error(`${event.routeKey}: counted ${measured.requests} requests, the server saw ${serverSaw}`);
  into?.tallies.push(measured);
  into?.ms.push(ms);
}

/** Per call: one number when every sample gave the same (they should: the counts are deterministic), else min–max. */
function perCall(measured: Measured, read: (t: Tally) => number): { value: number; text: string } {
  const counts = measured.tallies.map(read);
  const [low, high] = [Math.min(...counts), Math.max(...counts)];
  return { value: high, text: low === high ? String(high) : `${low}–${high}` };
}

const requests = (measured: Measured) => perCall(measured, (t) => t.requests);
const roundTrips = (measured: Measured) => perCall(measured, (t) => t.roundTrips);

/** `Get 2, Query 1`: what one call sent (the first sample's; the counts are checked to be the same). */
function breakdown(counts: Map<string, number>): string {
  return (
    [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, n]) => `${name} ${n}`)
      .join(', ') || '—'
  );
}

const ms = (values: number[]) =>
  `${quantile(values, 0.5).toFixed(1)} (${quantile(values, 0.25).toFixed(1)}–${quantile(values, 0.75).toFixed(1)})`;

/** The directory every acting Slack command reads; dana's chat contact is the asker's Slack user id. */
async function addPeople(api: Api) {
  for (const person of PEOPLE) {
    const address = person === ASKER.name ? ASKER.id : `U0${person.toUpperCase()}`;
    const answer = await call(
      api,
      jsonCall('PUT /people/{id}', person, {
        body: { name: person, timeZone: 'Europe/Berlin', contacts: [{ type: 'chat', address }] },
      }),
    );
    if (answer.status !== 201) throw new Error(`setup: ${JSON.stringify(answer.body)}`);
  }
}

/** Open incidents of every priority, a third of them acknowledged: what `list` lists. */
async function openIncidentsToList(api: Api) {
  const levels = ['high', 'medium', 'low'];
  for (let n = 0; n < OPEN_INCIDENTS_LISTED; n++) {
    const impact = levels[n % 3] as string;
    const urgency = levels[Math.floor(n / 3) % 3] as string;
    const id = await openIncident(api, { impact, urgency });
    if (n % 3 === 2) await call(api, jsonCall('POST /incidents/{id}/acknowledge', id));
  }
}

async function main() {
  const loadAtStart = loadavg();
  const dynamo = await startDynamoProcess();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = benchDynamoClient(dynamo.endpoint);
  try {
    // One table for the commands on fresh incidents, one holding only the incidents `list` lists.
    await createBenchTable(client, 'slack-bench');
    await createBenchTable(client, 'slack-bench-list');
    const doc = countingSender(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    );
    const api = apiOver(doc, 'slack-bench');
    const listApi = apiOver(doc, 'slack-bench-list');
    await addPeople(api);
    await addPeople(listApi);
    await openIncidentsToList(listApi);

    const rows: Array<{ operation: Operation; slack: Measured; json: Measured }> = [];
    for (const operation of operations()) {
      const target = operation.on === 'the listed incidents' ? listApi : api;
      const slack: Measured = { tallies: [], ms: [] };
      const json: Measured = { tallies: [], ms: [] };
      for (let i = 0; i < WARMUP + SAMPLES; i++) {
        const recorded = i >= WARMUP;
        // Alternating which goes first, so drift on this shared machine hits both alike.
        const sides: Array<[Variant, Measured]> = [
          [operation.slack, slack],
          [operation.json, json],
        ];
        if (i % 2 === 1) sides.reverse();
        for (const [variant, into] of sides) {
          const id = operation.on === 'a fresh incident' ? await openIncident(target) : '';
          await measure(target, variant.event(id), variant, dynamo.requests, recorded ? into : undefined);
        }
      }
      rows.push({ operation, slack, json });
    }
    const loadAtEnd = loadavg();

    const load = (avg: number[]) => avg.map((v) => v.toFixed(2)).join(' ');
    console.log(
      `\nSlack commands against their JSON routes: ${SAMPLES} samples each (after ${WARMUP} unrecorded), Node ` +
        `${process.versions.node}; load average ${load(loadAtStart)} at the start, ${load(loadAtEnd)} at the end.` +
        '\nDynamoDB requests per call, counted at the document client; ms: median (p25–p75) around the router.\n',
    );
    console.log(
      '| Slack command | requests | ms | baseline (JSON route, JWT) | requests | ms | **requests ratio** | **ms ratio** |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const { operation, slack, json } of rows) {
      const [s, j] = [requests(slack), requests(json)];
      const ratio = quantile(slack.ms, 0.5) / quantile(json.ms, 0.5);
      console.log(
        `| \`${operation.command}\` | ${s.text} | ${ms(slack.ms)} | \`${operation.baseline}\` | ${j.text} | ` +
          `${ms(json.ms)} | ${(s.value / j.value).toFixed(2)} | ${ratio.toFixed(2)} |`,
      );
    }
    console.log(
      '\n| Slack command | Slack: DynamoDB | round trips | baseline: DynamoDB | round trips | other calls: Slack / baseline |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const { operation, slack, json } of rows) {
      const [s, j] = [slack.tallies[0] as Tally, json.tallies[0] as Tally];
      console.log(
        `| \`${operation.command}\` | ${breakdown(s.dynamo)} | ${roundTrips(slack).text} | ${breakdown(j.dynamo)} | ` +
          `${roundTrips(json).text} | ${breakdown(s.other)} / ${breakdown(j.other)} |`,
      );
    }
    const largest = rows.reduce((a, b) => (requests(b.slack).value > requests(a.slack).value ? b : a));
    console.log(
      `\nSlack's ${SLACK_BUDGET_MS / 1000}-second budget: the costliest command, \`${largest.operation.command}\`, ` +
        `makes at most ${requests(largest.slack).value} DynamoDB requests in ${roundTrips(largest.slack).value} ` +
        `round trips (${quantile(largest.slack.ms, 0.5).toFixed(1)} ms median here, against a local server).`,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

await main();
