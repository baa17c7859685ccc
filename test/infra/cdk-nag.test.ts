import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app';
import { appContext, FULL_CONFIG } from './support';

interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{
      ruleName: string;
      severity: string;
      violatingConstructs: Array<{ constructPath: string }>;
    }>;
  }>;
}

/** Every acknowledgement in the app, as `construct path: rule id`. Each one is reviewed here. */
const EXPECTED_ACKNOWLEDGEMENTS = [
  // Rotated by hand (put-secret-value); verification accepts the previous key too.
  'Firebreak/AckKey/Secret: AwsSolutions-SMG4',
  'Firebreak/Api/Function: AwsSolutions-L1',
  'Firebreak/Api/FunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  // The ack-link pages: the signed token in the path is the credential (see NO_AUTHORIZER_REASONS).
  'Firebreak/Api/GetAckToken: AwsSolutions-APIG4',
  // The people topic's subscriptions, `<topic ARN>:*`: their ids exist only once subscribed.
  'Firebreak/Api/PeopleSubscriptionsPolicy: AwsSolutions-IAM5[Resource::<PeopleTopic0F8A0BFC>:*]',
  'Firebreak/Api/PostAckToken: AwsSolutions-APIG4',
  'Firebreak/Api/PostIntegrationsAlertmanager: AwsSolutions-APIG4',
  // The Slack routes (FULL_CONFIG turns Slack on): Slack's signature of the request is the credential.
  'Firebreak/Api/PostIntegrationsSlackActions: AwsSolutions-APIG4',
  'Firebreak/Api/PostIntegrationsSlackCommands: AwsSolutions-APIG4',
  'Firebreak/Api/PostV2Enqueue: AwsSolutions-APIG4',
  // The user pool's pre token generation trigger: a FirebreakFunction, with the same two as every other.
  'Firebreak/Api/PreTokenFunction: AwsSolutions-L1',
  'Firebreak/Api/PreTokenFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Api/TaskTokenPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Api/UserPool: AwsSolutions-COG8',
  // The console: its log bucket logs nowhere else; no geo restriction or WAF for static files; at its
  // cloudfront.net name CloudFront's default certificate, whose TLS policy cannot be set.
  'Firebreak/Console/AccessLogs: AwsSolutions-S1',
  'Firebreak/Console/Distribution: AwsSolutions-CFR1',
  'Firebreak/Console/Distribution: AwsSolutions-CFR2',
  'Firebreak/Console/Distribution: AwsSolutions-CFR4',
  // Copying the console files at deploy: its files by prefix, the staged archives in the bootstrap bucket.
  'Firebreak/Console/Upload/Policy: AwsSolutions-IAM5[Resource::<ConsoleFiles2D43986C.Arn>/console/*]',
  'Firebreak/Console/Upload/Policy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
  // CDK's BucketDeployment function: its runtime is CDK's.
  'Firebreak/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C: AwsSolutions-L1',
  'Firebreak/Ingestion/FailedInvocations: AwsSolutions-SQS3',
  'Firebreak/Ingestion/Function: AwsSolutions-L1',
  'Firebreak/Ingestion/FunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Ingestion/TaskTokenPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Ingestion/UndeliveredEvents: AwsSolutions-SQS3',
  'Firebreak/Lifecycle/Function: AwsSolutions-L1',
  'Firebreak/Lifecycle/FunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Lifecycle/StateMachine/Role/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Lifecycle/UndeliveredFailures: AwsSolutions-SQS3',
  // The automation role's permissions for each bound document (FULL_CONFIG binds AWS-RestartEC2Instance,
  // Firebreak-Diagnose and Firebreak-RestartEC2Instance): EC2 Describe* exist on * only, and each document acts
  // on the instance, service, DB or function its binding fills from the alert, known only when it fires.
  'Firebreak/Remediation/AWS-RestartEC2InstancePermissions: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/AWS-RestartEC2InstancePermissions: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
  // StartAutomationExecution on any version of a document bound at $DEFAULT (Firebreak-RestartEC2Instance is
  // pinned to 1, so it is not here); GetAutomationExecution on executions, whose ids exist only once started.
  'Firebreak/Remediation/AutomationPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>::automation-definition/AWS-RestartEC2Instance:*]',
  'Firebreak/Remediation/AutomationPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-definition/Firebreak-Diagnose:*]',
  'Firebreak/Remediation/AutomationPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*]',
  // cloudtrail:LookupEvents exists on * only; DescribeStackEvents on the stack an alert names.
  'Firebreak/Remediation/ChangesPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/ChangesPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/*/*]',
  'Firebreak/Remediation/Firebreak-DiagnosePermissions: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/Firebreak-DiagnosePermissions: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/*]',
  'Firebreak/Remediation/Firebreak-DiagnosePermissions: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*]',
  'Firebreak/Remediation/Firebreak-DiagnosePermissions: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*]',
  'Firebreak/Remediation/Firebreak-RestartEC2InstancePermissions: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/Firebreak-RestartEC2InstancePermissions: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
  // The same three as every function and state machine (nodejs22.x, X-Ray and log delivery on *), the
  // lifecycle's task token, and the dead-letter queue of the failed-run rule.
  'Firebreak/Remediation/Function: AwsSolutions-L1',
  'Firebreak/Remediation/FunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/StateMachine/Role/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/TaskTokenPolicy: AwsSolutions-IAM5[Resource::*]',
  'Firebreak/Remediation/UndeliveredFailures: AwsSolutions-SQS3',
  // The review reminder function: the same two as every function (nodejs22.x, X-Ray on *).
  'Firebreak/Reviews/ReminderFunction: AwsSolutions-L1',
  'Firebreak/Reviews/ReminderFunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
  // Slack makes both values (regenerate, reinstall); the operator puts them, the functions re-read them.
  'Firebreak/Slack/BotToken: AwsSolutions-SMG4',
  'Firebreak/Slack/SigningSecret: AwsSolutions-SMG4',
  'FirebreakForwarder/UndeliveredEvents: AwsSolutions-SQS3',
];

describe('cdk-nag AwsSolutions on the whole app', () => {
  let outdir: string;
  const context = appContext(FULL_CONFIG);
  const readReport = (): ValidationReport | undefined => {
    const file = join(outdir, 'validation-report.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ValidationReport) : undefined;
  };

  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'firebreak-nag-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes all three stacks with no unacknowledged finding', () => {
    // Prepare
    const { app } = buildApp({ context, outdir });

    // Act
    const assembly = app.synth();

    // Assess
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'Firebreak',
      'FirebreakData',
      'FirebreakForwarder',
    ]);
    const violations = (readReport()?.pluginReports ?? []).flatMap((report) => report.violations);
    expect(violations).toEqual([]);
  });

  it('really checks: an unencrypted queue without TLS fails synthesis and is named in the report', () => {
    // Prepare
    const { app, firebreak } = buildApp({ context, outdir });
    new Queue(firebreak, 'Careless');

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(expect.objectContaining({ name: 'ValidationFailed' }));
    const violations = (readReport()?.pluginReports ?? []).flatMap((report) => report.violations);
    expect(violations).toContainEqual(
      expect.objectContaining({
        ruleName: 'AwsSolutions-SQS4',
        severity: 'error',
        violatingConstructs: [expect.objectContaining({ constructPath: 'Firebreak/Careless/Resource' })],
      }),
    );
  });

  it('acknowledges only the reviewed findings, each on its own construct with a reason', () => {
    // Prepare
    const { app } = buildApp({ context, outdir });

    // Act
    const acknowledged = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([id, reason]) => ({
          at: `${construct.node.path}: ${id.replace(/^annotation::/i, '')}`,
          reason,
        })),
    );

    // Assess
    expect(acknowledged.map(({ at }) => at).sort()).toEqual(EXPECTED_ACKNOWLEDGEMENTS);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
  });
});
