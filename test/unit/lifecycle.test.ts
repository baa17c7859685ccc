import { describe, expect, it } from 'vitest';
import {
  allowedFrom,
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isOpen,
} from '#core/lifecycle';
import type { Status } from '#core/model';

describe('lifecycle transitions', () => {
  it.each<[Status, Status, boolean]>([
    ['triggered', 'acknowledged', true],
    ['triggered', 'resolved', true],
    ['triggered', 'closed', false],
    ['acknowledged', 'triggered', true],
    ['acknowledged', 'resolved', true],
    ['acknowledged', 'closed', false],
    ['resolved', 'closed', true],
    ['resolved', 'triggered', false],
    ['resolved', 'acknowledged', false],
    ['closed', 'triggered', false],
    ['closed', 'resolved', false],
  ])('%s → %s is %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
  });

  it('lists the statuses a change may start from, for conditional writes', () => {
    expect(allowedFrom('resolved').sort()).toEqual(['acknowledged', 'triggered']);
    expect(allowedFrom('closed')).toEqual(['resolved']);
  });

  it('names both ends of an illegal transition', () => {
    expect(() => assertTransition('closed', 'resolved')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('closed', 'resolved')).toThrow(
      'An incident that is closed cannot become resolved',
    );
  });

  it('treats triggered and acknowledged as open', () => {
    expect((['triggered', 'acknowledged', 'resolved', 'closed'] as const).map(isOpen)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
