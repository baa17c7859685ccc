import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import { parseFirebreakConfig } from '../../lib/config';
import { Notifications, notificationTargets } from '../../lib/notifications';
import { asArray, identityStatements, resourcesOfType } from './support';

/** Two policies sharing one target (`platform-lead`), routed by team. */
const TWO_POLICIES: EscalationConfig = {
  policies: {
    payments: {
      name: 'payments',
      levels: [
        { name: 'on-call', delayMinutes: 0, targets: ['payments-on-call'] },
        { name: 'lead', delayMinutes: 10, targets: ['platform-lead', 'payments-lead'] },
      ],
      repeat: 0,
      ackTimeoutMinutes: { P1: 15, P2: 30, P3: 120, P4: 720 },
      reminderMinutes: { P1: 20 },
      stakeholders: ['payments-stakeholders'],
      management: 'cto',
    },
    platform: {
      name: 'platform',
      levels: [{ name: 'on-call', delayMinutes: 0, targets: ['platform-on-call'] }],
      repeat: 2,
      ackTimeoutMinutes: { P1: 30, P2: 60, P3: 240, P4: 1440 },
      reminderMinutes: {},
      stakeholders: ['platform-lead'],
      management: 'cto',
    },
  },
  routes: [{ team: 'payments', policy: 'payments' }],
  defaultPolicy: 'platform',
};

/** The Notifications construct alone, in a stack of its own: no synthesis of the whole app is needed. */
function build(escalation: EscalationConfig) {
  const stack = new Stack(new App(), 'Test');
  const key = new Key(stack, 'Key');
  const notifications = new Notifications(stack, 'Notifications', { escalation, encryptionKey: key });
  const publisher = new Role(stack, 'Publisher', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  notifications.grantPublish(publisher);
  return { stack, key, notifications, template: Template.fromStack(stack) };
}

describe('notification topics', () => {
  it.each([
    [
      'the default policy',
      DEFAULT_ESCALATION_CONFIG,
      ['engineering-manager', 'management', 'primary-on-call', 'secondary-on-call', 'stakeholders'],
    ],
    [
      'two policies sharing targets',
      TWO_POLICIES,
      [
        'cto',
        'payments-lead',
        'payments-on-call',
        'payments-stakeholders',
        'platform-lead',
        'platform-on-call',
      ],
    ],
  ])('gives %s one topic per distinct target, named firebreak-<target>', (_case, escalation, targets) => {
    // Act
    const { template, notifications } = build(escalation);

    // Assess
    expect(notificationTargets(escalation).sort()).toEqual(targets);
    const names = resourcesOfType(template, 'AWS::SNS::Topic').map(([, topic]) => topic.TopicName);
    expect(names.sort()).toEqual(targets.map((target) => `firebreak-${target}`));
    expect(Object.keys(notifications.topicArns).sort()).toEqual(targets);
  });

  it('encrypts every topic with the given customer-managed key', () => {
    // Prepare
    const { template, stack, key } = build(TWO_POLICIES);

    // Assess
    for (const [, topic] of resourcesOfType(template, 'AWS::SNS::Topic')) {
      expect(topic.KmsMasterKeyId).toEqual(stack.resolve(key.keyArn));
    }
  });

  it('denies publishing to every topic without TLS', () => {
    // Prepare
    const { template, stack, notifications } = build(TWO_POLICIES);

    // Assess
    for (const topic of Object.values(notifications.topics)) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [stack.resolve(topic.topicArn)],
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
    }
  });

  it('grants a publisher sns:Publish on exactly these topics and GenerateDataKey/Decrypt on the key', () => {
    // Prepare
    const { template, stack, key, notifications } = build(TWO_POLICIES);

    // Act
    const statements = identityStatements(template).map(({ statement }) => statement);

    // Assess
    expect(statements).toHaveLength(2);
    const [publish, kms] = statements;
    expect(publish?.Action).toBe('sns:Publish');
    expect(asArray(publish?.Resource)).toHaveLength(6);
    expect(asArray(publish?.Resource)).toEqual(
      expect.arrayContaining(Object.values(notifications.topicArns).map((arn) => stack.resolve(arn))),
    );
    expect(asArray(kms?.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms?.Resource).toEqual(stack.resolve(key.keyArn));
  });
});

describe('escalation and incidentUrl context', () => {
  it('defaults to the three-level policy and no incident link', () => {
    // Act
    const config = parseFirebreakConfig({});

    // Assess
    expect(config.escalation).toEqual(DEFAULT_ESCALATION_CONFIG);
    expect(config.incidentUrl).toBeUndefined();
  });

  it('accepts a custom escalation config and an incident link template', () => {
    // Act
    const config = parseFirebreakConfig({
      escalation: TWO_POLICIES,
      incidentUrl: 'https://firebreak.example.com/incidents/{id}',
    });

    // Assess
    expect(config.escalation).toEqual(TWO_POLICIES);
    expect(config.incidentUrl).toBe('https://firebreak.example.com/incidents/{id}');
  });

  it.each([
    [
      'a route to an unknown policy',
      { escalation: { ...TWO_POLICIES, routes: [{ team: 'payments', policy: 'nope' }] } },
      'firebreak.escalation.routes[0].policy: no policy named "nope"',
    ],
    [
      'a level without targets',
      {
        escalation: {
          ...DEFAULT_ESCALATION_CONFIG,
          policies: {
            default: {
              ...DEFAULT_ESCALATION_CONFIG.policies.default,
              levels: [{ name: 'primary', delayMinutes: 0, targets: [] }],
            },
          },
        },
      },
      'firebreak.escalation.policies.default.levels[0].targets: must name at least one target',
    ],
    [
      'a target that is no topic name',
      {
        escalation: {
          ...DEFAULT_ESCALATION_CONFIG,
          policies: { default: { ...DEFAULT_ESCALATION_CONFIG.policies.default, management: 'the boss' } },
        },
      },
      'firebreak.escalation.policies.default.management: must be 1-64 letters, digits',
    ],
    [
      "a target that would take the ops topic's name",
      {
        escalation: {
          ...DEFAULT_ESCALATION_CONFIG,
          policies: { default: { ...DEFAULT_ESCALATION_CONFIG.policies.default, stakeholders: ['ops'] } },
        },
      },
      'firebreak.escalation.policies.default.stakeholders[0]: "ops" is reserved',
    ],
    [
      'a missing default policy',
      { escalation: { policies: {}, routes: [] } },
      'firebreak.escalation.defaultPolicy: is required',
    ],
    [
      'an unknown escalation key',
      { escalation: { ...DEFAULT_ESCALATION_CONFIG, repeat: 2 } },
      'firebreak.escalation.repeat: unknown key',
    ],
    [
      'an incident link without {id}',
      { incidentUrl: 'https://firebreak.example.com/incidents/' },
      'firebreak.incidentUrl: must contain {id}',
    ],
    [
      'an incident link that is not http(s)',
      { incidentUrl: 'ftp://firebreak.example.com/{id}' },
      'firebreak.incidentUrl: must be an http(s) URL',
    ],
  ])('rejects %s, naming the key', (_case, raw, message) => {
    // Act
    const parse = () => parseFirebreakConfig(raw);

    // Assess
    expect(parse).toThrow(message);
  });
});
