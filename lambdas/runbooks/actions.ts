import type { AlertClaims } from '#adapters/alert-claims';
import type { IncidentStore } from '#adapters/incident-store';
import type { SnsNotifier } from '#adapters/notifier';
import type { RunbookRuns } from '#adapters/runbook-runs';
import { readAlertEntry } from '#core/alerts';
import type { EscalationConfig } from '#core/escalation';
import { isOpen } from '#core/lifecycle';
import type { Incident, TimelineEntry } from '#core/model';
import { changeResourcesOf, runbookAlertOfClaim, stackNameOf } from '#core/runbook-alert';
import {
  changesDiagnosis,
  runActor,
  runEntries,
  runEntryId,
  runNotices,
  runReply,
} from '#core/runbook-messages';
import {
  type AutomationProgress,
  automationProgress,
  MAX_AUTOMATION_MINUTES,
  pollDelaySeconds,
  REPLY_WINDOW_MINUTES,
  type RunbookRun,
  type RunState,
  type RunStep,
  runSettled,
} from '#core/runbook-run';
import type { RunbookConfig } from '#core/runbooks';
import { MAX_SUBJECT_LENGTH } from '#core/templates';
import { finishResolution, resolveIncident } from '../incidents/resolve';
import type { TargetResolver } from '../incidents/target-resolver';
import type { LifecycleStarter } from '../ingest/apply-signal';
import { describeTaskError } from '../lifecycle/inputs';
import type { ChatDelivery } from '../lifecycle/notify-once';
import { countStart, tripBreaker } from './breaker';
import {
  AlreadyApproved,
  AlreadyRejected,
  IncidentNotFound,
  NotAwaitingApproval,
  RunNotFound,
  unlessThrottled,
} from './errors';
import type { RunbookInput } from './inputs';
import { notifyOnCall } from './on-call';
import type { AutomationRunner, ChangeSource, Launcher, ReplyPoster } from './ports';

export interface RunbookDeps {
  store: IncidentStore;
  runs: RunbookRuns;
  claims: AlertClaims;
  launcher: Launcher;
  automation: AutomationRunner;
  changes: ChangeSource;
  /** Wakes the lifecycle parked on the resolution when a remediation resolves the incident. */
  lifecycle: Pick<LifecycleStarter, 'signalResolved'>;
  notifier: SnsNotifier;
  escalation: EscalationConfig;
  runbooks: RunbookConfig;
  /** Firebreak's own failures (a run's step failing after its retries) go here too. */
  opsTopicArn: string;
  incidentLink: (incidentId: string) => string;
  clock: () => Date;
  /** Who `schedule:` and `person:` targets of the on-call level are now (topics only when absent). */
  targets?: TargetResolver;
  /** Answers a person's run at its request's response_url when it ends (none: runs answer nothing). */
  replies?: ReplyPoster;
  /** Notices to the on-call level go to the incident's chat channels too (Slack), as the lifecycle's do. */
  chat?: ChatDelivery;
}

/** How long a failed reply's reason may be on the run. */
const REPLY_FAILURE_LENGTH = 300;

type Input<A extends RunbookInput['action']> = Extract<RunbookInput, { action: A }>;

/** What Prepare tells the state machine: where the run goes next, and how long an approval may take. */
export interface PrepareResult {
  next: 'end' | 'diagnose' | 'approval' | 'start';
  state: RunState;
  approvalTimeoutSeconds: number;
}

/** What StartAutomation and PollAutomation tell the state machine. */
export interface AutomationResult {
  next: 'wait' | 'settle' | 'end';
  state: RunState;
  progress?: AutomationProgress;
  /** Seconds to the next poll (back-off), or to the alarm check after a successful remediation. */
  waitSeconds: number;
  settleSeconds: number;
  polls: number;
}

/** Defaults for a run whose binding left the configuration after it was launched. */
const DEFAULT_SETTLE_MINUTES = 10;
const DEFAULT_APPROVAL_MINUTES = 30;

/** States a run is in before it ends: a failure recorder may move it from any of them. */
const OPEN_RUN_STATES: readonly RunState[] = [
  'requested',
  'awaiting-approval',
  'approved',
  'running',
  'succeeded',
];

/** SSM statuses of a step that has ended. */
const STEP_ENDED = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Cancelling', 'Exited', 'Skipped']);

/**
 * The work behind each Task of the runbook-run state machine, and the lifecycle's launch of an incident's
 * runbooks. Every step reads the run first and acts from where it stands, so a retried step finishes what
 * the first attempt started and doubles nothing: each run change is one conditional write, each timeline
 * entry has a deterministic id and time (put-if-absent), each notice is sent once per key.
 */
export class RunbookActions {
  constructor(private readonly deps: RunbookDeps) {}

  run(input: RunbookInput): Promise<unknown> {
    switch (input.action) {
      case 'launch':
        return this.launch(input);
      case 'prepare':
        return this.prepare(input);
      case 'park-approval':
        return this.parkApproval(input);
      case 'approval-expired':
        return this.approvalExpired(input);
      case 'approval-rejected':
        return this.approvalRejected(input);
      case 'start':
        return this.start(input);
      case 'poll':
        return this.poll(input);
      case 'verify':
        return this.verify(input);
      case 'diagnose-changes':
        return this.diagnoseChanges(input);
      case 'run-failed':
        return this.runFailed(input);
    }
  }

  /** The lifecycle's branch as an incident opens: its opening alert's bindings, and the changes diagnosis. */
  async launch(
    input: Input<'launch'>,
  ): Promise<{ launched: Array<Pick<RunbookRun, 'runId' | 'binding' | 'state'>> }> {
    const incident = await this.incident(input.incidentId);
    const claim = await this.deps.claims.get(incident.dedupKey);
    const alert = runbookAlertOfClaim(incident, claim?.incidentId === incident.id ? claim : undefined);
    const runs = await this.deps.launcher.launch(incident.id, alert, input.trigger, {
      key: alert.alertId,
      requestedBy: 'firebreak',
    });
    return { launched: runs.map(({ runId, binding, state }) => ({ runId, binding, state })) };
  }

  async prepare(input: Input<'prepare'>, attempt = 0): Promise<PrepareResult> {
    const run = await this.getRun(input);
    const now = this.deps.clock();
    const prepared = (next: PrepareResult['next'], state: RunState = run.state): PrepareResult => ({
      next,
      state,
      approvalTimeoutSeconds: this.approvalMinutes(run) * 60,
    });
    switch (run.state) {
      case 'refused':
        await this.recordRefusal(run);
        return prepared('end');
      case 'skipped':
        // Skipped by an earlier attempt (the incident closed first): its entry may still be missing.
        if (run.mode !== 'off') await this.recordSkip(run);
        return prepared('end');
      case 'awaiting-approval':
        await this.askApproval(run);
        return prepared('approval');
      case 'approved':
        return prepared('start');
      case 'running':
        return prepared(run.kind === 'changes' ? 'diagnose' : 'start');
      case 'requested':
        break;
      default:
        // Ended already (a retried Prepare): its reply may still be missing.
        await this.replyOnce(run);
        return prepared('end');
    }
    if (attempt > 2) throw new Error(`run ${run.runId} kept changing while it was prepared`);
    const again = () => this.prepare(input, attempt + 1);

    if (run.kind === 'changes') {
      const moved = await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['requested'],
        'running',
        {
          startedAt: now.toISOString(),
        },
        now,
      );
      return moved ? prepared('diagnose', 'running') : again();
    }
    if (run.kind === 'remediation') {
      const incident = await this.incident(run.incidentId);
      if (!isOpen(incident.status)) {
        await this.skip(run, `the incident was ${incident.status} before it started`);
        return prepared('end', 'skipped');
      }
    }
    if (run.mode === 'approval') {
      const moved = await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['requested'],
        'awaiting-approval',
        {},
        now,
      );
      if (!moved) return again();
      await this.askApproval(moved);
      return prepared('approval', 'awaiting-approval');
    }
    if (run.kind === 'remediation') {
      // Automatic remediation: the circuit breaker of its resource decides, and counts this run once.
      const count = await countStart(this.deps.runs, run, now, this.deps.runbooks.circuitBreaker);
      if (!count.allowed) {
        const refused = await this.deps.runs.transition(
          run.incidentId,
          run.runId,
          ['requested'],
          'refused',
          {
            reason: count.reason,
            endedAt: now.toISOString(),
          },
          now,
        );
        if (!refused) return again();
        await this.recordRefusal(refused);
        return prepared('end', 'refused');
      }
    }
    return prepared('start');
  }

  async parkApproval(input: Input<'park-approval'>): Promise<{ parked: true }> {
    if (await this.deps.runs.parkApprovalToken(input.incidentId, input.runId, input.token))
      return { parked: true };
    const run = await this.getRun(input);
    if (run.state === 'approved') throw new AlreadyApproved(run.runId, run.approvedBy);
    if (run.state === 'rejected') throw new AlreadyRejected(run.runId, run.rejectedBy);
    throw new NotAwaitingApproval(run.runId, run.state);
  }

  async approvalExpired(
    input: Input<'approval-expired'>,
  ): Promise<{ next: 'start' | 'end'; state: RunState }> {
    const run = await this.getRun(input);
    const now = this.deps.clock();
    const minutes = this.approvalMinutes(run);
    const current =
      (await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['awaiting-approval'],
        'approval-expired',
        {
          reason: `nobody approved within ${minutes} min`,
          endedAt: now.toISOString(),
        },
        now,
      )) ?? (await this.getRun(input));
    // Approved as the wait timed out: the decision stands.
    if (current.state === 'approved') return { next: 'start', state: current.state };
    if (current.state === 'approval-expired') {
      await this.entry(
        current,
        'approval-expired',
        current.endedAt,
        runEntries.approvalExpired(current, minutes),
        {
          approvalTimeoutMinutes: minutes,
        },
      );
      await this.replyOnce(current);
    }
    return { next: 'end', state: current.state };
  }

  async approvalRejected(input: Input<'approval-rejected'>): Promise<{ state: RunState }> {
    const run = await this.getRun(input);
    if (run.state === 'rejected') {
      // The same entry as the API's record of the decision (id and time): one entry, whichever writes first.
      await this.entry(
        run,
        'decision',
        run.decidedAt ?? run.endedAt ?? run.updatedAt,
        runEntries.rejected(run),
        {
          rejectedBy: run.rejectedBy,
          ...(run.decisionReason ? { reason: run.decisionReason } : {}),
        },
      );
      await this.replyOnce(run);
    }
    return { state: run.state };
  }

  async start(input: Input<'start'>): Promise<AutomationResult> {
    const run = await this.getRun(input);
    const now = this.deps.clock();
    if (run.state === 'running' && run.automationId) return this.polling(run, 0);
    if (run.state === 'skipped') {
      await this.recordSkip(run);
      return this.ended(run);
    }
    if (run.state !== 'requested' && run.state !== 'approved') return this.ended(run);
    if (!run.document) throw new Error(`run ${run.runId} has no document to start`);

    if (run.kind === 'remediation') {
      const incident = await this.incident(run.incidentId);
      if (!isOpen(incident.status)) {
        return this.ended(await this.skip(run, `the incident was ${incident.status} before it started`));
      }
      if (!(await this.deps.runs.lockRemediation(run.incidentId, run.runId, now))) {
        const holder = await this.deps.runs.remediationInFlight(run.incidentId);
        const other = holder ? await this.deps.runs.get(run.incidentId, holder) : undefined;
        const what = other ? `remediation ${other.binding} (run ${other.runId})` : 'another remediation';
        return this.ended(await this.skip(run, `${what} is in flight on this incident`));
      }
    }
    const { automationId } = await unlessThrottled(() =>
      this.deps.automation.start({
        documentName: run.document?.name as string,
        documentVersion: run.document?.version as string,
        parameters: Object.fromEntries(
          Object.entries(run.parameters).map(([name, value]) => [name, [value]]),
        ),
        clientToken: run.clientToken,
        incidentId: run.incidentId,
        runId: run.runId,
        binding: run.binding,
      }),
    );
    const current =
      (await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['requested', 'approved'],
        'running',
        {
          automationId,
          startedAt: now.toISOString(),
        },
        now,
      )) ?? (await this.getRun(input));
    if (current.state !== 'running') return this.ended(current);
    await this.entry(current, 'started', current.startedAt, runEntries.started(current), {
      document: current.document,
      parameters: current.parameters,
      automationId,
      clientToken: current.clientToken,
      ...(current.approvedBy ? { approvedBy: current.approvedBy } : {}),
    });
    return this.polling(current, 0);
  }

  async poll(input: Input<'poll'>): Promise<AutomationResult> {
    const run = await this.getRun(input);
    if (run.state === 'failed' || run.state === 'timed-out') {
      await this.finishFailure(run);
      return this.ended(run);
    }
    if (run.state === 'succeeded') return this.succeeded(run);
    if (run.state !== 'running' || !run.automationId) return this.ended(run);
    const automationId = run.automationId;
    const status = await unlessThrottled(() => this.deps.automation.status(automationId));
    const now = this.deps.clock();
    await this.recordSteps(run, status.steps);
    const progress = automationProgress(status.status);
    const observed = { steps: status.steps, outputs: status.outputs };

    if (progress === 'in-progress') {
      const started = Date.parse(run.startedAt ?? run.createdAt);
      if (now.getTime() - started < MAX_AUTOMATION_MINUTES * 60_000) {
        await this.deps.runs.record(run.incidentId, run.runId, 'running', observed, now);
        return this.polling(run, input.polls + 1);
      }
      await this.failRun(
        run,
        'timed-out',
        `Firebreak stopped watching it after ${MAX_AUTOMATION_MINUTES} min (SSM status ${status.status})`,
        observed,
      );
      return this.ended(await this.getRun(input));
    }
    if (progress === 'succeeded') {
      const settle = this.settleMinutes(run);
      const current =
        (await this.deps.runs.transition(
          run.incidentId,
          run.runId,
          ['running'],
          'succeeded',
          {
            ...observed,
            endedAt: now.toISOString(),
            ...(run.kind === 'remediation'
              ? { verifyAt: new Date(now.getTime() + settle * 60_000).toISOString() }
              : {}),
          },
          now,
        )) ?? (await this.getRun(input));
      return current.state === 'succeeded' ? this.succeeded(current) : this.ended(current);
    }
    await this.failRun(
      run,
      progress === 'timed-out' ? 'timed-out' : 'failed',
      status.failure ?? `SSM status ${status.status}`,
      observed,
    );
    return this.ended(await this.getRun(input));
  }

  /**
   * After the settle wait: the run's alarm back to OK resolves the open incident as auto-remediated (unless
   * other alerts still fire); still firing, the breaker trips and the on-call level hears that escalation
   * continues. Every effect comes before the run's final state, so a retry redoes what is missing.
   */
  async verify(input: Input<'verify'>): Promise<{ state: RunState }> {
    const run = await this.getRun(input);
    if (run.state !== 'succeeded') {
      await this.unlock(run);
      await this.replyOnce(run);
      return { state: run.state };
    }
    const incident = await this.incident(run.incidentId);
    const claim = run.dedupKey ? await this.deps.claims.get(run.dedupKey) : undefined;
    const alarm = claim?.source?.name ?? incident.source.name;
    const at = run.verifyAt ?? run.endedAt ?? run.updatedAt;
    const settle = this.settleMinutes(run);
    const states = Object.entries(incident.alerts).map(([id, entry]) => ({ id, ...readAlertEntry(entry) }));
    const ownEntry = run.alertId ? states.find((alert) => alert.id === run.alertId) : undefined;
    const others = states.filter((alert) => alert.id !== ownEntry?.id && alert.state === 'firing').length;
    const recovered = ownEntry ? ownEntry.state === 'resolved' : others === 0;
    const actor = runActor(run.binding);
    const resolution = {
      actor,
      resolution: runEntries.resolution(run, alarm),
      entryId: runEntryId(run.runId, 'resolved'),
    };
    const resolveDeps = { store: this.deps.store, workflow: this.deps.lifecycle, clock: this.deps.clock };
    let outcome: { state: 'verified' | 'not-settled'; reason: string };

    if (isOpen(incident.status) && recovered && others === 0) {
      const { incident: after, resolvedNow } = await resolveIncident(resolveDeps, incident.id, resolution);
      if (!resolvedNow && after?.resolvedBy === actor) await finishResolution(resolveDeps, after, resolution);
      else if (!resolvedNow && after)
        await this.entry(run, 'verified', at, runEntries.verifiedAlreadyResolved(run, alarm), { alarm });
      outcome = { state: 'verified', reason: `${alarm} back to OK after ${settle} min` };
    } else if (!isOpen(incident.status) && incident.resolvedBy === actor) {
      // A retry after this run resolved the incident: finish what that attempt may not have reached.
      await finishResolution(resolveDeps, incident, resolution);
      outcome = { state: 'verified', reason: `${alarm} back to OK after ${settle} min` };
    } else if (recovered) {
      const message = isOpen(incident.status)
        ? runEntries.verifiedStillOpen(run, alarm, others)
        : runEntries.verifiedAlreadyResolved(run, alarm);
      await this.entry(run, 'verified', at, message, { alarm, otherAlertsFiring: others });
      outcome = { state: 'verified', reason: `${alarm} back to OK after ${settle} min` };
    } else if (!isOpen(incident.status)) {
      await this.entry(run, 'not-settled', at, runEntries.closedBeforeCheck(run, incident.status), { alarm });
      outcome = {
        state: 'not-settled',
        reason: `the incident was ${incident.status} before ${alarm} was back to OK`,
      };
    } else {
      const reason = `${alarm} still firing ${settle} min after the remediation`;
      await tripBreaker(
        this.deps.runs,
        run,
        new Date(at),
        this.deps.runbooks.circuitBreaker.cooldownMinutes,
        reason,
      );
      await this.entry(run, 'not-settled', at, runEntries.notSettled(run, alarm, settle), {
        alarm,
        settleMinutes: settle,
        breaker: run.resource,
      });
      await this.tellOnCall(incident, run, 'not-settled', 'did not settle the alarm', {
        message: runNotices.notSettled(incident, run, {
          link: this.deps.incidentLink(incident.id),
          alarm,
          settleMinutes: settle,
        }),
      });
      outcome = { state: 'not-settled', reason };
    }
    const current =
      (await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['succeeded'],
        outcome.state,
        {
          reason: outcome.reason,
        },
        this.deps.clock(),
      )) ?? (await this.getRun(input));
    await this.unlock(run);
    await this.replyOnce(current);
    return { state: current.state };
  }

  /** The built-in diagnosis: recent changes to the alert's resources and service, and its datapoints. */
  async diagnoseChanges(input: Input<'diagnose-changes'>): Promise<{ state: RunState; changes: number }> {
    const run = await this.getRun(input);
    if (run.state !== 'running') {
      await this.replyOnce(run);
      return { state: run.state, changes: 0 };
    }
    const incident = await this.incident(run.incidentId);
    const claim = await this.deps.claims.get(run.dedupKey ?? incident.dedupKey);
    const alert = runbookAlertOfClaim(incident, claim?.incidentId === incident.id ? claim : undefined);
    const alarmAt = alert.firedAt ?? incident.detectedAt;
    const lookbackHours = this.deps.runbooks.changesLookbackHours;
    const now = this.deps.clock();
    const resources = changeResourcesOf(alert);
    const stackName = stackNameOf(alert);
    const from = new Date(Date.parse(alarmAt) - lookbackHours * 3_600_000);
    const changes = await unlessThrottled(() =>
      this.deps.changes.find({ resources, service: alert.service, stackName, from, to: now }),
    );
    const datapoints = alert.recentDatapoints
      ? {
          recent: alert.recentDatapoints,
          ...(alert.threshold !== undefined ? { threshold: alert.threshold } : {}),
        }
      : undefined;
    await this.deps.store.appendTimeline({
      incidentId: run.incidentId,
      entryId: runEntryId(run.runId, 'changes'),
      at: run.startedAt ?? run.createdAt,
      kind: 'diagnosis',
      actor: runActor(run.binding),
      message: changesDiagnosis({
        changes,
        alarmAt,
        lookbackHours,
        looked: [...resources, stackName],
        datapoints,
      }),
      details: {
        runId: run.runId,
        changes,
        ...(datapoints ? { datapoints } : {}),
        resources,
        stackName,
        window: { from: from.toISOString(), to: now.toISOString() },
      },
    });
    const current =
      (await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['running'],
        'succeeded',
        {
          endedAt: now.toISOString(),
          outputs: {
            changes: changes.map(
              (change) => `${change.at} ${change.what} on ${change.resource} by ${change.actor}`,
            ),
          },
        },
        now,
      )) ?? (await this.getRun(input));
    await this.replyOnce(current);
    return { state: current.state, changes: changes.length };
  }

  /** A step failed after its retries: the run fails, once on the timeline, and Firebreak's operators hear. */
  async runFailed(input: Input<'run-failed'>): Promise<{ recorded: boolean }> {
    const run = await this.deps.runs.get(input.incidentId, input.runId);
    if (!run) return { recorded: false };
    const { error, cause } = describeTaskError(input.error);
    if (OPEN_RUN_STATES.includes(run.state)) {
      await this.failRun(run, 'failed', `${error}${cause ? `: ${cause}` : ''}`);
    } else if (run.state === 'failed' || run.state === 'timed-out') {
      await this.finishFailure(run);
    } else {
      await this.unlock(run);
      await this.replyOnce(run);
      return { recorded: false };
    }
    await this.tellOperators(run, error, cause, input.execution);
    return { recorded: true };
  }

  /** Moves the run to `to` and records the failure (see finishFailure). */
  private async failRun(
    run: RunbookRun,
    to: 'failed' | 'timed-out',
    failure: string,
    observed: Pick<RunbookRun, 'steps' | 'outputs'> = {},
  ): Promise<void> {
    const now = this.deps.clock();
    const current =
      (await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        OPEN_RUN_STATES,
        to,
        {
          ...observed,
          failure,
          reason: failure,
          endedAt: now.toISOString(),
        },
        now,
      )) ?? (await this.deps.runs.get(run.incidentId, run.runId));
    if (current && (current.state === 'failed' || current.state === 'timed-out'))
      await this.finishFailure(current);
  }

  /**
   * Records a failed or timed-out run from its stored state, so a retry writes the same: a remediation that
   * reached SSM trips its resource's breaker, the lock is released, the timeline says so, and the on-call
   * level hears that escalation continues.
   */
  private async finishFailure(run: RunbookRun): Promise<void> {
    const at = run.endedAt ?? run.updatedAt;
    const failure = run.failure ?? run.reason ?? 'unknown failure';
    const timedOut = run.state === 'timed-out';
    if (run.kind === 'remediation' && run.automationId) {
      await tripBreaker(
        this.deps.runs,
        run,
        new Date(at),
        this.deps.runbooks.circuitBreaker.cooldownMinutes,
        `remediation ${run.binding} (run ${run.runId}) ${timedOut ? 'timed out' : 'failed'}`,
      );
    }
    await this.unlock(run);
    await this.entry(run, run.state, at, runEntries.failed(run, failure, timedOut), {
      failure,
      ...(run.automationId ? { automationId: run.automationId } : {}),
      ...(run.steps ? { steps: run.steps } : {}),
    });
    // Before the on-call notice: a notice that keeps failing must not keep the requester unanswered.
    await this.replyOnce(run);
    if (run.kind !== 'remediation') return;
    const incident = await this.incident(run.incidentId);
    await this.tellOnCall(incident, run, run.state, timedOut ? 'timed out' : 'failed', {
      message: runNotices.failed(incident, run, {
        link: this.deps.incidentLink(incident.id),
        failure,
        timedOut,
      }),
    });
  }

  /** A succeeded run: its entry, then the end (diagnostic) or the settle wait (remediation). */
  private async succeeded(run: RunbookRun): Promise<AutomationResult> {
    const settle = this.settleMinutes(run);
    await this.entry(run, 'succeeded', run.endedAt ?? run.updatedAt, runEntries.succeeded(run, settle), {
      outputs: run.outputs ?? {},
      ...(run.kind === 'remediation' ? { settleMinutes: settle, verifyAt: run.verifyAt } : {}),
    });
    if (run.kind !== 'remediation') {
      await this.replyOnce(run);
      return this.ended(run);
    }
    return {
      next: 'settle',
      state: run.state,
      progress: 'succeeded',
      waitSeconds: 0,
      settleSeconds: settle * 60,
      polls: 0,
    };
  }

  /** Each step SSM reports ended, once on the timeline (its own times make a retry rewrite nothing). */
  private async recordSteps(run: RunbookRun, steps: RunStep[]): Promise<void> {
    for (const [index, step] of steps.entries()) {
      if (!STEP_ENDED.has(step.status)) continue;
      const before = run.steps?.[index];
      if (before && before.name === step.name && before.status === step.status) continue;
      await this.entry(
        run,
        `step:${index + 1}`,
        step.endedAt ?? step.startedAt ?? run.startedAt,
        runEntries.step(step),
        { step: { ...step, index: index + 1 } },
      );
    }
  }

  private async skip(run: RunbookRun, reason: string): Promise<RunbookRun> {
    const now = this.deps.clock();
    const current =
      (await this.deps.runs.transition(
        run.incidentId,
        run.runId,
        ['requested', 'approved', 'awaiting-approval'],
        'skipped',
        { reason, endedAt: now.toISOString() },
        now,
      )) ?? (await this.getRun(run));
    if (current.state === 'skipped') await this.recordSkip(current);
    return current;
  }

  private async recordSkip(run: RunbookRun): Promise<void> {
    await this.entry(
      run,
      'skipped',
      run.endedAt ?? run.updatedAt,
      runEntries.skipped(run, run.reason ?? 'skipped'),
      {
        reason: run.reason,
      },
    );
    await this.replyOnce(run);
  }

  /** A refused run on the timeline; a remediation's refusal also goes to the on-call level. */
  private async recordRefusal(run: RunbookRun): Promise<void> {
    await this.entry(run, 'refused', run.endedAt ?? run.createdAt, runEntries.refused(run), {
      reason: run.reason,
      ...(run.document ? { document: run.document } : {}),
    });
    await this.replyOnce(run);
    if (run.kind !== 'remediation') return;
    const incident = await this.incident(run.incidentId);
    if (!isOpen(incident.status)) return;
    await this.tellOnCall(incident, run, 'refused', 'was refused', {
      message: runNotices.refused(incident, run, { link: this.deps.incidentLink(incident.id) }),
    });
  }

  /** Asks the incident's on-call level to approve the run, once, and says so on the timeline. */
  private async askApproval(run: RunbookRun): Promise<void> {
    const incident = await this.incident(run.incidentId);
    const minutes = this.approvalMinutes(run);
    const targets = await this.tellOnCall(incident, run, 'approval', 'awaits their approval', {
      message: runNotices.approvalRequest(incident, run, {
        link: this.deps.incidentLink(incident.id),
        minutes,
        incidentId: run.incidentId,
        runId: run.runId,
      }),
    });
    await this.entry(
      run,
      'awaiting-approval',
      run.updatedAt,
      runEntries.awaitingApproval(run, { minutes, targets, incidentId: run.incidentId, runId: run.runId }),
      { approvalTimeoutMinutes: minutes, targets, document: run.document, parameters: run.parameters },
    );
  }

  /** A notice about the run to the incident's current escalation level, once per run and `what`. */
  private async tellOnCall(
    incident: Incident,
    run: RunbookRun,
    what: string,
    sentence: string,
    notice: { message: { subject: string; text: string } },
  ): Promise<string[]> {
    return notifyOnCall(this.deps, incident, {
      key: runEntryId(run.runId, what),
      message: notice.message,
      entry: (targets) => ({
        entryId: runEntryId(run.runId, `${what}:notice`),
        actor: runActor(run.binding),
        message: runEntries.noticeSent(run, sentence, targets),
        details: { runId: run.runId, binding: run.binding },
      }),
    });
  }

  /** Firebreak failed at a step (not the automation): its operators hear once per run. */
  private async tellOperators(
    run: RunbookRun,
    error: string,
    cause: string,
    execution?: string,
  ): Promise<void> {
    const incident = await this.deps.store.getIncident(run.incidentId);
    const key = runEntryId(run.runId, 'failed:ops');
    if (!incident || incident.notices[key]) return;
    await this.deps.notifier.notifyTopic(
      this.deps.opsTopicArn,
      {
        subject: `Firebreak: runbook ${run.binding} failed for ${run.incidentId} (${error})`
          .replace(/[\r\n]+/g, ' ')
          .slice(0, MAX_SUBJECT_LENGTH),
        text: [
          `A step of runbook run ${run.runId} (${run.binding}) on ${run.incidentId} failed after its retries: ${error}`,
          'Paging is not affected. The run is recorded as failed on the incident timeline.',
          `Incident: ${this.deps.incidentLink(run.incidentId)}`,
          `Execution: ${execution ?? 'unknown'}`,
          '',
          cause,
        ].join('\n'),
      },
      'failure',
      incident,
    );
    await this.deps.store.recordNotice(incident, key, this.deps.clock());
  }

  /**
   * A person's run that has ended answers its request once, with its summary (Slack's response_url for
   * `/incident diag`). Posted first, recorded after (`repliedAt`, one conditional write): a step that stops
   * between the two posts again when retried, a repeated message rather than a lost one; a retry after the
   * record posts nothing. Past Slack's 30 minutes nothing is posted (the timeline has the outcome), and a
   * failed post is recorded on the run, never failing it.
   */
  private async replyOnce(run: RunbookRun): Promise<void> {
    const { replies } = this.deps;
    if (!replies || !run.replyTo || run.repliedAt || !runSettled(run)) return;
    const now = this.deps.clock();
    const ageMs = now.getTime() - Date.parse(run.createdAt);
    let reply: { outcome: 'posted' | 'expired' | 'failed'; failure?: string } = { outcome: 'posted' };
    if (!(ageMs <= REPLY_WINDOW_MINUTES * 60_000)) {
      reply = { outcome: 'expired' };
    } else {
      try {
        await replies.respond(run.replyTo, {
          response_type: 'in_channel',
          text: runReply(run, { link: this.deps.incidentLink(run.incidentId) }),
        });
      } catch (error) {
        reply = { outcome: 'failed', failure: replyFailure(error, run.replyTo) };
      }
    }
    await this.deps.runs.settleReply(run.incidentId, run.runId, reply, now);
  }

  /** One timeline entry of a run: its own id and a time taken from the run, so a retry rewrites nothing. */
  private entry(
    run: RunbookRun,
    what: string,
    at: string | undefined,
    message: string,
    details: Record<string, unknown>,
  ): Promise<boolean> {
    const entry: TimelineEntry = {
      incidentId: run.incidentId,
      entryId: runEntryId(run.runId, what),
      at: at ?? run.updatedAt,
      kind: run.kind === 'changes' ? 'diagnosis' : 'remediation',
      actor: runActor(run.binding),
      message,
      details: { runId: run.runId, binding: run.binding, state: run.state, ...details },
    };
    return this.deps.store.appendTimeline(entry);
  }

  private async unlock(run: RunbookRun): Promise<void> {
    if (run.kind === 'remediation') await this.deps.runs.unlockRemediation(run.incidentId, run.runId);
  }

  private polling(run: RunbookRun, polls: number): AutomationResult {
    return {
      next: 'wait',
      state: run.state,
      progress: 'in-progress',
      waitSeconds: pollDelaySeconds(polls),
      settleSeconds: 0,
      polls,
    };
  }

  private ended(run: RunbookRun): AutomationResult {
    return { next: 'end', state: run.state, waitSeconds: 0, settleSeconds: 0, polls: 0 };
  }

  private settleMinutes(run: RunbookRun): number {
    return this.deps.runbooks.bindings[run.binding]?.settleMinutes ?? DEFAULT_SETTLE_MINUTES;
  }

  private approvalMinutes(run: RunbookRun): number {
    return this.deps.runbooks.bindings[run.binding]?.approvalTimeoutMinutes ?? DEFAULT_APPROVAL_MINUTES;
  }

  private async getRun(ids: { incidentId: string; runId: string }): Promise<RunbookRun> {
    const run = await this.deps.runs.get(ids.incidentId, ids.runId);
    if (!run) throw new RunNotFound(ids.incidentId, ids.runId);
    return run;
  }

  private async incident(id: string): Promise<Incident> {
    const incident = await this.deps.store.getIncident(id);
    if (!incident) throw new IncidentNotFound(id);
    return incident;
  }
}

/** Why a reply failed, for the run's record: never the URL (a poster that named it is cut), one short line. */
function replyFailure(error: unknown, url: string): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replaceAll(url, '<response_url>').replace(/\s+/g, ' ').slice(0, REPLY_FAILURE_LENGTH);
}
