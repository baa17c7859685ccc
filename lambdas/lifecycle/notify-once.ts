import type { IncidentStore } from '#adapters/incident-store';
import {
  type Delivery,
  deliverEach,
  type NotificationKind,
  PAGE_KINDS,
  type SnsNotifier,
} from '#adapters/notifier';
import type { PageEntry } from '#adapters/page-log';
import type { Incident, TimelineEntry, TimelineKind } from '#core/model';
import { describeResolution, isChatDelivery, type TargetResolution } from '#core/page-targets';
import type { NotificationMessage } from '#core/templates';
import { type TargetResolver, TOPICS_ONLY } from '../incidents/target-resolver';

export interface Notice {
  kind: NotificationKind;
  /** As configured: topic names, `schedule:<id>`, `person:<id>`; resolved when the notice goes out. */
  targets: string[];
  /** The topic paged when a schedule or person target reaches nobody (the ops topic when absent). */
  fallback?: string;
  /**
   * The moment the targets are resolved at (who is on call then): the step's due time for the lifecycle's
   * pages, so a retried step pages the same person; the clock's now by default.
   */
  at?: Date;
  message: NotificationMessage;
  entryKind: TimelineKind;
  /** The timeline's line; a function gets the targets as resolved (`schedule:primary → alice`). */
  entryMessage: string | ((targets: string) => string);
  details: Record<string, unknown>;
  /**
   * More attributes to set on the incident in the same write as the notice's record; a function gets the
   * targets that write records as reached (all of them, or those reached before another target failed).
   */
  record?: NoticeRecord | ((reached: readonly string[]) => NoticeRecord);
  /** Who the timeline entry names; the lifecycle by default. */
  actor?: string;
  /** The timeline entry's id; `lifecycle:<key>` by default. */
  entryId?: string;
}

export type NoticeRecord = { set: string; values: Record<string, unknown> };

/**
 * What a page records on its incident: the level reached, and the targets paged for the first time (each
 * target is listed once, so the list stays as short as the policy however often the chain repeats).
 */
export function pageRecord(
  incident: Pick<Incident, 'pagedTargets'>,
  level: number,
  targets: readonly string[],
): NoticeRecord {
  const known = new Set(incident.pagedTargets ?? []);
  const fresh = [...new Set(targets)].filter((target) => !known.has(target));
  if (fresh.length === 0) return { set: 'escalationLevel = :level', values: { ':level': level } };
  return {
    set: 'escalationLevel = :level, pagedTargets = list_append(if_not_exists(pagedTargets, :none), :targets)',
    values: { ':level': level, ':targets': fresh, ':none': [] },
  };
}

/**
 * A notice that some of its targets did not get. The targets that did are recorded, so a retry sends it
 * only to the others; the name is the error the state machine sees.
 */
export class UndeliveredNotice extends Error {
  constructor(
    readonly key: string,
    readonly delivered: readonly string[],
    readonly failed: Readonly<Record<string, Error>>,
  ) {
    const reasons = Object.entries(failed).map(
      ([target, error]) => `${target} (${error.name}: ${error.message})`,
    );
    super(
      `notice ${key} was not delivered to ${reasons.join(', ')}` +
        (delivered.length > 0 ? `; delivered to ${delivered.join(', ')}` : ''),
    );
    this.name = 'Notice.Undelivered';
  }
}

/** The notices-map key remembering that one target of a notice got it while another target failed. */
export function deliveredKey(key: string, target: string): string {
  return `${key}>${target}`;
}

/** What a chat post knows of its notice besides the message. */
export interface ChatContext {
  /** The people (person ids) this notice pages: an incident channel opened by it invites them. */
  people: readonly string[];
}

/**
 * Where notices go besides SNS: chat channels. Each channel is one delivery of the notice, recorded and
 * retried like a topic, so a channel that fails is posted to again on the retry and nothing else is.
 */
export interface ChatDelivery {
  /** The chat deliveries of a notice about `incident` (`slack:<channelId>`), none when Slack is off or no channel is configured for it. */
  targetsFor(incident: Incident, kind: NotificationKind): string[];
  /** Posts the notice to one `slack:` delivery; answers the message id (`<channel>:<ts>`). */
  post(
    target: string,
    kind: NotificationKind,
    incident: Incident,
    message: NotificationMessage,
    context?: ChatContext,
  ): Promise<string>;
}

/** What notifyOnce needs; `targets` and `pages` only where levels page schedules and people. */
export interface NotifyDeps {
  store: IncidentStore;
  notifier: SnsNotifier;
  clock: () => Date;
  targets?: TargetResolver;
  pages?: { record(entries: readonly PageEntry[]): Promise<void> };
  /** Chat channels that get the notices too; none when absent. */
  chat?: ChatDelivery;
}

/**
 * Publishes a notice once per key. The key is recorded on the incident after the publish, so a retry
 * finds it and only finishes the timeline entry; a crash between the publish and the record can repeat a
 * page, never lose one. When some targets fail, the ones reached are recorded one by one and the notice
 * fails as `Notice.Undelivered`: a retry sends it only to the targets still missing it. The chat channels
 * `deps.chat` adds are targets like the others (a Slack failure is retried alone), but never people: the
 * page log and the paged targets leave them out. False when the notice had been sent already.
 */
export async function notifyOnce(
  deps: NotifyDeps,
  incident: Incident,
  key: string,
  notice: Notice,
): Promise<boolean> {
  const now = deps.clock();
  const at = notice.at ?? now;
  const resolution = await (deps.targets ?? TOPICS_ONLY).resolve(notice.targets, notice.fallback, at);
  const described = describeResolution(resolution);
  const entry = (entryAt: string, extra: Record<string, unknown>): TimelineEntry => ({
    incidentId: incident.id,
    entryId: notice.entryId ?? `lifecycle:${key}`,
    at: entryAt,
    kind: notice.entryKind,
    actor: notice.actor ?? 'firebreak:lifecycle',
    message: typeof notice.entryMessage === 'function' ? notice.entryMessage(described) : notice.entryMessage,
    details: {
      ...notice.details,
      kind: notice.kind,
      targets: notice.targets,
      ...(resolved(resolution) ? { resolved: resolution.resolved } : {}),
      ...extra,
    },
  });
  const sentAt = incident.notices[key];
  if (sentAt) {
    await deps.store.appendTimeline(entry(sentAt, {}));
    return false;
  }
  const targets = [...resolution.deliveries, ...(deps.chat?.targetsFor(incident, notice.kind) ?? [])];
  const earlier = targets.filter((target) => incident.notices[deliveredKey(key, target)] !== undefined);
  const missing = targets.filter((target) => !earlier.includes(target));
  const { sent, failed } = await deliver(deps, missing, notice, incident, peopleOf(resolution));
  const reached = Object.keys(sent);
  // Before the notice's record, so a crash in between repeats the record with the page, never loses it.
  if (deps.pages && PAGE_KINDS.has(notice.kind))
    await deps.pages.record(pagesTo(resolution, reached, incident, key, at));
  // A channel is no person: it is never paged again, nor sent the resolution as a paged target.
  const record =
    typeof notice.record === 'function'
      ? notice.record(reached.filter((target) => !isChatDelivery(target)))
      : notice.record;
  if (Object.keys(failed).length > 0) {
    // One write per target reached (the first also carries the notice's own record): a retry skips them.
    await Promise.all(
      reached.map((target, index) =>
        deps.store.recordNotice(incident, deliveredKey(key, target), now, index === 0 ? record : undefined),
      ),
    );
    throw new UndeliveredNotice(key, [...earlier, ...reached], failed);
  }
  if (!(await deps.store.recordNotice(incident, key, now, record))) return false;
  await deps.store.appendTimeline(
    entry(now.toISOString(), {
      messageIds: sent,
      ...(earlier.length > 0 ? { deliveredEarlier: earlier } : {}),
    }),
  );
  return true;
}

/**
 * Sends the notice to each target: chat channels through the chat integration, the rest through SNS, all at
 * once; one outcome per target, as SnsNotifier.deliver gives it.
 */
async function deliver(
  deps: NotifyDeps,
  targets: readonly string[],
  notice: Notice,
  incident: Incident,
  people: readonly string[],
): Promise<Delivery> {
  const channels = targets.filter(isChatDelivery);
  const topics = targets.filter((target) => !isChatDelivery(target));
  const [published, posted] = await Promise.all([
    topics.length > 0
      ? deps.notifier.deliver(topics, notice.kind, incident, notice.message)
      : { sent: {}, failed: {} },
    deliverEach(channels, async (channel) => {
      if (!deps.chat) throw new Error(`no chat integration is configured to post to ${channel}`);
      return deps.chat.post(channel, notice.kind, incident, notice.message, { people });
    }),
  ]);
  return {
    sent: { ...published.sent, ...posted.sent },
    failed: { ...published.failed, ...posted.failed },
  };
}

/** The people a resolution pages, each once. */
function peopleOf(resolution: TargetResolution): string[] {
  return [...new Set(resolution.resolved.flatMap((one) => (one.person ? [one.person] : [])))];
}

/** Whether any target was more than a topic name: the timeline then keeps what each became. */
function resolved(resolution: TargetResolution): boolean {
  return resolution.resolved.some((one) => one.deliverTo.length !== 1 || one.deliverTo[0] !== one.target);
}

/** The page-log entries of the people among `reached`: one per person, with the target that paged them. */
function pagesTo(
  resolution: TargetResolution,
  reached: readonly string[],
  incident: Incident,
  key: string,
  at: Date,
): PageEntry[] {
  const entries = new Map<string, PageEntry>();
  for (const one of resolution.resolved) {
    for (const delivery of one.deliverTo) {
      if (!delivery.startsWith('person:') || !reached.includes(delivery)) continue;
      const person = delivery.slice('person:'.length);
      if (!entries.has(person))
        entries.set(person, {
          person,
          at: at.toISOString(),
          incidentId: incident.id,
          key,
          target: one.target,
        });
    }
  }
  return [...entries.values()];
}
