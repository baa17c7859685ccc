import type { IncidentStore } from '#adapters/incident-store';
import { indexAttributes } from '#adapters/incident-store';
import {
  type ClosingChecklistConfig,
  checklistMessage,
  DEFAULT_CLOSING_CHECKLIST,
  missingForClose,
  type ReviewState,
} from '#core/closing-checklist';
import { planRoleChanges, type RolesBody } from '#core/incident-roles';
import { isOpen } from '#core/lifecycle';
import type { Incident, TimelineEntry } from '#core/model';
import { type IncidentPatch, planPatch } from '#core/patch';
import { DEFAULT_PRIORITY_POLICY, outranks, type PriorityPolicy } from '#core/priority';
import { MergeRefused, mergeIncident } from '../incidents/merge';
import { finishResolution, resolveIncident } from '../incidents/resolve';
import type { LifecycleStarter } from '../ingest/apply-signal';
import { ApiError, conflict, notFound } from './errors';

/** A few people changing one incident's roles at once is rare: a few tries, then 409. */
const MAX_ROLE_ATTEMPTS = 3;

export interface CommandDeps {
  store: IncidentStore;
  /** Resolutions wake the lifecycle; a merge that raises the target's priority makes it re-plan. */
  workflow: Pick<LifecycleStarter, 'signalResolved' | 'signalPriorityRaised'>;
  clock: () => Date;
  policy?: PriorityPolicy;
  /** What closing requires (`firebreak.closingChecklist`); the default checklist when absent. */
  checklist?: ClosingChecklistConfig;
  /** Where the checklist reads an incident's review state; with none, no review counts as done. */
  reviews?: ReviewStates;
}

/** The state of an incident's post-incident review, if it has one. */
export interface ReviewStates {
  stateOf(incidentId: string): Promise<ReviewState | undefined>;
}

/** A merge's answer: the merged incident (resolved, `mergedInto` set) and the one it went into. */
export interface MergeAnswer {
  incident: Incident;
  into: Incident;
}

/**
 * What people do to an incident through the API. Every command is idempotent under retries: repeating one
 * that already took effect answers with the incident as it is and adds no second timeline entry; a command
 * the incident's status forbids is a conflict (409).
 */
export class IncidentCommands {
  constructor(private readonly deps: CommandDeps) {}

  async acknowledge(id: string, actor: string): Promise<Incident> {
    return (await this.acknowledgeOnce(id, actor)).incident;
  }

  /**
   * Acknowledges as `acknowledge` does, and says whether this call did it (`false`: it was acknowledged
   * already, by this actor or another). `details` go on the timeline entry this call writes, e.g. how the
   * person acknowledged.
   */
  async acknowledgeOnce(
    id: string,
    actor: string,
    details: Record<string, unknown> = {},
  ): Promise<{ incident: Incident; acknowledgedNow: boolean }> {
    const { store } = this.deps;
    const now = this.deps.clock();
    const acknowledged = await store.acknowledge(id, actor, now);
    if (!acknowledged) {
      const incident = await this.get(id);
      if (incident.status !== 'acknowledged')
        throw conflict(`incident ${id} is ${incident.status}; it cannot be acknowledged`);
      // Already acknowledged (a retry, or a second person): make sure its entry exists, add none. How the
      // first one acknowledged is not known here, so a re-made entry carries no details.
      if (incident.lastAcknowledgedAt)
        await store.appendTimeline(acknowledgedEntry(incident, incident.lastAcknowledgedAt));
      return { incident, acknowledgedNow: false };
    }
    await store.appendTimeline(acknowledgedEntry(acknowledged, now.toISOString(), details));
    return { incident: acknowledged, acknowledgedNow: true };
  }

  async resolve(id: string, actor: string, resolution: string, rootCause?: string): Promise<Incident> {
    const by = { actor, resolution, ...(rootCause ? { rootCause } : {}), entryId: 'api:resolve' };
    const { incident, resolvedNow } = await resolveIncident(this.deps, id, by);
    if (!incident) throw notFound(id);
    if (resolvedNow) return incident;
    if (incident.status !== 'resolved') {
      throw conflict(`incident ${id} is ${incident.status}; it cannot be resolved`);
    }
    // Resolved already (a retry): each step after the resolution is conditional or put-if-absent.
    await finishResolution(this.deps, incident, by);
    return incident;
  }

  /**
   * Closes a resolved incident whose closing checklist is complete (see #core/closing-checklist); otherwise
   * a 409 `checklist_incomplete` listing exactly the items missing. The review is read only when the
   * incident's priority needs one. Closing again answers the closed incident.
   */
  async close(id: string, actor: string): Promise<Incident> {
    const { store } = this.deps;
    const current = await this.get(id);
    if (current.status !== 'closed') {
      const checklist = this.deps.checklist ?? DEFAULT_CLOSING_CHECKLIST;
      const state = checklist[current.priority].includes('review')
        ? await this.deps.reviews?.stateOf(id)
        : undefined;
      const facts = {
        ...(state ? { review: { state } } : {}),
        ...(current.problemId ? { problemId: current.problemId } : {}),
      };
      const missing = missingForClose(current, facts, checklist);
      if (missing.length > 0) {
        throw new ApiError(409, 'checklist_incomplete', checklistMessage(id, missing), undefined, {
          missing,
        });
      }
    }
    const now = this.deps.clock();
    const closed = current.status === 'closed' ? undefined : await store.close(id, actor, now);
    const incident = closed ?? (current.status === 'closed' ? current : await this.get(id));
    if (!closed && incident.status !== 'closed') {
      // Reopened or changed between the checklist and the write.
      throw conflict(`incident ${id} is ${incident.status}; only a resolved incident can be closed`);
    }
    await store.appendTimeline({
      incidentId: id,
      entryId: 'api:close',
      at: incident.closedAt ?? now.toISOString(),
      kind: 'closed',
      actor: incident.closedBy ?? actor,
      message: 'Closed',
      details: {},
    });
    return incident;
  }

  /** A timeline note; `noteId` (the client's idempotency key or the request id) makes a retry a no-op. */
  async addNote(id: string, actor: string, message: string, noteId: string): Promise<TimelineEntry> {
    return this.noteOn(await this.get(id), actor, message, noteId);
  }

  /** A note on an incident the caller has just read (so it exists): one write, idempotent as addNote's. */
  async noteOn(
    incident: Pick<Incident, 'id'>,
    actor: string,
    message: string,
    noteId: string,
  ): Promise<TimelineEntry> {
    const entry: TimelineEntry = {
      incidentId: incident.id,
      entryId: `note:${noteId}`,
      at: this.deps.clock().toISOString(),
      kind: 'note',
      actor,
      message,
      details: {},
    };
    await this.deps.store.appendTimeline(entry);
    return entry;
  }

  /**
   * Changes fields if the incident is still at `expectedVersion` (or at the version just read when the
   * client gave none). Each changed field is a timeline entry with who and why; no change is not an error.
   */
  async patch(
    id: string,
    patch: IncidentPatch,
    by: { actor: string; reason: string; expectedVersion?: number },
  ): Promise<Incident> {
    const { store } = this.deps;
    const incident = await this.get(id);
    if (incident.status === 'closed') throw conflict(`incident ${id} is closed; it cannot be changed`);
    const version = by.expectedVersion ?? incident.version;
    if (version !== incident.version) {
      throw conflict(`incident ${id} is at version ${incident.version}, not ${version}: reload it and retry`);
    }
    const changes = planPatch(incident, patch, this.deps.policy ?? DEFAULT_PRIORITY_POLICY);
    if (changes.length === 0) return incident;
    const fields = Object.fromEntries(changes.map((change) => [change.field, change.to]));
    const changed = { ...incident, ...fields } as Incident;
    const indexes = indexAttributes(changed);
    const now = this.deps.clock();
    const updated = await store.applyPatch(id, version, fields, indexes, now);
    if (!updated) throw conflict(`incident ${id} changed while this update was made: reload it and retry`);
    // A person raising the priority re-plans the lifecycle as a more urgent joining alert does: the new
    // priority's first level is paged once, its SLA and timers apply. A lower priority keeps the plan running.
    if (outranks(updated.priority, incident.priority) && isOpen(updated.status)) {
      const token = await store.lifecycleTokenOf(id);
      if (token) await this.deps.workflow.signalPriorityRaised(token);
    }
    await Promise.all(
      changes.map((change) =>
        store.appendTimeline({
          incidentId: id,
          entryId: `api:patch:${version + 1}:${change.field}`,
          at: now.toISOString(),
          kind: 'updated',
          actor: by.actor,
          message: `${change.field}: ${change.from ?? '(none)'} → ${change.to} (${by.reason})`,
          details: { field: change.field, from: change.from, to: change.to, reason: by.reason },
        }),
      ),
    );
    return updated;
  }

  /**
   * Gives roles to people and takes them back (see planRoleChanges): one conditional write of the roles
   * against those read, then one timeline entry. The people named must exist (the route checks). A body
   * that changes nothing (a retry) writes nothing, but completes the entry of the last change if a crash
   * kept it from being appended. A closed incident is a conflict.
   */
  async setRoles(id: string, body: RolesBody, by: { actor: string; requestKey: string }): Promise<Incident> {
    const { store } = this.deps;
    for (let attempt = 0; attempt < MAX_ROLE_ATTEMPTS; attempt++) {
      const incident = await this.get(id);
      if (incident.status === 'closed') throw conflict(`incident ${id} is closed; its roles cannot change`);
      const current = incident.roles ?? {};
      const plan = planRoleChanges(current, body);
      if (!plan.message) {
        const last = await store.rolesEntryOf(id);
        if (last) await store.appendTimeline(last);
        return incident;
      }
      const now = this.deps.clock();
      const entry: TimelineEntry = {
        incidentId: id,
        entryId: `api:roles:${by.requestKey}`,
        at: now.toISOString(),
        kind: 'updated',
        actor: by.actor,
        message: plan.message,
        details: { roles: plan.roles, changes: plan.changes },
      };
      const updated = await store.setRoles(id, { from: current, to: plan.roles, entry }, now);
      if (updated) {
        await store.appendTimeline(entry);
        return updated;
      }
    }
    throw conflict(`the roles of incident ${id} are being changed by someone else; try again`);
  }

  /**
   * Merges incident `id` into `into` (see mergeIncident): answers both as they are after it. A merge done
   * already answers the same; a missing incident is a 404 and a state that forbids it a 409, each naming
   * which of the two (`id` or `into`) is at fault.
   */
  async merge(id: string, into: string, actor: string): Promise<MergeAnswer> {
    try {
      const { source, target } = await mergeIncident(this.deps, id, into, actor);
      return { incident: source, into: target };
    } catch (error) {
      if (!(error instanceof MergeRefused)) throw error;
      const field = error.incidentId === id ? 'id' : 'into';
      throw error.reason === 'not-found'
        ? new ApiError(404, 'not_found', error.message, field)
        : new ApiError(409, 'conflict', error.message, field);
    }
  }

  private async get(id: string): Promise<Incident> {
    const incident = await this.deps.store.getIncident(id);
    if (!incident) throw notFound(id);
    return incident;
  }
}

function acknowledgedEntry(
  incident: Incident,
  at: string,
  details: Record<string, unknown> = {},
): TimelineEntry {
  return {
    incidentId: incident.id,
    entryId: `api:ack:${at}`,
    at,
    kind: 'acknowledged',
    actor: incident.assignee ?? 'unknown',
    message: `Acknowledged by ${incident.assignee ?? 'unknown'}: paging stops`,
    details,
  };
}
