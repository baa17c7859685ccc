import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asArray,
  CENTRAL_BUS_ARN,
  FULL_CONFIG,
  identityStatements,
  SOURCES,
  type Synthesized,
  synthesize,
} from './support';

describe('FirebreakForwarder: member account to central bus', () => {
  let synthesized: Synthesized;
  let forwarder: Template;

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    forwarder = synthesized.templates.forwarder as Template;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => synthesized.forwarder?.resolve(token);

  it.each(SOURCES)('forwards %s "%s" events from the default bus to the central bus', (source, detail) => {
    // Prepare
    const stack = synthesized.forwarder;

    // Assess
    forwarder.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: { source: [source], 'detail-type': [detail] },
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: CENTRAL_BUS_ARN,
          RoleArn: resolve(stack?.role.roleArn),
          DeadLetterConfig: { Arn: resolve(stack?.deadLetterQueue.queueArn) },
        },
      ],
    });
  });

  it('has only the four forwarding rules', () => {
    // Assess
    forwarder.resourceCountIs('AWS::Events::Rule', 4);
  });

  it('forwards with a role EventBridge assumes, allowed events:PutEvents on the central bus only', () => {
    // Prepare
    const statements = identityStatements(forwarder);

    // Assess
    forwarder.resourceCountIs('AWS::IAM::Role', 1);
    forwarder.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })],
      },
    });
    expect(statements.map(({ statement }) => statement)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: CENTRAL_BUS_ARN },
    ]);
    expect(asArray(statements[0]?.statement.Resource)).not.toContain('*');
  });

  it('keeps undelivered events in a KMS-encrypted, TLS-only queue for 14 days', () => {
    // Prepare
    const queue = synthesized.forwarder?.deadLetterQueue;

    // Assess
    forwarder.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }),
      MessageRetentionPeriod: 1_209_600,
    });
    forwarder.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [resolve(queue?.queueUrl)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
    forwarder.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });
});
