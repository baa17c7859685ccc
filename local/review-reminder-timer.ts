import {
  type ReminderRun,
  type ReviewReminderDeps,
  sendReviewReminders,
} from '../lambdas/reviews/send-reminders';

/** How often local mode looks for overdue reviews and action items (deployed: every 15 minutes). */
export const LOCAL_REMINDER_INTERVAL_MS = 60_000;

export interface ReviewReminderTimer {
  /** One run now, as a scheduled one (after any run under way): what it did, or undefined when it failed. */
  runNow(): Promise<ReminderRun | undefined>;
  /** No run starts after this; resolves once a run under way has ended. */
  stop(): Promise<void>;
}

/**
 * EventBridge's schedule in local mode: the review reminder function's own logic (sendReviewReminders)
 * every `intervalMs`, one run at a time (the next is timed from the end of the last), never keeping the
 * process alive on its own. A failed run is reported and the next one goes ahead, as deployed.
 */
export function startReviewReminderTimer(
  deps: ReviewReminderDeps,
  options: { intervalMs: number; onError: (error: unknown) => void },
): ReviewReminderTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReminderRun | undefined> = Promise.resolve(undefined);

  const run = (): Promise<ReminderRun | undefined> => {
    running = running.then(async () => {
      if (stopped) return undefined;
      try {
        return await sendReviewReminders(deps);
      } catch (error) {
        options.onError(error);
        return undefined;
      }
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      await run();
      schedule();
    }, options.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runNow: run,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
