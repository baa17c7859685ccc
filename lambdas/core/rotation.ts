import * as z from 'zod';
import type { Interval } from './intervals';
import { DAY_MS, HOUR_MS, instantOfWallTime, parseLocalDateTime, wallTimeAt } from './wall-clock';

export const ShiftUnit = z.enum(['hours', 'days', 'weeks'], { error: 'must be hours, days or weeks' });
export type ShiftUnit = z.infer<typeof ShiftUnit>;

/** How long each person's turn lasts, in wall-clock units of the schedule's zone. */
export const ShiftLength = z.strictObject({
  length: z
    .number({ error: 'must be a whole number from 1 to 365' })
    .int({ error: 'must be a whole number from 1 to 365' })
    .min(1, { error: 'must be a whole number from 1 to 365' })
    .max(365, { error: 'must be a whole number from 1 to 365' }),
  unit: ShiftUnit,
});
export type ShiftLength = z.infer<typeof ShiftLength>;

/** What a rotation needs: its people in order, the local date-time the first turn starts, the turn's length. */
export interface Rotation {
  people: readonly string[];
  /** A local date-time in the schedule's zone (`2026-03-02T09:00`), already checked by LocalDateTime. */
  start: string;
  shift: ShiftLength;
}

/** One person's turn, or the part of it within the range asked for. */
export interface Turn extends Interval {
  person: string;
}

const UNIT_MS: Record<ShiftUnit, number> = { hours: HOUR_MS, days: DAY_MS, weeks: 7 * DAY_MS };

/**
 * The turns of a rotation within [from, to), in order. Handoffs are wall-clock times in the schedule's zone:
 * turn k starts when the zone's clock first reads `start + k × length` (see instantOfWallTime). A daily
 * rotation handing off at 09:00 Europe/Berlin does so at 09:00 local on both sides of a daylight-saving
 * change, so that day's turn is 23 or 25 hours; hourly turns keep their local times too (8-hour turns stay at
 * 00:00, 08:00 and 16:00), the turn across the change being an hour shorter or longer. A turn whose handoffs
 * fall on one instant (a 1-hour turn inside the hour the clock skips) is empty, and the rotation moves on.
 * Nobody is on call before the first turn; a rotation without people has no turns.
 */
export function rotationTurns(rotation: Rotation, zone: string, from: number, to: number): Turn[] {
  const { people } = rotation;
  if (people.length === 0 || to <= from) return [];
  const first = parseLocalDateTime(rotation.start);
  if (first === undefined) throw new RangeError(`Not a local date-time: "${rotation.start}"`);
  const step = rotation.shift.length * UNIT_MS[rotation.shift.unit];
  const handoff = (turn: number): number => instantOfWallTime(zone, first + turn * step);

  // Wall time runs at one speed with no gaps, so the turn at `from` is found by division, then corrected for
  // the hour or so a daylight-saving offset can put it out.
  let turn = Math.max(0, Math.floor((wallTimeAt(zone, from) - first) / step));
  while (turn > 0 && handoff(turn) > from) turn -= 1;
  while (handoff(turn + 1) <= from) turn += 1;

  const turns: Turn[] = [];
  let start = handoff(turn);
  while (start < to) {
    const end = handoff(turn + 1);
    const clipped = { start: Math.max(start, from), end: Math.min(end, to) };
    if (clipped.end > clipped.start)
      turns.push({ ...clipped, person: people[turn % people.length] as string });
    start = end;
    turn += 1;
  }
  return turns;
}
