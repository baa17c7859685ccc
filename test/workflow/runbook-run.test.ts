import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetAutomationExecutionCommand, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alertId as alertIdOf } from '#core/grouping';
import type { Signal, TimelineEntry } from '#core/model';
import { clientTokenOf, runIdOf } from '#core/runbook-run';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { AUTOMATION_ROLE, type RunbookHarnessOptions, runbookHarness } from '../support/runbook-harness';
import { alarmSignal } from '../support/signals';

/**
 * The runbook-run state machine (statemachines/runbook-run.asl.json, the file CDK deploys), executed
 * through every branch in simulated time: the real actions, launcher and runs store on dynalite, with SSM,
 * CloudTrail, CloudFormation and SNS mocked at their SDK clients.
 */

type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[] };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;
const ASL = new URL('../../statemachines/runbook-run.asl.json', import.meta.url);

let server: DynamoServer;
let harness: ReturnType<typeof runbookHarness> | undefined;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  harness?.restore();
  harness = undefined;
});

type Harness = ReturnType<typeof runbookHarness>;
const at = (hhmmss: string) => `2026-11-27T${hhmmss}.000Z`;
const INSTANCE = 'i-0abc1234def567890';
const ALARM = 'web-prod-cpu-utilization-high';

const RESTART = {
  match: { alarmName: 'web-prod-cpu-*' },
  document: { name: 'AWS-RestartEC2Instance', version: '1' },
  parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
  kind: 'remediation',
  settleMinutes: 10,
};
const DESCRIBE = {
  match: { namespace: 'AWS/EC2' },
  document: { name: 'Firebreak-Diagnose', version: '2' },
  parameters: { TargetType: 'EC2', InstanceId: '{dimension.InstanceId}' },
  kind: 'diagnostic',
};

function cpuAlarm(overrides: Partial<Signal> = {}): Signal {
  return alarmSignal({
    at: at('09:59:30'),
    alarm: ALARM,
    details: {
      namespace: 'AWS/EC2',
      metricNames: ['CPUUtilization'],
      dimensions: { InstanceId: INSTANCE },
      threshold: 80,
      recentDatapoints: [91.5, 96.2],
    },
    ...overrides,
  });
}

async function setup(options: RunbookHarnessOptions, signal: Signal = cpuAlarm()) {
  const table = await server.createTable('runbook-run');
  harness = runbookHarness(server, table, options);
  const h = harness;
  // Nothing changed recently unless a test says so; the service is no stack's name.
  h.cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  h.cloudformation
    .on(DescribeStackEventsCommand)
    .rejects(Object.assign(new Error('Stack with id web-prod does not exist'), { name: 'ValidationError' }));
  const incidentId = await h.open(signal);
  return { h, incidentId, signal };
}

/** The alarm's OK through the real ingest path at `time` on the simulated clock. */
function recoverAt(h: Harness, signal: Signal, time: string) {
  void h.at(at(time), () =>
    h.ingest({ ...signal, eventId: `ok-${time}`, action: 'resolve', occurredAt: h.clock.now.toISOString() }),
  );
}

/** SSM starts the automation and it succeeds in two steps, 1 to 4 s after the start. */
function ssmSucceeds(h: Harness, automationId = 'auto-0001') {
  let startedAt = h.clock.now.getTime();
  const after = (seconds: number) => new Date(startedAt + seconds * 1000);
  h.ssm.on(StartAutomationExecutionCommand).callsFake(() => {
    startedAt = h.clock.now.getTime();
    return { AutomationExecutionId: automationId };
  });
  h.ssm.on(GetAutomationExecutionCommand).callsFake(() => ({
    AutomationExecution: {
      AutomationExecutionId: automationId,
      AutomationExecutionStatus: 'Success',
      StepExecutions: [
        {
          StepName: 'stopInstances',
          Action: 'aws:changeInstanceState',
          StepStatus: 'Success',
          ExecutionStartTime: after(1),
          ExecutionEndTime: after(3),
        },
        {
          StepName: 'startInstances',
          Action: 'aws:changeInstanceState',
          StepStatus: 'Success',
          ExecutionStartTime: after(3),
          ExecutionEndTime: after(4),
        },
      ],
      Outputs: {},
    },
  }));
}

const remediations = (entries: TimelineEntry[]) =>
  entries
    .filter((e) => e.kind === 'remediation')
    .map((e) => [e.entryId.split(':').slice(2).join(':'), e.message]);
const startRequests = (h: Harness) =>
  h.ssm.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input);

describe('the runbook-run definition file', () => {
  it('is valid ASL, JSONPath and ARN checks on, and substitutes only the runbook function', () => {
    // Prepare
    const text = readFileSync(ASL, 'utf8');
    const used = new Set([...text.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]));
    const filled = text.replaceAll(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
      '${RunbookFunctionArn}',
      'arn:aws:lambda:eu-west-1:111111111111:function:firebreak-runbooks',
    );

    // Act
    const result = validateAsl(JSON.parse(filled), { checkPaths: true, checkArn: true });

    // Assess
    expect([...used]).toEqual(['RunbookFunctionArn']);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('gives every Task a timeout, retries of Lambda errors, and a Catch to the failure recorder', () => {
    const definition = JSON.parse(readFileSync(ASL, 'utf8')) as {
      States: Record<
        string,
        {
          Type: string;
          Retry?: Array<{ ErrorEquals: string[] }>;
          Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
          TimeoutSeconds?: number;
          TimeoutSecondsPath?: string;
        }
      >;
    };
    const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(8);
    for (const [name, state] of tasks) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
      expect(state.Retry?.[0]?.ErrorEquals, name).toEqual([
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
      ]);
      const last = state.Catch?.at(-1);
      expect(last?.ErrorEquals, name).toEqual(['States.ALL']);
      expect(last?.Next, name).toBe(name === 'RecordRunFailure' ? 'FailureUnrecorded' : 'RecordRunFailure');
    }
    const ssmSteps = ['StartAutomation', 'PollAutomation', 'DiagnoseChanges'];
    for (const name of ssmSteps) {
      expect(
        definition.States[name]?.Retry?.some((r) => r.ErrorEquals.includes('Runbook.Throttled')),
        name,
      ).toBe(true);
    }
  });
});

describe('runbook runs: diagnosis', () => {
  it('with nothing bound, runs the diagnosis of recent changes only: one diagnosis entry, no SSM', async () => {
    // Prepare
    const { h, incidentId } = await setup({});

    // Act
    const launched = await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('changes', 'opened', INSTANCE);
    expect(launched).toEqual({ launched: [{ runId, binding: 'changes', state: 'requested' }] });
    expect(h.statesOf(incidentId, runId)).toEqual(['Prepare', 'Route', 'DiagnoseChanges', 'RunEnded']);
    expect(h.ssm.calls()).toHaveLength(0);
    expect(h.cloudtrail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input)).toEqual([
      {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: INSTANCE }],
        StartTime: new Date(at('06:59:30')),
        EndTime: new Date(at('10:00:00')),
        MaxResults: 50,
      },
      {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'web-prod' }],
        StartTime: new Date(at('06:59:30')),
        EndTime: new Date(at('10:00:00')),
        MaxResults: 50,
      },
    ]);
    expect(h.cloudformation.commandCalls(DescribeStackEventsCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: 'web-prod' },
    ]);
    const diagnoses = (await h.timeline(incidentId)).filter((e) => e.kind === 'diagnosis');
    expect(diagnoses).toHaveLength(1);
    expect(diagnoses[0]).toMatchObject({
      entryId: `runbook:${runId}:changes`,
      actor: 'firebreak:runbook:changes',
      at: at('10:00:00'),
      message: `No recent changes found to ${INSTANCE}, web-prod in the 3 h before the alarm. Recent datapoints: 91.5, 96.2 (threshold 80).`,
      details: { changes: [], datapoints: { recent: [91.5, 96.2], threshold: 80 } },
    });
    expect((await h.runs.get(incidentId, runId))?.state).toBe('succeeded');
    expect(h.published).toEqual([]);
  });

  it('finds the deploy before the alarm in CloudTrail and CloudFormation, newest first', async () => {
    // Prepare
    const { h, incidentId } = await setup({});
    h.cloudtrail
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: INSTANCE }],
      })
      .resolves({
        Events: [
          {
            EventId: 'e1',
            EventName: 'ModifyInstanceAttribute',
            ReadOnly: 'false',
            EventTime: new Date(at('09:20:00')),
            Username: 'bob',
          },
          {
            EventId: 'e2',
            EventName: 'DescribeInstances',
            ReadOnly: 'true',
            EventTime: new Date(at('09:50:00')),
            Username: 'bob',
          },
        ],
      });
    h.cloudformation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: 's',
          EventId: 'c2',
          StackName: 'web-prod',
          LogicalResourceId: 'web-prod',
          ResourceType: 'AWS::CloudFormation::Stack',
          ResourceStatus: 'UPDATE_COMPLETE',
          Timestamp: new Date(at('09:55:30')),
        },
        {
          StackId: 's',
          EventId: 'c1',
          StackName: 'web-prod',
          LogicalResourceId: 'WebService',
          ResourceType: 'AWS::ECS::Service',
          ResourceStatus: 'UPDATE_COMPLETE',
          Timestamp: new Date(at('09:55:00')),
        },
      ],
    });

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const [diagnosis] = (await h.timeline(incidentId)).filter((e) => e.kind === 'diagnosis');
    expect(diagnosis?.message).toBe(
      'Recent changes: UPDATE_COMPLETE on web-prod by CloudFormation (CloudFormation) 4 min before the alarm; ' +
        `ModifyInstanceAttribute on ${INSTANCE} by bob (CloudTrail) 39 min before the alarm. ` +
        'Recent datapoints: 91.5, 96.2 (threshold 80).',
    );
    expect(diagnosis?.details.changes).toHaveLength(2);
  });

  it('runs a bound diagnostic: the exact SSM request, each step once on the timeline, outputs kept', async () => {
    // Prepare
    const { h, incidentId } = await setup({ runbooks: { bindings: { 'describe-web': DESCRIBE } } });
    h.ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-diag' });
    h.ssm
      .on(GetAutomationExecutionCommand)
      .resolvesOnce({
        AutomationExecution: {
          AutomationExecutionStatus: 'InProgress',
          StepExecutions: [
            {
              StepName: 'describe',
              Action: 'aws:executeAwsApi',
              StepStatus: 'Success',
              ExecutionEndTime: new Date(at('10:00:02')),
            },
            { StepName: 'summarize', Action: 'aws:executeScript', StepStatus: 'InProgress' },
          ],
        },
      })
      .resolves({
        AutomationExecution: {
          AutomationExecutionStatus: 'Success',
          StepExecutions: [
            {
              StepName: 'describe',
              Action: 'aws:executeAwsApi',
              StepStatus: 'Success',
              ExecutionEndTime: new Date(at('10:00:02')),
            },
            {
              StepName: 'summarize',
              Action: 'aws:executeScript',
              StepStatus: 'Success',
              ExecutionEndTime: new Date(at('10:00:07')),
            },
          ],
          Outputs: { 'describe.State': ['running'], 'describe.Status': ['impaired'] },
        },
      });

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('describe-web', 'opened', alertIdOf(cpuAlarm().dedupKey));
    expect(startRequests(h)).toEqual([
      {
        DocumentName: 'Firebreak-Diagnose',
        DocumentVersion: '2',
        Parameters: { TargetType: ['EC2'], InstanceId: [INSTANCE] },
        ClientToken: clientTokenOf(incidentId, runId),
      },
    ]);
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'StartAutomation',
      'AfterStart',
      'WaitForAutomation',
      'PollAutomation',
      'AfterPoll',
      'WaitForAutomation',
      'PollAutomation',
      'AfterPoll',
      'RunEnded',
    ]);
    // Polled 5 s after the start, then 10 s after that.
    expect(h.clock.now.toISOString()).toBe(at('10:00:15'));
    expect(remediations(await h.timeline(incidentId))).toEqual([
      [
        'started',
        `Started Firebreak-Diagnose v2 with TargetType=EC2, InstanceId=${INSTANCE} (describe-web, automatic)`,
      ],
      ['step:1', 'Step describe (aws:executeAwsApi): Success'],
      ['step:2', 'Step summarize (aws:executeScript): Success'],
      [
        'succeeded',
        'Diagnostic describe-web (Firebreak-Diagnose v2) finished: describe.State=running; describe.Status=impaired',
      ],
    ]);
    const run = await h.runs.get(incidentId, runId);
    expect(run).toMatchObject({
      state: 'succeeded',
      automationId: 'auto-diag',
      outputs: { 'describe.State': ['running'] },
    });
    expect((await h.store.getIncident(incidentId))?.status).toBe('triggered');
  });
});

describe('runbook runs: automatic remediation', () => {
  const auto = { runbooks: { bindings: { 'restart-web': { ...RESTART, mode: 'auto' } } } };

  it('restarts the instance, and resolves the incident as auto-remediated when the alarm settles', async () => {
    // Prepare: an alarm whose recovery does not resolve by itself; the lifecycle waits for the resolution.
    const { h, incidentId, signal } = await setup(auto, cpuAlarm({ autoResolve: false }));
    await h.store.parkLifecycleToken(incidentId, 'lifecycle-token-1', h.clock.now);
    ssmSucceeds(h);
    recoverAt(h, signal, '10:04:00');

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(startRequests(h)).toEqual([
      {
        DocumentName: 'AWS-RestartEC2Instance',
        DocumentVersion: '1',
        Parameters: { InstanceId: [INSTANCE], AutomationAssumeRole: [AUTOMATION_ROLE] },
        ClientToken: clientTokenOf(incidentId, runId),
      },
    ]);
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'StartAutomation',
      'AfterStart',
      'WaitForAutomation',
      'PollAutomation',
      'AfterPoll',
      'WaitToSettle',
      'Verify',
      'RunEnded',
    ]);
    const incident = await h.store.getIncident(incidentId);
    expect(incident).toMatchObject({
      status: 'resolved',
      resolvedBy: 'firebreak:runbook:restart-web',
      resolvedAt: at('10:10:05'),
      resolution: `Auto-remediated by restart-web (AWS-RestartEC2Instance v1): ${ALARM} back to OK`,
    });
    expect(h.lifecycle.signalled).toEqual(['lifecycle-token-1']);
    const timeline = await h.timeline(incidentId);
    expect(remediations(timeline)).toEqual([
      [
        'started',
        `Started AWS-RestartEC2Instance v1 with InstanceId=${INSTANCE}, AutomationAssumeRole=${AUTOMATION_ROLE} (restart-web, automatic)`,
      ],
      ['step:1', 'Step stopInstances (aws:changeInstanceState): Success'],
      ['step:2', 'Step startInstances (aws:changeInstanceState): Success'],
      [
        'succeeded',
        'Remediation restart-web (AWS-RestartEC2Instance v1) succeeded; the alarm is checked again in 10 min',
      ],
    ]);
    expect(timeline.find((e) => e.entryId === `runbook:${runId}:resolved`)).toMatchObject({
      kind: 'resolved',
      at: at('10:10:05'),
      actor: 'firebreak:runbook:restart-web',
    });
    expect(await h.runs.get(incidentId, runId)).toMatchObject({ state: 'verified' });
    expect(await h.runs.remediationInFlight(incidentId)).toBeUndefined();
    expect((await h.runs.getBreaker(INSTANCE))?.starts).toEqual([at('10:00:00')]);
    expect(h.published).toEqual([]);
  });

  it('records a remediation whose alarm recovered by itself as verified; the recovery resolved the incident', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(auto);
    ssmSucceeds(h);
    recoverAt(h, signal, '10:04:00');

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(await h.store.getIncident(incidentId)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'ok-10:04:00',
    });
    expect(await h.runs.get(incidentId, runId)).toMatchObject({ state: 'verified' });
    expect(remediations(await h.timeline(incidentId)).at(-1)).toEqual([
      'verified',
      `Auto-remediated: ${ALARM} back to OK after remediation restart-web (aws-restartec2instance v1); the incident was resolved by its recovery`,
    ]);
    expect(h.lifecycle.signalled).toEqual([]);
  });

  it('fails with the automation: breaker tripped, the on-call level told, the incident still open', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(auto);
    h.ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-fail' });
    h.ssm.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        AutomationExecutionStatus: 'Failed',
        FailureMessage: 'Step fails when it is verifying the command has completed.',
        StepExecutions: [
          {
            StepName: 'stopInstances',
            Action: 'aws:changeInstanceState',
            StepStatus: 'Failed',
            ExecutionEndTime: new Date(at('10:00:04')),
            FailureMessage: 'UnauthorizedOperation: not allowed to stop i-0abc',
          },
        ],
      },
    });

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(h.statesOf(incidentId, runId).slice(-3)).toEqual(['PollAutomation', 'AfterPoll', 'RunEnded']);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({
      state: 'failed',
      failure: 'Step fails when it is verifying the command has completed.',
      endedAt: at('10:00:05'),
    });
    expect(await h.runs.getBreaker(INSTANCE)).toMatchObject({
      trippedUntil: at('11:00:05'),
      trippedBy: `remediation restart-web (run ${runId}) failed`,
    });
    expect(await h.runs.remediationInFlight(incidentId)).toBeUndefined();
    expect(h.published.map((p) => [p.target, p.kind, p.subject.split(':')[0]])).toEqual([
      ['primary-on-call', 'runbook', `[P2] RUNBOOK FAILED ${incidentId} web-prod`],
    ]);
    expect(h.published[0]?.text).toContain('escalation continues');
    const timeline = await h.timeline(incidentId);
    expect(remediations(timeline).slice(-2)).toEqual([
      [
        'step:1',
        'Step stopInstances (aws:changeInstanceState): Failed: UnauthorizedOperation: not allowed to stop i-0abc',
      ],
      [
        'failed',
        'Remediation restart-web (AWS-RestartEC2Instance v1) failed: Step fails when it is verifying the command has completed.; escalation continues',
      ],
    ]);
    expect(timeline.filter((e) => e.kind === 'notified').map((e) => e.message)).toEqual([
      'primary-on-call told that remediation restart-web (aws-restartec2instance v1) failed',
    ]);
    expect((await h.store.getIncident(incidentId))?.status).toBe('triggered');
  });

  it('does not start while the circuit breaker of the resource is open: refused, the on-call level told', async () => {
    // Prepare: a failed remediation of the instance tripped its breaker until 10:30.
    const { h, incidentId, signal } = await setup(auto);
    await h.runs.putBreaker(undefined, {
      resource: INSTANCE,
      starts: [],
      runs: {},
      trippedUntil: at('10:30:00'),
      trippedBy: 'remediation restart-web (run restart-web-0000000000) failed',
    });

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(h.statesOf(incidentId, runId)).toEqual(['Prepare', 'Route', 'RunEnded']);
    expect(startRequests(h)).toEqual([]);
    const reason = `circuit breaker open for ${INSTANCE} until ${at('10:30:00')}: remediation restart-web (run restart-web-0000000000) failed`;
    expect(await h.runs.get(incidentId, runId)).toMatchObject({ state: 'refused', reason });
    expect(remediations(await h.timeline(incidentId))).toEqual([
      [
        'refused',
        `Remediation restart-web (AWS-RestartEC2Instance v1) refused: ${reason}; escalation continues`,
      ],
    ]);
    expect(h.published.map((p) => [p.target, p.subject.slice(0, 21)])).toEqual([
      ['primary-on-call', '[P2] RUNBOOK REFUSED '],
    ]);
  });

  it('stops after two automatic remediations of the resource within an hour', async () => {
    // Prepare: two automatic restarts of the instance in the last hour.
    const { h, incidentId } = await setup(auto);
    await h.runs.putBreaker(undefined, {
      resource: INSTANCE,
      starts: [at('09:20:00'), at('09:40:00')],
      runs: {},
    });

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    expect(startRequests(h)).toEqual([]);
    expect(remediations(await h.timeline(incidentId))[0]?.[1]).toContain(
      `circuit breaker open for ${INSTANCE}: 2 automatic remediation(s) in the last hour (limit 2)`,
    );
  });

  it('retries the start SSM throttled, with the same ClientToken, and goes on', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(auto);
    ssmSucceeds(h);
    h.ssm
      .on(StartAutomationExecutionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ AutomationExecutionId: 'auto-0001' });
    recoverAt(h, signal, '10:04:00');

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    const request = {
      DocumentName: 'AWS-RestartEC2Instance',
      DocumentVersion: '1',
      Parameters: { InstanceId: [INSTANCE], AutomationAssumeRole: [AUTOMATION_ROLE] },
      ClientToken: clientTokenOf(incidentId, runId),
    };
    expect(startRequests(h)).toEqual([request, request]);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({
      state: 'verified',
      automationId: 'auto-0001',
    });
    expect((await h.timeline(incidentId)).filter((e) => e.kind === 'failure')).toEqual([]);
  });

  it('refuses a run whose parameter the alert cannot fill, naming it', async () => {
    // Prepare: the alarm has no InstanceId dimension.
    const { h, incidentId, signal } = await setup(
      auto,
      cpuAlarm({
        details: {
          namespace: 'AWS/EC2',
          metricNames: ['CPUUtilization'],
          dimensions: { AutoScalingGroupName: 'web' },
        },
      }),
    );

    // Act
    const launched = await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(launched).toMatchObject({ launched: [{ runId, state: 'refused' }, { binding: 'changes' }] });
    expect(h.statesOf(incidentId, runId)).toEqual(['Prepare', 'Route', 'RunEnded']);
    expect(startRequests(h)).toEqual([]);
    expect(remediations(await h.timeline(incidentId))).toEqual([
      [
        'refused',
        'Remediation restart-web (AWS-RestartEC2Instance v1) refused: could not fill InstanceId (from {dimension.InstanceId}) from the alert; escalation continues',
      ],
    ]);
    expect(h.published.map((p) => p.target)).toEqual(['primary-on-call']);
  });

  it('skips a remediation while another one is in flight on the incident', async () => {
    // Prepare: another remediation holds the incident's lock.
    const { h, incidentId, signal } = await setup(auto);
    const other = {
      incidentId,
      runId: 'reboot-db-0123456789',
      binding: 'reboot-db',
      kind: 'remediation' as const,
      mode: 'approval' as const,
      trigger: 'requested' as const,
      parameters: {},
      state: 'running' as const,
      requestedBy: 'alice',
      clientToken: clientTokenOf(incidentId, 'reboot-db-0123456789'),
      createdAt: at('09:59:50'),
      updatedAt: at('09:59:50'),
    };
    await h.runs.create(other);
    await h.runs.lockRemediation(incidentId, other.runId, h.clock.now);

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'StartAutomation',
      'AfterStart',
      'RunEnded',
    ]);
    expect(startRequests(h)).toEqual([]);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({
      state: 'skipped',
      reason: 'remediation reboot-db (run reboot-db-0123456789) is in flight on this incident',
    });
    expect(await h.runs.remediationInFlight(incidentId)).toBe(other.runId);
    expect(remediations(await h.timeline(incidentId))).toEqual([
      [
        'skipped',
        'Remediation restart-web (AWS-RestartEC2Instance v1) skipped: remediation reboot-db (run reboot-db-0123456789) is in flight on this incident',
      ],
    ]);
  });

  it('records a step that fails after its retries once, releases the lock, and tells operators', async () => {
    // Prepare: SSM refuses the start (the role may not start this document).
    const { h, incidentId, signal } = await setup(auto);
    h.ssm.on(StartAutomationExecutionCommand).rejects(
      Object.assign(new Error('not authorized to perform ssm:StartAutomationExecution'), {
        name: 'AccessDeniedException',
      }),
    );

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'StartAutomation',
      'RecordRunFailure',
      'RunEnded',
    ]);
    expect(startRequests(h)).toHaveLength(1);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({
      state: 'failed',
      failure: 'AccessDeniedException: not authorized to perform ssm:StartAutomationExecution',
    });
    expect(await h.runs.remediationInFlight(incidentId)).toBeUndefined();
    // Nothing ran: the breaker counts the start, but is not tripped.
    expect((await h.runs.getBreaker(INSTANCE))?.trippedUntil).toBeUndefined();
    expect(h.published.map((p) => [p.target, p.kind])).toEqual([
      ['primary-on-call', 'runbook'],
      ['ops', 'failure'],
    ]);
  });

  it('gives up watching an automation after 60 minutes: timed out, breaker tripped', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(auto);
    h.ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-slow' });
    h.ssm
      .on(GetAutomationExecutionCommand)
      .resolves({ AutomationExecution: { AutomationExecutionStatus: 'InProgress' } });

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    const run = await h.runs.get(incidentId, runId);
    expect(run).toMatchObject({ state: 'timed-out', endedAt: at('11:00:05') });
    // Polls at +5, +15, +35 s, then every 30 s until an hour has passed.
    expect(h.ssm.commandCalls(GetAutomationExecutionCommand)).toHaveLength(3 + 119);
    expect(await h.runs.getBreaker(INSTANCE)).toMatchObject({ trippedUntil: at('12:00:05') });
    expect(h.published.map((p) => p.subject.slice(0, 24))).toEqual(['[P2] RUNBOOK TIMED OUT I']);
  });
});

describe('runbook runs: approval', () => {
  const approval = { runbooks: { bindings: { 'restart-web': RESTART } } };

  it('asks the on-call level, waits for the approval, starts, and keeps escalating when the alarm does not settle', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(approval);
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    ssmSucceeds(h);
    void h.at(at('10:03:00'), () => h.decide(incidentId, runId, { approved: true, by: 'alice' }));

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'AwaitApproval',
      'StartAutomation',
      'AfterStart',
      'WaitForAutomation',
      'PollAutomation',
      'AfterPoll',
      'WaitToSettle',
      'Verify',
      'RunEnded',
    ]);
    const [ask, notSettled] = h.published;
    expect(ask).toMatchObject({ target: 'primary-on-call', kind: 'runbook', at: at('10:00:00') });
    expect(ask?.text).toContain(`Approve: POST /incidents/${incidentId}/runbooks/${runId}/approve`);
    expect(ask?.text).toContain(`Reject: POST /incidents/${incidentId}/runbooks/${runId}/reject`);
    expect(ask?.text).toContain('It is skipped if nobody approves within 30 min.');
    expect(notSettled).toMatchObject({ target: 'primary-on-call', at: at('10:13:05') });
    expect(notSettled?.subject).toContain('NOT REMEDIATED');
    expect(startRequests(h)).toHaveLength(1);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({ state: 'not-settled', approvedBy: 'alice' });
    expect(await h.runs.getBreaker(INSTANCE)).toMatchObject({ trippedUntil: at('11:13:05') });
    expect(remediations(await h.timeline(incidentId)).map(([what]) => what)).toEqual([
      'awaiting-approval',
      'started',
      'step:1',
      'step:2',
      'succeeded',
      'not-settled',
    ]);
    expect(remediations(await h.timeline(incidentId))[1]?.[1]).toContain('(restart-web, approved by alice)');
    expect((await h.store.getIncident(incidentId))?.status).toBe('triggered');
    expect(await h.runs.remediationInFlight(incidentId)).toBeUndefined();
  });

  it('starts at once when the approval landed before the wait parked its token', async () => {
    // Prepare: alice approves between Prepare and the approval wait.
    const table = await server.createTable('runbook-run');
    let incidentId = '';
    let runId = '';
    harness = runbookHarness(server, table, {
      ...approval,
      afterAction: async (input) => {
        if (input.action === 'prepare' && input.runId === runId) {
          await harness?.runs.decide(incidentId, runId, { approved: true, by: 'alice' }, harness.clock.now);
        }
      },
    });
    const h = harness;
    h.cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    h.cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    ssmSucceeds(h);
    const signal = cpuAlarm();
    incidentId = await h.open(signal);
    runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    expect(h.statesOf(incidentId, runId).slice(0, 5)).toEqual([
      'Prepare',
      'Route',
      'AwaitApproval',
      'StartAutomation',
      'AfterStart',
    ]);
    expect(startRequests(h)).toHaveLength(1);
  });

  it('is rejected: recorded with who and why, never started', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(approval);
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));
    void h.at(at('10:02:00'), () =>
      h.decide(incidentId, runId, { approved: false, by: 'bob', reason: 'deploy rolling back' }),
    );

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'AwaitApproval',
      'RecordRejection',
      'RunEnded',
    ]);
    expect(startRequests(h)).toEqual([]);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({ state: 'rejected', rejectedBy: 'bob' });
    expect(remediations(await h.timeline(incidentId)).at(-1)).toEqual([
      'decision',
      'Remediation restart-web (AWS-RestartEC2Instance v1) rejected by bob: deploy rolling back; not run',
    ]);
  });

  it('is skipped when nobody approves within the timeout', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup(approval);
    const runId = runIdOf('restart-web', 'opened', alertIdOf(signal.dedupKey));

    // Act
    await h.launch(incidentId);
    await h.settled();

    // Assess
    expect(h.statesOf(incidentId, runId)).toEqual([
      'Prepare',
      'Route',
      'AwaitApproval',
      'ApprovalExpired',
      'AfterApprovalExpired',
      'RunEnded',
    ]);
    expect(startRequests(h)).toEqual([]);
    expect(await h.runs.get(incidentId, runId)).toMatchObject({
      state: 'approval-expired',
      endedAt: at('10:30:00'),
    });
    expect(remediations(await h.timeline(incidentId)).at(-1)).toEqual([
      'approval-expired',
      'Remediation restart-web (AWS-RestartEC2Instance v1) skipped: nobody approved within 30 min',
    ]);
    // A late approval finds nothing to approve.
    expect(
      await h.runs.decide(incidentId, runId, { approved: true, by: 'alice' }, h.clock.now),
    ).toBeUndefined();
  });
});
