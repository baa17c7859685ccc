import { CloudFormationClient, DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SsmAutomation } from '#adapters/automation';
import { AwsChangeFinder, MAX_CHANGES } from '#adapters/change-finder';
import { RunbookWorkflow } from '#adapters/runbook-workflow';

const cloudtrail = mockClient(CloudTrailClient);
const cloudformation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);

afterEach(() => {
  cloudtrail.reset();
  cloudformation.reset();
  ssm.reset();
  sfn.reset();
});

const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const FROM = new Date('2026-11-27T07:00:00.000Z');
const TO = new Date('2026-11-27T10:00:00.000Z');
const finder = () =>
  new AwsChangeFinder(
    new CloudTrailClient({ region: 'us-east-1' }),
    new CloudFormationClient({ region: 'us-east-1' }),
  );

describe('AwsChangeFinder', () => {
  it('looks up each resource (at most five) and the stack in CloudTrail, 50 events each, in the window', async () => {
    // Prepare
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

    // Act
    await finder().find({
      resources: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'],
      service: 'web',
      stackName: 'web-stack',
      from: FROM,
      to: TO,
    });

    // Assess
    expect(cloudtrail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input)).toEqual(
      ['r1', 'r2', 'r3', 'r4', 'r5'].map((resource) => ({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: resource }],
        StartTime: FROM,
        EndTime: TO,
        MaxResults: 50,
      })),
    );
    expect(cloudformation.commandCalls(DescribeStackEventsCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: 'web-stack' },
    ]);
  });

  it('leaves out read-only calls and repeats, keeps the stack operations, newest first', async () => {
    // Prepare
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: [
        {
          EventId: 'e1',
          EventName: 'RebootInstances',
          ReadOnly: 'false',
          EventTime: new Date('2026-11-27T09:40:00Z'),
          Username: 'bob',
        },
        {
          EventId: 'e2',
          EventName: 'DescribeInstances',
          ReadOnly: 'true',
          EventTime: new Date('2026-11-27T09:41:00Z'),
          Username: 'bob',
        },
        {
          EventId: 'e3',
          EventName: 'UpdateService',
          ReadOnly: 'false',
          EventTime: new Date('2026-11-27T09:30:00Z'),
          CloudTrailEvent: JSON.stringify({
            userIdentity: { arn: 'arn:aws:sts::1:assumed-role/deployer/pipeline' },
          }),
        },
      ],
    });
    cloudformation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: 's',
          EventId: 'c1',
          StackName: 'web',
          LogicalResourceId: 'web',
          ResourceType: 'AWS::CloudFormation::Stack',
          ResourceStatus: 'UPDATE_COMPLETE',
          Timestamp: new Date('2026-11-27T09:50:00Z'),
        },
        {
          StackId: 's',
          EventId: 'c2',
          StackName: 'web',
          LogicalResourceId: 'Service',
          ResourceType: 'AWS::ECS::Service',
          ResourceStatus: 'UPDATE_IN_PROGRESS',
          Timestamp: new Date('2026-11-27T09:49:00Z'),
        },
        {
          StackId: 's',
          EventId: 'c3',
          StackName: 'web',
          LogicalResourceId: 'Queue',
          ResourceType: 'AWS::SQS::Queue',
          ResourceStatus: 'UPDATE_FAILED',
          Timestamp: new Date('2026-11-27T09:48:00Z'),
        },
        {
          StackId: 's',
          EventId: 'c0',
          StackName: 'web',
          LogicalResourceId: 'web',
          ResourceType: 'AWS::CloudFormation::Stack',
          ResourceStatus: 'CREATE_COMPLETE',
          Timestamp: new Date('2026-11-20T09:00:00Z'),
        },
      ],
    });

    // Act
    const changes = await finder().find({
      resources: ['i-1', 'i-2'],
      service: 'web',
      stackName: 'web',
      from: FROM,
      to: TO,
    });

    // Assess
    expect(changes.map((c) => [c.at, c.source, c.what, c.actor, c.resource])).toEqual([
      ['2026-11-27T09:50:00.000Z', 'cloudformation', 'UPDATE_COMPLETE', 'CloudFormation', 'web'],
      ['2026-11-27T09:48:00.000Z', 'cloudformation', 'Queue UPDATE_FAILED', 'CloudFormation', 'web'],
      ['2026-11-27T09:40:00.000Z', 'cloudtrail', 'RebootInstances', 'bob', 'i-1'],
      [
        '2026-11-27T09:30:00.000Z',
        'cloudtrail',
        'UpdateService',
        'arn:aws:sts::1:assumed-role/deployer/pipeline',
        'i-1',
      ],
    ]);
  });

  it('finds none for a stack that does not exist, and at most twenty in all', async () => {
    // Prepare
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: Array.from({ length: 30 }, (_, i) => ({
        EventId: `e${i}`,
        EventName: 'PutParameter',
        ReadOnly: 'false',
        EventTime: new Date(Date.parse('2026-11-27T09:00:00Z') + i * 60_000),
        Username: 'ci',
      })),
    });
    cloudformation
      .on(DescribeStackEventsCommand)
      .rejects(named('ValidationError', 'Stack with id web does not exist'));

    // Act
    const changes = await finder().find({
      resources: ['p'],
      service: 'web',
      stackName: 'web',
      from: FROM,
      to: TO,
    });

    // Assess
    expect(changes).toHaveLength(MAX_CHANGES);
    expect(changes[0]?.at).toBe('2026-11-27T09:29:00.000Z');
  });

  it('lets other failures through (the step retries a throttle, records the rest)', async () => {
    cloudtrail.on(LookupEventsCommand).rejects(named('ThrottlingException', 'Rate exceeded'));
    await expect(
      finder().find({ resources: ['p'], service: 'web', from: FROM, to: TO }),
    ).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });
});

describe('SsmAutomation', () => {
  const automation = () => new SsmAutomation(new SSMClient({ region: 'us-east-1' }));

  it('starts the pinned document with its parameters and ClientToken', async () => {
    // Prepare
    ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-1' });

    // Act
    const started = await automation().start({
      documentName: 'AWS-RestartEC2Instance',
      documentVersion: '1',
      parameters: { InstanceId: ['i-0abc'] },
      clientToken: '00000000-0000-5000-8000-000000000000',
      incidentId: 'INC-20261127-0001',
      runId: 'restart-web-0123456789',
      binding: 'restart-web',
    });

    // Assess
    expect(started).toEqual({ automationId: 'auto-1' });
    expect(ssm.commandCalls(StartAutomationExecutionCommand)[0]?.args[0].input).toEqual({
      DocumentName: 'AWS-RestartEC2Instance',
      DocumentVersion: '1',
      Parameters: { InstanceId: ['i-0abc'] },
      ClientToken: '00000000-0000-5000-8000-000000000000',
    });
  });

  it('reads the status, each step and the outputs', async () => {
    // Prepare
    ssm.on(GetAutomationExecutionCommand, { AutomationExecutionId: 'auto-1' }).resolves({
      AutomationExecution: {
        AutomationExecutionStatus: 'Failed',
        StepExecutions: [
          {
            StepName: 'stop',
            Action: 'aws:changeInstanceState',
            StepStatus: 'Failed',
            ExecutionStartTime: new Date('2026-11-27T10:00:01Z'),
            ExecutionEndTime: new Date('2026-11-27T10:00:02Z'),
            FailureMessage: 'denied',
          },
          { StepName: 'start', StepStatus: 'Pending' },
        ],
        Outputs: { 'stop.State': ['running'] },
      },
    });

    // Act
    const status = await automation().status('auto-1');

    // Assess
    expect(status).toEqual({
      status: 'Failed',
      steps: [
        {
          name: 'stop',
          action: 'aws:changeInstanceState',
          status: 'Failed',
          startedAt: '2026-11-27T10:00:01.000Z',
          endedAt: '2026-11-27T10:00:02.000Z',
          failure: 'denied',
        },
        { name: 'start', status: 'Pending' },
      ],
      outputs: { 'stop.State': ['running'] },
      failure: 'denied',
    });
  });
});

describe('RunbookWorkflow', () => {
  const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-runbook-run';
  const workflow = () => new RunbookWorkflow(new SFNClient({ region: 'us-east-1' }), ARN);

  it('starts one execution per run, named by incident and run; a second start is refused by name', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'x' })
      .rejects(named('ExecutionAlreadyExists'));
    expect(await workflow().start('INC-20261127-0001', 'restart-web-0123456789')).toBe('started');
    expect(await workflow().start('INC-20261127-0001', 'restart-web-0123456789')).toBe('already-running');
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: ARN,
      name: 'INC-20261127-0001_restart-web-0123456789',
      input: '{"incidentId":"INC-20261127-0001","runId":"restart-web-0123456789"}',
    });
  });

  it('approves with SendTaskSuccess and rejects with SendTaskFailure Runbook.Rejected', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    expect(await workflow().approve('token-1')).toBe('signalled');
    expect(await workflow().reject('token-2', 'deploy rolling back')).toBe('signalled');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      output: '{"approved":true}',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-2',
      error: 'Runbook.Rejected',
      cause: 'deploy rolling back',
    });
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])(
    'takes %s as a run no longer waiting',
    async (name) => {
      sfn.on(SendTaskSuccessCommand).rejects(named(name));
      expect(await workflow().approve('token-1')).toBe('not-waiting');
    },
  );

  it('lets other failures through', async () => {
    sfn.on(SendTaskFailureCommand).rejects(named('ThrottlingException'));
    await expect(workflow().reject('token-1', 'no')).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
