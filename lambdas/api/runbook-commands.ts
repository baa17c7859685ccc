import * as z from 'zod';
import type { IncidentStore } from '#adapters/incident-store';
import type { RunbookRuns } from '#adapters/runbook-runs';
import { isOpen } from '#core/lifecycle';
import type { Incident } from '#core/model';
import { runbookAlertOfClaim } from '#core/runbook-alert';
import { type PublicRunbookRun, publicRun, ReplyUrl, type RunbookRun } from '#core/runbook-run';
import { type RunbookConfig, RunbookKind, RunbookMode } from '#core/runbooks';
import type { ApprovalSignals, Launcher } from '../runbooks/ports';
import { ApiError, conflict, notFound } from './errors';

/** What the runbook routes need besides the incident store: the runs, how they start, and the bindings. */
export interface RunbookRouteDeps {
  runs: RunbookRuns;
  launcher: Launcher;
  approvals: ApprovalSignals;
  config: RunbookConfig;
}

export interface RunbookCommandDeps extends RunbookRouteDeps {
  store: IncidentStore;
  clock: () => Date;
}

/** A binding as the API lists it: enough to choose one and know what it will do. */
export const BoundRunbook = z.object({
  name: z.string(),
  description: z.string().optional(),
  kind: RunbookKind,
  mode: RunbookMode,
  document: z.object({ name: z.string(), version: z.string() }),
});
export type BoundRunbook = z.infer<typeof BoundRunbook>;

export type Decision = 'approve' | 'reject';

/**
 * What people do with runbooks through the API: list the bindings and an incident's runs, ask for a bound
 * runbook, and approve or reject a remediation that waits for them. Every command is idempotent under
 * retries: the same request key names the same run, and a decision repeated answers the run as it is.
 */
export class RunbookCommands {
  constructor(private readonly deps: RunbookCommandDeps) {}

  bound(): BoundRunbook[] {
    return Object.entries(this.deps.config.bindings)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, binding]) => ({
        name,
        ...(binding.description ? { description: binding.description } : {}),
        kind: binding.kind,
        mode: binding.mode,
        document: binding.document,
      }));
  }

  async list(id: string): Promise<PublicRunbookRun[]> {
    await this.incident(id);
    return (await this.deps.runs.list(id)).map(publicRun);
  }

  /**
   * Starts the bound runbook `name` on the incident, for its opening alert. A name that is not bound is
   * refused (400) and the refusal recorded on the timeline; a closed or resolved incident is a conflict.
   * With `replyTo` (a Slack command's response_url, https), the run posts its summary there once it ends,
   * if that is within Slack's 30 minutes; the same request key repeated keeps the first request's URL.
   */
  async request(
    id: string,
    name: string,
    by: { actor: string; key: string; at: string; replyTo?: string | undefined },
  ): Promise<PublicRunbookRun> {
    const replyTo = by.replyTo === undefined ? undefined : replyUrlOf(by.replyTo);
    const incident = await this.incident(id);
    const bound = Object.keys(this.deps.config.bindings).sort();
    if (!bound.includes(name)) {
      await this.deps.store.appendTimeline({
        incidentId: id,
        entryId: `api:runbook-refused:${by.key}`,
        at: by.at,
        kind: 'remediation',
        actor: by.actor,
        message: `Refused runbook "${name}": not bound`,
        details: { runbook: name, bound },
      });
      throw new ApiError(
        400,
        'invalid_request',
        `runbook: "${name}" is not a bound runbook; bound: ${bound.length > 0 ? bound.join(', ') : '(none)'}`,
        'runbook',
      );
    }
    if (!isOpen(incident.status)) {
      throw conflict(`incident ${id} is ${incident.status}; runbooks run on open incidents only`);
    }
    const claim = await this.deps.store.claims.get(incident.dedupKey);
    const runs = await this.deps.launcher.launch(id, runbookAlertOfClaim(incident, claim), 'requested', {
      key: by.key,
      requestedBy: by.actor,
      only: name,
      ...(replyTo ? { replyTo } : {}),
    });
    const run = runs.find((candidate) => candidate.binding === name);
    if (!run) throw new Error(`the launcher wrote no run of ${name} on ${id}`);
    return publicRun(run);
  }

  /**
   * A person's decision on a run awaiting approval: recorded on the run, sent to the waiting run (when it
   * has parked its token; otherwise it reads the decision itself), and written on the timeline. The same
   * decision repeated answers the run, finishing what an interrupted first attempt left; the other
   * decision, or a run that does not await approval, is a conflict naming the run's state.
   */
  async decide(
    id: string,
    runId: string,
    decision: Decision,
    by: { actor: string; reason?: string | undefined },
  ): Promise<PublicRunbookRun> {
    const { runs, approvals } = this.deps;
    await this.incident(id);
    const approved = decision === 'approve';
    const decided = await runs.decide(
      id,
      runId,
      { approved, by: by.actor, reason: by.reason },
      this.deps.clock(),
    );
    let run = decided?.run;
    let token = decided?.token;
    if (!run) {
      run = await runs.get(id, runId);
      if (!run) throw new ApiError(404, 'not_found', `incident ${id} has no runbook run ${runId}`, 'runId');
      if (!decidedAs(run, approved)) {
        throw conflict(
          `runbook run ${runId} is ${run.state}; only a run awaiting approval can be ${approved ? 'approved' : 'rejected'}`,
        );
      }
      // Signalled again only while the run still stands at the decision: one that moved on has woken.
      if (run.state === 'approved' || run.state === 'rejected') token = await runs.approvalTokenOf(id, runId);
    }
    if (token) {
      const reason = run.decisionReason ?? `rejected by ${run.rejectedBy ?? by.actor}`;
      await (approved ? approvals.approve(token) : approvals.reject(token, reason));
    }
    await this.deps.store.appendTimeline(decisionEntry(run, approved));
    return publicRun(run);
  }

  private async incident(id: string): Promise<Incident> {
    const incident = await this.deps.store.getIncident(id);
    if (!incident) throw notFound(id);
    return incident;
  }
}

/** The reply URL of a request, refused (400, naming `replyTo`) unless it is https. Never echoed back. */
function replyUrlOf(url: string): string {
  if (!ReplyUrl.safeParse(url).success) {
    throw new ApiError(
      400,
      'invalid_request',
      'replyTo: must be an https URL (a Slack response_url)',
      'replyTo',
    );
  }
  return url;
}

/**
 * Whether the run was decided this way already, whether or not it moved on since (an approved run goes on
 * to run): approving a running run again repeats the decision that started it.
 */
function decidedAs(run: RunbookRun, approved: boolean): boolean {
  return approved ? run.approvedBy !== undefined : run.rejectedBy !== undefined;
}

function decisionEntry(run: RunbookRun, approved: boolean) {
  const document = run.document ? ` (${run.document.name} v${run.document.version})` : '';
  const reason = run.decisionReason ? `: ${run.decisionReason}` : '';
  return {
    incidentId: run.incidentId,
    entryId: `runbook:${run.runId}:decision`,
    at: run.decidedAt ?? run.updatedAt,
    kind: 'remediation' as const,
    actor: (approved ? run.approvedBy : run.rejectedBy) ?? 'unknown',
    message: `${approved ? 'Approved' : 'Rejected'} ${run.binding}${document}${reason}`,
    details: {
      runId: run.runId,
      binding: run.binding,
      decision: approved ? 'approved' : 'rejected',
      ...(run.decisionReason ? { reason: run.decisionReason } : {}),
    },
  };
}
