import { describe, expect, it } from 'vitest';
import type { Level } from '#core/model';
import { DEFAULT_PRIORITY_POLICY, PriorityPolicy, prioritize, respondBy } from '#core/priority';

describe('priority matrix', () => {
  it.each<[Level, Level, string]>([
    ['high', 'high', 'P1'],
    ['high', 'medium', 'P2'],
    ['high', 'low', 'P3'],
    ['medium', 'high', 'P2'],
    ['medium', 'medium', 'P3'],
    ['medium', 'low', 'P4'],
    ['low', 'high', 'P3'],
    ['low', 'medium', 'P4'],
    ['low', 'low', 'P4'],
  ])('impact %s × urgency %s → %s', (impact, urgency, expected) => {
    expect(prioritize(impact, urgency)).toBe(expected);
  });

  it('uses a configured matrix instead of the default', () => {
    const policy = PriorityPolicy.parse({
      ...DEFAULT_PRIORITY_POLICY,
      matrix: { ...DEFAULT_PRIORITY_POLICY.matrix, low: { high: 'P2', medium: 'P4', low: 'P4' } },
    });

    expect(prioritize('low', 'high', policy)).toBe('P2');
  });

  it('rejects a matrix cell that is not a priority', () => {
    const bad = {
      ...DEFAULT_PRIORITY_POLICY,
      matrix: { ...DEFAULT_PRIORITY_POLICY.matrix, high: { high: 'P0' } },
    };

    expect(() => PriorityPolicy.parse(bad)).toThrow(/matrix/);
  });

  it.each([
    ['P1', '2026-11-27T10:15:00.000Z'],
    ['P2', '2026-11-27T11:00:00.000Z'],
    ['P3', '2026-11-27T14:00:00.000Z'],
    ['P4', '2026-11-28T10:00:00.000Z'],
  ] as const)('gives %s a response deadline of %s for an incident created at 10:00', (priority, deadline) => {
    expect(respondBy(priority, '2026-11-27T10:00:00.000Z')).toBe(deadline);
  });
});
