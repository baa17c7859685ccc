import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { type AckKeySource, randomAckKeys } from '#adapters/ack-key';
import { SignedAckLinks } from '#adapters/ack-linker';
import { ContactSubscriptions } from '#adapters/contact-subscriptions';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentQueries } from '#adapters/incident-queries';
import { IncidentStore } from '#adapters/incident-store';
import { IntegrationKeys } from '#adapters/integration-keys';
import { SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ProblemStore } from '#adapters/problem-store';
import { ReviewReminderSource } from '#adapters/review-reminder-source';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { ScheduleStore } from '#adapters/schedule-store';
import { SlackChat } from '#adapters/slack-chat';
import { fixedSlackSecrets } from '#adapters/slack-secrets';
import { StatusSource } from '#adapters/status-source';
import { createTableInput, waitForActiveTable } from '#adapters/table-definition';
import type { ClosingChecklistConfig } from '#core/closing-checklist';
import type { EscalationConfig } from '#core/escalation';
import type { GroupingConfig } from '#core/grouping';
import type { MetricSink } from '#core/metric-names';
import { subscribesAtSns } from '#core/people';
import { DEFAULT_PROBLEM_RULES, type ProblemRules } from '#core/problems';
import { DEFAULT_RUNBOOK_CONFIG, type RunbookConfig } from '#core/runbooks';
import { SlackConfig } from '#core/slack-config';
import type { StatusPageConfig } from '#core/status-page';
import { createRouter, MAX_BODY_BYTES } from '../lambdas/api/router';
import { createApiRoutes } from '../lambdas/api/routes';
import { AlertHints } from '../lambdas/incidents/alert-hints';
import { problemDetection } from '../lambdas/incidents/problem-detection';
import { reviewDraft } from '../lambdas/incidents/review-draft';
import { DirectoryTargetResolver } from '../lambdas/incidents/target-resolver';
import type { RunbookJoinHook } from '../lambdas/ingest/apply-signal';
import { createEventIngester } from '../lambdas/ingest/ingest-events';
import { LifecycleActions } from '../lambdas/lifecycle/actions';
import { targetsOf } from '../lambdas/lifecycle/config';
import { VENDOR_PREFIX, vendorFile } from './console-vendor';
import { readBody, routeMatcher, toApiGatewayEvent, writeResult } from './http-adapter';
import { type AutomationOutcomes, LocalAutomation } from './local-automation';
import { LocalChanges } from './local-changes';
import { createLocalRoutes } from './local-routes';
import { createLocalRunbookEngine } from './local-runbook-engine';
import { LocalSlack } from './local-slack';
import { LocalWorkflow } from './local-workflow';
import { RecordingSns } from './recording-sns';
import {
  LOCAL_REMINDER_INTERVAL_MS,
  type ReviewReminderTimer,
  startReviewReminderTimer,
} from './review-reminder-timer';

export interface LocalOptions {
  port: number;
  /** Keeps incidents on disk across restarts; in memory when absent. */
  dataDir?: string;
  /** Divides every wait of the lifecycle: 60 turns a 15-minute escalation into 15 seconds. */
  timeScale: number;
  /** The API token (`Authorization: Bearer …`, full scopes). */
  token: string;
  /** An integration key for /v2/enqueue (routing_key) and /integrations/alertmanager (bearer). */
  integrationKey: string;
  escalation: EscalationConfig;
  /** Which alerts join one incident, as `firebreak.grouping` says for a deployment. */
  grouping: GroupingConfig;
  /** What closing an incident requires, as `firebreak.closingChecklist` says; the default when absent. */
  closingChecklist?: ClosingChecklistConfig;
  /** The runbook bindings, as `firebreak.runbooks` says for a deployment; none when absent. */
  runbooks?: RunbookConfig;
  /** How local automations end (`FIREBREAK_AUTOMATION_OUTCOME`, `…_OUTCOMES`); success when absent. */
  automationOutcomes?: AutomationOutcomes;
  /**
   * Slack, played by LocalSlack (every message recorded in /local/notifications as `kind: 'chat'`): with a
   * `config` (`firebreak.slack`), pages and updates are posted to its channels; with a `signingSecret`
   * (FIREBREAK_SLACK_SIGNING_SECRET), the slash command and buttons are served, verified as deployed.
   */
  slack?: { config?: SlackConfig; signingSecret?: string };
  /** `firebreak.statusPage`: `GET /status` is served (no token needed, as deployed); none when absent. */
  statusPage?: StatusPageConfig;
  /** When recurring incidents open a problem record (`firebreak.problems`); the defaults when absent. */
  problems?: ProblemRules;
  /** How often overdue reviews and action items are looked for (deployed: 15 minutes); a minute when absent. */
  reviewReminderIntervalMs?: number;
  /**
   * Bearer tokens besides `token`, checked as API Gateway's JWT authorizer checks them when deployed: the
   * claims (`sub`, `scope`) of a token it accepts, undefined otherwise. The console's sign-in test verifies
   * its OpenID Connect issuer's JWTs here.
   */
  verifyBearer?: (bearer: string) => Promise<{ sub: string; scope: string } | undefined>;
  /** Prefix of the scopes in those tokens (`firebreak/` for the stack's user pool); none when absent. */
  scopePrefix?: string;
  /** Browser origins allowed to call the API, as `firebreak.api.corsOrigins` deployed; none when absent. */
  corsOrigins?: readonly string[];
}

/** The people topic in local mode: messages to it are recorded once per confirmed, matching subscription. */
export const LOCAL_PEOPLE_TOPIC_ARN = 'arn:aws:sns:local:000000000000:firebreak-people';

export interface LocalRuntime {
  url: string;
  sns: RecordingSns;
  /** Where pages to people are published (`PEOPLE_TOPIC_ARN` when deployed). */
  peopleTopicArn: string;
  workflow: LocalWorkflow;
  /** Every automation a runbook run started (SSM Automation's stand-in). */
  automation: LocalAutomation;
  /** The changes `POST /local/changes` recorded (CloudTrail's and CloudFormation's stand-in). */
  changes: LocalChanges;
  runs: RunbookRuns;
  /** The acknowledgement-link keys of this run (random per start): sign local links with `current`. */
  ackKeys: AckKeySource;
  /** Slack's stand-in: what it posted, the channels it made. */
  slack: LocalSlack;
  /** The review reminders' schedule: `runNow()` runs it at once. */
  reviewReminders: ReviewReminderTimer;
  stop(): Promise<void>;
}

const TABLE = 'firebreak-local';
const CONSOLE = new URL('./console/', import.meta.url);
const STATIC_TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** The console's runtime configuration in local mode: the pasted token, the API beside the console. */
const CONSOLE_CONFIG = { mode: 'token' };
/** The request headers a browser on another origin may send, as the deployed API's CORS allows them. */
export const LOCAL_CORS_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match'];

/**
 * Firebreak on one machine: the real handlers, table definition and lifecycle ASL, on an in-process
 * DynamoDB-protocol server, with SNS recorded instead of sent. Every socket binds 127.0.0.1.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const clock = () => new Date();
  const logger = new Logger({ serviceName: 'firebreak-local', logLevel: 'WARN' });
  // Metrics are info lines, below the WARN level: quiet unless the level is lowered, never raw EMF on stdout.
  const localMetric: MetricSink = (datum) => logger.info('metric', { ...datum });

  const dynamo = dynalite({ ...(options.dataDir ? { path: options.dataDir } : {}), createTableMs: 0 });
  await listen(dynamo, 0);
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client);
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new IncidentStore(db, TABLE);

  const topicArns = Object.fromEntries(
    targetsOf(options.escalation).map((target) => [
      target,
      `arn:aws:sns:local:000000000000:firebreak-${target}`,
    ]),
  );
  const targetOf = new Map([...Object.entries(topicArns).map(([t, arn]): [string, string] => [arn, t])]);
  const sns = new RecordingSns(
    (arn) => targetOf.get(arn) ?? (arn.endsWith(':firebreak-ops') ? 'ops' : arn),
    clock,
    { subscriptionTopics: [LOCAL_PEOPLE_TOPIC_ARN] },
  );
  const opsTopicArn = 'arn:aws:sns:local:000000000000:firebreak-ops';
  const people = new PeopleStore(db, TABLE);
  await restoreSubscriptions(people, sns);
  // Set once the server listens (port 0 picks a free port).
  let baseUrl = `http://127.0.0.1:${options.port}`;
  // The acknowledgement links' key: random per start, so a link from an earlier run no longer works.
  const ackKeys = randomAckKeys();
  const incidentLink = (id: string) => `${baseUrl}/#/incidents/${id}`;
  const notifier = new SnsNotifier(sns, topicArns, {
    peopleTopicArn: LOCAL_PEOPLE_TOPIC_ARN,
    opsTopicArn,
    ackLinks: new SignedAckLinks(ackKeys, () => baseUrl, clock),
    incidentLink,
  });

  // People, schedules and the page log as deployed, in the same table: levels page `schedule:` and
  // `person:` targets through them.
  const schedules = new ScheduleStore(db, TABLE);
  const pages = new PageLog(db, TABLE);
  const targets = new DirectoryTargetResolver(people, schedules);
  // Slack's stand-in records into the same list as SNS: /local/notifications shows both, in order.
  const slack = new LocalSlack(sns, clock);
  const slackConfig = options.slack?.config;
  const chat = slackConfig
    ? new SlackChat({ slack, config: slackConfig, incidentLink, store, people, clock })
    : undefined;
  const queries = new IncidentQueries(db, TABLE, clock);
  const runs = new RunbookRuns(db, TABLE);
  const reviews = new ReviewStore(db, TABLE);
  const problems = new ProblemStore(db, TABLE);
  const actions = new LifecycleActions({
    store,
    notifier,
    clock,
    escalation: options.escalation,
    opsTopicArn,
    incidentLink,
    metric: localMetric,
    targets,
    pages,
    ...(chat ? { chat } : {}),
    // As deployed: the review draft of a P1 or P2, then problem detection.
    afterResolution: [
      reviewDraft({ store, reviews, alerts: queries, runs, clock }),
      problemDetection({
        store,
        problems,
        rules: options.problems ?? DEFAULT_PROBLEM_RULES,
        clock,
      }),
    ],
  });
  // The lifecycle launches an incident's runbooks as it opens; the engine is built below, once the
  // workflow it wakes exists.
  let runbookEngine: ReturnType<typeof createLocalRunbookEngine> | undefined;
  const workflow = new LocalWorkflow({
    actions,
    runbooks: {
      run: (input) => {
        if (!runbookEngine) throw new Error('local runbooks are not started yet');
        return runbookEngine.actions.run(input);
      },
    },
    dynamo: client,
    tableName: TABLE,
    timeScale: options.timeScale,
    onError: (incidentId, error) => logger.error('lifecycle failed', { incidentId, error }),
  });
  const ids = new IncidentIdAllocator(store);
  const keys = new IntegrationKeys(db, TABLE);
  if (!(await keys.findByKey(options.integrationKey))) {
    await keys.create(
      { name: 'local', kind: 'any', createdBy: 'local' },
      clock(),
      () => options.integrationKey,
    );
  }

  // Local links are signed and verified as deployed, with a key that lives as long as this process.

  // Runbooks as deployed: real run records in the table, the runbook-run ASL executed here; SSM Automation
  // and the sources of recent changes are the local stand-ins below.
  const automation = new LocalAutomation({
    timeScale: options.timeScale,
    ...(options.automationOutcomes ? { outcomes: options.automationOutcomes } : {}),
  });
  const changes = new LocalChanges(clock);
  const runbookConfig = options.runbooks ?? DEFAULT_RUNBOOK_CONFIG;
  runbookEngine = createLocalRunbookEngine({
    db,
    tableName: TABLE,
    store,
    runs,
    automation,
    changes,
    lifecycle: workflow,
    notifier,
    opsTopicArn,
    escalation: options.escalation,
    config: runbookConfig,
    automationRoleArn: 'arn:aws:iam::000000000000:role/firebreak-automation',
    incidentLink,
    timeScale: options.timeScale,
    clock,
    targets,
    // A run asked for with /incident diag answers its response_url: recorded as a chat message here.
    replies: slack,
    ...(chat ? { chat } : {}),
    onError: (execution, error) => logger.error('runbook run failed', { execution, error }),
  });
  const runbookJoins: RunbookJoinHook = {
    launcher: runbookEngine.launcher,
    onError: (error, context) =>
      logger.warn('runbooks of a joining alert not launched', { ...context, error }),
  };

  await resumeLifecycles(queries, workflow);

  const routes = {
    ...createApiRoutes({
      store,
      queries,
      keys,
      people,
      schedules,
      pages,
      problems,
      reviews,
      subscriptions: new ContactSubscriptions(sns, LOCAL_PEOPLE_TOPIC_ARN),
      ids,
      workflow,
      notifier,
      escalation: options.escalation,
      grouping: options.grouping,
      ...(options.closingChecklist ? { closingChecklist: options.closingChecklist } : {}),
      incidentLink,
      clock,
      newDedupKey: randomUUID,
      runbooks: {
        runs,
        launcher: runbookEngine.launcher,
        approvals: runbookEngine.approvals,
        config: runbookConfig,
      },
      runbookJoins,
      metric: localMetric,
      ackKeys,
      status: new StatusSource(db, TABLE),
      ...(options.statusPage ? { statusPage: options.statusPage } : {}),
      ...(chat ? { chat } : {}),
      ...(options.slack?.signingSecret
        ? {
            slack: {
              config: slackConfig ?? SlackConfig.parse({}),
              secrets: fixedSlackSecrets(options.slack.signingSecret),
              responder: slack,
              onReplyError: (error: unknown, context: Record<string, string>) =>
                logger.warn('local Slack reply failed', { ...context, error }),
            },
          }
        : {}),
    }),
    ...createLocalRoutes({
      ingest: createEventIngester(
        {
          store,
          ids,
          workflow,
          clock,
          grouping: options.grouping,
          hints: new AlertHints(),
          runbooks: runbookJoins,
          metric: localMetric,
        },
        logger,
      ),
      sns,
      workflow,
      automation,
      changes,
    }),
  };
  const route = createRouter(routes, { scopePrefix: options.scopePrefix ?? '', logger, clock });
  const match = routeMatcher(Object.keys(routes));

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const method = request.method ?? 'GET';
      if (allowCrossOrigin(request, response, options.corsOrigins ?? [])) return void response.end();
      if (method === 'GET' && url.pathname === '/health')
        return void writeJson(response, 200, { status: 'ok' });
      if (method === 'GET' && (url.pathname === '/' || url.pathname.startsWith('/console/'))) {
        return void (await serveConsole(url.pathname, response));
      }
      const found = match(method, url.pathname);
      const body = await readBody(request, MAX_BODY_BYTES);
      const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const event = toApiGatewayEvent({
        routeKey: found?.routeKey ?? `${method} ${url.pathname}`,
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        pathParameters: found?.pathParameters ?? {},
        body,
        requestId: randomUUID(),
        ...(bearer === options.token
          ? { principal: { sub: 'local-user', scope: 'admin' } }
          : await verifiedPrincipal(bearer, options.verifyBearer)),
      });
      writeResult(response, await route(event as never));
    } catch (error) {
      logger.error('local request failed', { error });
      writeJson(response, 500, { error: { code: 'internal', message: 'local mode failed on this request' } });
    }
  });
  await listen(server, options.port);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The review reminder function's schedule: the same logic, on a local timer, to the recorded topics.
  const reviewReminders = startReviewReminderTimer(
    {
      source: new ReviewReminderSource(db, TABLE),
      incidents: store,
      people,
      notifier,
      escalation: options.escalation,
      reviewLink: (id) => `${incidentLink(id)}/review`,
      clock,
      log: {
        info: (message, details) => logger.info(message, details),
        warn: (message, details) => logger.warn(message, details),
      },
    },
    {
      intervalMs: options.reviewReminderIntervalMs ?? LOCAL_REMINDER_INTERVAL_MS,
      onError: (error) => logger.error('review reminders failed', { error }),
    },
  );

  return {
    url: baseUrl,
    sns,
    peopleTopicArn: LOCAL_PEOPLE_TOPIC_ARN,
    workflow,
    automation,
    changes,
    runs,
    ackKeys,
    slack,
    reviewReminders,
    async stop() {
      await reviewReminders.stop();
      // The lifecycles first: a launch under way may still start runs, which the runbook engine then ends.
      await workflow.stop();
      await runbookEngine?.stop();
      await close(server);
      client.destroy();
      await close(dynamo);
    },
  };
}

/**
 * With FIREBREAK_DATA_DIR, incidents outlive a restart but their in-process lifecycles do not: start them
 * again. Notices already sent are recorded on each incident, so nobody is paged twice for the same step.
 */
async function resumeLifecycles(queries: IncidentQueries, workflow: LocalWorkflow): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await queries.listIncidents(
      { status: ['triggered', 'acknowledged'] },
      { limit: 100, ...(cursor ? { cursor } : {}) },
    );
    for (const incident of page.items) await workflow.start(incident.id);
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * The recorder's subscriptions live in memory; with FIREBREAK_DATA_DIR the people outlive a restart, so their
 * subscriptions are put back from what is stored with each contact method (its ARN and state).
 */
async function restoreSubscriptions(people: PeopleStore, sns: RecordingSns): Promise<void> {
  for (const person of await people.list()) {
    for (const contact of person.contacts) {
      if (!contact.subscriptionArn || !subscribesAtSns(contact)) continue;
      sns.restore({
        arn: contact.subscriptionArn,
        topic: LOCAL_PEOPLE_TOPIC_ARN,
        protocol: contact.type,
        endpoint: contact.address,
        filterPolicy: { person: [person.id] },
        pending: contact.state === 'pending-confirmation',
      });
    }
  }
}

async function ensureTable(client: DynamoDBClient): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    await client.send(new CreateTableCommand(createTableInput(TABLE)));
  }
  await waitForActiveTable(
    async (table) => (await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus,
    TABLE,
  );
}

async function serveConsole(pathname: string, response: import('node:http').ServerResponse): Promise<void> {
  // Third-party files (uPlot for the reports page): only the ones on the allow-list, by exact name.
  if (pathname.startsWith(VENDOR_PREFIX)) {
    const vendor = await vendorFile(pathname.slice(VENDOR_PREFIX.length));
    if (!vendor)
      return writeJson(response, 404, { error: { code: 'not_found', message: 'no such vendor file' } });
    response.writeHead(200, {
      'content-type': `${vendor.contentType}; charset=utf-8`,
      'content-security-policy': CONSOLE_CSP,
    });
    return void response.end(vendor.content);
  }
  const name = pathname === '/' ? 'index.html' : pathname.slice('/console/'.length);
  if (name === 'config.json') {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return void response.end(JSON.stringify(CONSOLE_CONFIG));
  }
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.'))
    return writeJson(response, 404, { error: { code: 'not_found', message: name } });
  try {
    const content = await readFile(new URL(name, CONSOLE));
    response.writeHead(200, {
      'content-type': `${STATIC_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream'}; charset=utf-8`,
      'content-security-policy': CONSOLE_CSP,
    });
    response.end(content);
  } catch {
    writeJson(response, 404, { error: { code: 'not_found', message: `no console file ${name}` } });
  }
}

/** The principal of a bearer token that `verify` accepts, as the spread of toApiGatewayEvent's input. */
async function verifiedPrincipal(
  bearer: string | undefined,
  verify: LocalOptions['verifyBearer'],
): Promise<{ principal?: { sub: string; scope: string } }> {
  const claims = bearer && verify ? await verify(bearer) : undefined;
  return claims ? { principal: claims } : {};
}

/**
 * CORS as API Gateway answers it for the deployed API's `corsOrigins`: an allowed origin gets its
 * Access-Control headers; true when the request was a preflight, answered here (204) with nothing more to do.
 */
function allowCrossOrigin(
  request: import('node:http').IncomingMessage,
  response: import('node:http').ServerResponse,
  origins: readonly string[],
): boolean {
  const origin = request.headers.origin;
  if (!origin || !origins.includes(origin)) return false;
  response.setHeader('access-control-allow-origin', origin);
  response.setHeader('vary', 'origin');
  // POST /incidents answers 201 with the new incident's Location.
  response.setHeader('access-control-expose-headers', 'location');
  if (request.method !== 'OPTIONS' || !request.headers['access-control-request-method']) return false;
  response.writeHead(204, {
    'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE',
    'access-control-allow-headers': LOCAL_CORS_HEADERS.join(','),
    'access-control-max-age': '600',
  });
  return true;
}

function writeJson(response: import('node:http').ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
