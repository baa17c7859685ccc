import type { RunbookRuns } from '#adapters/runbook-runs';
import { changeResourcesOf } from '#core/runbook-alert';
import { clientTokenOf, type RunbookRun, type RunTrigger, runIdOf } from '#core/runbook-run';
import {
  CHANGES_RUN,
  fillParameters,
  matchBindings,
  type RunbookAlert,
  type RunbookBinding,
  type RunbookConfig,
} from '#core/runbooks';
import type { Launcher, LaunchOptions, RunbookStarter } from './ports';

export interface LauncherDeps {
  runs: RunbookRuns;
  starter: RunbookStarter;
  config: RunbookConfig;
  /** The automation role's ARN (`{automationRole}` in parameters). */
  automationRoleArn?: string | undefined;
  clock: () => Date;
}

/** A person asked for a runbook no binding names: refused (the API answers 400 naming it). */
export class NotBound extends Error {
  constructor(readonly binding: string) {
    super(`no runbook is bound under the name "${binding}"`);
    this.name = 'Runbook.NotBound';
  }
}

/** Runs the launcher starts an execution for: the others end where they were written. */
const STARTED_STATES: ReadonlySet<RunbookRun['state']> = new Set(['requested', 'refused']);

/** An alert with no facts: a person's request on the whole incident fills only what needs no alert. */
function noAlert(incidentId: string): RunbookAlert {
  return {
    incidentId,
    alertId: '',
    dedupKey: '',
    source: { kind: '', name: '' },
    service: '',
    category: '',
    labels: {},
  };
}

/**
 * Writes the runs an alert (or a person) asks for and starts one execution of the runbook-run state machine
 * for each. A run is written before its start, put-if-absent under an id derived from the binding, the
 * trigger and the launch's key, so the same launch delivered twice writes nothing new, and starts
 * again only what may not have started (a start is idempotent by execution name). A run whose parameters
 * cannot be filled is written `refused`, naming them, and still started: its execution records the refusal
 * on the timeline. A binding in mode `off` is written `skipped` and not started.
 */
export class RunbookLauncher implements Launcher {
  constructor(private readonly deps: LauncherDeps) {}

  async launch(
    incidentId: string,
    alert: RunbookAlert | undefined,
    trigger: RunTrigger,
    options: LaunchOptions,
  ): Promise<RunbookRun[]> {
    const now = this.deps.clock();
    const planned: RunbookRun[] = this.bindingsFor(alert, options).map(([name, binding]) =>
      this.bindingRun(incidentId, alert, trigger, options, name, binding, now),
    );
    if (options.only === undefined) planned.push(this.changesRun(incidentId, alert, trigger, options, now));
    const launched: RunbookRun[] = [];
    for (const run of planned) {
      const written = (await this.deps.runs.create(run))
        ? run
        : ((await this.deps.runs.get(incidentId, run.runId)) ?? run);
      if (STARTED_STATES.has(written.state)) await this.deps.starter.start(incidentId, written.runId);
      launched.push(written);
    }
    return launched;
  }

  private bindingsFor(
    alert: RunbookAlert | undefined,
    options: LaunchOptions,
  ): Array<[string, RunbookBinding]> {
    if (options.only !== undefined) {
      const binding = this.deps.config.bindings[options.only];
      if (!binding) throw new NotBound(options.only);
      return [[options.only, binding]];
    }
    return alert ? matchBindings(this.deps.config, alert) : [];
  }

  private bindingRun(
    incidentId: string,
    alert: RunbookAlert | undefined,
    trigger: RunTrigger,
    options: LaunchOptions,
    name: string,
    binding: RunbookBinding,
    now: Date,
  ): RunbookRun {
    const runId = runIdOf(name, trigger, options.key);
    const filled = fillParameters(binding, alert ?? noAlert(incidentId), this.deps.automationRoleArn);
    const base = this.base(incidentId, runId, alert, trigger, options, now);
    const run: RunbookRun = {
      ...base,
      binding: name,
      kind: binding.kind,
      mode: binding.mode,
      document: binding.document,
      parameters: filled.ok ? filled.parameters : {},
      ...(filled.ok ? { resource: filled.resource } : {}),
    };
    if (binding.mode === 'off') {
      return { ...run, state: 'skipped', reason: 'the binding is off', endedAt: base.createdAt };
    }
    if (!filled.ok) {
      const missing = filled.missing.map((m) => `${m.parameter} (from ${m.placeholder})`).join(', ');
      return {
        ...run,
        state: 'refused',
        reason: `could not fill ${missing} from the alert`,
        endedAt: base.createdAt,
      };
    }
    return run;
  }

  /** The built-in diagnosis of recent changes: one per trigger and set of resources. */
  private changesRun(
    incidentId: string,
    alert: RunbookAlert | undefined,
    trigger: RunTrigger,
    options: LaunchOptions,
    now: Date,
  ): RunbookRun {
    const resources = alert ? changeResourcesOf(alert) : [];
    const key = resources.length > 0 ? [...resources].sort().join('\n') : options.key;
    const runId = runIdOf(CHANGES_RUN, trigger, key);
    return {
      ...this.base(incidentId, runId, alert, trigger, options, now),
      binding: CHANGES_RUN,
      kind: 'changes',
      mode: 'auto',
      parameters: {},
      ...(resources.length > 0 ? { resource: resources.join(',') } : {}),
    };
  }

  private base(
    incidentId: string,
    runId: string,
    alert: RunbookAlert | undefined,
    trigger: RunTrigger,
    options: LaunchOptions,
    now: Date,
  ) {
    return {
      incidentId,
      runId,
      trigger,
      ...(alert?.alertId ? { alertId: alert.alertId } : {}),
      ...(alert?.dedupKey ? { dedupKey: alert.dedupKey } : {}),
      state: 'requested' as const,
      requestedBy: options.requestedBy,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
      clientToken: clientTokenOf(incidentId, runId),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
  }
}
