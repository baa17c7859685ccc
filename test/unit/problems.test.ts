import { describe, expect, it } from 'vitest';
import { ProblemRules, problemTitle, type RecurrenceCandidate, recurrence } from '#core/problems';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

function incident(id: string, days: number, over: Partial<RecurrenceCandidate> = {}): RecurrenceCandidate {
  return {
    id,
    createdAt: daysAgo(days),
    service: 'checkout',
    category: 'Application',
    alertKeys: [`alarm-${id}`],
    ...over,
  };
}

const ALARM = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx';

describe('problem detection', () => {
  it('opens a problem on the third incident of the same alert within 30 days', () => {
    const earlier = [
      incident('A', 20, { alertKeys: [ALARM] }),
      incident('B', 3, { alertKeys: [ALARM], service: 'other' }),
    ];
    expect(recurrence(incident('C', 0, { alertKeys: [ALARM], service: 'web' }), earlier)).toEqual({
      kind: 'open',
      basis: { by: 'alert', alertKey: ALARM },
      incidents: ['A', 'B', 'C'],
    });
  });

  it('opens one for the same service and category when the alerts differ', () => {
    expect(recurrence(incident('C', 0), [incident('A', 29), incident('B', 1)])).toEqual({
      kind: 'open',
      basis: { by: 'service', service: 'checkout', category: 'Application' },
      incidents: ['A', 'B', 'C'],
    });
  });

  it('counts an incident exactly 30 days earlier, not one a millisecond before', () => {
    const edge = { ...incident('A', 30) };
    const outside = { ...incident('A', 30), createdAt: new Date(NOW - 30 * DAY - 1).toISOString() };
    expect(recurrence(incident('C', 0), [edge, incident('B', 2)]).kind).toBe('open');
    expect(recurrence(incident('C', 0), [outside, incident('B', 2)])).toEqual({ kind: 'none' });
  });

  it('needs nothing of another category, a merged incident, itself or a later one', () => {
    const earlier = [
      incident('A', 5, { category: 'Database' }),
      incident('B', 4, { mergedInto: 'X' }),
      incident('C', 0),
      incident('D', -1),
      incident('E', 3),
    ];
    expect(recurrence(incident('C', 0), earlier)).toEqual({ kind: 'none' });
  });

  it('extends the problem the newest recurring incident is linked to instead of opening another', () => {
    const earlier = [
      incident('A', 25, { problemId: 'PRB-20261106-0001' }),
      incident('B', 10, { problemId: 'PRB-20261121-0002' }),
      incident('C', 5),
    ];
    expect(recurrence(incident('D', 0), earlier)).toEqual({
      kind: 'extend',
      problemId: 'PRB-20261121-0002',
      basis: { by: 'service', service: 'checkout', category: 'Application' },
      incidents: ['A', 'B', 'C', 'D'],
    });
  });

  it('follows the configured threshold and window', () => {
    const rules = ProblemRules.parse({ threshold: 2, windowDays: 7 });
    expect(recurrence(incident('B', 0), [incident('A', 6)], rules).kind).toBe('open');
    expect(recurrence(incident('B', 0), [incident('A', 8)], rules).kind).toBe('none');
    expect(ProblemRules.safeParse({ threshold: 1 }).success).toBe(false);
    expect(ProblemRules.parse({})).toEqual({ threshold: 3, windowDays: 30 });
  });

  it('titles the problem by what recurs', () => {
    expect(problemTitle({ by: 'service', service: 'checkout', category: 'Application' }, 3, 30)).toBe(
      'Recurring: checkout (Application), 3 incidents within 30 days',
    );
    expect(problemTitle({ by: 'alert', alertKey: 'checkout-5xx' }, 4, 30)).toBe(
      'Recurring: alert checkout-5xx, 4 incidents within 30 days',
    );
  });
});
