import * as z from 'zod';
import type { IncidentStore } from '#adapters/incident-store';
import type { SnsNotifier } from '#adapters/notifier';
import type { PageEntry } from '#adapters/page-log';
import { publicUpdateId, type StatusSource } from '#adapters/status-source';
import { type EscalationConfig, selectPolicy } from '#core/escalation';
import { isOpen } from '#core/lifecycle';
import { personText, TEXT_LIMITS } from '#core/limits';
import type { Incident } from '#core/model';
import * as templates from '#core/templates';
import type { TargetResolver } from '../incidents/target-resolver';
import { type ChatDelivery, notifyOnce, pageRecord } from '../lifecycle/notify-once';
import { ApiError, conflict, notFound } from './errors';

export const StatusUpdate = z.strictObject({
  phase: z.enum(['Investigating', 'Identified', 'Monitoring']),
  message: personText(TEXT_LIMITS.note),
  /**
   * Also show this update on the public status page (`GET /status`): its phase, time and message exactly as
   * written, to anyone. A person should read the message with that in mind; nothing else of the incident is
   * shown.
   */
  public: z.boolean().optional(),
});
export type StatusUpdate = z.infer<typeof StatusUpdate>;

export interface PagingDeps {
  store: IncidentStore;
  notifier: SnsNotifier;
  escalation: EscalationConfig;
  incidentLink: (id: string) => string;
  clock: () => Date;
  /** Who `schedule:` and `person:` targets page now (topics only when absent). */
  targets?: TargetResolver;
  /** Where pages to people are logged for the fairness report. */
  pages?: { record(entries: readonly PageEntry[]): Promise<void> };
  /** Updates and pages by hand go to the incident's chat channels too (Slack), as the lifecycle's do. */
  chat?: ChatDelivery;
  /** Where updates posted with `"public": true` are kept for the status page; such updates are refused when absent. */
  publicUpdates?: Pick<StatusSource, 'recordPublicUpdate'>;
}

/**
 * What people send out by hand: status updates to the stakeholders, and "page the next level now". Each is
 * sent once per request key (the client's Idempotency-Key, else the request id).
 */
export class ManualPaging {
  constructor(private readonly deps: PagingDeps) {}

  /**
   * Sends the update to the stakeholders; a public one is then also stored for the status page, at the time
   * the notice recorded, under an id from the request key: a retry (even one after a crash between the two
   * writes) writes the same item, never a second one.
   */
  async postUpdate(id: string, update: StatusUpdate, author: string, requestKey: string): Promise<Incident> {
    const { phase, message } = update;
    const publicUpdates = this.deps.publicUpdates;
    if (update.public && !publicUpdates)
      throw new ApiError(400, 'invalid_request', 'public updates are not kept here', 'public');
    const incident = await this.openIncident(id, 'post an update to');
    const { policy } = selectPolicy(this.deps.escalation, incident);
    const now = this.deps.clock().toISOString();
    const key = `update-${requestKey}`;
    await notifyOnce(this.deps, incident, key, {
      kind: 'update',
      targets: policy.stakeholders,
      message: templates.statusUpdate(incident, { link: this.deps.incidentLink(id), phase, message, author }),
      entryKind: 'updated',
      entryMessage: `${phase}: ${message}`,
      details: { phase, author, ...(update.public ? { public: true } : {}) },
      actor: author,
      // The reminder clock restarts with every update.
      record: { set: 'lastUpdateAt = :updateAt', values: { ':updateAt': now } },
    });
    const after = await this.get(id);
    if (update.public && publicUpdates) {
      await publicUpdates.recordPublicUpdate({
        incidentId: id,
        updateId: publicUpdateId(requestKey),
        service: after.service,
        // The time the notice recorded: the same on every retry.
        at: after.notices[key] ?? now,
        phase,
        message,
      });
    }
    return after;
  }

  /** Pages the level after the incident's current one (the last level again when it is already there). */
  async escalateNow(id: string, actor: string, requestKey: string): Promise<Incident> {
    const incident = await this.openIncident(id, 'escalate');
    const { policy } = selectPolicy(this.deps.escalation, incident);
    const number = Math.min(incident.escalationLevel + 1, policy.levels.length);
    const level = policy.levels[number - 1];
    if (!level) throw new Error(`policy ${policy.name} has no level ${number}`);
    await notifyOnce(this.deps, incident, `escalate-${requestKey}`, {
      kind: 'escalation',
      targets: level.targets,
      ...(level.fallback ? { fallback: level.fallback } : {}),
      message: templates.escalationPage(incident, {
        link: this.deps.incidentLink(id),
        level: { name: level.name, number },
        round: 1,
        minutesUnacknowledged: Math.floor(
          (this.deps.clock().getTime() - Date.parse(incident.createdAt)) / 60_000,
        ),
        previousTargets: [...new Set(incident.pagedTargets ?? [])],
      }),
      entryKind: 'escalated',
      entryMessage: (targets) =>
        `Escalated by hand to level ${number} (${level.name}) by ${actor}: ${targets}`,
      details: { level: number, byHand: true },
      actor,
      record: (reached) => pageRecord(incident, number, reached),
    });
    return this.get(id);
  }

  private async openIncident(id: string, what: string): Promise<Incident> {
    const incident = await this.get(id);
    if (!isOpen(incident.status))
      throw conflict(`incident ${id} is ${incident.status}; you cannot ${what} it`);
    return incident;
  }

  private async get(id: string): Promise<Incident> {
    const incident = await this.deps.store.getIncident(id);
    if (!incident) throw notFound(id);
    return incident;
  }
}
