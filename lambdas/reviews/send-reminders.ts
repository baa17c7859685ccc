import type { IncidentStore } from '#adapters/incident-store';
import type { Delivery, SnsNotifier } from '#adapters/notifier';
import type { PeopleStore } from '#adapters/people-store';
import type { ReviewReminderSource } from '#adapters/review-reminder-source';
import { type EscalationConfig, selectPolicy } from '#core/escalation';
import { overdueReminders, type Reminder, reminderMessage, routeReminder } from '#core/review-reminders';

export interface ReviewReminderDeps {
  source: Pick<ReviewReminderSource, 'overdueReviews' | 'overdueActionItems' | 'claim' | 'markDone'>;
  incidents: Pick<IncidentStore, 'getIncident'>;
  people: Pick<PeopleStore, 'get'>;
  notifier: Pick<SnsNotifier, 'deliver'>;
  /** The management topic of each incident's policy is told when a reminder has no owner to go to. */
  escalation: EscalationConfig;
  /** The review's page in the console (`…#/incidents/<id>/review`), when a console URL is configured. */
  reviewLink: (incidentId: string) => string | undefined;
  clock: () => Date;
  log: {
    info(message: string, details: Record<string, unknown>): void;
    warn(message: string, details: Record<string, unknown>): void;
  };
}

/** What one run did. */
export interface ReminderRun {
  overdue: number;
  sent: number;
  /** Already claimed by an earlier run (sent, or being sent). */
  alreadyClaimed: number;
  /** Claimed, but the incident is gone: recorded as skipped. */
  skipped: number;
  /** Claimed, but not delivered to anyone: left claimed, so a run after the lease sends it again. */
  failed: number;
}

export class ReminderRunFailed extends Error {
  constructor(readonly run: ReminderRun) {
    super(
      `${run.failed} of ${run.overdue} overdue review reminders could not be sent; retried after the lease`,
    );
    this.name = 'ReminderRunFailed';
  }
}

/**
 * Reminds owners of overdue reviews and action items, once per due date. For each overdue item: claim (a
 * conditional put), then read the incident and the owner, publish, and record the claim as sent. Claim
 * first, so two runs never both send; state on the claim, so a run that crashed, or a publish that failed,
 * between the claim and the record leaves it `claimed`, and a run after the lease sends it again (a crash
 * after the publish but before the record can so send it twice: rarer, and better than never).
 * One reminder failing keeps no other from going out; the run then fails, naming how many, so the
 * function's error alarm tells the people running Firebreak.
 */
export async function sendReviewReminders(deps: ReviewReminderDeps): Promise<ReminderRun> {
  const now = deps.clock();
  const [reviews, items] = await Promise.all([
    deps.source.overdueReviews(now),
    deps.source.overdueActionItems(now),
  ]);
  const reminders = overdueReminders(reviews, items, now);
  const run: ReminderRun = { overdue: reminders.length, sent: 0, alreadyClaimed: 0, skipped: 0, failed: 0 };
  for (const reminder of reminders) {
    const context = describe(reminder);
    try {
      if (!(await deps.source.claim(reminder, now))) {
        run.alreadyClaimed += 1;
        continue;
      }
      const outcome = await send(deps, reminder, now);
      if (outcome === 'skipped') {
        run.skipped += 1;
        continue;
      }
      const reached = Object.keys(outcome.sent);
      if (reached.length === 0) throw firstError(outcome);
      await deps.source.markDone(reminder, 'sent', now, `to ${reached.join(', ')}`);
      run.sent += 1;
      deps.log.info('review reminder sent', { ...context, to: reached, failed: Object.keys(outcome.failed) });
    } catch (error) {
      run.failed += 1;
      deps.log.warn('review reminder not sent', { ...context, error });
    }
  }
  if (run.failed > 0) throw new ReminderRunFailed(run);
  return run;
}

async function send(deps: ReviewReminderDeps, reminder: Reminder, now: Date): Promise<Delivery | 'skipped'> {
  const incident = await deps.incidents.getIncident(reminder.incidentId);
  if (!incident) {
    await deps.source.markDone(reminder, 'skipped', now, 'the incident does not exist');
    deps.log.warn('review reminder skipped: no such incident', describe(reminder));
    return 'skipped';
  }
  const person = reminder.owner ? await deps.people.get(reminder.owner) : undefined;
  const { policy } = selectPolicy(deps.escalation, incident);
  const routing = routeReminder(
    reminder.owner,
    person && { id: person.id, contacts: person.contacts },
    policy.management,
  );
  const link = deps.reviewLink(incident.id);
  const message = reminderMessage(reminder, { incident, routing, now, ...(link ? { link } : {}) });
  return deps.notifier.deliver(routing.deliveries, 'review-overdue', incident, message);
}

function firstError(delivery: Delivery): Error {
  return Object.values(delivery.failed)[0] ?? new Error('the reminder had no delivery target');
}

function describe(reminder: Reminder): Record<string, string> {
  return {
    incidentId: reminder.incidentId,
    kind: reminder.kind,
    due: reminder.due,
    ...(reminder.kind === 'action' ? { itemId: reminder.itemId } : {}),
  };
}
