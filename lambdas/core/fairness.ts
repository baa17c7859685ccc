import { type Interval, overlapMs } from './intervals';
import type { Person } from './people';
import { type Restriction, restrictionWindows } from './restrictions';
import type { Shift } from './schedules';
import { HOUR_MS, instantMs } from './wall-clock';

/** How one person's time on call went over a report's range, judged in their own time zone. */
export interface FairnessRow {
  person: string;
  /** The zone nights, weekends and working hours were judged in: the person's, or the fallback. */
  timeZone: string;
  hoursOnCall: number;
  /** Hours on call between 22:00 and 07:00. */
  nightHours: number;
  /** Hours on call on Saturday or Sunday. */
  weekendHours: number;
  pagesReceived: number;
  /** Pages outside 09:00-18:00, Monday to Friday. */
  pagesOutsideWorkingHours: number;
}

/** A page sent to a person, as the paging record keeps it. */
export interface PageSent {
  person: string;
  at: string;
}

// The report's notions of night, weekend and working hours, written as restrictions so they open and close
// across daylight-saving changes exactly as a schedule's restrictions do.
const EVERY_DAY: Restriction['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NIGHT: Restriction[] = [{ days: EVERY_DAY, from: '22:00', to: '07:00' }];
const WEEKEND: Restriction[] = [{ days: ['sat', 'sun'], from: '00:00', to: '00:00' }];
const WORKING_HOURS: Restriction[] = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' },
];

/**
 * Per person who was on call or paged within [from, to): hours on call, night and weekend hours, pages and
 * pages outside working hours, each judged in the person's own zone (someone in New York on call for a
 * Berlin schedule has New York nights). A person not in `people` (deleted since) is judged in
 * `fallbackTimeZone`, the schedule's. Hours are exact (fractional where shifts are); gaps count for nobody.
 * Rows are sorted by person id.
 */
export function fairnessReport(
  shifts: readonly Shift[],
  people: ReadonlyArray<Pick<Person, 'id' | 'timeZone'>>,
  pages: readonly PageSent[],
  from: string,
  to: string,
  fallbackTimeZone: string,
): FairnessRow[] {
  const start = instantMs(from, 'start of the report');
  const end = instantMs(to, 'end of the report');
  if (end < start) throw new RangeError(`The report ends (${to}) before it starts (${from})`);
  const zoneOf = new Map(people.map((person) => [person.id, person.timeZone]));

  const spans = new Map<string, Interval[]>();
  for (const shift of shifts) {
    if (shift.person === null) continue;
    const span = {
      start: Math.max(instantMs(shift.start, 'shift start'), start),
      end: Math.min(instantMs(shift.end, 'shift end'), end),
    };
    if (span.end > span.start) appendTo(spans, shift.person, span);
  }
  const paged = new Map<string, number[]>();
  for (const page of pages) {
    const at = instantMs(page.at, 'page time');
    if (at >= start && at < end) appendTo(paged, page.person, at);
  }

  // Windows depend only on the zone: work them out once per zone.
  const windows = new Map<string, { night: Interval[]; weekend: Interval[]; working: Interval[] }>();
  const windowsFor = (zone: string) => {
    let found = windows.get(zone);
    if (!found) {
      found = {
        night: restrictionWindows(NIGHT, zone, start, end),
        weekend: restrictionWindows(WEEKEND, zone, start, end),
        working: restrictionWindows(WORKING_HOURS, zone, start, end),
      };
      windows.set(zone, found);
    }
    return found;
  };

  const everyone = [...new Set([...spans.keys(), ...paged.keys()])].sort();
  return everyone.map((person) => {
    const timeZone = zoneOf.get(person) ?? fallbackTimeZone;
    const { night, weekend, working } = windowsFor(timeZone);
    const onCall = spans.get(person) ?? [];
    const sum = (within: readonly Interval[] | undefined) =>
      onCall.reduce((total, span) => total + (within ? overlapMs(span, within) : span.end - span.start), 0) /
      HOUR_MS;
    const times = paged.get(person) ?? [];
    return {
      person,
      timeZone,
      hoursOnCall: sum(undefined),
      nightHours: sum(night),
      weekendHours: sum(weekend),
      pagesReceived: times.length,
      pagesOutsideWorkingHours: times.filter((at) => overlapMs({ start: at, end: at + 1 }, working) === 0)
        .length,
    };
  });
}

function appendTo<T>(lists: Map<string, T[]>, key: string, item: T): void {
  const list = lists.get(key);
  if (list) list.push(item);
  else lists.set(key, [item]);
}
