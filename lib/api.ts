import { isDeepStrictEqual } from 'node:util';
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  type UserPoolGroup,
  UserPoolOperation,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TABLE_INDEXES } from '#adapters/table-definition';
import { type ClosingChecklistConfig, DEFAULT_CLOSING_CHECKLIST } from '#core/closing-checklist';
import type { GroupingConfig } from '#core/grouping';
import type { StatusPageConfig } from '#core/status-page';
import { VIEWER_GROUP } from '#core/viewer-scopes';
import type { AckKeySecret } from './ack-key';
import type { ApiConfig } from './config';
import {
  assertRunbooksFit,
  assertSlackFits,
  environmentSize,
  LAMBDA_ENVIRONMENT_LIMIT,
  longestTopicArns,
  PAGING_PEOPLE_AT_MOST,
} from './environment-size';
import { FirebreakFunction } from './function-defaults';
import type { OperationsKey } from './operations-key';
import type { MessagingPartProps, TablePartProps } from './part-props';
import type { PeopleTopic } from './people-topic';
import type { RunbookLaunch } from './remediation';
import { SLACK_ACTIONS_PATH, SLACK_COMMANDS_PATH, type SlackIntegration } from './slack';
import { allowSendTaskSuccess } from './task-token-grant';

export const API_NAME = 'firebreak-api';
/** The Cognito resource server: scopes are `firebreak/incidents:read` and so on. */
export const RESOURCE_SERVER_IDENTIFIER = 'firebreak';

export type ApiScope = 'incidents:read' | 'incidents:write' | 'admin';
export const API_SCOPES: Record<ApiScope, string> = {
  'incidents:read': 'Read incidents and their timelines',
  'incidents:write': 'Open, acknowledge, resolve, close, escalate and annotate incidents',
  admin: 'Create, list and revoke integration keys',
};

/**
 * Scopes that pass a route needing `scope`. API Gateway lets a request through when its token has any one of
 * a route's scopes, and the API Lambda treats a broader scope as including the narrower ones (write includes
 * read, admin includes both): listing the broader ones keeps the two checks in agreement.
 */
const ACCEPTED_SCOPES: Record<ApiScope, readonly ApiScope[]> = {
  'incidents:read': ['incidents:read', 'incidents:write', 'admin'],
  'incidents:write': ['incidents:write', 'admin'],
  admin: ['admin'],
};

/**
 * Routes API Gateway cannot authenticate, so the function does: `integration-key`, by an integration key;
 * `ack-link`, by the signed token in the path of an acknowledgement link (a person's browser, no sign-in);
 * `slack-signature`, by Slack's signature of the request with the app's signing secret. And `public`, which
 * nobody needs credentials for: the public status page.
 */
export type RouteAccess = ApiScope | FunctionAuthenticated;
type FunctionAuthenticated = 'integration-key' | 'ack-link' | 'slack-signature' | 'public';

const isFunctionAuthenticated = (access: RouteAccess): access is FunctionAuthenticated =>
  access === 'integration-key' ||
  access === 'ack-link' ||
  access === 'slack-signature' ||
  access === 'public';

/** Why each access the function checks itself has no API Gateway authorizer (cdk-nag AwsSolutions-APIG4). */
const NO_AUTHORIZER_REASONS: Record<FunctionAuthenticated, (key: string) => string> = {
  'integration-key': (key) =>
    `${key} is authenticated by a Firebreak integration key inside the API function (stored hashed, ` +
    'revocable with the admin scope): PagerDuty Events v2 senders put it in the JSON body as routing_key ' +
    'and Alertmanager as a bearer token that is no JWT, so no API Gateway authorizer can check it.',
  'ack-link': (key) =>
    `${key} is authenticated inside the API function by the token in its path: an HMAC-SHA256 signed, ` +
    'expiring link for one incident and one person, sent in their page; they open it on a phone with no ' +
    'sign-in, so no JWT can be asked for. GET only shows the incident; POST acknowledges it and nothing else.',
  'slack-signature': (key) =>
    `${key} is called by Slack, which cannot send a JWT: it signs every request with the Slack app's signing ` +
    'secret (v0, HMAC-SHA256 over its timestamp and the raw body), and the API function verifies that signature ' +
    'and a timestamp within five minutes (lambdas/core/slack-signature.ts) before it reads the request, with the ' +
    'secret from Secrets Manager that only the API function may read. Deployed only with firebreak.slack set.',
  public: (key) =>
    `${key} is the public status page, for customers, who have no credentials: it only reads, and shows only ` +
    'the configured customer-facing services, their state from the priorities of open incidents, and the ' +
    'updates people posted with "public": true; nothing else an incident holds is read. Answers are cacheable ' +
    'for 30 seconds and the stage is throttled. Deployed only with firebreak.statusPage set.',
};

export interface ApiRouteDefinition {
  readonly method: HttpMethod;
  readonly path: string;
  readonly access: RouteAccess;
}

/** `POST /incidents/{id}/notes` → `PostIncidentsIdNotes`: a construct id (ids cannot hold slashes). */
export function routeConstructId(method: HttpMethod, path: string): string {
  return [method.toLowerCase(), ...path.split(/[^A-Za-z0-9]+/)]
    .filter((word) => word.length > 0)
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');
}

const route = (method: HttpMethod, path: string, access: RouteAccess): ApiRouteDefinition => ({
  method,
  path,
  access,
});

/** Every route of the API; all go to the one API function, which routes by `routeKey`. */
export const API_ROUTES: readonly ApiRouteDefinition[] = [
  route(HttpMethod.GET, '/incidents', 'incidents:read'),
  route(HttpMethod.GET, '/incidents/{id}', 'incidents:read'),
  route(HttpMethod.GET, '/incidents/{id}/timeline', 'incidents:read'),
  route(HttpMethod.GET, '/incidents/{id}/alerts', 'incidents:read'),
  route(HttpMethod.GET, '/openapi.json', 'incidents:read'),
  route(HttpMethod.POST, '/incidents', 'incidents:write'),
  route(HttpMethod.PATCH, '/incidents/{id}', 'incidents:write'),
  route(HttpMethod.PUT, '/incidents/{id}/roles', 'incidents:write'),
  ...['acknowledge', 'resolve', 'close', 'escalate', 'notes', 'updates', 'merge'].map((action) =>
    route(HttpMethod.POST, `/incidents/{id}/${action}`, 'incidents:write'),
  ),
  route(HttpMethod.GET, '/runbooks', 'incidents:read'),
  route(HttpMethod.GET, '/incidents/{id}/runbooks', 'incidents:read'),
  route(HttpMethod.POST, '/incidents/{id}/runbooks', 'incidents:write'),
  route(HttpMethod.POST, '/incidents/{id}/runbooks/{runId}/approve', 'incidents:write'),
  route(HttpMethod.POST, '/incidents/{id}/runbooks/{runId}/reject', 'incidents:write'),
  route(HttpMethod.GET, '/people', 'incidents:read'),
  route(HttpMethod.GET, '/people/{id}', 'incidents:read'),
  route(HttpMethod.PUT, '/people/{id}', 'incidents:write'),
  route(HttpMethod.DELETE, '/people/{id}', 'incidents:write'),
  route(HttpMethod.GET, '/schedules', 'incidents:read'),
  route(HttpMethod.GET, '/schedules/{id}', 'incidents:read'),
  route(HttpMethod.GET, '/schedules/{id}/oncall', 'incidents:read'),
  route(HttpMethod.GET, '/schedules/{id}/shifts', 'incidents:read'),
  route(HttpMethod.GET, '/schedules/{id}/report', 'incidents:read'),
  route(HttpMethod.PUT, '/schedules/{id}', 'incidents:write'),
  route(HttpMethod.POST, '/schedules/{id}/overrides', 'incidents:write'),
  route(HttpMethod.DELETE, '/schedules/{id}/overrides/{overrideId}', 'incidents:write'),
  route(HttpMethod.GET, '/metrics/summary', 'incidents:read'),
  route(HttpMethod.GET, '/metrics/trend', 'incidents:read'),
  route(HttpMethod.GET, '/problems', 'incidents:read'),
  route(HttpMethod.GET, '/problems/{id}', 'incidents:read'),
  route(HttpMethod.GET, '/incidents/{id}/review', 'incidents:read'),
  route(HttpMethod.PUT, '/incidents/{id}/review', 'incidents:write'),
  route(HttpMethod.GET, '/action-items', 'incidents:read'),
  route(HttpMethod.POST, '/integrations/keys', 'admin'),
  route(HttpMethod.GET, '/integrations/keys', 'admin'),
  route(HttpMethod.DELETE, '/integrations/keys/{id}', 'admin'),
  route(HttpMethod.POST, '/v2/enqueue', 'integration-key'),
  route(HttpMethod.POST, '/integrations/alertmanager', 'integration-key'),
  route(HttpMethod.GET, '/ack/{token}', 'ack-link'),
  route(HttpMethod.POST, '/ack/{token}', 'ack-link'),
];

/** The routes Slack's app calls, deployed only when `firebreak.slack` is set: the slash command, the buttons. */
export const SLACK_ROUTES: readonly ApiRouteDefinition[] = [
  route(HttpMethod.POST, SLACK_COMMANDS_PATH, 'slack-signature'),
  route(HttpMethod.POST, SLACK_ACTIONS_PATH, 'slack-signature'),
];

/** The public status page, deployed only when `firebreak.statusPage` is set. */
export const STATUS_PAGE_ROUTES: readonly ApiRouteDefinition[] = [route(HttpMethod.GET, '/status', 'public')];

/** Request headers the routes read; browsers may send them cross-origin. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-match'];

/**
 * One JSON object per request. Every value is quoted: API Gateway writes `-` for a value it does not have
 * (no claims on the integration routes, no integration on a 401), which would break a bare number.
 */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  responseLength: '$context.responseLength',
  principal: '$context.authorizer.claims.sub',
  clientId: '$context.authorizer.claims.client_id',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
};

export interface ApiProps extends TablePartProps, MessagingPartProps {
  readonly config: ApiConfig;
  /** Which alerts join one incident: the webhooks group their alerts as ingest does. */
  readonly grouping: GroupingConfig;
  /** What closing an incident requires, per priority; the function's default when it is the default. */
  readonly closingChecklist?: ClosingChecklistConfig;
  /** Opening an incident starts its lifecycle execution; resolving one wakes its parked task. */
  readonly stateMachine: IStateMachine;
  /** `POST /incidents/{id}/runbooks` launches a bound runbook; approving or rejecting wakes its run. */
  readonly runbooks: RunbookLaunch;
  /** The people routes subscribe contact methods to it; escalating by hand pages people through it. */
  readonly peopleTopic: PeopleTopic;
  /** Escalating by hand to a schedule with nobody on call pages the ops topic when the level has no fallback. */
  readonly opsTopic: ITopic;
  /** The acknowledge links' key, which the `/ack/{token}` routes verify with. */
  readonly ackKey: AckKeySecret;
  /** With Slack on: the Slack routes, the signing secret they verify with, and the bot token to answer with. */
  readonly slack?: SlackIntegration;
  /** `firebreak.statusPage`: the public status page (`GET /status`, no authorizer); none when absent. */
  readonly statusPage?: StatusPageConfig;
  /**
   * The deployed web console: its origin may call the API (CORS), and the user pool's web client sends people
   * back to its URL after sign-in and sign-out.
   */
  readonly console?: { readonly origin: string; readonly url: string };
}

/** `CLOSING_CHECKLIST`, only when it is not the default: Lambda's 4 KB environment is shared. */
function closingChecklistEnvironment(checklist: ClosingChecklistConfig | undefined): Record<string, string> {
  if (!checklist || isDeepStrictEqual(checklist, DEFAULT_CLOSING_CHECKLIST)) return {};
  return { CLOSING_CHECKLIST: JSON.stringify(checklist) };
}

/**
 * The API function carries the escalation and the grouping config in its environment, which Lambda caps at
 * 4 KB: together too large, they would fail the deployment, so they fail the synth instead. The escalation
 * config alone is checked with the lifecycle function, so what pushes the API over is the grouping.
 */
function assertEnvironmentFits(props: ApiProps): void {
  const statusPage: Record<string, string> = props.statusPage
    ? { STATUS_PAGE: JSON.stringify(props.statusPage) }
    : {};
  const size = environmentSize({
    ESCALATION_CONFIG: JSON.stringify(props.escalation),
    TOPIC_ARNS: longestTopicArns(props.escalation),
    GROUPING_CONFIG: JSON.stringify(props.grouping),
    INCIDENT_URL: props.incidentUrl ?? '',
    ...closingChecklistEnvironment(props.closingChecklist),
    ...PAGING_PEOPLE_AT_MOST.api,
    ...statusPage,
  });
  if (size > LAMBDA_ENVIRONMENT_LIMIT) {
    throw new Error(
      `Invalid CDK context: firebreak.grouping: too large for the API function's environment together with ` +
        `firebreak.escalation (about ${size} of Lambda's ${LAMBDA_ENVIRONMENT_LIMIT} bytes with its topic ARNs): ` +
        'use fewer or shorter grouping rules, or fewer escalation policies and targets',
    );
  }
  const variablesAtMost = {
    ESCALATION_CONFIG: JSON.stringify(props.escalation),
    TOPIC_ARNS: longestTopicArns(props.escalation),
    GROUPING_CONFIG: JSON.stringify(props.grouping),
    INCIDENT_URL: props.incidentUrl ?? '',
    ...closingChecklistEnvironment(props.closingChecklist),
    ...PAGING_PEOPLE_AT_MOST.api,
    ...props.runbooks.environmentAtMost,
    ...statusPage,
  };
  assertRunbooksFit('API', variablesAtMost, 'firebreak.escalation and firebreak.grouping');
  if (props.slack) {
    assertSlackFits(
      'API',
      { ...variablesAtMost, ...props.slack.environmentAtMost({ verifiesRequests: true }) },
      'firebreak.escalation, firebreak.grouping and firebreak.runbooks',
    );
  }
}

/** The Cognito side of the API when the stack creates the user pool. */
export interface ApiUserPool {
  readonly userPool: UserPool;
  readonly resourceServer: UserPoolResourceServer;
  readonly domain: UserPoolDomain;
  /** Client-credentials flow, for scripts, chat bots and other machines. */
  readonly machineClient: UserPoolClient;
  /** Authorization-code flow, for people signing in to a dashboard. */
  readonly webClient: UserPoolClient;
  /** Read-only people: their access tokens never carry the write or admin scope. */
  readonly viewers: UserPoolGroup;
  /** The pre token generation trigger (V2_0) that leaves those scopes out for the viewers. */
  readonly preTokenFunction: FirebreakFunction;
}

/**
 * The incident HTTP API: one API Gateway HTTP API in front of one API function. Every incident and admin
 * route has the JWT authorizer with the scopes it needs, so API Gateway answers 401/403 before the function
 * runs (the function checks the scope again). The two integration routes authenticate by integration key in
 * the function, as the PagerDuty and Alertmanager senders put it where no authorizer can read it; the two
 * acknowledgement-link routes by the signed token in their path; with Slack on, the two Slack routes by
 * Slack's signature.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly function: FirebreakFunction;
  readonly authorizer: HttpJwtAuthorizer;
  /** Route key (`GET /incidents`) → route. */
  readonly routes: Record<string, HttpRoute> = {};
  /** Present with `auth: { cognito: true }`. */
  readonly cognito?: ApiUserPool;
  /** Prefix of the scopes in tokens: `firebreak/` for the user pool, empty for another issuer. */
  readonly scopePrefix: string;
  /** The `iss` of the tokens the API accepts: the user pool's, or the configured issuer. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { table, operationsKey, config, notifications, stateMachine } = props;

    const corsOrigins = [...config.corsOrigins, ...(props.console ? [props.console.origin] : [])];
    let audience: string[];
    if (config.auth.issuer !== undefined && config.auth.audience !== undefined) {
      this.issuer = config.auth.issuer;
      audience = config.auth.audience;
      this.scopePrefix = '';
    } else {
      this.cognito = this.createUserPool(
        {
          callbackUrls: [...config.callbackUrls, ...(props.console ? [props.console.url] : [])],
          logoutUrls: props.console ? [props.console.url] : [],
        },
        { logRetention: props.logRetention, operationsKey },
      );
      this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.cognito.userPool.userPoolId}`;
      // Cognito access tokens carry the app client in `client_id`, which API Gateway checks as the audience.
      audience = [this.cognito.machineClient.userPoolClientId, this.cognito.webClient.userPoolClientId];
      this.scopePrefix = `${RESOURCE_SERVER_IDENTIFIER}/`;
    }
    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', this.issuer, {
      authorizerName: `${API_NAME}-jwt`,
      jwtAudience: audience,
    });

    assertEnvironmentFits(props);
    this.function = new FirebreakFunction(this, 'Function', {
      // Under API Gateway's 29 s integration timeout, so a slow request fails here first and visibly.
      timeout: Duration.seconds(25),
      entry: 'lambdas/api/handler.ts',
      serviceName: API_NAME,
      description: 'The incident HTTP API: incidents, timelines, integration keys and alert webhooks',
      environment: {
        TABLE_NAME: table.tableName,
        STATE_MACHINE_ARN: stateMachine.stateMachineArn,
        TOPIC_ARNS: Stack.of(this).toJsonString(notifications.topicArns),
        ESCALATION_CONFIG: JSON.stringify(props.escalation),
        GROUPING_CONFIG: JSON.stringify(props.grouping),
        INCIDENT_URL: props.incidentUrl ?? '',
        ...closingChecklistEnvironment(props.closingChecklist),
        OPS_TOPIC_ARN: props.opsTopic.topicArn,
        SCOPE_PREFIX: this.scopePrefix,
        ...props.runbooks.environment,
        ...(props.statusPage ? { STATUS_PAGE: JSON.stringify(props.statusPage) } : {}),
      },
      logRetention: props.logRetention,
      operationsKey,
    });
    this.grantFunction(props);

    operationsKey.allowLogGroups();
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: operationsKey.key,
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: API_NAME,
      description: 'Firebreak incident API',
      // The stage below is the default one, with throttling and access logs that the built-in one lacks.
      createDefaultStage: false,
      // No route is open by default: a route added later without an authorizer still needs a JWT.
      defaultAuthorizer: this.authorizer,
      corsPreflight:
        corsOrigins.length > 0
          ? {
              allowOrigins: corsOrigins,
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.PATCH,
                CorsHttpMethod.DELETE,
              ],
              allowHeaders: CORS_ALLOWED_HEADERS,
              // POST /incidents answers 201 with the new incident's Location.
              exposeHeaders: ['location'],
            }
          : undefined,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: { rateLimit: config.throttle.rateLimit, burstLimit: config.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // One integration and one invoke permission for the whole API: the function routes by route key itself.
    const integration = new HttpLambdaIntegration('Integration', this.function, {
      scopePermissionToRoute: false,
    });
    const none = new HttpNoneAuthorizer();
    for (const { method, path, access } of [
      ...API_ROUTES,
      ...(props.slack ? SLACK_ROUTES : []),
      ...(props.statusPage ? STATUS_PAGE_ROUTES : []),
    ]) {
      const key = `${method} ${path}`;
      const httpRoute = new HttpRoute(this, routeConstructId(method, path), {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, method),
        integration,
        ...(isFunctionAuthenticated(access)
          ? { authorizer: none }
          : {
              authorizer: this.authorizer,
              authorizationScopes: ACCEPTED_SCOPES[access].map((name) => `${this.scopePrefix}${name}`),
            }),
      });
      if (isFunctionAuthenticated(access)) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: NO_AUTHORIZER_REASONS[access](key),
        });
      }
      this.routes[key] = httpRoute;
    }
  }

  /** Exactly what the routes call; the list routes query the three indexes, never Scan. */
  private grantFunction(props: ApiProps): void {
    const { table, tableKey, notifications, stateMachine, runbooks } = props;
    const fn = this.function;
    fn.addToRolePolicy(
      new PolicyStatement({
        // DeleteItem: deleting a person (and their directory copy), a schedule's override, and an action item
        // dropped from its review.
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
          'dynamodb:DeleteItem',
        ],
        resources: [table.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: TABLE_INDEXES.map((index) => `${table.tableArn}/index/${index.indexName}`),
      }),
    );
    // The status page reads the incidents of recent public updates that are no longer open, by key.
    if (props.statusPage) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['dynamodb:BatchGetItem'], resources: [table.tableArn] }),
      );
    }
    tableKey.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
    );
    runbooks.grantStart(fn);
    // Resolving by hand hands the parked task token back to the incident's execution, as ingest does; approving a
    // run hands back the token of its approval wait, and rejecting one fails it.
    allowSendTaskSuccess(this, fn, { failure: true });
    // Escalating now and status updates page the policy's topics, the people on call (the people topic),
    // and the ops topic when a level's schedule has nobody on call and no fallback.
    notifications.grantPublish(fn);
    props.peopleTopic.grantPublish(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [props.opsTopic.topicArn] }),
    );
    // The people routes subscribe and unsubscribe contact methods; the ack routes verify links.
    props.peopleTopic.grantSubscriptions(this, fn);
    props.ackKey.grantRead(fn);
    // The Slack routes verify Slack's signature, and answer or post (chat.postMessage, a channel for an
    // incident opened from Slack) with the bot token.
    props.slack?.grantRequestVerification(fn);
    props.slack?.grantChat(fn);
  }

  /** The public status page's address (`GET /status`; a browser gets HTML). */
  statusPageUrl(): string {
    return `${this.httpApi.apiEndpoint}/status`;
  }

  /** Where Slack's app sends a route's requests: the API's endpoint and the path (no stage: `$default`). */
  slackRequestUrl(path: typeof SLACK_COMMANDS_PATH | typeof SLACK_ACTIONS_PATH): string {
    return `${this.httpApi.apiEndpoint}${path}`;
  }

  private createUserPool(
    urls: {
      readonly callbackUrls: readonly string[];
      readonly logoutUrls: readonly string[];
    },
    functionDefaults: { readonly logRetention: RetentionDays; readonly operationsKey: OperationsKey },
  ): ApiUserPool {
    const userPool = new UserPool(this, 'UserPool', {
      userPoolName: API_NAME,
      // People are invited by an administrator; nobody signs themselves up to page on-call staff.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      // Recovery by email only: the pool sends no SMS.
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      featurePlan: FeaturePlan.ESSENTIALS,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Essentials plan is deliberate: the pool holds a few operators invited by an administrator, with ' +
        'no self sign-up and TOTP MFA required, so the Plus plan threat protection (billed per active user) ' +
        'adds cost for little gain; a deployment that wants it can switch featurePlan to PLUS.',
    });

    const scopes = Object.fromEntries(
      Object.entries(API_SCOPES).map(([name, description]) => [
        name,
        new ResourceServerScope({ scopeName: name, scopeDescription: description }),
      ]),
    ) as Record<ApiScope, ResourceServerScope>;
    const resourceServer = userPool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER_IDENTIFIER,
      userPoolResourceServerName: 'Firebreak incident API',
      scopes: Object.values(scopes),
    });
    const oauthScope = (name: ApiScope) => OAuthScope.resourceServer(resourceServer, scopes[name]);

    // The token endpoint of both flows; the account id keeps the prefix unique in the region.
    const domain = userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: `${API_NAME}-${Aws.ACCOUNT_ID}` },
    });
    const machineClient = userPool.addClient('MachineClient', {
      userPoolClientName: `${API_NAME}-machines`,
      generateSecret: true,
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [oauthScope('incidents:read'), oauthScope('incidents:write')],
      },
    });
    const webClient = userPool.addClient('WebClient', {
      userPoolClientName: `${API_NAME}-web`,
      generateSecret: false,
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [
          OAuthScope.OPENID,
          OAuthScope.EMAIL,
          oauthScope('incidents:read'),
          oauthScope('incidents:write'),
          oauthScope('admin'),
        ],
        callbackUrls: [...urls.callbackUrls],
        ...(urls.logoutUrls.length > 0 ? { logoutUrls: [...urls.logoutUrls] } : {}),
      },
    });

    // Cognito grants every scope the web client asks for to every user: a read-only person is a member of
    // this group, whose access tokens the trigger below strips of the write and admin scopes. The console
    // then offers no write control and the API refuses writes. The trigger needs no permission at all.
    const viewers = userPool.addGroup('Viewers', {
      groupName: VIEWER_GROUP,
      description: 'Read-only: access tokens without the incidents:write and admin scopes',
    });
    const preTokenFunction = new FirebreakFunction(this, 'PreTokenFunction', {
      entry: 'lambdas/auth/pre-token-handler.ts',
      serviceName: 'firebreak-pre-token',
      description: 'Cognito pre token generation: members of firebreak-viewers get no write or admin scope',
      // Cognito waits 5 s for a trigger; a slower answer fails the sign-in anyway.
      timeout: Duration.seconds(5),
      environment: { SCOPE_PREFIX: `${RESOURCE_SERVER_IDENTIFIER}/` },
      ...functionDefaults,
    });
    // V2_0 events customise access tokens (the Essentials plan above); they are sent for people's sign-ins
    // and refreshes, not for the machine client's client-credentials grants (that would be V3_0).
    userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preTokenFunction, LambdaVersion.V2_0);

    return { userPool, resourceServer, domain, machineClient, webClient, viewers, preTokenFunction };
  }
}
