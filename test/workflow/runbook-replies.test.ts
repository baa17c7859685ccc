import { DescribeStackEventsCommand } from '@aws-sdk/client-cloudformation';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  type AutomationExecutionStatus,
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookRun } from '#core/runbook-run';
import { runIdOf } from '#core/runbook-run';
import type { RunbookInput } from '../../lambdas/runbooks/inputs';
import type { ReplyPoster, RunReply } from '../../lambdas/runbooks/ports';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type RunbookHarnessOptions, runbookHarness } from '../support/runbook-harness';
import { alarmSignal } from '../support/signals';

/**
 * A person's run (Slack's `/incident diag <id> <runbook>`) answers at its command's response_url when it
 * ends: statemachines/runbook-run.asl.json executed in simulated time through the real actions, launcher
 * and runs store on dynalite, SSM mocked at its client, the reply poster recording what it is asked.
 */

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
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0001/1234567890/s3cr3tT0k3n';
const LINK = 'Incident: https://firebreak.example.com/incidents/';

const DESCRIBE = {
  match: { namespace: 'AWS/EC2' },
  document: { name: 'Firebreak-Diagnose', version: '2' },
  parameters: { TargetType: 'EC2', InstanceId: '{dimension.InstanceId}' },
  kind: 'diagnostic',
};
const RESTART = {
  match: { alarmName: 'web-prod-cpu-*' },
  document: { name: 'AWS-RestartEC2Instance', version: '1' },
  parameters: { InstanceId: '{dimension.InstanceId}' },
  kind: 'remediation',
  mode: 'approval',
};
const RUNBOOKS = { bindings: { 'describe-web': DESCRIBE, 'restart-web': RESTART } };

/** What the reply poster was asked, in order; `failWith` makes every post fail. */
class RecordingReplies implements ReplyPoster {
  readonly posted: Array<{ url: string; reply: RunReply; at: string }> = [];
  failWith: Error | undefined;

  constructor(private readonly clock: () => Date) {}

  async respond(url: string, reply: RunReply): Promise<void> {
    this.posted.push({ url, reply, at: this.clock().toISOString() });
    if (this.failWith) throw this.failWith;
  }
}

async function setup(options: RunbookHarnessOptions = {}) {
  const table = await server.createTable('runbook-replies');
  const replies = new RecordingReplies(() => h.clock.now);
  harness = runbookHarness(server, table, { runbooks: RUNBOOKS, replies, ...options });
  const h = harness;
  h.cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  h.cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  const incidentId = await h.open(
    alarmSignal({
      at: at('09:59:30'),
      alarm: 'web-prod-cpu-utilization-high',
      details: {
        namespace: 'AWS/EC2',
        metricNames: ['CPUUtilization'],
        dimensions: { InstanceId: INSTANCE },
      },
    }),
  );
  return { h, replies, incidentId };
}

/** SSM runs the diagnostic to `status` (Success by default), its outputs kept, at the first poll. */
function ssmEnds(h: Harness, status: AutomationExecutionStatus = 'Success', failure?: string) {
  h.ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-diag' });
  h.ssm.on(GetAutomationExecutionCommand).resolves({
    AutomationExecution: {
      AutomationExecutionStatus: status,
      StepExecutions: [],
      Outputs: status === 'Success' ? { 'describe.State': ['running'] } : {},
      ...(failure ? { FailureMessage: failure } : {}),
    },
  });
}

/**
 * Throws a Lambda service error once, after the first `action` (for which `when` holds) has done its work:
 * Step Functions retries the step. `seen` lists every action run, retries included.
 */
function lambdaErrorOnceAfter(
  action: RunbookInput['action'],
  when: (output: unknown) => boolean = () => true,
) {
  let thrown = false;
  const seen: string[] = [];
  return {
    seen,
    afterAction: async (input: RunbookInput, output: unknown) => {
      seen.push(input.action);
      if (thrown || input.action !== action || !when(output)) return;
      thrown = true;
      throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.ServiceException' });
    },
  };
}

/** `/incident diag <id> describe-web` as the Slack route passes it on; `null`: asked without a response_url. */
const requestDiag = (h: Harness, incidentId: string, replyTo: string | null = RESPONSE_URL) =>
  h.request(incidentId, 'describe-web', {
    actor: 'slack:U024BE7LH',
    key: 'slack:13345224609.738474920',
    ...(replyTo ? { replyTo } : {}),
  });
const diagRunId = runIdOf('describe-web', 'requested', 'slack:13345224609.738474920');

describe('a requested run answers at its response_url when it ends', () => {
  it('posts one summary in the channel when the diagnostic finishes, and forgets the URL', async () => {
    // Prepare
    const { h, replies, incidentId } = await setup();
    ssmEnds(h);

    // Act
    const requested = await requestDiag(h, incidentId);
    await h.settled();

    // Assess
    expect(requested).toMatchObject({ runId: diagRunId, state: 'requested' });
    expect(requested).not.toHaveProperty('replyTo');
    expect(h.statesOf(incidentId, diagRunId).at(-1)).toBe('RunEnded');
    expect(replies.posted).toEqual([
      {
        url: RESPONSE_URL,
        at: at('10:00:05'),
        reply: {
          response_type: 'in_channel',
          text: [
            `Diagnostic describe-web (Firebreak-Diagnose v2) on ${incidentId} finished.`,
            'Output:',
            '• describe.State: running',
            `${LINK}${incidentId}`,
          ].join('\n'),
        },
      },
    ]);
    const run = await h.runs.get(incidentId, diagRunId);
    expect(run).toMatchObject({ state: 'succeeded', repliedAt: at('10:00:05'), replyOutcome: 'posted' });
    expect(run).not.toHaveProperty('replyTo');
  });

  it('posts one summary naming the failure when the automation fails', async () => {
    // Prepare
    const { h, replies, incidentId } = await setup();
    ssmEnds(h, 'Failed', 'Step describe failed: AccessDenied');

    // Act
    await requestDiag(h, incidentId);
    await h.settled();

    // Assess
    expect(replies.posted.map((p) => p.reply.text.split('\n')[0])).toEqual([
      `Diagnostic describe-web (Firebreak-Diagnose v2) on ${incidentId} failed: Step describe failed: AccessDenied.`,
    ]);
    expect(await h.runs.get(incidentId, diagRunId)).toMatchObject({
      state: 'failed',
      replyOutcome: 'posted',
    });
  });

  it('posts one summary when a step fails after its retries (the failure recorder ends the run)', async () => {
    // Prepare: SSM refuses the start.
    const { h, replies, incidentId } = await setup();
    h.ssm
      .on(StartAutomationExecutionCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act
    await requestDiag(h, incidentId);
    await h.settled();

    // Assess
    expect(h.statesOf(incidentId, diagRunId)).toEqual([
      'Prepare',
      'Route',
      'StartAutomation',
      'RecordRunFailure',
      'RunEnded',
    ]);
    expect(replies.posted.map((p) => p.reply.text.split('\n')[0])).toEqual([
      `Diagnostic describe-web (Firebreak-Diagnose v2) on ${incidentId} failed: AccessDeniedException: not authorized.`,
    ]);
  });

  it('posts one summary when a person rejects the run it awaits approval for', async () => {
    // Prepare
    const { h, replies, incidentId } = await setup();
    const key = 'slack:99999.1';
    const runId = runIdOf('restart-web', 'requested', key);
    void h.at(at('10:02:00'), () =>
      h.decide(incidentId, runId, { approved: false, by: 'bob', reason: 'not now' }),
    );

    // Act
    await h.request(incidentId, 'restart-web', { actor: 'slack:U024BE7LH', key, replyTo: RESPONSE_URL });
    await h.settled();

    // Assess
    expect(replies.posted.map((p) => [p.at, p.reply.text.split('\n')[0]])).toEqual([
      [
        at('10:02:00'),
        `Remediation restart-web (AWS-RestartEC2Instance v1) on ${incidentId} rejected by bob: not now; not run.`,
      ],
    ]);
    expect(h.ssm.commandCalls(StartAutomationExecutionCommand)).toEqual([]);
  });

  it('posts nothing for a run asked for without a response_url', async () => {
    // Prepare
    const { h, replies, incidentId } = await setup();
    ssmEnds(h);

    // Act
    await requestDiag(h, incidentId, null);
    await h.settled();

    // Assess
    expect((await h.runs.get(incidentId, diagRunId))?.state).toBe('succeeded');
    expect(replies.posted).toEqual([]);
    expect(await h.runs.get(incidentId, diagRunId)).not.toHaveProperty('repliedAt');
  });

  it('posts nothing once the response_url is older than 30 minutes (Slack would refuse it)', async () => {
    // Prepare: the automation runs until 10:31.
    const { h, replies, incidentId } = await setup();
    h.ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-slow' });
    h.ssm.on(GetAutomationExecutionCommand).callsFake(() => ({
      AutomationExecution: {
        AutomationExecutionStatus:
          h.clock.now.getTime() < Date.parse(at('10:31:00')) ? 'InProgress' : 'Success',
        StepExecutions: [],
        Outputs: {},
      },
    }));

    // Act
    await requestDiag(h, incidentId);
    await h.settled();

    // Assess
    const run = await h.runs.get(incidentId, diagRunId);
    expect(run?.state).toBe('succeeded');
    expect(Date.parse(run?.endedAt ?? '')).toBeGreaterThan(Date.parse(at('10:30:00')));
    expect(replies.posted).toEqual([]);
    expect(run).toMatchObject({ replyOutcome: 'expired' });
    expect(run).not.toHaveProperty('replyTo');
  });
});

describe('a requested run answers once', () => {
  it('posts no second summary when the step that ended the run is retried', async () => {
    // Prepare: the poll that ends the run answers, then Lambda fails it: Step Functions retries the poll.
    const ended = (output: unknown) => (output as { next?: string }).next === 'end';
    const lambda = lambdaErrorOnceAfter('poll', ended);
    const { h, replies, incidentId } = await setup({ afterAction: lambda.afterAction });
    ssmEnds(h);
    const polls: string[] = [];
    h.ssm.on(GetAutomationExecutionCommand).callsFake(() => {
      polls.push(h.clock.now.toISOString());
      return {
        AutomationExecution: { AutomationExecutionStatus: 'Success', StepExecutions: [], Outputs: {} },
      };
    });

    // Act
    await requestDiag(h, incidentId);
    await h.settled();

    // Assess: the poll ran twice, SSM was asked once (the retry reads the ended run), one reply.
    expect(lambda.seen).toEqual(['prepare', 'start', 'poll', 'poll']);
    expect(polls).toHaveLength(1);
    expect(h.statesOf(incidentId, diagRunId).at(-1)).toBe('RunEnded');
    expect(replies.posted).toHaveLength(1);
    expect(await h.runs.get(incidentId, diagRunId)).toMatchObject({
      state: 'succeeded',
      replyOutcome: 'posted',
    });
    expect(h.errors).toEqual([]);
  });

  it('posts no second summary when the failure recorder is retried', async () => {
    // Prepare
    const lambda = lambdaErrorOnceAfter('run-failed');
    const { h, replies, incidentId } = await setup({ afterAction: lambda.afterAction });
    h.ssm
      .on(StartAutomationExecutionCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act
    await requestDiag(h, incidentId);
    await h.settled();

    // Assess
    expect(h.statesOf(incidentId, diagRunId).at(-1)).toBe('RunEnded');
    expect(replies.posted).toHaveLength(1);
    expect(await h.runs.get(incidentId, diagRunId)).toMatchObject({
      state: 'failed',
      replyOutcome: 'posted',
    });
  });

  it('never fails the run when the post fails: the failure is kept on the run, without the URL', async () => {
    // Prepare: Slack answers 404 (the URL was used up), naming the URL in the error.
    const { h, replies, incidentId } = await setup();
    ssmEnds(h);
    replies.failWith = Object.assign(new Error(`HTTP 404: expired_url at ${RESPONSE_URL}`), {
      name: 'Reply.Failed',
    });

    // Act
    await requestDiag(h, incidentId);
    await h.settled();

    // Assess
    expect(replies.posted).toHaveLength(1);
    expect(h.statesOf(incidentId, diagRunId).at(-1)).toBe('RunEnded');
    expect(h.workflow.executions.get(`${incidentId}_${diagRunId}`)?.status).toBe('succeeded');
    const run = (await h.runs.get(incidentId, diagRunId)) as RunbookRun;
    expect(run).toMatchObject({
      state: 'succeeded',
      replyOutcome: 'failed',
      replyFailure: 'Reply.Failed: HTTP 404: expired_url at <response_url>',
    });
    expect(JSON.stringify(run)).not.toContain('s3cr3tT0k3n');
    expect(h.errors).toEqual([]);
  });

  it('refuses a request whose response_url is not https, writing no run', async () => {
    // Prepare
    const { h, incidentId } = await setup();

    // Act
    const refusal = await requestDiag(h, incidentId, 'http://hooks.slack.com/commands/T1/2/x').catch(
      (e) => e,
    );

    // Assess
    expect(refusal).toMatchObject({
      status: 400,
      field: 'replyTo',
      message: 'replyTo: must be an https URL (a Slack response_url)',
    });
    expect(await h.runs.list(incidentId)).toEqual([]);
  });
});
