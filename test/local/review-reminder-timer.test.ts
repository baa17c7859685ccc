import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { ReviewReminderDeps } from '../../lambdas/reviews/send-reminders';
import { startReviewReminderTimer } from '../../local/review-reminder-timer';
import { startLocal } from '../../local/runtime';

/** Deps whose source finds nothing overdue, counting the runs. */
function countingDeps() {
  const runs: Date[] = [];
  const deps = {
    source: {
      overdueReviews: async (now: Date) => {
        runs.push(now);
        return [];
      },
      overdueActionItems: async () => [],
      claim: async () => true,
      markDone: async () => {},
    },
    incidents: { getIncident: async () => undefined },
    people: { get: async () => undefined },
    notifier: { deliver: async () => ({ sent: {}, failed: {} }) },
    escalation: DEFAULT_ESCALATION_CONFIG,
    reviewLink: () => undefined,
    clock: () => new Date('2026-12-10T12:00:00.000Z'),
    log: { info: () => {}, warn: () => {} },
  } satisfies ReviewReminderDeps;
  return { deps, runs };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the local review reminder timer', () => {
  it('runs the reminders once per interval, and no more once stopped', async () => {
    // Prepare
    vi.useFakeTimers();
    const { deps, runs } = countingDeps();
    const timer = startReviewReminderTimer(deps, { intervalMs: 60_000, onError: () => {} });

    // Act
    await vi.advanceTimersByTimeAsync(59_999);
    const beforeFirst = runs.length;
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(60_000);
    const afterTwo = runs.length;
    await timer.stop();
    await vi.advanceTimersByTimeAsync(600_000);

    // Assess
    expect(beforeFirst).toBe(0);
    expect(afterTwo).toBe(2);
    expect(runs).toHaveLength(2);
  });

  it('reports a failed run and goes on', async () => {
    // Prepare
    const { deps } = countingDeps();
    const errors: unknown[] = [];
    const failing = {
      ...deps,
      source: { ...deps.source, overdueReviews: async () => Promise.reject(new Error('table gone')) },
    };
    const timer = startReviewReminderTimer(failing, {
      intervalMs: 3_600_000,
      onError: (e) => errors.push(e),
    });

    // Act
    const failed = await timer.runNow();
    await timer.stop();

    // Assess
    expect(failed).toBeUndefined();
    expect(errors).toEqual([new Error('table gone')]);
  });

  it('runs in npm start against the local table, and stops with it', async () => {
    // Prepare
    const local = await startLocal({
      port: 0,
      timeScale: 10_000,
      token: 'local-test-token',
      integrationKey: '0123456789abcdef0123456789abcdef',
      escalation: DEFAULT_ESCALATION_CONFIG,
      grouping: DEFAULT_GROUPING_CONFIG,
      reviewReminderIntervalMs: 3_600_000,
    });

    // Act
    const run = await local.reviewReminders.runNow();
    await local.stop();

    // Assess: an empty table has nothing overdue.
    expect(run).toEqual({ overdue: 0, sent: 0, alreadyClaimed: 0, skipped: 0, failed: 0 });
  });
});
