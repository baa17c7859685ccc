import { describe, expect, it } from 'vitest';
import { fitAlerts, fitTimeline, reviewBytes } from '#core/reviews';

const line = (n: number) => ({
  at: `2026-12-01T10:${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000Z`,
  kind: 'alert-joined',
  actor: 'firebreak:ingest',
  message: `alert ${n} joined: ${'x'.repeat(200)}`,
});
const alert = (n: number) => ({
  title: `alarm-${n} ${'y'.repeat(100)}`,
  state: 'resolved',
  firstSeenAt: line(n).at,
  firedCount: 2,
});

describe('a review fits one item', () => {
  it('keeps a timeline that fits as it is', () => {
    const lines = [line(1), line(2), line(3)];

    expect(fitTimeline(lines, 10_000)).toEqual(lines);
  });

  it('keeps the first and last entries of a long timeline within the room, saying how many were left out', () => {
    // Prepare
    const lines = Array.from({ length: 1000 }, (_, n) => line(n));

    // Act
    const fitted = fitTimeline(lines, 20_000);

    // Assess
    expect(reviewBytes(fitted)).toBeLessThanOrEqual(20_000 + 200);
    expect(fitted[0]).toEqual(lines[0]);
    expect(fitted.at(-1)).toEqual(lines.at(-1));
    const gap = fitted.findIndex((entry) => entry.actor === 'firebreak');
    const left = 1000 - (fitted.length - 1);
    expect(fitted[gap]?.message).toBe(
      `${left} entries left out here: the incident's own timeline has them all`,
    );
    expect(fitted.slice(0, gap)).toEqual(lines.slice(0, gap));
    expect(fitted.slice(gap + 1)).toEqual(lines.slice(gap + left));
  });

  it('keeps the first alerts seen within the room and counts the rest', () => {
    // Prepare
    const alerts = Array.from({ length: 500 }, (_, n) => alert(n));

    // Act
    const fitted = fitAlerts(alerts, 10_000);

    // Assess
    expect(reviewBytes(fitted)).toBeLessThanOrEqual(10_000);
    const more = fitted.at(-1);
    const kept = fitted.length - 1;
    expect(fitted.slice(0, kept)).toEqual(alerts.slice(0, kept));
    expect(more).toEqual({
      title: `${500 - kept} more alerts: the incident's alert listing has them all`,
      state: 'more',
      firstSeenAt: alerts[kept]?.firstSeenAt,
      firedCount: 2 * (500 - kept),
    });
  });
});
