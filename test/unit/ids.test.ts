import { describe, expect, it } from 'vitest';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { formatIncidentId, idDay } from '#core/ids';

/** An in-memory counter standing in for the store's day counter (pure allocation logic only). */
function counter() {
  const sequences = new Map<string, number>();
  const calls: Array<[string, number]> = [];
  return {
    calls,
    async reserveSequence(day: string, count: number) {
      calls.push([day, count]);
      const next = (sequences.get(day) ?? 0) + count;
      sequences.set(day, next);
      return next;
    },
  };
}

describe('incident ids', () => {
  it('formats the UTC day and a zero-padded number that widens past 9999', () => {
    expect(idDay(new Date('2026-11-27T23:59:59.999Z'))).toBe('20261127');
    expect(formatIncidentId('20261127', 42)).toBe('INC-20261127-0042');
    expect(formatIncidentId('20261127', 12345)).toBe('INC-20261127-12345');
  });

  it('refuses a malformed day or a non-positive number', () => {
    expect(() => formatIncidentId('2026-11-27', 1)).toThrow(/YYYYMMDD/);
    expect(() => formatIncidentId('20261127', 0)).toThrow(/≥ 1/);
  });

  it('numbers each day from 1 and reuses a released id before taking a new number', async () => {
    const store = counter();
    const ids = new IncidentIdAllocator(store);
    const day1 = new Date('2026-11-27T10:00:00Z');

    const first = await ids.next(day1);
    const second = await ids.next(day1);
    ids.release(second);
    const reused = await ids.next(day1);
    const nextDay = await ids.next(new Date('2026-11-28T00:00:01Z'));

    expect([first, second, reused, nextDay]).toEqual([
      'INC-20261127-0001',
      'INC-20261127-0002',
      'INC-20261127-0002',
      'INC-20261128-0001',
    ]);
    expect(store.calls).toHaveLength(3);
  });

  it('reserves blocks when asked, with one counter write per block', async () => {
    const store = counter();
    const ids = new IncidentIdAllocator(store, 5);
    const at = new Date('2026-11-27T10:00:00Z');

    const taken = [];
    for (let i = 0; i < 7; i++) taken.push(await ids.next(at));

    expect(taken.at(0)).toBe('INC-20261127-0001');
    expect(taken.at(6)).toBe('INC-20261127-0007');
    expect(new Set(taken).size).toBe(7);
    expect(store.calls).toEqual([
      ['20261127', 5],
      ['20261127', 5],
    ]);
  });
});
