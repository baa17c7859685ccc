import { type EscalationConfig, type EscalationLevel, selectPolicy } from '#core/escalation';
import type { Incident } from '#core/model';
import type { NotificationMessage } from '#core/templates';
import { type NotifyDeps, notifyOnce } from '../lifecycle/notify-once';

/**
 * The incident's on-call level: the escalation level paged last (the first before any page), in the policy
 * that routes the incident.
 */
export function onCallLevel(escalation: EscalationConfig, incident: Incident): EscalationLevel | undefined {
  const { policy } = selectPolicy(escalation, incident);
  const index = Math.min(Math.max(incident.escalationLevel, 1), policy.levels.length) - 1;
  return policy.levels[index];
}

/**
 * Tells the on-call level about a runbook run, once per key (recorded in the incident's notices, as the
 * lifecycle's pages are), with a `notified` timeline entry. Returns the targets.
 */
export async function notifyOnCall(
  deps: NotifyDeps & { escalation: EscalationConfig },
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
  const level = onCallLevel(deps.escalation, incident);
  const targets = level?.targets ?? [];
  if (targets.length === 0) return targets;
  const entry = notice.entry(targets);
  await notifyOnce(deps, incident, notice.key, {
    kind: 'runbook',
    targets,
    ...(level?.fallback ? { fallback: level.fallback } : {}),
    message: notice.message,
    entryKind: 'notified',
    entryMessage: entry.message,
    details: entry.details,
    actor: entry.actor,
    entryId: entry.entryId,
  });
  return targets;
}
