import * as z from 'zod';
import { type Interval, mergeIntervals } from './intervals';
import {
  ClockTime,
  clockTimeMs,
  DAY_MS,
  instantOfWallTime,
  startOfWallDay,
  wallTimeAt,
  weekdayOf,
} from './wall-clock';

export const RestrictionDay = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], {
  error: 'must be mon, tue, wed, thu, fri, sat or sun',
});
export type RestrictionDay = z.infer<typeof RestrictionDay>;

/**
 * When a layer covers, in the schedule's zone: on each listed day from `from` to `to`. A window whose `to`
 * is not after its `from` runs past midnight into the next day (`20:00`-`08:00` on fri covers Friday night
 * until Saturday 08:00), so `from` equal to `to` covers 24 hours. A layer with no restrictions covers always.
 */
export const Restriction = z.strictObject({
  days: z
    .array(RestrictionDay)
    .min(1, { error: 'must name at least one day' })
    .refine((days) => new Set(days).size === days.length, { error: 'must not name a day twice' }),
  from: ClockTime,
  to: ClockTime,
});
export type Restriction = z.infer<typeof Restriction>;

/**
 * The spans of [from, to) that `restrictions` cover in `zone`, sorted and merged. Each window opens the
 * first moment the zone's clock reads its start and closes the first moment it reads its end
 * (instantOfWallTime): a window ending 02:30 on the night the clock springs from 02:00 to 03:00 closes at
 * the jump; one ending 02:30 on the night the clock falls back closes at the first 02:30.
 */
export function restrictionWindows(
  restrictions: readonly Restriction[],
  zone: string,
  from: number,
  to: number,
): Interval[] {
  if (to <= from) return [];
  if (restrictions.length === 0) return [{ start: from, end: to }];
  const windows: Interval[] = [];
  // From the day before `from` (a window may run past midnight into it) to the day after `to` (daylight
  // saving can put `to` an hour or so earlier in wall time than the day it closes).
  const lastDay = startOfWallDay(wallTimeAt(zone, to)) + DAY_MS;
  for (let day = startOfWallDay(wallTimeAt(zone, from)) - DAY_MS; day <= lastDay; day += DAY_MS) {
    const weekday = weekdayOf(day);
    for (const restriction of restrictions) {
      if (!restriction.days.includes(weekday as RestrictionDay)) continue;
      const opens = clockTimeMs(restriction.from);
      const closes = clockTimeMs(restriction.to);
      const start = instantOfWallTime(zone, day + opens);
      const end = instantOfWallTime(zone, day + closes + (closes > opens ? 0 : DAY_MS));
      windows.push({ start: Math.max(start, from), end: Math.min(end, to) });
    }
  }
  return mergeIntervals(windows);
}
