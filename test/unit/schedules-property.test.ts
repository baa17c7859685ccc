import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Restriction } from '#core/restrictions';
import {
  type Layer,
  ONCALL_HORIZON_DAYS,
  onCallAt,
  type ScheduleOverride,
  type ScheduleRules,
  type Shift,
  shifts,
} from '#core/schedules';
import {
  instantOfWallTime,
  parseLocalDateTime,
  startOfWallDay,
  wallTimeAt,
  weekdayOf,
} from '#core/wall-clock';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Who is on call at `at`, straight from the rules with no sweep, merging or turn estimate: overrides from the
 * last; then layers from the last, each covering when `at` is inside one of its turns (the turn found by
 * searching the handoffs) and inside one of its restriction windows.
 */
function oracle(schedule: ScheduleRules, overrides: readonly ScheduleOverride[], at: number): string | null {
  for (const override of [...overrides].reverse()) {
    if (Date.parse(override.start) <= at && at < Date.parse(override.end)) return override.person;
  }
  for (const layer of [...schedule.layers].reverse()) {
    const person = turnAt(layer, schedule.timeZone, at);
    if (person !== null && allowed(layer.restrictions, schedule.timeZone, at)) return person;
  }
  return null;
}

function turnAt(layer: Layer, zone: string, at: number): string | null {
  if (layer.people.length === 0) return null;
  const first = parseLocalDateTime(layer.start) as number;
  const step = layer.shift.length * { hours: HOUR, days: DAY, weeks: 7 * DAY }[layer.shift.unit];
  const handoff = (turn: number) => instantOfWallTime(zone, first + turn * step);
  if (at < handoff(0)) return null;
  // The last turn starting at or before `at`: double, then halve.
  let low = 0;
  let high = 1;
  while (handoff(high) <= at) high *= 2;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (handoff(middle) <= at) low = middle;
    else high = middle;
  }
  return layer.people[low % layer.people.length] as string;
}

function allowed(restrictions: readonly Restriction[], zone: string, at: number): boolean {
  if (restrictions.length === 0) return true;
  const today = startOfWallDay(wallTimeAt(zone, at));
  for (const day of [today - DAY, today, today + DAY]) {
    for (const { days, from, to } of restrictions) {
      if (!days.includes(weekdayOf(day) as (typeof days)[number])) continue;
      const opens = minutes(from) * 60_000;
      const closes = minutes(to) * 60_000 + (minutes(to) > minutes(from) ? 0 : DAY);
      if (instantOfWallTime(zone, day + opens) <= at && at < instantOfWallTime(zone, day + closes))
        return true;
    }
  }
  return false;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const clock = (total: number) =>
  `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;

const shiftAt = (list: Shift[], at: number) =>
  list.find((shift) => Date.parse(shift.start) <= at && at < Date.parse(shift.end));

const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const person = fc.constantFrom('a', 'b', 'c', 'd');
const timeOfDay = fc.integer({ min: 0, max: 95 }).map((quarter) => clock(quarter * 15));

const restriction: fc.Arbitrary<Restriction> = fc.record({
  days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, { minLength: 1 }),
  from: timeOfDay,
  to: timeOfDay,
});

const layer: fc.Arbitrary<Layer> = fc.record({
  people: fc.array(person, { maxLength: 4 }),
  // Local starts on a 15-minute grid through 2026, so handoffs meet every daylight-saving change of the year.
  start: fc
    .integer({ min: 0, max: 330 * 96 })
    .map((quarters) => iso(YEAR_START + quarters * 15 * 60_000).slice(0, 16)),
  shift: fc.oneof(
    fc.record({ length: fc.integer({ min: 1, max: 36 }), unit: fc.constant('hours' as const) }),
    fc.record({ length: fc.integer({ min: 1, max: 10 }), unit: fc.constant('days' as const) }),
    fc.record({ length: fc.integer({ min: 1, max: 3 }), unit: fc.constant('weeks' as const) }),
  ),
  restrictions: fc.oneof(
    fc.constant<Restriction[]>([]),
    fc.array(restriction, { minLength: 1, maxLength: 2 }),
  ),
});

const schedule: fc.Arbitrary<ScheduleRules> = fc.record({
  timeZone: fc.constantFrom(
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'America/St_Johns',
    'Asia/Kolkata',
    'UTC',
  ),
  layers: fc.array(layer, { maxLength: 3 }),
});

/** A range in 2026 (from an hour to 20 days long), and overrides in and around it. */
const scenario = fc
  .record({
    schedule,
    // Half the ranges start within ten days before one of 2026's daylight-saving changes in these zones.
    from: fc.oneof(
      fc.integer({ min: YEAR_START, max: YEAR_START + 340 * DAY }),
      fc
        .tuple(
          fc.constantFrom('2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01'),
          fc.integer({ min: 0, max: 10 * DAY }),
        )
        .map(([date, before]) => Date.parse(`${date}T00:00:00Z`) - before),
    ),
    length: fc.integer({ min: HOUR, max: 20 * DAY }),
    overrides: fc.array(
      fc.record({
        person,
        offset: fc.integer({ min: -DAY, max: 20 * DAY }),
        length: fc.integer({ min: 1, max: 3 * DAY }),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ schedule, from, length, overrides }) => ({
    schedule,
    from,
    to: from + length,
    overrides: overrides.map(
      (override, index): ScheduleOverride => ({
        id: `ov-${index}`,
        person: override.person,
        start: iso(from + override.offset),
        end: iso(from + override.offset + override.length),
      }),
    ),
  }));

/** Every boundary (and the millisecond before it) of a list, thinned to at most `most`, plus a few at random. */
function samples(list: Shift[], from: number, to: number, most = 60): number[] {
  const edges = list.flatMap((shift) => [Date.parse(shift.start), Date.parse(shift.start) - 1]);
  const every = Math.max(1, Math.ceil(edges.length / most));
  const picked = edges.filter((_, index) => index % every === 0);
  const spread = Array.from({ length: 20 }, (_, index) => from + Math.floor(((to - from) * index) / 20));
  return [...picked, ...spread, to - 1].filter((at) => at >= from && at < to);
}

describe('shifts, for random schedules', () => {
  it('cover the range exactly, contiguous, each differing from the one before', () => {
    fc.assert(
      fc.property(scenario, ({ schedule, overrides, from, to }) => {
        const list = shifts(schedule, overrides, iso(from), iso(to));

        expect(list[0]?.start).toBe(iso(from));
        expect(list.at(-1)?.end).toBe(iso(to));
        list.forEach((shift, index) => {
          expect(Date.parse(shift.end)).toBeGreaterThan(Date.parse(shift.start));
          const before = list[index - 1];
          if (!before) return;
          expect(shift.start).toBe(before.end);
          const key = (s: Shift) =>
            JSON.stringify([
              s.person,
              s.source,
              'layer' in s ? s.layer : null,
              'overrideId' in s ? s.overrideId : null,
            ]);
          expect(key(shift)).not.toBe(key(before));
        });
      }),
    );
  });

  it('say who is on call at every sampled instant, as the rules read directly do', () => {
    fc.assert(
      fc.property(scenario, ({ schedule, overrides, from, to }) => {
        const list = shifts(schedule, overrides, iso(from), iso(to));

        for (const at of samples(list, from, to)) {
          const found = shiftAt(list, at);
          expect(found, `a shift at ${iso(at)}`).toBeDefined();
          expect(found?.person, `at ${iso(at)}`).toBe(oracle(schedule, overrides, at));
        }
      }),
    );
  });
});

describe('onCallAt, for random schedules', () => {
  it('names the person on call, and `until` is where that answer first changes', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.double({ min: 0, max: 1, noNaN: true }),
        ({ schedule, overrides, from, to }, where) => {
          const at = from + Math.floor((to - from) * where);

          const answer = onCallAt(schedule, overrides, iso(at));

          expect(answer.person).toBe(oracle(schedule, overrides, at));
          const until = Date.parse(answer.until);
          expect(until).toBeGreaterThan(at);
          expect(until).toBeLessThanOrEqual(at + ONCALL_HORIZON_DAYS * DAY);
          // Unchanged throughout [at, until)...
          const held = shifts(schedule, overrides, iso(at), answer.until);
          expect(held.every((shift) => shift.person === answer.person)).toBe(true);
          // ...and different from `until` on, unless the horizon was reached.
          if (until < at + ONCALL_HORIZON_DAYS * DAY)
            expect(oracle(schedule, overrides, until)).not.toBe(answer.person);
        },
      ),
    );
  });
});
