import type { IncidentStore } from '#adapters/incident-store';
import type { SnsNotifier } from '#adapters/notifier';
import { type EscalationConfig, selectPolicy } from '#core/escalation';
import type { Incident } from '#core/model';
import type { NotificationMessage } from '#core/templates';
import { notifyOnce } from '../lifecycle/notify-once';

/**
 * The targets of the incident's on-call level: the escalation level paged last (the first before any
 * page), in the policy that routes the incident.
 */
export function onCallTargets(escalation: EscalationConfig, incident: Incident): string[] {
  const { policy } = selectPolicy(escalation, incident);
  const index = Math.min(Math.max(incident.escalationLevel, 1), policy.levels.length) - 1;
  return policy.levels[index]?.targets ?? [];
}

/**
 * Tells the on-call level about a runbook run, once per key (recorded in the incident's notices, as the
 * lifecycle's pages are), with a `notified` timeline entry. Returns the targets.
 */
export async function notifyOnCall(
  deps: { store: IncidentStore; notifier: SnsNotifier; clock: () => Date; escalation: EscalationConfig },
  incident: Incident,
  notice: {
    key: string;
    message: NotificationMessage;
    entry: (targets: string[]) => {
      entryId: string;
      actor: string;
      message: string;
      details: Record<string, unknown>;
    };
  },
): Promise<string[]> {
  const targets = onCallTargets(deps.escalation, incident);
  if (targets.length === 0) return targets;
  const entry = notice.entry(targets);
  await notifyOnce(deps, incident, notice.key, {
    kind: 'runbook',
    targets,
    message: notice.message,
    entryKind: 'notified',
    entryMessage: entry.message,
    details: entry.details,
    actor: entry.actor,
    entryId: entry.entryId,
  });
  return targets;
}
