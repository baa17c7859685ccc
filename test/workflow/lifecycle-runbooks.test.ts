import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { RunbookRuns } from '#adapters/runbook-runs';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { alertId, DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Signal } from '#core/model';
import { executionNameOf, runIdOf } from '#core/runbook-run';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { RunbookActions } from '../../lambdas/runbooks/actions';
import { RunbookLauncher } from '../../lambdas/runbooks/launch';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type HarnessOptions, lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

/**
 * The lifecycle launches an incident's runbooks once, as it opens (its LaunchRunbooks branch), never on a
 * re-plan, and never in paging's way: the ASL file executed in simulated time.
 */

let server: DynamoServer;
let harness: ReturnType<typeof lifecycleHarness> | undefined;

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

type Harness = ReturnType<typeof lifecycleHarness>;
const at = (hhmmss: string) => `2026-11-27T${hhmmss}.000Z`;

function cpuAlarm(time = '09:59:30', overrides: Partial<Signal> & { alarm?: string } = {}): Signal {
  return alarmSignal({
    at: at(time),
    impact: 'medium',
    urgency: 'medium',
    team: 'checkout',
    details: {
      namespace: 'AWS/EC2',
      metricNames: ['CPUUtilization'],
      dimensions: { InstanceId: 'i-0abc' },
      threshold: 80,
      recentDatapoints: [91.5],
    },
    ...overrides,
  });
}

async function setup(options: HarnessOptions = {}) {
  const table = await server.createTable('lifecycle-runbooks');
  harness = lifecycleHarness(server, table, {
    simulatedTime: true,
    trace: true,
    grouping: DEFAULT_GROUPING_CONFIG,
    ...options,
  });
  const signal = cpuAlarm();
  const incidentId = await harness.open(signal);
  return { h: harness, incidentId, signal, table };
}

function recoverAt(h: Harness, signals: Signal[], time: string) {
  void h.at(at(time), async () => {
    for (const signal of signals) {
      await h.recover({
        ...signal,
        eventId: `ok-${signal.eventId}`,
        action: 'resolve',
        occurredAt: h.clock.now.toISOString(),
      });
    }
  });
}

describe('lifecycle: runbooks', () => {
  it('launches the runbooks of the opening alert once, as the incident opens, with its facts', async () => {
    // Prepare
    const { h, incidentId, signal } = await setup();
    recoverAt(h, [signal], '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(h.calls.filter((c) => c.action === 'launch')).toEqual([
      { state: 'LaunchRunbooks', action: 'launch', at: at('10:00:00') },
    ]);
    expect(h.launches).toEqual([
      {
        incidentId,
        trigger: 'opened',
        options: { key: alertId(signal.dedupKey), requestedBy: 'firebreak' },
        alert: {
          incidentId,
          alertId: alertId(signal.dedupKey),
          dedupKey: signal.dedupKey,
          source: {
            kind: 'cloudwatch',
            name: signal.source.name,
            account: '111122223333',
            region: 'us-east-1',
          },
          service: 'web-prod',
          team: 'checkout',
          category: 'Infrastructure',
          labels: {},
          firedAt: at('09:59:30'),
          namespace: 'AWS/EC2',
          metricNames: ['CPUUtilization'],
          dimensions: { InstanceId: 'i-0abc' },
          threshold: 80,
          recentDatapoints: [91.5],
        },
      },
    ]);
    expect(h.entered).toContain('RunbooksLaunched');
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });

  it('does not launch them again when a joining alert raises the priority and the lifecycle re-plans', async () => {
    // Prepare: a P1 alarm of the same service joins at 10:05.
    const { h, incidentId, signal } = await setup();
    const joining = cpuAlarm('10:05:00', {
      alarm: 'web-prod-5xx-rate-high',
      impact: 'high',
      urgency: 'high',
    });
    const joined = h.at(at('10:05:00'), () => h.ingest(joining));
    recoverAt(h, [signal, joining], '10:30:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(await joined).toEqual({ outcome: 'joined', incidentId });
    expect(h.calls.filter((c) => c.action === 'prepare')).toHaveLength(2);
    expect(h.launches.map((launch) => launch.trigger)).toEqual(['opened']);
    expect(h.entered.filter((name) => name === 'DiagnoseWanted')).toHaveLength(2);
    expect(h.entered.filter((name) => name === 'LaunchRunbooks')).toHaveLength(1);
  });

  it('records a launch that fails after its retries once, and pages as if nothing happened', async () => {
    // Prepare: the runbook function cannot start executions.
    let attempts = 0;
    const { h, incidentId, signal } = await setup({
      faults: {
        LaunchRunbooks: async () => {
          attempts += 1;
          throw Object.assign(new Error('User is not authorized to perform: states:StartExecution'), {
            name: 'AccessDeniedException',
          });
        },
      },
    });
    recoverAt(h, [signal], '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess
    expect(attempts).toBe(3);
    const failures = (await h.store.listTimeline(incidentId)).filter((e) => e.kind === 'failure');
    expect(failures.map((e) => e.message)).toEqual([
      "Launching the incident's runbooks (the diagnosis of recent changes and any bound runbook) failed after " +
        'its retries (AccessDeniedException: User is not authorized to perform: states:StartExecution); paging ' +
        'carries on without them; a bound runbook can be run by hand (POST /incidents/{id}/runbooks).',
    ]);
    expect(failures[0]?.details).toMatchObject({ state: 'LaunchRunbooks', key: 'launch-runbooks' });
    expect(h.published.filter((p) => p.kind === 'initial').map((p) => [p.target, p.at])).toEqual([
      ['primary-on-call', at('10:00:00')],
    ]);
    expect(h.published.filter((p) => p.target === 'ops')).toHaveLength(1);
    expect(h.entered.at(-1)).toBe('LifecycleEnded');
  });

  it('writes the runs of a real launch, and a retried launch writes nothing new', async () => {
    // Prepare: the real launch action and launcher; the first attempt "times out" after doing its work.
    const table = await server.createTable('lifecycle-runbooks');
    const store = new IncidentStore(server.doc, table);
    const runs = new RunbookRuns(server.doc, table);
    const started: string[] = [];
    let now = () => new Date(at('10:00:00'));
    const runbooks = new RunbookActions({
      store,
      runs,
      claims: store.claims,
      launcher: new RunbookLauncher({
        runs,
        starter: {
          async start(incidentId, runId) {
            started.push(executionNameOf(incidentId, runId));
            return 'started';
          },
        },
        config: DEFAULT_RUNBOOK_CONFIG,
        clock: () => now(),
      }),
      automation: {
        start: () => Promise.reject(new Error('no SSM here')),
        status: () => Promise.reject(new Error('no SSM here')),
      },
      changes: { find: () => Promise.reject(new Error('no CloudTrail here')) },
      lifecycle: { signalResolved: async () => 'not-waiting' },
      notifier: new SnsNotifier(new SNSClient({ region: 'us-east-1' }), {}),
      escalation: DEFAULT_ESCALATION_CONFIG,
      runbooks: DEFAULT_RUNBOOK_CONFIG,
      opsTopicArn: 'arn:aws:sns:us-east-1:111122223333:firebreak-ops',
      incidentLink: (id) => id,
      clock: () => now(),
    });
    let attempts = 0;
    harness = lifecycleHarness(server, table, {
      simulatedTime: true,
      runbooks,
      faults: {
        LaunchRunbooks: async (_input, real) => {
          const output = await real();
          attempts += 1;
          if (attempts === 1)
            throw Object.assign(new Error('Task timed out after 30 s'), { name: 'States.Timeout' });
          return output;
        },
      },
    });
    const h = harness;
    now = () => h.clock.now;
    const signal = cpuAlarm();
    const incidentId = await h.open(signal);
    recoverAt(h, [signal], '10:20:00');

    // Act
    await h.run(incidentId).result;

    // Assess: one run (the diagnosis of recent changes, nothing being bound), started by each attempt under
    // the one execution name Step Functions refuses a second time.
    const runId = runIdOf('changes', 'opened', 'i-0abc');
    expect(attempts).toBe(2);
    expect((await runs.list(incidentId)).map((run) => [run.runId, run.state, run.createdAt])).toEqual([
      [runId, 'requested', at('10:00:00')],
    ]);
    expect(started).toEqual([executionNameOf(incidentId, runId), executionNameOf(incidentId, runId)]);
    expect((await h.store.listTimeline(incidentId)).filter((e) => e.kind === 'failure')).toEqual([]);
  });
});
