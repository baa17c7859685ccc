/**
 * The API's real route table for the benches that call it (Slack commands, figures): built as
 * lambdas/api/handler.ts builds it over one table, every DynamoDB request counted at the document client,
 * Step Functions, SNS and Slack replaced by recorders that count their calls. Nothing leaves the machine.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
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
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { createRouter } from '../lambdas/api/router';
import type { ApiDeps } from '../lambdas/api/routes';
import { createApiRoutes } from '../lambdas/api/routes';
import type { LifecycleStarter } from '../lambdas/ingest/apply-signal';
import { RunbookLauncher } from '../lambdas/runbooks/launch';
import type { ApprovalSignals, RunbookStarter } from '../lambdas/runbooks/ports';

export const SCOPE_PREFIX = 'firebreak/';

/** What one measured call asked of DynamoDB (by command) and of the other services (by call). */
export class Tally {
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

/** Starts counting (a new Tally) or stops (undefined): only the calls between are measured. */
export function countInto(next: Tally | undefined): void {
  tally = next;
}

const add = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

/** Forwards every command to the real client, counting it by name (`GetCommand` → `Get`) while measuring. */
export function countingSender(doc: DocumentSender): DocumentSender {
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

export const record = (call: string) => {
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

export const incidentLink = (id: string) => `https://firebreak.example.com/incidents/${id}`;
export const logger = new Logger({ serviceName: 'firebreak-bench', logLevel: 'WARN' });

/** The API's router over one table, built as lambdas/api/handler.ts builds it with `firebreak.slack` set. */
export function apiOver(doc: DocumentSender, table: string, slack?: ApiDeps['slack']) {
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
    ...(slack ? { slack } : {}),
  });
  return createRouter(routes, { scopePrefix: SCOPE_PREFIX, logger, clock });
}

export type Api = ReturnType<typeof apiOver>;
export type ApiEvent = Parameters<Api>[0];

let requestIds = 0;

/**
 * An API Gateway HTTP API (payload 2.0) event as API Gateway delivers it: with the JWT authorizer's claims
 * for the JSON routes, without for Slack's (which API Gateway leaves unauthenticated; the route verifies).
 */
export function apiEvent(
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
export function jsonCall(
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
