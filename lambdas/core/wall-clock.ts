/**
 * Wall-clock time in IANA time zones: what a clock on the wall in a zone reads at an instant, and the instant
 * a given reading is reached. Schedules, restrictions and the fairness report are all defined in wall-clock
 * terms ("hand off at 09:00 Europe/Berlin"), so every zone question goes through this module.
 *
 * The zone data comes from @date-fns/tz's `tzOffset` (the IANA database that Node's Intl carries, with the
 * formatter cached per zone). It was chosen over luxon and a Temporal polyfill because only one zone question
 * needs a library here, the offset at an instant, and its own entry point adds 0.4 KB (minified) to a Lambda
 * bundle against 56 KB (temporal-polyfill) or 71 KB (luxon). Its `TZDate` is deliberately not used: its
 * constructor resolves a skipped local time by moving it forward by the gap and works through the host's
 * zone; the rule for skipped and repeated times is instantOfWallTime's, below.
 */
import { tzOffset } from '@date-fns/tz/tzOffset';
import * as z from 'zod';

/**
 * A wall-clock reading as milliseconds on a zone-less timeline: `Date.UTC` of its fields, so
 * 2026-03-29T09:00 (in whatever zone) is `Date.UTC(2026, 2, 29, 9)`. On this timeline every day is 24 hours,
 * which is what makes "the same local time the next day" plain addition.
 */
export type WallTime = number;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** IANA names only ("Europe/Berlin", "UTC", "Etc/GMT+5"): no bare offsets like "+01:00". */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** The zone's name as Intl spells it, or undefined when Intl does not know the zone. */
function resolveZone(name: string): string | undefined {
  if (!ZONE_NAME.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export function isTimeZone(name: string): boolean {
  return resolveZone(name) !== undefined;
}

/**
 * An IANA time zone Node's Intl knows. A name given in the wrong case ("europe/berlin") is stored as Intl
 * spells it; an alias ("Asia/Calcutta") is kept as given rather than replaced by what the ICU of the day
 * thinks is canonical.
 */
export const TimeZone = z
  .string()
  .trim()
  .refine(isTimeZone, { error: 'must be an IANA time zone, like Europe/Berlin or America/New_York' })
  .transform((name) => {
    const resolved = resolveZone(name) ?? name;
    return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  });

/**
 * Offsets already read from Intl, per zone and instant. Intl takes some 13 µs per reading, and a year of
 * hourly turns would read it tens of thousands of times; cleared whole when it grows past its bound.
 */
const readings = new Map<string, number>();
const READINGS_LIMIT = 100_000;

function readOffset(zone: string, at: number): number {
  const key = `${zone} ${at}`;
  const known = readings.get(key);
  if (known !== undefined) return known;
  const minutes = tzOffset(zone, new Date(at));
  if (Number.isNaN(minutes)) throw new RangeError(`Unknown time zone "${zone}"`);
  // Historical offsets can carry seconds (tzOffset gives fractional minutes): round to the millisecond.
  const offset = Math.round(minutes * MINUTE_MS);
  if (readings.size >= READINGS_LIMIT) readings.clear();
  readings.set(key, offset);
  return offset;
}

/**
 * The zone's offset from UTC at `at`, in milliseconds (Europe/Berlin in summer: +7,200,000). A UTC day that
 * starts and ends with one offset has it throughout (zones change offset at most once in a day), so most
 * answers come from two remembered readings per day; only a day with a change is read instant by instant.
 */
export function offsetAt(zone: string, at: number): number {
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  const atStart = readOffset(zone, day);
  return atStart === readOffset(zone, day + DAY_MS) ? atStart : readOffset(zone, at);
}

/** What the wall clock in `zone` reads at the instant `at` (epoch milliseconds). */
export function wallTimeAt(zone: string, at: number): WallTime {
  return at + offsetAt(zone, at);
}

/**
 * The instant the wall clock in `zone` first reads `wall` or later. This one rule settles both
 * daylight-saving edges the same way a person reading the clock would:
 * - a reading that happens twice (the clock falls back, e.g. 02:30 on 2026-10-25 in Berlin) is reached the
 *   first time: the earlier instant;
 * - a reading that never happens (the clock springs forward, e.g. 02:30 on 2026-03-29 in Berlin) is passed at
 *   the change itself: 03:00 local, the moment the clock jumps over it.
 * It also keeps the order of readings (a later reading is never reached before an earlier one), so shift
 * handoffs computed with it never run backwards.
 */
export function instantOfWallTime(zone: string, wall: WallTime): number {
  // The answer lies within a day of `wall` (offsets are under 24 hours); the offsets in force a day either
  // side are the candidates. Zones change offset at most once in two days, so two of them suffice, and when
  // they are the same there is no change near `wall` and one answer.
  const dayBefore = offsetAt(zone, wall - DAY_MS);
  const dayAfter = offsetAt(zone, wall + DAY_MS);
  if (dayBefore === dayAfter) return wall - dayBefore;
  const offsets = [dayBefore, dayAfter];
  const exact = offsets.map((offset) => wall - offset).filter((at) => offsetAt(zone, at) === wall - at);
  if (exact.length > 0) return Math.min(...exact);
  // Nothing reads `wall` exactly: it is in a gap. Before the change the clock reads less than `wall`, after
  // it more; the first instant reading `wall` or later is the change, found by bisection.
  let before = wall - Math.max(...offsets);
  let after = wall - Math.min(...offsets);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (wallTimeAt(zone, middle) >= wall) after = middle;
    else before = middle;
  }
  return after;
}

/** Local date-time as a schedule gives it: `YYYY-MM-DDTHH:MM`, seconds optional, no offset. */
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The wall time of a local date-time string, or undefined when it is not one (or names no real date). */
export function parseLocalDateTime(text: string): WallTime | undefined {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over into March (and reads years below 100 as 19xx): such a date is not one.
  const check = new Date(wall);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  return wall;
}

/** A local date-time, checked to be a real date and time: `2026-03-02T09:00` (seconds optional, no offset). */
export const LocalDateTime = z.string().refine((text) => parseLocalDateTime(text) !== undefined, {
  error: 'must be a local date-time without an offset, like 2026-03-02T09:00',
});

/** `HH:MM`, 00:00 to 23:59. */
export const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, {
  error: 'must be a time of day HH:MM, from 00:00 to 23:59',
});

/** Milliseconds past midnight of an `HH:MM` already checked by ClockTime. */
export function clockTimeMs(text: string): number {
  const [hours, minutes] = text.split(':').map(Number) as [number, number];
  return hours * HOUR_MS + minutes * MINUTE_MS;
}

/** Midnight at the start of the wall day `wall` falls in. */
export function startOfWallDay(wall: WallTime): WallTime {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The day of the week of a wall time. */
export function weekdayOf(wall: WallTime): Weekday {
  return WEEKDAYS[new Date(wall).getUTCDay()] as Weekday;
}

/** Epoch milliseconds of an ISO 8601 instant (with `Z` or an offset), or a RangeError naming what was given. */
export function instantMs(iso: string, what = 'time'): number {
  // Without an offset Date.parse would read the host's zone: an instant must say where it is.
  const ms = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`The ${what} is not an ISO 8601 instant: "${iso}"`);
  return ms;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
