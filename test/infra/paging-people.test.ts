import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACK_KEY_LENGTH } from '../../lib/ack-key';
import { parseFirebreakConfig } from '../../lib/config';
import { PEOPLE_TOPIC_NAME } from '../../lib/people-topic';
import {
  asArray,
  dependencyCycle,
  FULL_CONFIG,
  identityStatements,
  logicalIdOf,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './support';

/** The role a statement's policy belongs to, by the logical id prefix of the function it runs. */
const FUNCTION_ROLES = [
  'ApiFunctionRole',
  'IngestionFunctionRole',
  'LifecycleFunctionRole',
  'RemediationFunctionRole',
  'ReviewsReminderFunctionRole',
];

describe('paging people: the people topic and the ack-link key', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let topicRef: { Ref: string };
  let secretRef: { Ref: string };
  /** The Slack app's secrets (FULL_CONFIG turns Slack on): test/infra/slack.test.ts checks their grants. */
  let slackSecretRefs: string[];
  let operationsKeyArn: unknown;

  /** The function role a policy is attached to, from the policy's Roles. */
  const roleOf = (policyId: string): string => {
    const [, policy] = resourcesOfType(firebreak, 'AWS::IAM::Policy').find(([id]) => id === policyId) ?? [];
    const role = ((policy?.Roles ?? []) as Array<{ Ref: string }>)[0]?.Ref ?? policyId;
    return FUNCTION_ROLES.find((prefix) => role.startsWith(prefix)) ?? role;
  };
  const mentions = (value: unknown, ref: { Ref: string }) =>
    (JSON.stringify(value) ?? '').includes(JSON.stringify(ref));

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
    topicRef = {
      Ref: logicalIdOf(firebreak, 'AWS::SNS::Topic', (props) => props.TopicName === PEOPLE_TOPIC_NAME),
    };
    secretRef = {
      Ref: logicalIdOf(firebreak, 'AWS::SecretsManager::Secret', (props) =>
        String(props.Description).includes('acknowledge links'),
      ),
    };
    slackSecretRefs = resourcesOfType(firebreak, 'AWS::SecretsManager::Secret')
      .filter(([, props]) => String(props.Description).includes('Slack'))
      .map(([id]) => JSON.stringify({ Ref: id }));
    operationsKeyArn = synthesized.firebreak.resolve(synthesized.firebreak.operationsKey.key.keyArn);
  });
  afterAll(() => synthesized.dispose());

  it('has one people topic, encrypted with the operations key like the other topics, TLS only', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: PEOPLE_TOPIC_NAME,
      KmsMasterKeyId: operationsKeyArn,
    });
    firebreak.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets only the API manage subscriptions, and only those of the people topic', () => {
    // Act
    const subscribing = identityStatements(firebreak).filter(({ statement }) =>
      asArray(statement.Action).some((action) => /Subscribe|Unsubscribe|SubscriptionAttributes/.test(action)),
    );

    // Assess
    expect(subscribing.map(({ where, statement }) => ({ where, statement }))).toEqual([
      {
        where: expect.stringMatching(/^ApiPeopleSubscriptionsPolicy/),
        statement: {
          Effect: 'Allow',
          Action: ['sns:GetSubscriptionAttributes', 'sns:Subscribe', 'sns:Unsubscribe'],
          Resource: [{ 'Fn::Join': ['', [topicRef, ':*']] }, topicRef],
        },
      },
    ]);
    firebreak.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^ApiPeopleSubscriptionsPolicy'),
      Roles: [{ Ref: Match.stringLikeRegexp('^ApiFunctionRole') }],
    });
  });

  it('lets only the functions that page publish to the people topic, with the key use publishers need', () => {
    // Act: every statement naming the people topic, by the function role it is attached to.
    const onTopic = identityStatements(firebreak)
      .filter(({ statement }) => mentions(statement.Resource, topicRef))
      .map(({ where, statement }) => ({ role: roleOf(where), actions: asArray(statement.Action).sort() }))
      .sort((a, b) => a.role.localeCompare(b.role));

    // Assess: no other action rides on a statement naming the topic.
    expect(onTopic).toEqual([
      // Escalating by hand pages the people on call.
      { role: 'ApiFunctionRole', actions: ['sns:Publish'] },
      {
        role: 'ApiFunctionRole',
        actions: ['sns:GetSubscriptionAttributes', 'sns:Subscribe', 'sns:Unsubscribe'],
      },
      { role: 'LifecycleFunctionRole', actions: ['sns:Publish'] },
      { role: 'RemediationFunctionRole', actions: ['sns:Publish'] },
      // Reminders of overdue reviews and action items go to their owners as people.
      { role: 'ReviewsReminderFunctionRole', actions: ['sns:Publish'] },
    ]);
    for (const role of [
      'ApiFunctionRole',
      'LifecycleFunctionRole',
      'RemediationFunctionRole',
      'ReviewsReminderFunctionRole',
    ]) {
      const keyUse = identityStatements(firebreak).filter(
        ({ where, statement }) =>
          roleOf(where) === role &&
          JSON.stringify(statement.Resource) === JSON.stringify(operationsKeyArn) &&
          statement.Condition === undefined,
      );
      expect(keyUse.flatMap(({ statement }) => asArray(statement.Action))).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']),
      );
    }
  });

  it('keeps the ack-link key in a Secrets Manager secret of 64 generated letters and digits, encrypted with the operations key', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: operationsKeyArn,
      GenerateSecretString: { PasswordLength: ACK_KEY_LENGTH, ExcludePunctuation: true },
    });
    expect(ACK_KEY_LENGTH).toBe(64);
    expect(resourcesOfType(firebreak, 'AWS::SecretsManager::ResourcePolicy')).toEqual([]);
  });

  it('lets only the lifecycle and API functions read the key, and decrypt it only through Secrets Manager', () => {
    // Act: every statement in any stack that grants a Secrets Manager action or names the secret, with the
    // Slack secrets a statement may also name (IAM's policy minimizing merges GetSecretValue statements) left out.
    const all = Object.values(synthesized.templates).flatMap((template) => identityStatements(template));
    const notSlack = (resource: unknown) => !slackSecretRefs.includes(JSON.stringify(resource));
    const secretsManager = all
      .map(({ where, statement }) => ({
        where,
        statement: { ...statement, Resource: asArray(statement.Resource).filter(notSlack) },
      }))
      .filter(
        ({ statement }) =>
          (asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')) &&
            statement.Resource.length > 0) ||
          mentions(statement.Resource, secretRef),
      );
    const decrypting = identityStatements(firebreak).filter(({ statement }) =>
      mentions(statement.Condition, secretRef),
    );

    // Assess
    expect(
      secretsManager
        .map(({ where, statement }) => ({
          role: roleOf(where),
          action: statement.Action,
          resource: statement.Resource,
        }))
        .sort((a, b) => a.role.localeCompare(b.role)),
    ).toEqual([
      { role: 'ApiFunctionRole', action: 'secretsmanager:GetSecretValue', resource: [secretRef] },
      { role: 'LifecycleFunctionRole', action: 'secretsmanager:GetSecretValue', resource: [secretRef] },
    ]);
    expect(decrypting.map(({ where }) => roleOf(where)).sort()).toEqual([
      'ApiFunctionRole',
      'LifecycleFunctionRole',
    ]);
    for (const { statement } of decrypting) {
      expect(statement).toEqual({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: operationsKeyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
            'kms:EncryptionContext:SecretARN': secretRef,
          },
        },
      });
    }
  });

  it('tells each function what it needs: the topic, the key and where ack links point', () => {
    // Prepare
    const api = synthesized.firebreak.api;
    const variables = (serviceName: string) => {
      const [, fn] =
        resourcesOfType(firebreak, 'AWS::Lambda::Function').find(
          ([, props]) =>
            (props.Environment as { Variables: Record<string, unknown> }).Variables
              .POWERTOOLS_SERVICE_NAME === serviceName,
        ) ?? [];
      if (!fn) throw new Error(`no function of service ${serviceName}`);
      const all = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      return Object.fromEntries(
        ['PEOPLE_TOPIC_ARN', 'ACK_KEY_SECRET_ARN', 'ACK_LINK_BASE_URL']
          .filter((name) => name in all)
          .map((name) => [name, all[name]]),
      );
    };

    // Assess
    expect(variables('firebreak-lifecycle')).toEqual({
      PEOPLE_TOPIC_ARN: topicRef,
      ACK_KEY_SECRET_ARN: secretRef,
      ACK_LINK_BASE_URL: synthesized.firebreak.resolve(api.httpApi.apiEndpoint),
    });
    expect(variables('firebreak-api')).toEqual({ PEOPLE_TOPIC_ARN: topicRef, ACK_KEY_SECRET_ARN: secretRef });
    expect(variables('firebreak-runbooks')).toEqual({ PEOPLE_TOPIC_ARN: topicRef });
    expect(variables('firebreak-ingest')).toEqual({});
  });

  it('has no dependency cycle although the lifecycle names the API that starts its executions', () => {
    // Assess
    expect(dependencyCycle(firebreak)).toBeUndefined();
  });
});

describe('the people topic’s name', () => {
  it('is reserved: no escalation target may be called people', () => {
    // Act
    const parse = () =>
      parseFirebreakConfig({
        escalation: {
          policies: {
            default: {
              name: 'default',
              levels: [{ name: 'first', delayMinutes: 0, targets: ['people'] }],
              repeat: 0,
              ackTimeoutMinutes: { P1: 15, P2: 30, P3: 60, P4: 120 },
              reminderMinutes: {},
              stakeholders: [],
              management: 'management',
            },
          },
          routes: [],
          defaultPolicy: 'default',
        },
      });

    // Assess
    expect(parse).toThrow('firebreak.escalation.policies.default.levels[0].targets[0]: "people" is reserved');
  });
});
