import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONFIG, resourcesOfType, type Synthesized, synthesize } from './support';

/** The ingestion construct's two dead-letter queues. */
const QUEUES = ['deliveryDeadLetterQueue', 'failedInvocationQueue'] as const;

describe('Firebreak: dead-letter queues, ops topic and alarms', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => stack.resolve(token);

  it('has exactly the four dead-letter queues: two of ingestion, one of each failed-execution rule', () => {
    // Assess
    firebreak.resourceCountIs('AWS::SQS::Queue', 4);
  });

  it.each(QUEUES)('encrypts the %s queue with the operations key and keeps messages 14 days', (name) => {
    // Prepare
    const queue = synthesized.firebreak.ingestion[name];

    // Assess
    expect(resolve(queue.queueArn)).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    const logicalId = (resolve(queue.queueArn) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(firebreak.toJSON().Resources[logicalId].Properties).toEqual({
      KmsMasterKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
      MessageRetentionPeriod: 1_209_600,
    });
  });

  it.each(QUEUES)('denies non-TLS access to the %s queue', (name) => {
    // Prepare
    const queue = synthesized.firebreak.ingestion[name];

    // Assess
    firebreak.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [resolve(queue.queueUrl)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets EventBridge rules deliver to the undelivered-events queue, each by its own ARN', () => {
    // Prepare
    const { deliveryDeadLetterQueue, rules } = synthesized.firebreak.ingestion;

    // Assess
    for (const rule of rules) {
      firebreak.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [resolve(deliveryDeadLetterQueue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': resolve(rule.ruleArn) } },
            }),
          ]),
        },
      });
    }
  });

  it('lets EventBridge and CloudWatch use the operations key for this account only', () => {
    // Assess
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      firebreak.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: service },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ]),
        },
      });
    }
  });

  it('publishes to an encrypted firebreak-ops topic over TLS only, with the configured email', () => {
    // Prepare
    const topic = synthesized.firebreak.observability.topic;

    // Assess
    firebreak.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'firebreak-ops',
      KmsMasterKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
    });
    firebreak.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [resolve(topic.topicArn)],
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
    firebreak.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: resolve(topic.topicArn),
    });
  });

  it.each(QUEUES)('alarms on the first message in the %s queue', (name) => {
    // Prepare
    const queue = synthesized.firebreak.ingestion[name];

    // Assess
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: resolve(queue.queueName) }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [resolve(synthesized.firebreak.observability.topic.topicArn)],
    });
  });

  it('alarms on ingest function errors', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [
        { Name: 'FunctionName', Value: resolve(synthesized.firebreak.ingestion.function.functionName) },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [resolve(synthesized.firebreak.observability.topic.topicArn)],
    });
  });

  it('has no alarm without an action', () => {
    // Assess: four queues, five functions (ingest, lifecycle, API, runbooks, review reminders), failed lifecycle executions and
    // failed runbook run executions; and the four SLA-breach alarms, one per priority (lib/dashboard.ts).
    const alarms = resourcesOfType(firebreak, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(15);
    for (const [, alarm] of alarms) expect(alarm.AlarmActions).toHaveLength(1);
  });
});

describe('Firebreak without an alarm email', () => {
  it('subscribes nobody to the ops topic', () => {
    // Prepare / Act
    const synthesized = synthesize({});

    // Assess
    try {
      synthesized.templates.firebreak.resourceCountIs('AWS::SNS::Subscription', 0);
      // The ops topic, the five notification topics of the default escalation policy and the people topic,
      // whose subscriptions the API makes at run time.
      synthesized.templates.firebreak.resourceCountIs('AWS::SNS::Topic', 7);
    } finally {
      synthesized.dispose();
    }
  });
});
