import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentStore } from '#adapters/incident-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { RunbookWorkflow } from '#adapters/runbook-workflow';
import { alertId, DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { clientTokenOf, executionNameOf, runIdOf } from '#core/runbook-run';
import { parseRunbookConfig, type RunbookAlert } from '#core/runbooks';
import { applySignal, type RunbookJoinHook } from '../../lambdas/ingest/apply-signal';
import { NotBound, RunbookLauncher } from '../../lambdas/runbooks/launch';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';

/**
 * The launcher against dynalite and Step Functions mocked at its client: a run is written once per
 * trigger (put-if-absent) and its execution started once (named by incident and run), however often the
 * launch is delivered; and ingestion launches the runbooks of an alert joining an open incident, best effort.
 */

const STATE_MACHINE = 'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-runbook-run';
const ROLE = 'arn:aws:iam::111122223333:role/firebreak-automation';
const NOW = new Date('2026-11-27T10:00:00.000Z');
const INCIDENT = 'INC-20261127-0001';

const CONFIG = parseRunbookConfig({
  bindings: {
    'restart-web': {
      match: { namespace: 'AWS/EC2' },
      document: { name: 'AWS-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
      kind: 'remediation',
    },
    'describe-web': {
      match: { namespace: 'AWS/EC2' },
      document: { name: 'Firebreak-Diagnose', version: '2' },
      parameters: { TargetType: 'EC2', InstanceId: '{dimension.InstanceId}' },
      kind: 'diagnostic',
      mode: 'off',
    },
    'flush-cache': {
      match: { service: 'cache' },
      document: { name: 'Firebreak-FlushCache', version: '1' },
      parameters: { Cluster: '{label.cluster}' },
      kind: 'remediation',
      mode: 'auto',
    },
  },
});

const ALERT: RunbookAlert = {
  incidentId: INCIDENT,
  alertId: 'alert-1',
  dedupKey: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu',
  source: { kind: 'cloudwatch', name: 'web-prod-cpu', account: '111122223333', region: 'us-east-1' },
  service: 'web-prod',
  category: 'Infrastructure',
  labels: {},
  namespace: 'AWS/EC2',
  metricNames: ['CPUUtilization'],
  dimensions: { InstanceId: 'i-0abc' },
};

let server: DynamoServer;
let table: string;
let runs: RunbookRuns;
const sfn = mockClient(SFNClient);
const executions = new Set<string>();

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  sfn.restore();
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('runbook-launch');
  runs = new RunbookRuns(server.doc, table);
  executions.clear();
  sfn.reset();
  // Step Functions refuses a second execution of the same name, as the service does.
  sfn.on(StartExecutionCommand).callsFake((input: { name?: string }) => {
    const name = input.name ?? '';
    if (executions.has(name))
      throw Object.assign(new Error(`Execution ${name} already exists`), { name: 'ExecutionAlreadyExists' });
    executions.add(name);
    return { executionArn: `arn:aws:states:us-east-1:111122223333:execution:firebreak-runbook-run:${name}` };
  });
});
afterEach(() => {
  sfn.reset();
});

function launcher(config = CONFIG) {
  return new RunbookLauncher({
    runs,
    starter: new RunbookWorkflow(new SFNClient({ region: 'us-east-1' }), STATE_MACHINE),
    config,
    automationRoleArn: ROLE,
    clock: () => NOW,
  });
}

describe('RunbookLauncher', () => {
  it('writes each matching run and the changes run once, and starts each execution once, when launched twice', async () => {
    // Act
    const first = await launcher().launch(INCIDENT, ALERT, 'opened', {
      key: 'alert-1',
      requestedBy: 'firebreak',
    });
    const second = await launcher().launch(INCIDENT, ALERT, 'opened', {
      key: 'alert-1',
      requestedBy: 'firebreak',
    });

    // Assess
    const restart = runIdOf('restart-web', 'opened', 'alert-1');
    const describeRun = runIdOf('describe-web', 'opened', 'alert-1');
    const changes = runIdOf('changes', 'opened', 'i-0abc');
    expect(first.map((run) => [run.runId, run.state])).toEqual([
      [describeRun, 'skipped'],
      [restart, 'requested'],
      [changes, 'requested'],
    ]);
    expect(second).toEqual(first);
    expect(await runs.list(INCIDENT)).toHaveLength(3);
    // The skipped run is never started; the others are started by each launch and refused by name the second time.
    const starts = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(starts).toEqual([
      {
        stateMachineArn: STATE_MACHINE,
        name: executionNameOf(INCIDENT, restart),
        input: JSON.stringify({ incidentId: INCIDENT, runId: restart }),
      },
      {
        stateMachineArn: STATE_MACHINE,
        name: executionNameOf(INCIDENT, changes),
        input: JSON.stringify({ incidentId: INCIDENT, runId: changes }),
      },
      ...[restart, changes].map((runId) => ({
        stateMachineArn: STATE_MACHINE,
        name: executionNameOf(INCIDENT, runId),
        input: JSON.stringify({ incidentId: INCIDENT, runId }),
      })),
    ]);
    expect([...executions].sort()).toEqual(
      [executionNameOf(INCIDENT, changes), executionNameOf(INCIDENT, restart)].sort(),
    );
    expect(await runs.get(INCIDENT, restart)).toEqual({
      incidentId: INCIDENT,
      runId: restart,
      binding: 'restart-web',
      kind: 'remediation',
      mode: 'approval',
      trigger: 'opened',
      alertId: 'alert-1',
      dedupKey: ALERT.dedupKey,
      document: { name: 'AWS-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: 'i-0abc', AutomationAssumeRole: ROLE },
      resource: 'i-0abc',
      state: 'requested',
      requestedBy: 'firebreak',
      clientToken: clientTokenOf(INCIDENT, restart),
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
  });

  it('does not start a run again once it has moved on', async () => {
    // Prepare
    await launcher().launch(INCIDENT, ALERT, 'opened', { key: 'alert-1', requestedBy: 'firebreak' });
    const restart = runIdOf('restart-web', 'opened', 'alert-1');
    await runs.transition(INCIDENT, restart, ['requested'], 'awaiting-approval', {}, NOW);
    sfn.resetHistory();

    // Act
    await launcher().launch(INCIDENT, ALERT, 'opened', { key: 'alert-1', requestedBy: 'firebreak' });

    // Assess
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual([
      executionNameOf(INCIDENT, runIdOf('changes', 'opened', 'i-0abc')),
    ]);
  });

  it('writes a run whose parameters cannot be filled refused, naming them, and starts it to record that', async () => {
    // Act
    const [run] = await launcher().launch(INCIDENT, { ...ALERT, service: 'cache' }, 'requested', {
      key: 'req-1',
      requestedBy: 'alice',
      only: 'flush-cache',
    });

    // Assess
    expect(run).toMatchObject({
      binding: 'flush-cache',
      state: 'refused',
      reason: 'could not fill Cluster (from {label.cluster}) from the alert',
      requestedBy: 'alice',
      trigger: 'requested',
      endedAt: NOW.toISOString(),
    });
    expect(await runs.list(INCIDENT)).toHaveLength(1);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('runs only the binding a person asks for, without the changes run; a name not bound is refused', async () => {
    // Act
    const asked = await launcher().launch(INCIDENT, ALERT, 'requested', {
      key: 'req-2',
      requestedBy: 'alice',
      only: 'restart-web',
    });
    const unknown = launcher().launch(INCIDENT, ALERT, 'requested', {
      key: 'req-3',
      requestedBy: 'alice',
      only: 'restart-db',
    });

    // Assess
    expect(asked.map((run) => [run.binding, run.trigger, run.state])).toEqual([
      ['restart-web', 'requested', 'requested'],
    ]);
    await expect(unknown).rejects.toThrow(NotBound);
    await expect(unknown).rejects.toMatchObject({ name: 'Runbook.NotBound', binding: 'restart-db' });
  });

  it("keeps a request's reply URL on its run; the reply is recorded once and the URL then removed", async () => {
    // Prepare
    const replyTo = 'https://hooks.slack.com/commands/T0001/1234567890/s3cr3tT0k3n';
    const [run] = await launcher().launch(INCIDENT, ALERT, 'requested', {
      key: 'req-4',
      requestedBy: 'slack:U024BE7LH',
      only: 'restart-web',
      replyTo,
    });
    const later = new Date(NOW.getTime() + 60_000);

    // Act
    const first = await runs.settleReply(INCIDENT, run?.runId ?? '', { outcome: 'posted' }, later);
    const again = await runs.settleReply(
      INCIDENT,
      run?.runId ?? '',
      { outcome: 'failed', failure: 'x' },
      NOW,
    );

    // Assess
    expect(run).toMatchObject({ replyTo, state: 'requested' });
    expect([first, again]).toEqual([true, false]);
    const stored = await runs.get(INCIDENT, run?.runId ?? '');
    expect(stored).toMatchObject({ repliedAt: later.toISOString(), replyOutcome: 'posted' });
    expect(stored).not.toHaveProperty('replyTo');
    expect(stored).not.toHaveProperty('replyFailure');
    // The run's own times are left alone: its timeline entries are written at them.
    expect(stored?.updatedAt).toBe(NOW.toISOString());
  });
});

describe('ingestion: an alert joining an open incident', () => {
  function ingestDeps(runbooks: RunbookJoinHook) {
    const store = new IncidentStore(server.doc, table);
    return {
      store,
      ids: new IncidentIdAllocator(store),
      workflow: {
        start: async () => 'started',
        signalResolved: async () => 'signalled',
        signalPriorityRaised: async () => 'signalled',
      },
      clock: () => NOW,
      grouping: DEFAULT_GROUPING_CONFIG,
      runbooks,
    };
  }
  const opening = alarmSignal({ at: '2026-11-27T09:59:00.000Z', alarm: 'web-prod-cpu' });
  const joining = alarmSignal({
    at: '2026-11-27T09:59:30.000Z',
    alarm: 'web-prod-latency',
    labels: { tier: 'web' },
    details: { namespace: 'AWS/EC2', metricNames: ['CPUUtilization'], dimensions: { InstanceId: 'i-0def' } },
  });

  it('launches the runbooks of the joining alert (trigger joined, keyed by the alert), not of the opening one', async () => {
    // Prepare
    const launches: unknown[][] = [];
    const deps = ingestDeps({
      launcher: { launch: async (...args) => launches.push(args) },
      onError: (error) => {
        throw error;
      },
    });

    // Act
    const opened = await applySignal(deps, opening);
    const joined = await applySignal(deps, joining);

    // Assess
    expect(joined).toEqual({
      outcome: 'joined',
      incidentId: opened.outcome === 'opened' ? opened.incidentId : '',
    });
    expect(launches).toEqual([
      [
        joined.outcome === 'joined' ? joined.incidentId : '',
        {
          incidentId: joined.outcome === 'joined' ? joined.incidentId : '',
          alertId: alertId(joining.dedupKey),
          dedupKey: joining.dedupKey,
          source: {
            kind: 'cloudwatch',
            name: 'web-prod-latency',
            account: '111122223333',
            region: 'us-east-1',
          },
          service: 'web-prod',
          category: 'Infrastructure',
          labels: { tier: 'web' },
          firedAt: '2026-11-27T09:59:30.000Z',
          namespace: 'AWS/EC2',
          metricNames: ['CPUUtilization'],
          dimensions: { InstanceId: 'i-0def' },
        },
        'joined',
        { key: alertId(joining.dedupKey), requestedBy: 'firebreak' },
      ],
    ]);
  });

  it('joins the alert all the same when the launch fails, and reports the failure', async () => {
    // Prepare
    const failures: unknown[] = [];
    const deps = ingestDeps({
      launcher: {
        launch: () =>
          Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      },
      onError: (error, context) => failures.push({ error: (error as Error).name, ...context }),
    });
    const opened = await applySignal(deps, opening);

    // Act
    const joined = await applySignal(deps, joining);

    // Assess
    const incidentId = opened.outcome === 'opened' ? opened.incidentId : '';
    expect(joined).toEqual({ outcome: 'joined', incidentId });
    expect(failures).toEqual([
      {
        error: 'ThrottlingException',
        incidentId,
        dedupKey: joining.dedupKey,
        alertId: alertId(joining.dedupKey),
      },
    ]);
    const incident = await deps.store.getIncident(incidentId);
    expect(Object.keys(incident?.alerts ?? {})).toHaveLength(2);
  });
});
