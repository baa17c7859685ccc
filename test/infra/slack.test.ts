import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_SECRET_PLACEHOLDER_KEY, usableSecret } from '#adapters/slack-secrets';
import { SlackConfig } from '#core/slack-config';
import { buildApp } from '../../lib/app';
import {
  appContext,
  asArray,
  FULL_CONFIG,
  identityStatements,
  logicalIdOf,
  type PolicyStatementJson,
  resourcesOfType,
  SLACK,
  type Synthesized,
  synthesize,
} from './support';

const SLACK_PATHS = ['/integrations/slack/commands', '/integrations/slack/actions'];
const FUNCTION_ROLES = [
  'ApiFunctionRole',
  'IngestionFunctionRole',
  'LifecycleFunctionRole',
  'RemediationFunctionRole',
];
const SERVICES = ['firebreak-api', 'firebreak-ingest', 'firebreak-lifecycle', 'firebreak-runbooks'];

/** The variables a function of `service` has, by name. */
function variablesOf(template: Template, service: string): Record<string, unknown> {
  const [, fn] =
    resourcesOfType(template, 'AWS::Lambda::Function').find(
      ([, props]) =>
        (props.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME ===
        service,
    ) ?? [];
  if (!fn) throw new Error(`no function of service ${service}`);
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

const slackVariables = (template: Template, service: string) =>
  Object.fromEntries(
    Object.entries(variablesOf(template, service)).filter(([name]) => name.startsWith('SLACK_')),
  );

type Route = { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown; Target: unknown };
const routesOf = (template: Template): Route[] =>
  resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, props]) => props as unknown as Route);

describe('Slack on: the app’s secrets, who may read them, and the routes Slack calls', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let signingRef: { Ref: string };
  let tokenRef: { Ref: string };
  let operationsKeyArn: unknown;

  /** The function role a policy is attached to, from the policy's Roles. */
  const roleOf = (policyId: string): string => {
    const [, policy] = resourcesOfType(firebreak, 'AWS::IAM::Policy').find(([id]) => id === policyId) ?? [];
    const role = ((policy?.Roles ?? []) as Array<{ Ref: string }>)[0]?.Ref ?? policyId;
    return FUNCTION_ROLES.find((prefix) => role.startsWith(prefix)) ?? role;
  };
  const names = (value: unknown, ref: { Ref: string }) =>
    (JSON.stringify(value) ?? '').includes(JSON.stringify(ref));
  const statementsNaming = (ref: { Ref: string }) =>
    Object.values(synthesized.templates)
      .flatMap((template) => identityStatements(template))
      .filter(({ statement }) => names(statement.Resource, ref) || names(statement.Condition, ref));

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
    const secretNamed = (text: string) => ({
      Ref: logicalIdOf(firebreak, 'AWS::SecretsManager::Secret', (props) =>
        String(props.Description).includes(text),
      ),
    });
    signingRef = secretNamed("Slack app's signing secret");
    tokenRef = secretNamed("Slack app's bot token");
    operationsKeyArn = synthesized.firebreak.resolve(synthesized.firebreak.operationsKey.key.keyArn);
  });
  afterAll(() => synthesized.dispose());

  it('keeps the signing secret and the bot token in two secrets encrypted with the stack’s customer-managed key', () => {
    // Act
    const slackSecrets = resourcesOfType(firebreak, 'AWS::SecretsManager::Secret').filter(([id]) =>
      [signingRef.Ref, tokenRef.Ref].includes(id),
    );

    // Assess
    expect(slackSecrets).toHaveLength(2);
    for (const [, props] of slackSecrets) expect(props.KmsKeyId).toEqual(operationsKeyArn);
    expect(resourcesOfType(firebreak, 'AWS::SecretsManager::ResourcePolicy')).toEqual([]);
    expect(resourcesOfType(firebreak, 'AWS::SecretsManager::RotationSchedule')).toEqual([]);
  });

  it('starts each secret with a placeholder that the functions refuse, saying how to put the real value', () => {
    for (const [kind, ref] of [
      ['signing secret', signingRef],
      ['bot token', tokenRef],
    ] as const) {
      // Prepare: what Secrets Manager holds after the deploy, the template plus the generated field.
      const [, props] =
        resourcesOfType(firebreak, 'AWS::SecretsManager::Secret').find(([id]) => id === ref.Ref) ?? [];
      const generate = props?.GenerateSecretString as {
        SecretStringTemplate: string;
        GenerateStringKey: string;
      };
      const stored = JSON.stringify({
        ...JSON.parse(generate.SecretStringTemplate),
        [generate.GenerateStringKey]: 'x1',
      });
      const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:Slack-Ab12Cd';

      // Act
      const read = () => usableSecret(kind, arn, stored);

      // Assess
      expect(Object.keys(JSON.parse(generate.SecretStringTemplate))).toEqual([SLACK_SECRET_PLACEHOLDER_KEY]);
      expect(read).toThrow(`The Slack ${kind} ${arn} still holds the placeholder the stack created`);
      expect(read).toThrow('aws secretsmanager put-secret-value');
    }
  });

  it('lets only the API function read the signing secret, and decrypt it only through Secrets Manager', () => {
    // Act
    const granted = statementsNaming(signingRef).map(({ where, statement }) => ({
      role: roleOf(where),
      action: statement.Action,
    }));

    // Assess
    expect(granted).toEqual([
      { role: 'ApiFunctionRole', action: 'secretsmanager:GetSecretValue' },
      { role: 'ApiFunctionRole', action: 'kms:Decrypt' },
    ]);
  });

  it('lets the API, lifecycle and runbook functions read the bot token, each decrypting it only through Secrets Manager', () => {
    // Act
    const granted = statementsNaming(tokenRef)
      .map(({ where, statement }) => `${roleOf(where)}: ${asArray(statement.Action).join(', ')}`)
      .sort();

    // Assess
    expect(granted).toEqual([
      'ApiFunctionRole: kms:Decrypt',
      'ApiFunctionRole: secretsmanager:GetSecretValue',
      'LifecycleFunctionRole: kms:Decrypt',
      'LifecycleFunctionRole: secretsmanager:GetSecretValue',
      'RemediationFunctionRole: kms:Decrypt',
      'RemediationFunctionRole: secretsmanager:GetSecretValue',
    ]);
  });

  it('grants exactly GetSecretValue on the named secrets, and Decrypt of the key bound to one secret through Secrets Manager', () => {
    // Prepare
    const decrypts = (ref: { Ref: string }): PolicyStatementJson => ({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: operationsKeyArn,
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
          'kms:EncryptionContext:SecretARN': ref,
        },
      },
    });

    // Act
    const onSlack = [...statementsNaming(signingRef), ...statementsNaming(tokenRef)].map(
      ({ statement }) => statement,
    );

    // Assess
    for (const statement of onSlack) {
      if (statement.Action === 'kms:Decrypt') {
        expect([decrypts(signingRef), decrypts(tokenRef)]).toContainEqual(statement);
      } else {
        // IAM's policy minimizing may merge a function's GetSecretValue statements: each names secrets only.
        expect(statement.Action).toBe('secretsmanager:GetSecretValue');
        for (const resource of asArray(statement.Resource))
          expect(JSON.stringify(resource)).toMatch(/^\{"Ref":"\w+"\}$/);
        expect(statement.Condition).toBeUndefined();
      }
    }
  });

  it('tells the functions that post to Slack the config and the bot token, and only the API the signing secret', () => {
    // Prepare
    const config = JSON.stringify(SlackConfig.parse(SLACK));

    // Assess
    expect(slackVariables(firebreak, 'firebreak-api')).toEqual({
      SLACK_CONFIG: config,
      SLACK_SIGNING_SECRET_ARN: signingRef,
      SLACK_BOT_TOKEN_SECRET_ARN: tokenRef,
    });
    for (const service of ['firebreak-lifecycle', 'firebreak-runbooks']) {
      expect(slackVariables(firebreak, service)).toEqual({
        SLACK_CONFIG: config,
        SLACK_BOT_TOKEN_SECRET_ARN: tokenRef,
      });
    }
    expect(slackVariables(firebreak, 'firebreak-ingest')).toEqual({});
    expect(SlackConfig.parse(JSON.parse(config))).toEqual(JSON.parse(config));
  });

  it('routes POST /integrations/slack/commands and /actions to the API function with no authorizer', () => {
    // Prepare
    const jwtRoute = routesOf(firebreak).find((route) => route.RouteKey === 'GET /incidents');

    // Act
    const slack = routesOf(firebreak).filter((route) => route.RouteKey.includes('/slack/'));

    // Assess
    expect(slack.map((route) => route.RouteKey).sort()).toEqual(
      SLACK_PATHS.map((path) => `POST ${path}`).sort(),
    );
    for (const route of slack) {
      expect(route.AuthorizationType).toBe('NONE');
      expect(route.AuthorizerId).toBeUndefined();
      expect(route.Target).toEqual(jwtRoute?.Target);
    }
  });

  it('outputs the two secret ARNs to put the values in, and the two request URLs for the Slack app', () => {
    // Prepare: the HTTP API's endpoint (https://<id>.execute-api.<region>.<suffix>), then the path.
    const endpoint = synthesized.firebreak.resolve(synthesized.firebreak.api.httpApi.apiEndpoint);
    const url = (path: string) => ({ 'Fn::Join': ['', [endpoint, path]] });

    // Act
    const outputs = firebreak.toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(outputs.SlackSigningSecretArn?.Value).toEqual(signingRef);
    expect(outputs.SlackBotTokenSecretArn?.Value).toEqual(tokenRef);
    expect(outputs.SlackCommandsUrl?.Value).toEqual(url('/integrations/slack/commands'));
    expect(outputs.SlackActionsUrl?.Value).toEqual(url('/integrations/slack/actions'));
  });
});

describe('Slack off (no firebreak.slack)', () => {
  let synthesized: Synthesized;
  let firebreak: Template;

  beforeAll(() => {
    const { slack: _, ...withoutSlack } = FULL_CONFIG;
    synthesized = synthesize(withoutSlack);
    firebreak = synthesized.templates.firebreak;
  });
  afterAll(() => synthesized.dispose());

  it('has no Slack secrets, routes, variables or outputs', () => {
    // Assess
    const secrets = resourcesOfType(firebreak, 'AWS::SecretsManager::Secret');
    expect(secrets.map(([, props]) => props.Description)).toEqual([
      'Firebreak: the key that signs acknowledge links in pages to people',
    ]);
    expect(routesOf(firebreak).filter((route) => route.RouteKey.includes('slack'))).toEqual([]);
    for (const service of SERVICES) expect(slackVariables(firebreak, service)).toEqual({});
    expect(Object.keys(firebreak.toJSON().Outputs ?? {}).filter((name) => name.startsWith('Slack'))).toEqual(
      [],
    );
  });
});

describe('a Slack config too large for a Lambda environment', () => {
  it('stops the build naming firebreak.slack', () => {
    // Prepare: 150 teams of about 30 bytes each, some 4.5 KB of SLACK_CONFIG.
    const channels = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [
        `team-${String(i).padStart(3, '0')}`,
        `C0TEAM${String(i).padStart(5, '0')}`,
      ]),
    );
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-slack-'));

    // Act
    const attempt = () => buildApp({ context: appContext({ slack: { channels } }), outdir });

    // Assess
    try {
      expect(attempt).toThrow(
        /^Invalid CDK context: firebreak\.slack: too large for the \w+ function's environment/,
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
