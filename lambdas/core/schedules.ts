import * as z from 'zod';
import { clipToWindows, type Interval } from './intervals';
import { personText, TEXT_LIMITS } from './limits';
import { PersonId } from './people';
import { Restriction, restrictionWindows } from './restrictions';
import { rotationTurns, ShiftLength, type Turn } from './rotation';
import { DAY_MS, instantMs, isoOf, LocalDateTime, TimeZone } from './wall-clock';

/** A schedule's id, as `/schedules/{id}` and escalation targets (`schedule:<id>`) name it. */
export const ScheduleId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
  error: 'must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
});
export type ScheduleId = z.infer<typeof ScheduleId>;

export const SCHEDULE_LIMITS = { layers: 10, people: 50, restrictions: 20 } as const;

/**
 * One rotation layer: its people take turns in order, the first turn starting at `start` (a local
 * date-time in the schedule's zone), each lasting `shift`; `restrictions`, when given, limit when the layer
 * covers (outside them it leaves the time to the layers below). A layer without people covers nothing.
 */
export const Layer = z.strictObject({
  people: z
    .array(PersonId)
    .max(SCHEDULE_LIMITS.people, { error: `must name at most ${SCHEDULE_LIMITS.people} people` }),
  start: LocalDateTime,
  shift: ShiftLength,
  restrictions: z
    .array(Restriction)
    .max(SCHEDULE_LIMITS.restrictions, {
      error: `must have at most ${SCHEDULE_LIMITS.restrictions} restrictions`,
    })
    .default([]),
});
export type Layer = z.infer<typeof Layer>;

/** `PUT /schedules/{id}`: the whole schedule. Later layers win where they cover. */
export const ScheduleBody = z.strictObject({
  name: personText(TEXT_LIMITS.name),
  timeZone: TimeZone,
  layers: z
    .array(Layer)
    .max(SCHEDULE_LIMITS.layers, { error: `must have at most ${SCHEDULE_LIMITS.layers} layers` }),
});
export type ScheduleBody = z.infer<typeof ScheduleBody>;

export const Schedule = ScheduleBody.extend({ id: ScheduleId });
export type Schedule = z.infer<typeof Schedule>;

/** What the on-call arithmetic reads from a schedule. */
export type ScheduleRules = { timeZone: string; layers: readonly Layer[] };

/** An instant with `Z` or an offset, stored as UTC (`2026-03-29T07:00:00.000Z`) so instants sort as text. */
const Instant = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 instant with Z or an offset, like 2026-03-29T09:00:00+02:00',
  })
  .transform((text) => isoOf(Date.parse(text)));

/** `POST /schedules/{id}/overrides`: `person` is on call from `start` to `end`, over every layer. */
export const Override = z
  .strictObject({ person: PersonId, start: Instant, end: Instant })
  .refine((override) => Date.parse(override.end) > Date.parse(override.start), {
    path: ['end'],
    error: 'must be after start',
    // Only once both are instants: a start or end that is not one has its own message.
    when: (payload) =>
      !payload.issues.some((issue) => issue.path?.[0] === 'start' || issue.path?.[0] === 'end'),
  });
export type Override = z.infer<typeof Override>;

/** An override as stored: with the id `DELETE /schedules/{id}/overrides/{overrideId}` names. */
export type ScheduleOverride = Override & { id?: string };

/**
 * Who is on call over a span. Consecutive shifts are contiguous and never overlap; time with nobody on call
 * is a shift too, with `person: null` and `source: 'none'`, so a list always covers the whole range asked
 * for. `layer` is the index of the winning layer in `layers`; `overrideId` is the override's id when it had
 * one. A person's consecutive turns in one layer (or one override) are one shift.
 */
export type Shift =
  | { person: string; start: string; end: string; source: 'layer'; layer: number }
  | { person: string; start: string; end: string; source: 'override'; overrideId?: string }
  | { person: null; start: string; end: string; source: 'none' };

/** The longest range `shifts` computes in one call. */
export const MAX_SHIFTS_RANGE_DAYS = 366;

/** How far ahead `onCallAt` looks for the next change: `until` is never later than this after `at`. */
export const ONCALL_HORIZON_DAYS = 90;

interface Piece extends Interval {
  person: string | null;
  /** Which layer or override decided, for telling one shift from the next: `layer:2`, `override:0`, `none`. */
  decidedBy: string;
  layer?: number;
  overrideId?: string;
}

/**
 * The shifts of [from, to): overrides win over every layer (among overlapping overrides, the one later in
 * `overrides` wins: pass them in the order they were made), and later layers win over earlier ones where
 * they cover.
 */
export function shifts(
  schedule: ScheduleRules,
  overrides: readonly ScheduleOverride[],
  from: string,
  to: string,
): Shift[] {
  const start = instantMs(from, 'start of the range');
  const end = instantMs(to, 'end of the range');
  if (end < start) throw new RangeError(`The range ends (${to}) before it starts (${from})`);
  if (end - start > MAX_SHIFTS_RANGE_DAYS * DAY_MS)
    throw new RangeError(`The range is longer than ${MAX_SHIFTS_RANGE_DAYS} days`);
  return pieces(schedule, overrides, start, end).map(toShift);
}

/**
 * Who is on call at `at`, and `until` when that answer first changes. When it holds for the whole horizon
 * (ONCALL_HORIZON_DAYS, e.g. an empty schedule), `until` is the horizon: ask again then.
 */
export function onCallAt(
  schedule: ScheduleRules,
  overrides: readonly ScheduleOverride[],
  at: string,
): { person: string | null; until: string } {
  const start = instantMs(at);
  // Most answers change within a day: look that far first, then further, rather than always 90 days ahead.
  for (const days of [1, 7, 30, ONCALL_HORIZON_DAYS]) {
    const horizon = start + days * DAY_MS;
    const found = pieces(schedule, overrides, start, horizon);
    const person = found[0]?.person ?? null;
    let until = start;
    for (const piece of found) {
      if (piece.person !== person) break;
      until = piece.end;
    }
    if (until < horizon || days === ONCALL_HORIZON_DAYS) return { person, until: isoOf(until) };
  }
  throw new Error('unreachable: the last horizon always answers');
}

function pieces(
  schedule: ScheduleRules,
  overrides: readonly ScheduleOverride[],
  from: number,
  to: number,
): Piece[] {
  if (to <= from) return [];
  const zone = schedule.timeZone;
  const coverage: Turn[][] = schedule.layers.map((layer) =>
    clipToWindows(
      rotationTurns(layer, zone, from, to),
      restrictionWindows(layer.restrictions, zone, from, to),
    ),
  );
  const active = overrides
    .map((override, index) => ({
      index,
      person: override.person,
      id: override.id,
      start: Math.max(instantMs(override.start, 'override start'), from),
      end: Math.min(instantMs(override.end, 'override end'), to),
    }))
    .filter((override) => override.end > override.start);

  // Between two consecutive edges nothing changes: decide each such span once.
  const edges = new Set([from, to]);
  for (const turns of coverage) for (const turn of turns) edges.add(turn.start).add(turn.end);
  for (const override of active) edges.add(override.start).add(override.end);
  const points = [...edges].sort((a, b) => a - b);

  const cursors = coverage.map(() => 0);
  const result: Piece[] = [];
  for (let index = 0; index + 1 < points.length; index += 1) {
    const start = points[index] as number;
    const end = points[index + 1] as number;
    const piece = decide(start, end);
    const last = result.at(-1);
    if (last && last.decidedBy === piece.decidedBy && last.person === piece.person) last.end = end;
    else result.push(piece);
  }
  return result;

  function decide(start: number, end: number): Piece {
    for (let index = active.length - 1; index >= 0; index -= 1) {
      const override = active[index];
      if (override && override.start <= start && start < override.end)
        return {
          start,
          end,
          person: override.person,
          decidedBy: `override:${override.index}`,
          ...(override.id === undefined ? {} : { overrideId: override.id }),
        };
    }
    for (let layer = coverage.length - 1; layer >= 0; layer -= 1) {
      const turns = coverage[layer] as Turn[];
      let cursor = cursors[layer] as number;
      while (cursor < turns.length && (turns[cursor] as Turn).end <= start) cursor += 1;
      cursors[layer] = cursor;
      const turn = turns[cursor];
      if (turn && turn.start <= start)
        return { start, end, person: turn.person, decidedBy: `layer:${layer}`, layer };
    }
    return { start, end, person: null, decidedBy: 'none' };
  }
}

function toShift(piece: Piece): Shift {
  const span = { start: isoOf(piece.start), end: isoOf(piece.end) };
  if (piece.person === null) return { person: null, ...span, source: 'none' };
  if (piece.layer !== undefined)
    return { person: piece.person, ...span, source: 'layer', layer: piece.layer };
  return {
    person: piece.person,
    ...span,
    source: 'override',
    ...(piece.overrideId === undefined ? {} : { overrideId: piece.overrideId }),
  };
}
