import { describe, expect, it } from 'vitest';
import {
  type ChecklistIncident,
  ClosingChecklistConfig,
  checklistMessage,
  DEFAULT_CLOSING_CHECKLIST,
  missingForClose,
} from '#core/closing-checklist';

function incident(over: Partial<ChecklistIncident> = {}): ChecklistIncident {
  return {
    status: 'resolved',
    priority: 'P1',
    resolution: 'Rolled back deployment with bad Redis config',
    rootCause: 'A config change shipped without its canary',
    notices: { resolution: '2026-12-01T10:30:00.000Z' },
    ...over,
  };
}

describe('the closing checklist', () => {
  it('lets a resolved, summarised, explained, announced and reviewed P1 close', () => {
    expect(missingForClose(incident(), { review: { state: 'completed' } })).toEqual([]);
    expect(missingForClose(incident(), { review: { state: 'scheduled' } })).toEqual([]);
  });

  it('names exactly what is missing, in order', () => {
    expect(
      missingForClose(
        incident({ status: 'acknowledged', resolution: '  ', rootCause: undefined, notices: {} }),
        { review: { state: 'draft' } },
      ),
    ).toEqual(['resolved', 'resolution-summary', 'root-cause-or-problem', 'stakeholders-notified', 'review']);
  });

  it('takes a linked problem instead of a root cause', () => {
    expect(
      missingForClose(incident({ rootCause: undefined }), {
        problemId: 'PRB-0001',
        review: { state: 'completed' },
      }),
    ).toEqual([]);
  });

  it('needs no review for P3 and P4 by default, and follows the configuration per priority', () => {
    expect(missingForClose(incident({ priority: 'P3' }), {})).toEqual([]);
    expect(missingForClose(incident({ priority: 'P2' }), {})).toEqual(['review']);
    const lenient = ClosingChecklistConfig.parse({ ...DEFAULT_CLOSING_CHECKLIST, P1: [] });
    // `resolved` is always needed, whatever the configuration says.
    expect(missingForClose(incident({ status: 'triggered', notices: {} }), {}, lenient)).toEqual([
      'resolved',
    ]);
  });

  it('refuses a configuration naming an unknown item or one twice', () => {
    const bad = ClosingChecklistConfig.safeParse({ ...DEFAULT_CLOSING_CHECKLIST, P4: ['review', 'review'] });
    expect(bad.success).toBe(false);
    expect(ClosingChecklistConfig.safeParse({ ...DEFAULT_CLOSING_CHECKLIST, P2: ['sign-off'] }).success).toBe(
      false,
    );
  });

  it('says what to do in words', () => {
    expect(checklistMessage('INC-20261201-0001', ['root-cause-or-problem', 'review'])).toBe(
      'incident INC-20261201-0001 cannot be closed yet: record the root cause or link a problem; ' +
        'schedule or complete the post-incident review',
    );
  });
});
