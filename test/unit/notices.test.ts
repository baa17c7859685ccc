import { describe, expect, it } from 'vitest';
import { expiredNotices, NOTICE_RETENTION_MS } from '#core/notices';
import { pageRecord } from '../../lambdas/lifecycle/notify-once';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe('expiredNotices', () => {
  it('drops records older than the retention, never the once-per-incident ones nor the key being written', () => {
    const notices = {
      'reminder-1': ago(NOTICE_RETENTION_MS + 1),
      'page-c0-s0': ago(NOTICE_RETENTION_MS + 60_000),
      'update-req-7': ago(NOTICE_RETENTION_MS - 1),
      'sla-breach': ago(3 * NOTICE_RETENTION_MS),
      resolution: ago(3 * NOTICE_RETENTION_MS),
      failure: ago(3 * NOTICE_RETENTION_MS),
      'reminder-2': ago(2 * NOTICE_RETENTION_MS),
    };

    const expired = expiredNotices(notices, NOW, 'reminder-2');

    expect(expired).toEqual(['reminder-1', 'page-c0-s0']);
  });

  it('drops at most 50 in one write, so the expression stays small', () => {
    const notices = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`reminder-${i}`, ago(NOTICE_RETENTION_MS * 2)]),
    );

    expect(expiredNotices(notices, NOW)).toHaveLength(50);
  });
});

describe('pageRecord', () => {
  it('lists each target once, in the order first paged', () => {
    const first = pageRecord({}, 1, ['primary', 'primary', 'secondary']);
    const again = pageRecord({ pagedTargets: ['primary', 'secondary'] }, 1, ['primary']);
    const next = pageRecord({ pagedTargets: ['primary'] }, 2, ['primary', 'lead']);

    expect(first.values[':targets']).toEqual(['primary', 'secondary']);
    expect(again).toEqual({ set: 'escalationLevel = :level', values: { ':level': 1 } });
    expect(next.values[':targets']).toEqual(['lead']);
  });
});
