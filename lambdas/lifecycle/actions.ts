import type { IncidentStore } from '#adapters/incident-store';
import type { SnsNotifier } from '#adapters/notifier';
import type { PageEntry } from '#adapters/page-log';
import type { EscalationConfig, EscalationPolicy } from '#core/escalation';
import { resolutionMetrics, slaBreachMetric } from '#core/incident-metrics';
import { isOpen } from '#core/lifecycle';
import {
  type EscalationProgress,
  escalationProgress,
  type LifecyclePlan,
  planLifecycle,
} from '#core/lifecycle-plan';
import type { MetricSink } from '#core/metric-names';
import type { Incident, Priority, Status, TimelineEntry } from '#core/model';
import { outranks } from '#core/priority';
import * as templates from '#core/templates';
import { releaseAlerts } from '../incidents/settle-alerts';
import type { TargetResolver } from '../incidents/target-resolver';
import { describeTaskError, type LifecycleInput, type TaskError } from './inputs';
import { type ChatDelivery, type Notice, notifyOnce, pageRecord } from './notify-once';

export interface LifecycleDeps {
  store: IncidentStore;
  notifier: SnsNotifier;
  clock: () => Date;
  escalation: EscalationConfig;
  opsTopicArn: string;
  /** The link put in every message. */
  incidentLink: (incidentId: string) => string;
  /** Emits a CloudWatch metric (embedded metric format in Lambda; see #core/metric-names). */
  metric: MetricSink;
  /** Who `schedule:` and `person:` targets page at the moment of each page (topics only when absent). */
  targets?: TargetResolver;
  /** Where pages to people are logged for the fairness report. */
  pages?: { record(entries: readonly PageEntry[]): Promise<void> };
  /** Chat channels (Slack) that get the notices too; none when absent. */
  chat?: ChatDelivery;
  /**
   * What follows the resolution notice, in order (the review draft, problem detection): each step is
   * idempotent, because a retried resolution step runs them all again.
   */
  afterResolution?: readonly AfterResolution[];
}

/** One step that follows an incident's resolution notice (see LifecycleDeps.afterResolution). */
export type AfterResolution = (incident: Incident) => Promise<void>;

export class IncidentNotFound extends Error {
  constructor(id: string) {
    super(`incident ${id} does not exist`);
    this.name = 'Incident.NotFound';
  }
}

/** Thrown to the waiting state: the incident closed before its task token could be parked. */
export class AlreadyResolved extends Error {
  constructor(id: string, status: string) {
    super(`incident ${id} is already ${status}`);
    this.name = 'Incident.AlreadyResolved';
  }
}

/**
 * Thrown to the waiting state: the incident's priority was raised after the plan in hand was made, before
 * its task token was parked (nobody had a token to send back), so the lifecycle re-plans now.
 */
export class PriorityRaisedMeanwhile extends Error {
  constructor(id: string, plannedFor: Priority, now: Priority) {
    super(`incident ${id} is ${now} now; the plan in hand was made for ${plannedFor}`);
    this.name = 'Incident.PriorityRaised';
  }
}

export type PageResult = { status: Status; paged: boolean } & EscalationProgress;

/**
 * A notice or failure key in the plan generation that uses it: the lifecycle's first plan keeps the bare key,
 * each re-plan for a raised priority adds `-g<n>`, so its pages, reminders and records do not find the
 * earlier plans' and are sent (once) again. The generation comes from the state machine, so a retried step
 * finds its own key.
 */
function inGeneration(key: string, generation = 0): string {
  return generation === 0 ? key : `${key}-g${generation}`;
}

/**
 * The notice key of one page: escalation cycle and step, in its plan generation. A failed page is recorded
 * under the same key.
 */
function pageKey(cycle: number, step: number, generation?: number): string {
  return inGeneration(`page-c${cycle}-s${step}`, generation);
}

/** Steps whose failure says more than "the lifecycle step X": what failed, and what happens instead. */
const STEP_DESCRIPTIONS: Readonly<Record<string, { what: string; next: string }>> = {
  LaunchRunbooks: {
    what: "Launching the incident's runbooks (the diagnosis of recent changes and any bound runbook)",
    next: 'paging carries on without them; a bound runbook can be run by hand (POST /incidents/{id}/runbooks)',
  },
};

/** What a failure record says besides the error: what failed, what happens next, and details to keep. */
interface FailedStep {
  incidentId: string;
  execution?: string | undefined;
  state: string;
  key: string;
  error: TaskError;
  what: string;
  next: string;
  details: Record<string, unknown>;
}

type Input<A extends LifecycleInput['action']> = Extract<LifecycleInput, { action: A }>;

/**
 * The work behind each Task of the lifecycle state machine. Every step that notifies records the notice on
 * the incident under a key the state machine makes unique (escalation cycle and step, reminder count), and
 * checks for it first: a retried step never pages twice once its notice is recorded (a crash between the
 * publish and the record can repeat one page, never lose it).
 */
export class LifecycleActions {
  constructor(private readonly deps: LifecycleDeps) {}

  run(input: LifecycleInput): Promise<unknown> {
    switch (input.action) {
      case 'prepare':
        return this.prepare(input);
      case 'page':
        return this.page(input);
      case 'exhausted':
        return this.exhausted(input);
      case 'retrigger':
        return this.retrigger(input);
      case 'sla-breach':
        return this.slaBreach(input);
      case 'remind':
        return this.remind(input);
      case 'await-resolution':
        return this.awaitResolution(input);
      case 'resolution':
        return this.resolution(input);
      case 'failure':
        return this.failure(input);
      case 'step-failed':
        return this.stepFailed(input);
      case 'page-failed':
        return this.pageFailed(input);
    }
  }

  async prepare(input: Input<'prepare'>): Promise<LifecyclePlan> {
    const incident = await this.incident(input.incidentId);
    const now = this.deps.clock();
    const plan = planLifecycle(this.deps.escalation, incident, now);
    // A re-plan is recorded while the incident is open; one resolved meanwhile ends the lifecycle at once.
    if (input.generation && isOpen(incident.status))
      await this.recordReplan(incident, plan, input.generation, now);
    return plan;
  }

  async page(input: Input<'page'>): Promise<PageResult> {
    const { plan, step } = input;
    const current = plan.steps[step];
    if (!current) throw new RangeError(`plan has no step ${step}`);
    const progress = escalationProgress(plan, step, this.dueAt(input.dueAt));
    const incident = await this.incident(input.incidentId);
    if (incident.status !== 'triggered') return { status: incident.status, paged: false, ...progress };

    const now = this.deps.clock();
    const link = this.deps.incidentLink(incident.id);
    const level = { name: current.levelName, number: current.level };
    const previous = [...new Set(incident.pagedTargets ?? [])];
    const first = previous.length === 0;
    // The first page of a re-plan: the priority was raised, and paging starts over at level 1 for it.
    const raised = (input.generation ?? 0) > 0 && input.cycle === 0 && step === 0;
    const message = raised
      ? templates.priorityRaisedPage(incident, { link, level, previousTargets: previous })
      : first
        ? templates.initialPage(incident, {
            link,
            level,
            ...(incident.summary ? { symptoms: incident.summary } : {}),
          })
        : templates.escalationPage(incident, {
            link,
            level,
            round: current.round,
            minutesUnacknowledged: Math.floor((now.getTime() - Date.parse(incident.createdAt)) / 60_000),
            previousTargets: previous,
          });
    const paged = (targets: string) =>
      `level ${current.level} (${current.levelName}), round ${current.round}: ${targets}`;
    await this.notifyOnce(incident, pageKey(input.cycle, step, input.generation), {
      kind: first ? 'initial' : 'escalation',
      targets: current.targets,
      ...(current.fallback ? { fallback: current.fallback } : {}),
      // Who is on call when the page was due: a retried step pages the same person.
      at: this.dueAt(input.dueAt),
      message,
      entryKind: first && !raised ? 'notified' : 'escalated',
      entryMessage: (targets) =>
        raised ? `Paged for priority ${incident.priority}: ${paged(targets)}` : `Paged ${paged(targets)}`,
      details: {
        round: current.round,
        level: current.level,
        step,
        cycle: input.cycle,
        ...(input.generation ? { generation: input.generation, priority: incident.priority } : {}),
      },
      // Only the targets reached count as paged (they get the resolution notice).
      record: (reached) => pageRecord(incident, current.level, reached),
    });
    return { status: 'triggered', paged: true, ...progress };
  }

  async exhausted(input: Input<'exhausted'>): Promise<{ notified: boolean }> {
    const incident = await this.incident(input.incidentId);
    const policy = this.policy(input.plan);
    const rounds = policy.repeat + 1;
    const notified = await this.notifyOnce(
      incident,
      inGeneration(`exhausted-c${input.cycle}`, input.generation),
      {
        kind: 'exhausted',
        targets: [policy.management],
        message: templates.exhausted(incident, { link: this.deps.incidentLink(incident.id), rounds }),
        entryKind: 'escalated',
        entryMessage: `Escalation exhausted after ${rounds} round(s) with nobody acknowledging; ${policy.management} notified`,
        details: { exhausted: true, rounds },
      },
    );
    return { notified };
  }

  async retrigger(input: Input<'retrigger'>): Promise<{ status: Status }> {
    const key = inGeneration(`ack-timeout-c${input.cycle}`, input.generation);
    const now = this.deps.clock();
    const minutes = input.plan.ackTimeoutSeconds / 60;
    const entry = (at: string): TimelineEntry => ({
      incidentId: input.incidentId,
      entryId: `lifecycle:${key}`,
      at,
      kind: 'updated',
      actor: 'firebreak:lifecycle',
      message: `Acknowledged but not resolved within ${minutes} min: back to triggered, paging restarts at level 1`,
      details: {
        ackTimeoutMinutes: minutes,
        status: { from: 'acknowledged', to: 'triggered' },
        cycle: input.cycle,
      },
    });
    if (await this.deps.store.retriggerAfterAckTimeout(input.incidentId, key, now)) {
      await this.deps.store.appendTimeline(entry(now.toISOString()));
      return { status: 'triggered' };
    }
    const incident = await this.incident(input.incidentId);
    const doneAt = incident.notices[key];
    // A retry after the status change landed: finish its timeline entry, under the same key.
    if (doneAt) await this.deps.store.appendTimeline(entry(doneAt));
    return { status: incident.status };
  }

  async slaBreach(input: Input<'sla-breach'>): Promise<{ breached: boolean }> {
    const now = this.deps.clock();
    // A breach stands once the deadline passed unacknowledged, even if the incident resolves a moment later.
    const marked = await this.deps.store.markSlaBreached(input.incidentId, now);
    const incident = await this.incident(input.incidentId);
    if (!incident.slaBreached) return { breached: false };
    // Counted when it is marked, so the metric does not depend on the notice getting through.
    if (marked) {
      this.deps.metric(slaBreachMetric(incident));
    }
    const policy = this.policy(input.plan);
    await this.notifyOnce(incident, 'sla-breach', {
      kind: 'sla-breach',
      targets: [policy.management],
      message: templates.slaBreach(incident, {
        link: this.deps.incidentLink(incident.id),
        now: now.toISOString(),
      }),
      entryKind: 'sla-breached',
      entryMessage: `Response SLA missed: not acknowledged by ${incident.respondBy}; ${policy.management} notified`,
      details: { respondBy: incident.respondBy, priority: incident.priority },
    });
    return { breached: true };
  }

  async remind(input: Input<'remind'>): Promise<{ sent: boolean }> {
    const incident = await this.incident(input.incidentId);
    if (incident.status !== 'triggered' && incident.status !== 'acknowledged') return { sent: false };
    const now = this.deps.clock();
    // The state machine has just waited one interval; remind unless an update was posted within it.
    const recentUpdate =
      incident.lastUpdateAt !== undefined &&
      now.getTime() - Date.parse(incident.lastUpdateAt) < input.plan.reminderSeconds * 1000;
    if (recentUpdate) return { sent: false };
    const policy = this.policy(input.plan);
    const sent = await this.notifyOnce(incident, inGeneration(`reminder-${input.count}`, input.generation), {
      kind: 'reminder',
      targets: policy.stakeholders,
      message: templates.reminder(incident, {
        link: this.deps.incidentLink(incident.id),
        now: now.toISOString(),
        ...(incident.lastUpdateAt ? { lastUpdateAt: incident.lastUpdateAt } : {}),
      }),
      entryKind: 'notified',
      entryMessage: `Status update reminder sent to ${policy.stakeholders.join(', ')}`,
      details: { reminder: true },
    });
    return { sent };
  }

  async awaitResolution(input: Input<'await-resolution'>): Promise<{ parked: true }> {
    const parked = await this.deps.store.parkLifecycleToken(input.incidentId, input.token, this.deps.clock());
    if (!parked) {
      const incident = await this.incident(input.incidentId);
      throw new AlreadyResolved(incident.id, incident.status);
    }
    // Raised between the plan and this park: whoever raised it found no token to send (or a spent one).
    const { plannedFor } = input;
    if (plannedFor && input.planned !== false && outranks(parked.priority, plannedFor)) {
      throw new PriorityRaisedMeanwhile(parked.id, plannedFor, parked.priority);
    }
    return { parked: true };
  }

  async resolution(input: Input<'resolution'>): Promise<{ notified: string[] }> {
    const incident = await this.incident(input.incidentId);
    // Whoever resolved it released its alerts; this catches any the index did not show them yet, so no
    // alert stays counted on an incident that is over.
    await releaseAlerts(this.deps.store, incident);
    const policy = this.policy(input.plan);
    const targets = [...new Set([...(incident.pagedTargets ?? []), ...policy.stakeholders])];
    const now = this.deps.clock().toISOString();
    const sent = await this.notifyOnce(incident, 'resolution', {
      kind: 'resolution',
      targets,
      message: templates.resolution(incident, {
        link: this.deps.incidentLink(incident.id),
        now,
        ...(incident.rootCause ? { rootCause: incident.rootCause } : {}),
      }),
      entryKind: 'notified',
      entryMessage: `Resolution notice sent to ${targets.join(', ')}`,
      details: { resolution: true },
    });
    // Counted by the call that recorded the resolution notice, the one thing recorded once per incident
    // here: a retried step finds the notice and counts nothing again.
    if (sent) for (const datum of resolutionMetrics(incident)) this.deps.metric(datum);
    for (const step of this.deps.afterResolution ?? []) await step(incident);
    return { notified: targets };
  }

  async failure(input: Input<'failure'>): Promise<{ recorded: boolean }> {
    const { error, cause } = describeTaskError(input.error);
    const now = this.deps.clock();
    const incident = await this.deps.store.getIncident(input.incidentId);
    const firstTime = incident ? await this.deps.store.recordNotice(incident, 'failure', now) : true;
    if (incident && firstTime) {
      await this.deps.store.appendTimeline({
        incidentId: incident.id,
        entryId: 'lifecycle:failure',
        at: now.toISOString(),
        kind: 'failure',
        actor: 'firebreak:lifecycle',
        message: `The lifecycle stopped: ${error}. Paging for this incident is no longer automatic.`,
        details: { error, cause, execution: input.execution },
      });
    }
    if (firstTime) {
      await this.deps.notifier.notifyTopic(
        this.deps.opsTopicArn,
        {
          subject: `Firebreak lifecycle failed for ${input.incidentId}: ${error}`
            .replace(/[\r\n]+/g, ' ')
            .slice(0, templates.MAX_SUBJECT_LENGTH),
          text: [
            `The lifecycle of ${input.incidentId} stopped after its retries: ${error}`,
            'Paging for this incident is no longer automatic: page its owners by hand and check the execution.',
            `Execution: ${input.execution ?? 'unknown'}`,
            '',
            cause,
          ].join('\n'),
        },
        'failure',
        // The card links the incident; an incident that cannot be read gets the text alone.
        incident,
      );
    }
    return { recorded: incident !== undefined };
  }

  /** One step failed after its retries: recorded once (timeline and ops topic), and the lifecycle goes on. */
  async stepFailed(input: Input<'step-failed'>): Promise<{ status: Status }> {
    const key = inGeneration(input.key, input.generation);
    const described = STEP_DESCRIPTIONS[input.state];
    return this.recordStepFailure({
      ...input,
      key,
      what: described?.what ?? `The lifecycle step ${input.state} (${key})`,
      next: described?.next ?? 'the lifecycle carries on without it',
      details: {},
    });
  }

  /**
   * A page failed after its retries: recorded under the page's own key, and the escalation goes on from the
   * step's due time, so the next level is paged when it would have been had this page worked.
   */
  async pageFailed(input: Input<'page-failed'>): Promise<PageResult> {
    const { plan, step } = input;
    const progress = escalationProgress(plan, step, this.dueAt(input.dueAt));
    const current = plan.steps[step];
    const level = current
      ? `level ${current.level} (${current.levelName}), round ${current.round}: ${current.targets.join(', ')}`
      : `step ${step}`;
    const { status } = await this.recordStepFailure({
      ...input,
      key: pageKey(input.cycle, step, input.generation),
      what: `Paging ${level}`,
      next: progress.hasNext
        ? 'the escalation carries on and pages the next level on schedule'
        : 'the escalation carries on to its end',
      details: {
        cycle: input.cycle,
        step,
        ...(current ? { level: current.level, round: current.round, targets: current.targets } : {}),
      },
    });
    return { status, paged: false, ...progress };
  }

  /**
   * Writes one `failure` timeline entry and one ops message per failed step, keyed by `failure:<key>` in the
   * incident's notices: a retried record finds the key and rewrites the same entry (same time, same id,
   * put-if-absent), and sends the ops message only if it is not recorded as sent. The timeline entry comes
   * first, so a gone ops topic still leaves the failure on the timeline.
   */
  private async recordStepFailure(failed: FailedStep): Promise<{ status: Status }> {
    const { error, cause } = describeTaskError(failed.error);
    const now = this.deps.clock();
    const incident = await this.incident(failed.incidentId);
    const entryKey = `failure:${failed.key}`;
    let at = incident.notices[entryKey];
    if (!at) {
      const recorded = await this.deps.store.recordNotice(incident, entryKey, now);
      at = recorded ? now.toISOString() : (await this.incident(incident.id)).notices[entryKey];
    }
    const message = `${failed.what} failed after its retries (${error}${cause ? `: ${cause}` : ''}); ${failed.next}.`;
    await this.deps.store.appendTimeline({
      incidentId: incident.id,
      entryId: `lifecycle:${entryKey}`,
      at: at ?? now.toISOString(),
      kind: 'failure',
      actor: 'firebreak:lifecycle',
      message,
      details: {
        state: failed.state,
        key: failed.key,
        error,
        cause,
        ...failed.details,
        ...(failed.execution ? { execution: failed.execution } : {}),
      },
    });
    const opsKey = `${entryKey}:ops`;
    if (!incident.notices[opsKey]) {
      await this.deps.notifier.notifyTopic(
        this.deps.opsTopicArn,
        {
          subject: `Firebreak: ${failed.state} failed for ${incident.id} (${error})`
            .replace(/[\r\n]+/g, ' ')
            .slice(0, templates.MAX_SUBJECT_LENGTH),
          text: [
            message,
            `Incident: ${this.deps.incidentLink(incident.id)}`,
            `Step: ${failed.state} (${failed.key})`,
            `Execution: ${failed.execution ?? 'unknown'}`,
            '',
            cause,
          ].join('\n'),
        },
        'failure',
        incident,
      );
      await this.deps.store.recordNotice(incident, opsKey, now);
    }
    return { status: incident.status };
  }

  /**
   * A re-plan for a raised priority, once on the timeline (a retried step rewrites the same entry): what the
   * new plan does, and that an acknowledged incident is not paged now.
   */
  private async recordReplan(
    incident: Incident,
    plan: LifecyclePlan,
    generation: number,
    now: Date,
  ): Promise<void> {
    const key = inGeneration('replan', generation);
    let at = incident.notices[key];
    if (!at) {
      const recorded = await this.deps.store.recordNotice(incident, key, now);
      at = recorded ? now.toISOString() : (await this.incident(incident.id)).notices[key];
    }
    if (!at) return;
    const ackMinutes = plan.ackTimeoutSeconds / 60;
    const reminders = plan.reminderSeconds > 0 ? `, reminders every ${plan.reminderSeconds / 60} min` : '';
    const paging =
      incident.status === 'acknowledged'
        ? `acknowledged, so nobody is paged now; paging restarts at level 1 if it is not resolved within ${ackMinutes} min`
        : `paging restarts at level 1; acknowledgement timeout ${ackMinutes} min`;
    await this.deps.store.appendTimeline({
      incidentId: incident.id,
      entryId: `lifecycle:${key}`,
      at,
      kind: 'updated',
      actor: 'firebreak:lifecycle',
      message: `Lifecycle re-planned for ${plan.priority}: ${paging}; respond by ${incident.respondBy}${reminders}`,
      details: {
        generation,
        priority: plan.priority,
        status: incident.status,
        ackTimeoutMinutes: ackMinutes,
        respondBy: incident.respondBy,
        ...(plan.reminderSeconds > 0 ? { reminderMinutes: plan.reminderSeconds / 60 } : {}),
      },
    });
  }

  /** When a step was due; a definition that does not say (an older one) gets "now". */
  private dueAt(dueAt: string | undefined): Date {
    return dueAt === undefined ? this.deps.clock() : new Date(dueAt);
  }

  private async incident(id: string): Promise<Incident> {
    const incident = await this.deps.store.getIncident(id);
    if (!incident) throw new IncidentNotFound(id);
    return incident;
  }

  private policy(plan: LifecyclePlan): EscalationPolicy {
    const policy = this.deps.escalation.policies[plan.policy];
    if (!policy) throw new Error(`escalation policy "${plan.policy}" is no longer configured`);
    return policy;
  }

  private notifyOnce(incident: Incident, key: string, notice: Notice): Promise<boolean> {
    return notifyOnce(this.deps, incident, key, notice);
  }
}
