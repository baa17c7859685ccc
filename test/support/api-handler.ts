import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { ackKeyFromSecret } from '#core/ack-links';
import type { ChatbotNotification } from '#core/chatbot';
import type { ClosingChecklistConfig } from '#core/closing-checklist';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { targetsOf } from '../../lambdas/lifecycle/config';
import type { DynamoServer } from './dynamo-server';
import { LAMBDA_CONTEXT, STATE_MACHINE_ARN, stubLocalAwsEnv } from './ingest-handler';
import { API_TEST_RUNBOOKS, AUTOMATION_ROLE_ARN } from './runbook-doubles';
import { protocolMessages } from './sns-messages';
import { fakeSubscriptions, PEOPLE_TOPIC_ARN } from './sns-subscriptions';

export { PEOPLE_TOPIC_ARN };

export const RUNBOOK_STATE_MACHINE_ARN =
  'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-runbook-run';

export const ACK_KEY_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-ack-key-Xy12Ab';
/** The ack-link secret as CloudFormation generates it (64 letters and digits): AWSCURRENT and AWSPREVIOUS. */
export const ACK_KEY_SECRETS = {
  current: 'Qk7Xn2Vb9TzLw4Hc8RmPj3Ds6Fy1Ga5Ue0Ko7Ni2Mt9Bq4Wx8Zl3Cv6Jh1Ep5Ys0',
  previous: 'Ra8Yo3Wc0UaMx5Id9SnQk4Et7Gz2Hb6Vf1Lp8Oj3Nu0Cr5Xy9Am4Dw7Ki2Fq6Zt1',
};
/** The keys in those secrets: sign test links with them. */
export const ACK_KEYS = {
  current: ackKeyFromSecret(ACK_KEY_SECRETS.current),
  previous: ackKeyFromSecret(ACK_KEY_SECRETS.previous),
};

export const SLACK_SIGNING_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-slack-signing-secret-Ab12Cd';
export const SLACK_BOT_TOKEN_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-slack-bot-token-Ef34Gh';
/** Slack's example signing secret (api.slack.com, "Verifying requests from Slack"). */
export const SLACK_SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const SLACK_BOT_TOKEN = 'xoxb-test-not-a-real-token';

/** Slack turned on for the API function, as `firebreak.slack` does deployed. */
export interface SlackSetup {
  /** `firebreak.slack`: team → channel, default channel, priorities with incident channels. */
  config: Record<string, unknown>;
}

export interface LoadOptions {
  slack?: SlackSetup;
  /** RUNBOOK_CONFIG instead of API_TEST_RUNBOOKS. */
  runbooks?: unknown;
  /** STATUS_PAGE (`firebreak.statusPage`): serves GET /status; none when absent. */
  statusPage?: unknown;
  /** CLOSING_CHECKLIST; the default checklist when absent. */
  closingChecklist?: ClosingChecklistConfig;
}

/**
 * A checklist that needs only the resolution: for tests of other things that close an incident with no
 * lifecycle running (so no resolution notice) and no review.
 */
export const ONLY_RESOLVED: ClosingChecklistConfig = { P1: [], P2: [], P3: [], P4: [] };

export interface CallOptions {
  scopes?: string[];
  /** No JWT at all (anonymous). */
  anonymous?: boolean;
  sub?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

let requests = 0;

/**
 * Loads the real API Lambda module against a table, with SNS and Step Functions answered at their SDK
 * clients, and calls it with API Gateway HTTP API (payload 2.0) events shaped as the JWT authorizer
 * delivers them.
 */
export async function loadApi(
  server: DynamoServer,
  table: string,
  escalation: EscalationConfig = DEFAULT_ESCALATION_CONFIG,
  options: LoadOptions = {},
) {
  const sns = mockClient(SNSClient);
  const published: Array<{ topic: string; subject: string; message: string; card?: ChatbotNotification }> =
    [];
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    // What email and every protocol but HTTPS receive; the card is what AWS Chatbot renders.
    const messages = protocolMessages(input);
    published.push({
      topic: input.TopicArn ?? '',
      subject: input.Subject ?? '',
      message: messages.default,
      ...(messages.card ? { card: messages.card } : {}),
    });
    return { MessageId: `m-${published.length}` };
  });
  const subscriptions = fakeSubscriptions(sns);
  const sfn = mockClient(SFNClient);
  const started = new Set<string>();
  sfn.on(StartExecutionCommand).callsFake((input: { name?: string }) => {
    if (started.has(input.name ?? ''))
      throw Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
    started.add(input.name ?? '');
    return { executionArn: `arn:aws:states:us-east-1:111122223333:execution:x:${input.name}` };
  });
  sfn.on(SendTaskSuccessCommand).resolves({});
  // The ack-link key, rotated once: links signed with either key verify.
  const secrets = mockClient(SecretsManagerClient);
  secrets
    .on(GetSecretValueCommand, { SecretId: ACK_KEY_SECRET_ARN, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: ACK_KEY_SECRETS.current })
    .on(GetSecretValueCommand, { SecretId: ACK_KEY_SECRET_ARN, VersionStage: 'AWSPREVIOUS' })
    .resolves({ SecretString: ACK_KEY_SECRETS.previous })
    .on(GetSecretValueCommand, { SecretId: SLACK_SIGNING_SECRET_ARN })
    .resolves({ SecretString: SLACK_SIGNING_SECRET })
    .on(GetSecretValueCommand, { SecretId: SLACK_BOT_TOKEN_SECRET_ARN })
    .resolves({ SecretString: SLACK_BOT_TOKEN });
  const topics = Object.fromEntries(
    targetsOf(escalation).map((t) => [t, `arn:aws:sns:us-east-1:111122223333:firebreak-${t}`]),
  );
  vi.stubEnv('TABLE_NAME', table);
  vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
  vi.stubEnv('TOPIC_ARNS', JSON.stringify(topics));
  vi.stubEnv('OPS_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-ops');
  vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(escalation));
  vi.stubEnv('GROUPING_CONFIG', JSON.stringify(DEFAULT_GROUPING_CONFIG));
  vi.stubEnv('INCIDENT_URL', 'https://firebreak.example.com/incidents/{id}');
  vi.stubEnv('SCOPE_PREFIX', 'firebreak/');
  vi.stubEnv('RUNBOOK_CONFIG', JSON.stringify(options.runbooks ?? API_TEST_RUNBOOKS));
  vi.stubEnv('RUNBOOK_STATE_MACHINE_ARN', RUNBOOK_STATE_MACHINE_ARN);
  vi.stubEnv('AUTOMATION_ROLE_ARN', AUTOMATION_ROLE_ARN);
  vi.stubEnv('ACK_KEY_SECRET_ARN', ACK_KEY_SECRET_ARN);
  vi.stubEnv('PEOPLE_TOPIC_ARN', PEOPLE_TOPIC_ARN);
  if (options.closingChecklist) vi.stubEnv('CLOSING_CHECKLIST', JSON.stringify(options.closingChecklist));
  if (options.slack) {
    vi.stubEnv('SLACK_CONFIG', JSON.stringify(options.slack.config));
    vi.stubEnv('SLACK_SIGNING_SECRET_ARN', SLACK_SIGNING_SECRET_ARN);
    vi.stubEnv('SLACK_BOT_TOKEN_SECRET_ARN', SLACK_BOT_TOKEN_SECRET_ARN);
  } else {
    vi.stubEnv('SLACK_CONFIG', undefined);
    vi.stubEnv('SLACK_SIGNING_SECRET_ARN', undefined);
    vi.stubEnv('SLACK_BOT_TOKEN_SECRET_ARN', undefined);
  }
  vi.stubEnv(
    'STATUS_PAGE',
    options.statusPage === undefined ? undefined : JSON.stringify(options.statusPage),
  );
  stubLocalAwsEnv(server.endpoint);
  vi.resetModules();
  const module = await import('../../lambdas/api/handler');

  async function call(routeKey: string, path: string, options: CallOptions = {}): Promise<ApiAnswer> {
    return answerOf(await module.handler(apiEvent(routeKey, path, options) as never, LAMBDA_CONTEXT));
  }

  return {
    call,
    published,
    started,
    sfn,
    secrets,
    sns,
    subscriptions,
    restore() {
      sns.restore();
      sfn.restore();
      secrets.restore();
    },
  };
}

function matchPath(template: string, path: string): Record<string, string> {
  const names = template.split('/');
  const parts = path.split('/');
  const found: Record<string, string> = {};
  names.forEach((name, i) => {
    const match = /^\{(\w+)\}$/.exec(name);
    if (match?.[1] && parts[i] !== undefined) found[match[1]] = decodeURIComponent(parts[i]);
  });
  return found;
}

/** An API Gateway HTTP API (payload 2.0) event for a route, shaped as the JWT authorizer delivers it. */
export function apiEvent(routeKey: string, path: string, options: CallOptions = {}) {
  requests += 1;
  const [method = 'GET'] = routeKey.split(' ');
  const pathParameters = matchPath(routeKey.split(' ')[1] ?? '', path);
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers = {
    ...(body !== undefined && options.rawBody === undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  const event = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '111122223333',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: `req-${requests}`,
      routeKey,
      stage: '$default',
      time: '27/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
      ...(options.anonymous
        ? {}
        : {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: {
                claims: {
                  sub: options.sub ?? 'alice',
                  scope: (options.scopes ?? ['firebreak/admin']).join(' '),
                },
                scopes: null,
              },
            },
          }),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
  return event;
}

/** The status, body (parsed when JSON, the text otherwise, e.g. an HTML page) and headers of the API's answer. */
export function answerOf(result: unknown): ApiAnswer {
  const structured = result as APIGatewayProxyStructuredResultV2;
  const headers = (structured.headers ?? {}) as Record<string, string>;
  const json = /^application\/json\b/.test(headers['content-type'] ?? '');
  return {
    status: structured.statusCode ?? 200,
    body: structured.body ? (json ? JSON.parse(structured.body) : structured.body) : undefined,
    headers,
  };
}
