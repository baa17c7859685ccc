import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  instantOfWallTime,
  LocalDateTime,
  offsetAt,
  parseLocalDateTime,
  TimeZone,
  wallTimeAt,
  weekdayOf,
} from '#core/wall-clock';

/** A wall time from its fields, as a schedule would give it. */
const wall = (text: string): number => {
  const parsed = parseLocalDateTime(text);
  if (parsed === undefined) throw new Error(`not a local date-time: ${text}`);
  return parsed;
};
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** What the zone's clock reads at an instant, by Intl alone (independent of the module under test). */
function clockReads(zone: string, ms: number): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((part) => part.type === type)?.value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

describe('the wall clock across daylight-saving changes, by hand', () => {
  it.each([
    // Europe/Berlin springs from 02:00 CET to 03:00 CEST at 01:00Z on 2026-03-29.
    ['Europe/Berlin', '2026-03-29T01:59', '2026-03-29T00:59:00.000Z'],
    ['Europe/Berlin', '2026-03-29T02:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T02:30', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T03:00', '2026-03-29T01:00:00.000Z'],
    ['Europe/Berlin', '2026-03-29T09:00', '2026-03-29T07:00:00.000Z'],
    // ...and falls from 03:00 CEST to 02:00 CET at 01:00Z on 2026-10-25: 02:30 happens at 00:30Z and 01:30Z.
    ['Europe/Berlin', '2026-10-25T02:30', '2026-10-25T00:30:00.000Z'],
    ['Europe/Berlin', '2026-10-25T03:00', '2026-10-25T02:00:00.000Z'],
    // America/New_York springs from 02:00 EST to 03:00 EDT at 07:00Z on 2026-03-08...
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:00:00.000Z'],
    ['America/New_York', '2026-03-08T03:30', '2026-03-08T07:30:00.000Z'],
    // ...and falls from 02:00 EDT to 01:00 EST at 06:00Z on 2026-11-01: 01:30 happens at 05:30Z and 06:30Z.
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00.000Z'],
    ['America/New_York', '2026-11-01T02:00', '2026-11-01T07:00:00.000Z'],
    // Australia/Lord_Howe moves by half an hour: 02:00 +11 back to 01:30 +10:30 at 15:00Z on 2026-04-04.
    ['Australia/Lord_Howe', '2026-04-05T01:45', '2026-04-04T14:45:00.000Z'],
    ['Australia/Lord_Howe', '2026-04-05T02:00', '2026-04-04T15:30:00.000Z'],
  ])('in %s the clock first reads %s at %s', (zone, local, expected) => {
    // Act
    const instant = instantOfWallTime(zone, wall(local));

    // Assess
    expect(iso(instant)).toBe(expected);
    expect(clockReads(zone, instant) >= local).toBe(true);
    expect(clockReads(zone, instant - 60_000) < local).toBe(true);
  });

  it('reads the offset and the wall time on both sides of a change', () => {
    expect(offsetAt('Europe/Berlin', at('2026-03-29T00:59:59Z'))).toBe(3_600_000);
    expect(offsetAt('Europe/Berlin', at('2026-03-29T01:00:00Z'))).toBe(7_200_000);
    expect(iso(wallTimeAt('America/New_York', at('2026-11-01T06:30:00Z')))).toBe('2026-11-01T01:30:00.000Z');
    expect(weekdayOf(wall('2026-03-29T12:00'))).toBe('sun');
  });
});

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Antarctica/Troll',
  'UTC',
];
const zone = fc.constantFrom(...ZONES);
const instant = fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-12-31T00:00:00Z') });

describe('the wall clock, for any zone and time', () => {
  it('reads what Intl reads', () => {
    fc.assert(
      fc.property(zone, instant, (name, ms) => {
        expect(iso(wallTimeAt(name, ms)).slice(0, 16)).toBe(clockReads(name, ms));
      }),
    );
  });

  it('reaches a reading at the first instant the clock reads it or later, and never before', () => {
    fc.assert(
      fc.property(zone, instant, (name, ms) => {
        const reading = wallTimeAt(name, ms);

        const reached = instantOfWallTime(name, reading);

        expect(reached).toBeLessThanOrEqual(ms);
        expect(wallTimeAt(name, reached)).toBeGreaterThanOrEqual(reading);
        expect(wallTimeAt(name, reached - 1)).toBeLessThan(reading);
      }),
    );
  });

  it('keeps readings in order, skipped and repeated ones included', () => {
    fc.assert(
      fc.property(zone, instant, fc.integer({ min: 0, max: 3 * 3_600_000 }), (name, ms, later) => {
        const reading = wallTimeAt(name, ms);

        expect(instantOfWallTime(name, reading + later)).toBeGreaterThanOrEqual(
          instantOfWallTime(name, reading),
        );
      }),
    );
  });
});

describe('time zones and local date-times', () => {
  it('accepts IANA zones, spelling them as Intl does, and refuses anything else', () => {
    expect(TimeZone.parse('Europe/Berlin')).toBe('Europe/Berlin');
    expect(TimeZone.parse('europe/berlin')).toBe('Europe/Berlin');
    expect(TimeZone.parse('UTC')).toBe('UTC');
    for (const bad of ['Mars/Olympus_Mons', '+01:00', 'Berlin', '', 'Europe/Berlin/']) {
      expect(TimeZone.safeParse(bad).error?.issues[0]?.message).toBe(
        'must be an IANA time zone, like Europe/Berlin or America/New_York',
      );
    }
  });

  it('accepts a real local date-time without an offset, and nothing else', () => {
    expect(LocalDateTime.safeParse('2026-03-02T09:00').success).toBe(true);
    expect(LocalDateTime.safeParse('2026-03-02T09:00:30').success).toBe(true);
    for (const bad of [
      '2026-02-30T09:00',
      '2026-03-02T24:00',
      '2026-03-02T09:00Z',
      '2026-03-02',
      '0050-01-01T00:00',
    ]) {
      expect(LocalDateTime.safeParse(bad).error?.issues[0]?.message).toBe(
        'must be a local date-time without an offset, like 2026-03-02T09:00',
      );
    }
  });
});
