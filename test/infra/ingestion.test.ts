import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import {
  FULL_CONFIG,
  outputPublishing,
  resourcesOfType,
  SOURCES,
  type Synthesized,
  synthesize,
} from './support';

describe('Firebreak: ingestion', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  /** What the template says for a token of this stack, e.g. `{ 'Fn::GetAtt': [id, 'Arn'] }`. */
  const resolve = (token: unknown): unknown => stack.resolve(token);

  describe.each([
    ['the default bus', () => Match.absent()],
    ['the central bus', () => resolve(synthesized.firebreak.centralBus?.bus.eventBusName)],
  ])('rules on %s', (_bus, busName) => {
    it.each(SOURCES)(
      'send %s "%s" events to the ingest function with retries and a DLQ',
      (source, detail) => {
        // Prepare
        const { function: fn, deliveryDeadLetterQueue } = synthesized.firebreak.ingestion;

        // Assess
        firebreak.hasResourceProperties('AWS::Events::Rule', {
          EventBusName: busName(),
          EventPattern: { source: [source], 'detail-type': [detail] },
          State: 'ENABLED',
          Targets: [
            {
              Id: Match.anyValue(),
              Arn: resolve(fn.functionArn),
              RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
              DeadLetterConfig: { Arn: resolve(deliveryDeadLetterQueue.queueArn) },
            },
          ],
        });
      },
    );
  });

  it('has one rule per source and bus, each allowed to invoke the function', () => {
    // Assess: eight ingest rules, plus the failed-execution rules of the lifecycle and the runbook run (which
    // target the ops topic) and the review reminders' schedule.
    firebreak.resourceCountIs('AWS::Events::Rule', 11);
    const ingestPermissions = resourcesOfType(firebreak, 'AWS::Lambda::Permission').filter(
      ([, props]) =>
        JSON.stringify(props.FunctionName) ===
        JSON.stringify(resolve(synthesized.firebreak.ingestion.function.functionArn)),
    );
    expect(ingestPermissions).toHaveLength(8);
    firebreak.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: resolve(synthesized.firebreak.ingestion.function.functionArn),
    });
  });

  it('runs the ingest handler on Node 22, ARM64, traced, with Firebreak defaults', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          TABLE_NAME: Match.anyValue(),
          GROUPING_CONFIG: JSON.stringify(DEFAULT_GROUPING_CONFIG),
          POWERTOOLS_SERVICE_NAME: 'firebreak-ingest',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: Match.absent(),
        },
      },
    });
  });

  it('names the FirebreakData table in TABLE_NAME', () => {
    // Prepare
    const { data } = synthesized;
    const ingestRole = resolve(synthesized.firebreak.ingestion.function.role?.roleArn);
    const [[, fn]] = resourcesOfType(firebreak, 'AWS::Lambda::Function').filter(
      ([, props]) => JSON.stringify(props.Role) === JSON.stringify(ingestRole),
    ) as [[string, { Environment: { Variables: { TABLE_NAME: unknown } } }]];

    // Act: the cross-stack reference reads the FirebreakData output that publishes the table's name.
    const output = outputPublishing(synthesized.templates.data, data.resolve(data.store.table.tableName));

    // Assess
    expect(JSON.stringify(fn.Environment.Variables.TABLE_NAME)).toContain(output);
  });

  it('sends invocations that failed after two async retries within an hour to the failure queue', () => {
    // Prepare
    const { function: fn, failedInvocationQueue } = synthesized.firebreak.ingestion;

    // Assess
    firebreak.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: resolve(fn.functionName),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: resolve(failedInvocationQueue.queueArn) } },
    });
  });

  it('logs to its own log group, kept for the configured days and encrypted with the operations key', () => {
    // Prepare
    const fn = synthesized.firebreak.ingestion.function;

    // Assess
    firebreak.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 90,
      KmsKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
    });
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: resolve(fn.logGroup.logGroupName) },
    });
  });

  it('uses an explicit role without managed policies', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });
});
