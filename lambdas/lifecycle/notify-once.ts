import type { IncidentStore } from '#adapters/incident-store';
import type { NotificationKind, SnsNotifier } from '#adapters/notifier';
import type { Incident, TimelineEntry, TimelineKind } from '#core/model';
import type { NotificationMessage } from '#core/templates';

export interface Notice {
  kind: NotificationKind;
  targets: string[];
  message: NotificationMessage;
  entryKind: TimelineKind;
  entryMessage: string;
  details: Record<string, unknown>;
  /** More attributes to set on the incident in the same write as the notice's record. */
  record?: { set: string; values: Record<string, unknown> };
  /** Who the timeline entry names; the lifecycle by default. */
  actor?: string;
}

/**
 * Publishes a notice once per key. The key is recorded on the incident after the publish, so a retry
 * finds it and only finishes the timeline entry; a crash between the publish and the record can repeat a
 * page, never lose one. False when the notice had been sent already.
 */
export async function notifyOnce(
  deps: { store: IncidentStore; notifier: SnsNotifier; clock: () => Date },
  incident: Incident,
  key: string,
  notice: Notice,
): Promise<boolean> {
  const entry = (at: string, extra: Record<string, unknown>): TimelineEntry => ({
    incidentId: incident.id,
    entryId: `lifecycle:${key}`,
    at,
    kind: notice.entryKind,
    actor: notice.actor ?? 'firebreak:lifecycle',
    message: notice.entryMessage,
    details: { ...notice.details, kind: notice.kind, targets: notice.targets, ...extra },
  });
  const sentAt = incident.notices[key];
  if (sentAt) {
    await deps.store.appendTimeline(entry(sentAt, {}));
    return false;
  }
  const now = deps.clock();
  const messageIds = await deps.notifier.notify(notice.targets, notice.kind, incident, notice.message);
  if (!(await deps.store.recordNotice(incident.id, key, now, notice.record))) return false;
  await deps.store.appendTimeline(entry(now.toISOString(), { messageIds }));
  return true;
}
