import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import { REMINDER_CLAIM_LEASE_MINUTES } from '#core/review-reminders';
import { REMINDER_RUN_TIMEOUT, REMINDER_SCHEDULE_MINUTES } from '../../lib/reviews';
import { asArray, type Synthesized, statementsOfRole as statementsOfRoleIn, synthesize } from './support';

const INCIDENT_URL = 'https://firebreak.example.com/#/incidents/{id}';

/** Two policies, each with its own management topic, and topics a reminder never goes to. */
const ESCALATION: EscalationConfig = {
  ...DEFAULT_ESCALATION_CONFIG,
  policies: {
    ...DEFAULT_ESCALATION_CONFIG.policies,
    payments: {
      name: 'payments',
      levels: [{ name: 'payments on-call', delayMinutes: 0, targets: ['payments-primary'] }],
      repeat: 0,
      ackTimeoutMinutes: { P1: 30, P2: 60, P3: 240, P4: 1440 },
      reminderMinutes: {},
      stakeholders: ['payments-stakeholders'],
      management: 'payments-managers',
    },
  },
  routes: [{ team: 'payments', policy: 'payments' }],
};

describe('Firebreak: review reminders', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize({ escalation: ESCALATION, incidentUrl: INCIDENT_URL });
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => stack.resolve(token);
  const reminders = () => synthesized.firebreak.reviews;
  const topicArn = (target: string) => {
    const topic = synthesized.firebreak.notifications.topics[target];
    if (!topic) throw new Error(`no topic ${target}`);
    return resolve(topic.topicArn);
  };

  it('runs the reminder function every 15 minutes from an EventBridge schedule', () => {
    // Assess
    expect(REMINDER_SCHEDULE_MINUTES).toBe(15);
    firebreak.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: resolve(reminders().reminderFunction.functionArn),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
        }),
      ],
    });
    firebreak.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: resolve(reminders().reminderFunction.functionArn),
      Principal: 'events.amazonaws.com',
      SourceArn: resolve(reminders().reminderSchedule.ruleArn),
    });
  });

  it('ends a run well within the claim lease, and leaves a failed run to the next scheduled one', () => {
    // Assess
    expect(REMINDER_RUN_TIMEOUT.toMinutes()).toBeLessThan(REMINDER_CLAIM_LEASE_MINUTES);
    expect(REMINDER_CLAIM_LEASE_MINUTES).toBeLessThan(REMINDER_SCHEDULE_MINUTES);
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Role: resolve(reminders().reminderFunction.role?.roleArn),
      Timeout: REMINDER_RUN_TIMEOUT.toSeconds(),
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    firebreak.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: resolve(reminders().reminderFunction.functionName),
      MaximumRetryAttempts: 0,
    });
  });

  it('gives the function the table, the policies, the management topics only, the people topic and the link', () => {
    // Act
    const [, fn] =
      Object.entries(firebreak.findResources('AWS::Lambda::Function')).find(
        ([, resource]) =>
          JSON.stringify(resource.Properties.Role) ===
          JSON.stringify(resolve(reminders().reminderFunction.role?.roleArn)),
      ) ?? [];
    const variables = fn?.Properties.Environment.Variables as Record<string, unknown>;

    // Assess
    expect(variables.TABLE_NAME).toEqual(resolve(synthesized.data.store.table.tableName));
    expect(JSON.parse(variables.ESCALATION_CONFIG as string)).toEqual(ESCALATION);
    expect(variables.INCIDENT_URL).toBe(INCIDENT_URL);
    expect(variables.PEOPLE_TOPIC_ARN).toEqual(resolve(synthesized.firebreak.peopleTopic.topic.topicArn));
    const management = JSON.stringify(variables.MANAGEMENT_TOPIC_ARNS);
    for (const target of ['management', 'payments-managers'])
      expect(management).toContain(JSON.stringify(topicArn(target)).slice(1, -1));
    for (const target of ['payments-primary', 'payments-stakeholders', 'stakeholders'])
      expect(management).not.toContain(JSON.stringify(topicArn(target)).slice(1, -1));
  });

  it('lets it query by-service only, get, put and update items, use the table key, and publish to the management and people topics only', () => {
    // Act
    const statements = statementsOfRoleIn(firebreak, stack, reminders().reminderFunction.role?.roleArn);
    const tableArn = resolve(synthesized.data.store.table.tableArn);

    // Assess
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [tableArn, '/index/by-service']] },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: tableArn,
      },
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: resolve(synthesized.data.store.key.keyArn),
      }),
    );
    const published = statements
      .filter((s) => asArray(s.Action).includes('sns:Publish'))
      .flatMap((s) => asArray(s.Resource));
    expect(published).toEqual(
      expect.arrayContaining([
        topicArn('management'),
        topicArn('payments-managers'),
        resolve(synthesized.firebreak.peopleTopic.topic.topicArn),
      ]),
    );
    expect(published).toHaveLength(3);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: resolve(synthesized.firebreak.operationsKey.key.keyArn),
      }),
    );
    const actions = statements.flatMap((s) => asArray(s.Action));
    expect(actions.filter((a) => /^(states|secretsmanager|ssm|dynamodb:(Scan|DeleteItem))/.test(a))).toEqual(
      [],
    );
  });

  it('alarms to the ops topic when a run fails', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: resolve(reminders().reminderFunction.functionName) }],
      Threshold: 1,
      AlarmActions: [resolve(synthesized.firebreak.observability.topic.topicArn)],
    });
  });
});
