import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { createApiRoutes } from '../../lambdas/api/routes';
import { API_ROUTES, SLACK_ROUTES as DEPLOYED_SLACK_ROUTES } from '../../lib/api';
import { parseFirebreakConfig } from '../../lib/config';
import {
  asArray,
  FULL_CONFIG,
  resourcesOfType,
  type Synthesized,
  statementsOfRole as statementsOfRoleIn,
  synthesize,
} from './support';

const INCIDENT_URL = 'https://firebreak.example.com/incidents/{id}';
const DASHBOARD = 'https://dashboard.example.com';
const ISSUER = 'https://login.example.com/oauth2/default';
const AUDIENCE = ['api://firebreak'];

const READ = ['incidents:read', 'incidents:write', 'admin'];
const WRITE = ['incidents:write', 'admin'];
const ADMIN = ['admin'];

/** The contract, written out here rather than read from lib/api.ts: route key → scopes that pass it. */
const JWT_ROUTES: Array<[string, string[]]> = [
  ['GET /incidents', READ],
  ['GET /incidents/{id}', READ],
  ['GET /incidents/{id}/timeline', READ],
  ['GET /incidents/{id}/alerts', READ],
  ['GET /openapi.json', READ],
  ['POST /incidents', WRITE],
  ['PATCH /incidents/{id}', WRITE],
  ['PUT /incidents/{id}/roles', WRITE],
  ['POST /incidents/{id}/acknowledge', WRITE],
  ['POST /incidents/{id}/resolve', WRITE],
  ['POST /incidents/{id}/close', WRITE],
  ['POST /incidents/{id}/escalate', WRITE],
  ['POST /incidents/{id}/notes', WRITE],
  ['POST /incidents/{id}/updates', WRITE],
  ['POST /incidents/{id}/merge', WRITE],
  ['GET /runbooks', READ],
  ['GET /incidents/{id}/runbooks', READ],
  ['POST /incidents/{id}/runbooks', WRITE],
  ['POST /incidents/{id}/runbooks/{runId}/approve', WRITE],
  ['POST /incidents/{id}/runbooks/{runId}/reject', WRITE],
  ['GET /people', READ],
  ['GET /people/{id}', READ],
  ['PUT /people/{id}', WRITE],
  ['DELETE /people/{id}', WRITE],
  ['GET /schedules', READ],
  ['GET /schedules/{id}', READ],
  ['GET /schedules/{id}/oncall', READ],
  ['GET /schedules/{id}/shifts', READ],
  ['GET /schedules/{id}/report', READ],
  ['PUT /schedules/{id}', WRITE],
  ['POST /schedules/{id}/overrides', WRITE],
  ['DELETE /schedules/{id}/overrides/{overrideId}', WRITE],
  ['GET /metrics/summary', READ],
  ['GET /metrics/trend', READ],
  ['GET /problems', READ],
  ['GET /problems/{id}', READ],
  ['GET /incidents/{id}/review', READ],
  ['PUT /incidents/{id}/review', WRITE],
  ['GET /action-items', READ],
  ['POST /integrations/keys', ADMIN],
  ['GET /integrations/keys', ADMIN],
  ['DELETE /integrations/keys/{id}', ADMIN],
];
/** Authenticated by integration key inside the function. */
const INTEGRATION_ROUTES = ['POST /v2/enqueue', 'POST /integrations/alertmanager'];
/** Authenticated by the signed token in the path, inside the function (a person's browser, no sign-in). */
const ACK_LINK_ROUTES = ['GET /ack/{token}', 'POST /ack/{token}'];
/** Authenticated by Slack's signature inside the function; deployed only with Slack on (FULL_CONFIG has it). */
const SLACK_ROUTES = ['POST /integrations/slack/commands', 'POST /integrations/slack/actions'];
/** The routes API Gateway lets through with no authorizer: the function authenticates them. */
const FUNCTION_AUTHENTICATED = [...INTEGRATION_ROUTES, ...ACK_LINK_ROUTES, ...SLACK_ROUTES];

type Route = {
  RouteKey: string;
  AuthorizationType: string;
  AuthorizationScopes?: string[];
  AuthorizerId?: unknown;
};

const routesOf = (template: Template): Route[] =>
  resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, props]) => props as unknown as Route);

describe('Firebreak: the incident HTTP API with its own user pool', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize({
      ...FULL_CONFIG,
      incidentUrl: INCIDENT_URL,
      api: { corsOrigins: [DASHBOARD], throttle: { rateLimit: 20, burstLimit: 40 } },
    });
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => stack.resolve(token);
  const api = () => synthesized.firebreak.api;

  const statementsOfRole = (roleArn: unknown) => statementsOfRoleIn(firebreak, stack, roleArn);

  it('is one HTTP API, firebreak-api, on a $default stage throttled as configured', () => {
    // Assess
    firebreak.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: 'firebreak-api',
      ProtocolType: 'HTTP',
    });
    firebreak.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: resolve(api().httpApi.apiId),
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it('writes JSON access logs with request, route, status, latency and principal to an encrypted log group', () => {
    // Prepare
    const stage = resourcesOfType(firebreak, 'AWS::ApiGatewayV2::Stage')[0]?.[1] as {
      AccessLogSettings: { DestinationArn: unknown; Format: string };
    };

    // Act
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;

    // Assess
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latency: '$context.responseLatency',
      principal: '$context.authorizer.claims.sub',
      sourceIp: '$context.identity.sourceIp',
    });
    expect(stage.AccessLogSettings.DestinationArn).toEqual(resolve(api().accessLogs.logGroupArn));
    firebreak.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
      RetentionInDays: FULL_CONFIG.logRetentionDays,
    });
    const logGroupId = (resolve(api().accessLogs.logGroupArn) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(firebreak.toJSON().Resources[logGroupId].Properties).toEqual({
      KmsKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
      RetentionInDays: FULL_CONFIG.logRetentionDays,
    });
  });

  it('deploys every route the API function serves, with the scope the function checks', () => {
    // Prepare: the function's route table with Slack on, as its handler builds it (nothing is called).
    const served = createApiRoutes({
      runbooks: { runs: {}, launcher: {}, approvals: {}, config: DEFAULT_RUNBOOK_CONFIG },
      slack: { config: { channels: {}, incidentChannels: [] } },
    } as never);

    // Assess
    const deployed = new Map(
      [...API_ROUTES, ...DEPLOYED_SLACK_ROUTES].map((route) => [
        `${route.method} ${route.path}`,
        route.access,
      ]),
    );
    for (const [key, route] of Object.entries(served)) {
      expect(deployed.has(key), `${key} is served but not deployed`).toBe(true);
      const access = ACK_LINK_ROUTES.includes(key)
        ? 'ack-link'
        : SLACK_ROUTES.includes(key)
          ? 'slack-signature'
          : 'integration-key';
      expect(deployed.get(key), key).toBe(route.scope === 'none' ? access : route.scope);
    }
    expect([...deployed.keys()].sort()).toEqual(Object.keys(served).sort());
  });

  it('has exactly the routes of the contract', () => {
    // Assess
    expect(
      routesOf(firebreak)
        .map((route) => route.RouteKey)
        .sort(),
    ).toEqual([...JWT_ROUTES.map(([key]) => key), ...FUNCTION_AUTHENTICATED].sort());
  });

  it.each(JWT_ROUTES)(
    'guards %s with the JWT authorizer and the scopes %j (Cognito names)',
    (key, scopes) => {
      // Prepare
      const authorizerId = resolve(api().authorizer.authorizerId);

      // Act
      const route = routesOf(firebreak).find((candidate) => candidate.RouteKey === key);

      // Assess
      expect(route).toEqual(
        expect.objectContaining({
          AuthorizationType: 'JWT',
          AuthorizerId: authorizerId,
          AuthorizationScopes: scopes.map((scope) => `firebreak/${scope}`),
        }),
      );
    },
  );

  it('leaves only the two integration-key, the two ack-link and the two Slack routes without an API Gateway authorizer', () => {
    // Act
    const open = routesOf(firebreak).filter((route) => route.AuthorizationType !== 'JWT');

    // Assess
    expect(open.map((route) => route.RouteKey).sort()).toEqual([...FUNCTION_AUTHENTICATED].sort());
    for (const route of open) {
      expect(route.AuthorizationType).toBe('NONE');
      expect(route.AuthorizerId).toBeUndefined();
      expect(route.AuthorizationScopes).toBeUndefined();
    }
  });

  it('sends every route to the API function with payload format 2.0, allowed by one permission', () => {
    // Assess
    firebreak.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: resolve(api().function.functionArn),
      PayloadFormatVersion: '2.0',
    });
    const permissions = resourcesOfType(firebreak, 'AWS::Lambda::Permission').filter(
      ([, props]) =>
        JSON.stringify(props.FunctionName) === JSON.stringify(resolve(api().function.functionArn)),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.[1]).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it("answers CORS preflights for the configured origins and the console's, methods and headers", () => {
    // Assess
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [DASHBOARD, resolve(synthesized.firebreak.console.origin)],
        AllowMethods: Match.arrayEquals(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
        AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'idempotency-key', 'if-match']),
      },
    });
  });

  it('creates a user pool for invited people with TOTP MFA required and a strong password policy', () => {
    // Assess
    firebreak.resourceCountIs('AWS::Cognito::UserPool', 1);
    firebreak.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
  });

  it('names the scopes on a firebreak resource server', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'firebreak',
      UserPoolId: resolve(api().cognito?.userPool.userPoolId),
      Scopes: ['incidents:read', 'incidents:write', 'admin'].map((name) =>
        Match.objectLike({ ScopeName: name }),
      ),
    });
  });

  it('has a client-credentials client for machines and an authorization-code client for people', () => {
    // Prepare
    const server = resolve(api().cognito?.resourceServer.userPoolResourceServerId);
    const scoped = (name: string) => ({ 'Fn::Join': ['', [server, `/${name}`]] });

    // Assess
    firebreak.resourceCountIs('AWS::Cognito::UserPoolClient', 2);
    firebreak.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['client_credentials'],
      GenerateSecret: true,
      AllowedOAuthScopes: [scoped('incidents:read'), scoped('incidents:write')],
    });
    firebreak.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      GenerateSecret: false,
      CallbackURLs: ['http://localhost:3000/callback', resolve(synthesized.firebreak.console.url)],
      LogoutURLs: [resolve(synthesized.firebreak.console.url)],
      AllowedOAuthScopes: Match.arrayWith([
        scoped('incidents:read'),
        scoped('incidents:write'),
        scoped('admin'),
      ]),
    });
    firebreak.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('has a firebreak-viewers group and a V2_0 pre token generation trigger that Cognito alone may invoke', () => {
    // Prepare
    const cognito = api().cognito;
    const triggerArn = resolve(cognito?.preTokenFunction.functionArn);

    // Assess
    firebreak.resourceCountIs('AWS::Cognito::UserPoolGroup', 1);
    firebreak.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'firebreak-viewers',
      UserPoolId: resolve(cognito?.userPool.userPoolId),
    });
    firebreak.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: triggerArn, LambdaVersion: 'V2_0' } },
    });
    const permissions = resourcesOfType(firebreak, 'AWS::Lambda::Permission').filter(
      ([, props]) => JSON.stringify(props.FunctionName) === JSON.stringify(triggerArn),
    );
    expect(permissions.map(([, props]) => props)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: triggerArn,
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: resolve(cognito?.userPool.userPoolArn),
      },
    ]);
  });

  it("runs the trigger within Cognito's 5 s with the scope prefix and nothing else to read", () => {
    // Prepare
    const trigger = resourcesOfType(firebreak, 'AWS::Lambda::Function').find(
      ([, props]) =>
        JSON.stringify(props.Role) === JSON.stringify(resolve(api().cognito?.preTokenFunction.role?.roleArn)),
    );

    if (!trigger) throw new Error('no pre token generation function in the template');

    // Assess
    expect(trigger[1]).toMatchObject({ Timeout: 5, Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    const variables = (trigger[1].Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual([
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'SCOPE_PREFIX',
    ]);
    expect(variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'firebreak-pre-token',
      SCOPE_PREFIX: 'firebreak/',
    });
  });

  it('lets the trigger write its own logs and traces and nothing else', () => {
    // Prepare
    const role = api().cognito?.preTokenFunction.role;
    const logGroupArn = resolve(api().cognito?.preTokenFunction.logGroup.logGroupArn);

    // Act
    const statements = statementsOfRole(role?.roleArn);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        Resource: '*',
      },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroupArn },
    ]);
    const roleId = (resolve(role?.roleArn) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(
      resourcesOfType(firebreak, 'AWS::IAM::Role').find(([id]) => id === roleId)?.[1],
    ).not.toHaveProperty('Policies');
  });

  it("trusts the pool's tokens for its two clients", () => {
    // Prepare
    const cognito = api().cognito;

    // Assess
    firebreak.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              resolve(cognito?.userPool.userPoolId),
            ],
          ],
        },
        Audience: [
          resolve(cognito?.machineClient.userPoolClientId),
          resolve(cognito?.webClient.userPoolClientId),
        ],
      },
    });
  });

  it('runs the API handler with its environment', () => {
    // Prepare
    const { lifecycle } = synthesized.firebreak;

    // Assess
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      // Under API Gateway's 29 s integration timeout.
      Timeout: 25,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'firebreak-api',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: Match.absent(),
          TABLE_NAME: resolve(synthesized.data.store.table.tableName),
          STATE_MACHINE_ARN: resolve(lifecycle.stateMachine.stateMachineArn),
          TOPIC_ARNS: resolve(stack.toJsonString(synthesized.firebreak.notifications.topicArns)),
          ESCALATION_CONFIG: JSON.stringify(parseFirebreakConfig({}).escalation),
          GROUPING_CONFIG: JSON.stringify(parseFirebreakConfig({}).grouping),
          INCIDENT_URL: INCIDENT_URL,
          SCOPE_PREFIX: 'firebreak/',
        },
      },
    });
  });

  it('lets the API function use the table and its four indexes, named, with exactly the actions it needs', () => {
    // Prepare
    const tableArn = resolve(synthesized.data.store.table.tableArn);

    // Act
    const statements = statementsOfRole(api().function.role?.roleArn);
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));

    // Assess
    expect(dynamo).toHaveLength(2);
    expect(dynamo).toContainEqual(
      expect.objectContaining({
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: tableArn,
      }),
    );
    expect(dynamo).toContainEqual(
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: ['alerts-by-incident', 'by-created', 'by-service', 'open-by-priority'].map((index) => ({
          'Fn::Join': ['', [tableArn, `/index/${index}`]],
        })),
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: resolve(synthesized.data.store.key.keyArn),
      }),
    );
  });

  it('lets the API function start lifecycle and runbook executions, return task tokens and publish notifications', () => {
    // Prepare
    const { lifecycle, notifications, operationsKey, peopleTopic, observability } = synthesized.firebreak;

    // Act
    const statements = statementsOfRole(api().function.role?.roleArn);

    // Assess
    // The runbook run's machine too: POST /incidents/{id}/runbooks launches a bound runbook.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'states:StartExecution',
        Resource: [
          resolve(lifecycle.stateMachine.stateMachineArn),
          resolve(synthesized.firebreak.remediation.stateMachine.stateMachineArn),
        ],
      }),
    );
    // SendTaskFailure rejects a runbook run waiting for approval (SendTaskSuccess approves it).
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
        Resource: '*',
      }),
    );
    const published = statements
      .filter((s) => asArray(s.Action).includes('sns:Publish'))
      .flatMap((s) => asArray(s.Resource));
    // The policy's topics, the people topic (escalating by hand to people on call) and the ops topic (the
    // fallback of a level whose schedule has nobody on call): nothing else.
    const publishedTo = [
      ...Object.values(notifications.topics).map((topic) => resolve(topic.topicArn)),
      resolve(peopleTopic.topic.topicArn),
      resolve(observability.topic.topicArn),
    ];
    expect(published).toEqual(expect.arrayContaining(publishedTo));
    expect(published).toHaveLength(publishedTo.length);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: resolve(operationsKey.key.keyArn),
      }),
    );
  });

  it('alarms on API function errors', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: resolve(api().function.functionName) }],
      AlarmActions: [resolve(synthesized.firebreak.observability.topic.topicArn)],
    });
  });

  it('publishes the API URL, the user pool and its clients', () => {
    // Assess
    const outputs = firebreak.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiUrl?.Value).toEqual(resolve(api().stage.url));
    expect(outputs.UserPoolId?.Value).toEqual(resolve(api().cognito?.userPool.userPoolId));
    expect(outputs.MachineClientId?.Value).toEqual(resolve(api().cognito?.machineClient.userPoolClientId));
    expect(outputs.WebClientId?.Value).toEqual(resolve(api().cognito?.webClient.userPoolClientId));
  });
});

describe('Firebreak: the incident HTTP API with an external OIDC issuer', () => {
  let synthesized: Synthesized;
  let firebreak: Template;

  beforeAll(() => {
    synthesized = synthesize({
      api: { auth: { issuer: ISSUER, audience: AUDIENCE } },
      console: { clientId: 'firebreak-console' },
    });
    firebreak = synthesized.templates.firebreak;
  });
  afterAll(() => synthesized.dispose());

  it('creates no user pool, client, domain, group or trigger, and publishes no user pool outputs', () => {
    // Assess
    for (const type of [
      'UserPool',
      'UserPoolClient',
      'UserPoolDomain',
      'UserPoolResourceServer',
      'UserPoolGroup',
    ]) {
      firebreak.resourceCountIs(`AWS::Cognito::${type}`, 0);
    }
    expect(
      resourcesOfType(firebreak, 'AWS::Lambda::Permission').filter(
        ([, props]) => props.Principal === 'cognito-idp.amazonaws.com',
      ),
    ).toEqual([]);
    expect(synthesized.firebreak.api.cognito).toBeUndefined();
    expect(Object.keys(firebreak.toJSON().Outputs ?? {})).not.toContain('UserPoolId');
    expect(Object.keys(firebreak.toJSON().Outputs ?? {})).toContain('ApiUrl');
  });

  it('trusts the configured issuer for the configured audience', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: ISSUER, Audience: AUDIENCE },
    });
  });

  it('asks for bare scope names and tells the function there is no prefix', () => {
    // Act
    const routes = routesOf(firebreak);

    // Assess
    for (const [key, scopes] of JWT_ROUTES) {
      expect(routes.find((route) => route.RouteKey === key)).toEqual(
        expect.objectContaining({ AuthorizationType: 'JWT', AuthorizationScopes: scopes }),
      );
    }
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'firebreak-api', SCOPE_PREFIX: '' }),
      },
    });
  });

  it('serves CORS to its console alone without configured origins and throttles at 50/s with bursts of 100 by default', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [synthesized.firebreak.resolve(synthesized.firebreak.console.origin)],
      }),
    });
    firebreak.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('passes cdk-nag on the whole app, acknowledging in the API only the integration and ack-link routes and the people topic subscriptions', () => {
    // Prepare: synthesis ran the AwsSolutions checks and wrote their report.
    const report = JSON.parse(readFileSync(join(synthesized.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ violations: unknown[] }>;
    };

    // Act
    const acknowledged = synthesized.firebreak.api.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
        .map((id) => `${construct.node.path}: ${id.replace(/^annotation::/i, '')}`),
    );

    // Assess
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    expect(acknowledged.sort()).toEqual([
      'Firebreak/Api/Function: AwsSolutions-L1',
      'Firebreak/Api/FunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
      'Firebreak/Api/GetAckToken: AwsSolutions-APIG4',
      'Firebreak/Api/PeopleSubscriptionsPolicy: AwsSolutions-IAM5[Resource::<PeopleTopic0F8A0BFC>:*]',
      'Firebreak/Api/PostAckToken: AwsSolutions-APIG4',
      'Firebreak/Api/PostIntegrationsAlertmanager: AwsSolutions-APIG4',
      'Firebreak/Api/PostV2Enqueue: AwsSolutions-APIG4',
      'Firebreak/Api/TaskTokenPolicy: AwsSolutions-IAM5[Resource::*]',
    ]);
  });
});

describe('firebreak.api context', () => {
  it('defaults to the Cognito pool, no CORS, 50/100 throttling and the local callback URL', () => {
    // Act
    const { api } = parseFirebreakConfig({});

    // Assess
    expect(api).toEqual({
      auth: { cognito: true },
      corsOrigins: [],
      throttle: { rateLimit: 50, burstLimit: 100 },
      callbackUrls: ['http://localhost:3000/callback'],
    });
  });

  it.each([
    [
      'an origin with a path',
      { corsOrigins: ['https://dashboard.example.com/app'] },
      'firebreak.api.corsOrigins[0]: must be an http(s) origin',
    ],
    [
      'an origin that is not http(s)',
      { corsOrigins: [DASHBOARD, 'ftp://files.example.com'] },
      'firebreak.api.corsOrigins[1]: must be an http(s) origin',
    ],
    [
      'auth with neither source',
      { auth: {} },
      'firebreak.api.auth: needs cognito: true, or issuer and audience',
    ],
    [
      'auth with both sources',
      { auth: { cognito: true, issuer: ISSUER, audience: AUDIENCE } },
      'firebreak.api.auth: takes either cognito or issuer and audience, not both',
    ],
    [
      'an issuer without audience',
      { auth: { issuer: ISSUER } },
      'firebreak.api.auth.audience: is required with issuer',
    ],
    [
      'an issuer over http',
      { auth: { issuer: 'http://login.example.com', audience: AUDIENCE } },
      'firebreak.api.auth.issuer: must be an https URL',
    ],
    [
      'an empty audience',
      { auth: { issuer: ISSUER, audience: [] } },
      'firebreak.api.auth.audience: must list at least one audience',
    ],
    ['cognito: false', { auth: { cognito: false } }, 'firebreak.api.auth.cognito: must be true'],
    [
      'a zero rate',
      { throttle: { rateLimit: 0 } },
      'firebreak.api.throttle.rateLimit: must be a positive number',
    ],
    [
      'a fractional burst',
      { throttle: { burstLimit: 1.5 } },
      'firebreak.api.throttle.burstLimit: must be a whole number',
    ],
    [
      'a bad callback URL',
      { callbackUrls: ['myapp:/callback'] },
      'firebreak.api.callbackUrls[0]: must be an http(s) URL',
    ],
    ['an unknown key', { cors: [DASHBOARD] }, 'firebreak.api.cors: unknown key'],
  ])('rejects %s with a message naming the key', (_case, api, message) => {
    // Act
    const parse = () => parseFirebreakConfig({ api });

    // Assess
    expect(parse).toThrow(message);
  });
});
