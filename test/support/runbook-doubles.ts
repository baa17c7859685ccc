import type { RunbookRuns } from '#adapters/runbook-runs';
import { clientTokenOf, type RunbookRun, type RunTrigger, runIdOf } from '#core/runbook-run';
import { fillParameters, matchBindings, type RunbookAlert, type RunbookConfig } from '#core/runbooks';
import type { ApprovalSignals, Launcher, LaunchOptions } from '../../lambdas/runbooks/ports';

export const AUTOMATION_ROLE_ARN = 'arn:aws:iam::111122223333:role/firebreak-automation';

/**
 * A Launcher at the sibling-module boundary: the real one (lambdas/runbooks/launch.ts) is built in parallel
 * and joins at merge. It writes real run records through RunbookRuns as the launcher does (state
 * `requested`, or `refused` naming the parameters the alert cannot fill) and records what it was asked; it
 * starts nothing, so a test moves a run the way the runbook-run machine would (see awaitApproval).
 */
export class RecordingLauncher implements Launcher {
  readonly calls: Array<{
    incidentId: string;
    alert: RunbookAlert | undefined;
    trigger: RunTrigger;
    options: LaunchOptions;
  }> = [];

  constructor(
    private readonly runs: RunbookRuns,
    private readonly config: RunbookConfig,
    private readonly clock: () => Date,
  ) {}

  async launch(
    incidentId: string,
    alert: RunbookAlert | undefined,
    trigger: RunTrigger,
    options: LaunchOptions,
  ): Promise<RunbookRun[]> {
    this.calls.push({ incidentId, alert, trigger, options });
    const names = options.only
      ? [options.only]
      : alert
        ? matchBindings(this.config, alert).map(([name]) => name)
        : [];
    const launched: RunbookRun[] = [];
    for (const name of names) {
      const binding = this.config.bindings[name];
      if (!binding) throw new Error(`${name} is not bound`);
      const runId = runIdOf(name, trigger, options.key);
      const filled = alert
        ? fillParameters(binding, alert, AUTOMATION_ROLE_ARN)
        : ({ ok: false, missing: [] } as const);
      const now = this.clock().toISOString();
      await this.runs.create({
        incidentId,
        runId,
        binding: name,
        kind: binding.kind,
        mode: binding.mode,
        trigger,
        ...(alert ? { alertId: alert.alertId } : {}),
        document: binding.document,
        parameters: filled.ok ? filled.parameters : {},
        ...(filled.ok ? { resource: filled.resource } : {}),
        state: filled.ok ? 'requested' : 'refused',
        ...(filled.ok
          ? {}
          : {
              reason: `cannot fill ${filled.missing.map((m) => `${m.parameter} (${m.placeholder})`).join(', ')}`,
            }),
        requestedBy: options.requestedBy,
        clientToken: clientTokenOf(incidentId, runId),
        createdAt: now,
        updatedAt: now,
      });
      const run = await this.runs.get(incidentId, runId);
      if (run) launched.push(run);
    }
    return launched;
  }
}

/** The approval signals as sent (SendTaskSuccess / SendTaskFailure in AWS), in order. */
export class RecordingApprovals implements ApprovalSignals {
  readonly signals: Array<{ decision: 'approve' | 'reject'; token: string; reason?: string }> = [];

  async approve(token: string): Promise<'signalled'> {
    this.signals.push({ decision: 'approve', token });
    return 'signalled';
  }

  async reject(token: string, reason: string): Promise<'signalled'> {
    this.signals.push({ decision: 'reject', token, reason });
    return 'signalled';
  }
}

/**
 * Moves a requested run to `awaiting-approval` as the machine's Prepare step does, and parks `token` as its
 * AwaitApproval step does (no token: the decision comes before the machine parks one).
 */
export async function awaitApproval(
  runs: RunbookRuns,
  incidentId: string,
  runId: string,
  now: Date,
  token?: string,
): Promise<void> {
  const moved = await runs.transition(incidentId, runId, ['requested'], 'awaiting-approval', {}, now);
  if (!moved) throw new Error(`run ${runId} is not requested`);
  if (token && !(await runs.parkApprovalToken(incidentId, runId, token))) {
    throw new Error(`run ${runId} did not park its token`);
  }
}

/** The runbook configuration of the worked example: restart the instance of an EC2 CPU alarm, approved. */
export const EXAMPLE_RUNBOOKS = {
  bindings: {
    'restart-web': {
      description: 'Restart the instance whose CPU alarm fired',
      match: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
      document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
      kind: 'remediation',
      mode: 'approval',
      settleMinutes: 10,
    },
    'describe-instance': {
      match: { namespace: 'AWS/EC2' },
      document: { name: 'Firebreak-Diagnose', version: '1' },
      parameters: {
        TargetType: 'ec2',
        TargetId: '{dimension.InstanceId}',
        AutomationAssumeRole: '{automationRole}',
      },
      kind: 'diagnostic',
    },
  },
};

/**
 * What the API function is deployed with in the handler tests (RUNBOOK_CONFIG): the worked example, plus a
 * remediation any reported `checkout` incident matches and can fill, so a run can be asked for there.
 */
export const API_TEST_RUNBOOKS = {
  ...EXAMPLE_RUNBOOKS,
  bindings: {
    ...EXAMPLE_RUNBOOKS.bindings,
    'restart-checkout': {
      match: { service: 'checkout' },
      document: { name: 'AWS-RestartEC2Instance', version: '1' },
      parameters: { AutomationAssumeRole: '{automationRole}' },
      kind: 'remediation',
    },
  },
};
