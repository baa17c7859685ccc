import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  type Layer,
  Override,
  onCallAt,
  ScheduleBody,
  type ScheduleOverride,
  type ScheduleRules,
  type Shift,
  shifts,
} from '#core/schedules';

type Unit = 'hours' | 'days' | 'weeks';

const layer = (
  people: string[],
  start: string,
  length: number,
  unit: Unit,
  restrictions: Layer['restrictions'] = [],
): Layer => ({ people, start, shift: { length, unit }, restrictions });

const schedule = (timeZone: string, ...layers: Layer[]): ScheduleRules => ({ timeZone, layers });

const EVERY_DAY: Layer['restrictions'][number]['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Each shift as `person start..end` in UTC minutes, `-` for nobody: the table a person checks by hand. */
const table = (list: Shift[]): string[] =>
  list.map((shift) => `${shift.person ?? '-'} ${shift.start.slice(0, 16)}..${shift.end.slice(0, 16)}`);

const hours = (shift: Shift | undefined): number =>
  shift ? (Date.parse(shift.end) - Date.parse(shift.start)) / 3_600_000 : Number.NaN;

describe('daily rotations hand off at the same local time across daylight-saving changes', () => {
  it('Europe/Berlin, spring: the 09:00 handoff moves from 08:00Z to 07:00Z, so one turn is 23 hours', () => {
    // Prepare
    const rota = schedule('Europe/Berlin', layer(['a', 'b', 'c'], '2026-03-27T09:00', 1, 'days'));

    // Act
    const list = shifts(rota, [], '2026-03-27T08:00:00Z', '2026-03-30T07:00:00Z');

    // Assess
    expect(table(list)).toEqual([
      'a 2026-03-27T08:00..2026-03-28T08:00',
      'b 2026-03-28T08:00..2026-03-29T07:00',
      'c 2026-03-29T07:00..2026-03-30T07:00',
    ]);
    expect(list.map(hours)).toEqual([24, 23, 24]);
  });

  it('Europe/Berlin, autumn: the turn across the change is 25 hours', () => {
    const rota = schedule('Europe/Berlin', layer(['a', 'b'], '2026-10-24T09:00', 1, 'days'));

    const list = shifts(rota, [], '2026-10-24T07:00:00Z', '2026-10-26T08:00:00Z');

    expect(table(list)).toEqual([
      'a 2026-10-24T07:00..2026-10-25T08:00',
      'b 2026-10-25T08:00..2026-10-26T08:00',
    ]);
    expect(list.map(hours)).toEqual([25, 24]);
  });

  it('America/New_York, spring (2026-03-08): 23 hours', () => {
    const rota = schedule('America/New_York', layer(['a', 'b'], '2026-03-07T09:00', 1, 'days'));

    const list = shifts(rota, [], '2026-03-07T14:00:00Z', '2026-03-09T13:00:00Z');

    expect(table(list)).toEqual([
      'a 2026-03-07T14:00..2026-03-08T13:00',
      'b 2026-03-08T13:00..2026-03-09T13:00',
    ]);
  });

  it('America/New_York, autumn (2026-11-01): 25 hours', () => {
    const rota = schedule('America/New_York', layer(['a', 'b'], '2026-10-31T09:00', 1, 'days'));

    const list = shifts(rota, [], '2026-10-31T13:00:00Z', '2026-11-02T14:00:00Z');

    expect(table(list)).toEqual([
      'a 2026-10-31T13:00..2026-11-01T14:00',
      'b 2026-11-01T14:00..2026-11-02T14:00',
    ]);
  });

  it('hands off at a skipped time the moment the clock jumps over it (02:30 on 2026-03-08 is 03:00 EDT)', () => {
    const rota = schedule('America/New_York', layer(['a', 'b'], '2026-03-07T02:30', 1, 'days'));

    const list = shifts(rota, [], '2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z');

    expect(table(list)).toEqual([
      'a 2026-03-07T07:30..2026-03-08T07:00',
      'b 2026-03-08T07:00..2026-03-09T06:30',
    ]);
  });

  it('hands off at a repeated time the first time the clock shows it (01:30 EDT on 2026-11-01)', () => {
    const rota = schedule('America/New_York', layer(['a', 'b'], '2026-10-31T01:30', 1, 'days'));

    const list = shifts(rota, [], '2026-10-31T05:30:00Z', '2026-11-02T06:30:00Z');

    expect(table(list)).toEqual([
      'a 2026-10-31T05:30..2026-11-01T05:30',
      'b 2026-11-01T05:30..2026-11-02T06:30',
    ]);
  });
});

describe('weekly and hourly rotations', () => {
  it('a weekly rotation advances per local week: the week with the change is 167 hours in Berlin', () => {
    const rota = schedule('Europe/Berlin', layer(['a', 'b'], '2026-03-23T09:00', 1, 'weeks'));

    const list = shifts(rota, [], '2026-03-23T08:00:00Z', '2026-04-13T07:00:00Z');

    expect(table(list)).toEqual([
      'a 2026-03-23T08:00..2026-03-30T07:00',
      'b 2026-03-30T07:00..2026-04-06T07:00',
      'a 2026-04-06T07:00..2026-04-13T07:00',
    ]);
    expect(list.map(hours)).toEqual([167, 168, 168]);
    expect(onCallAt(rota, [], '2026-04-01T12:00:00Z')).toEqual({
      person: 'b',
      until: '2026-04-06T07:00:00.000Z',
    });
  });

  it('a two-week rotation in New York is 337 hours across the autumn change', () => {
    const rota = schedule('America/New_York', layer(['a', 'b'], '2026-10-26T09:00', 2, 'weeks'));

    const list = shifts(rota, [], '2026-10-26T13:00:00Z', '2026-11-09T14:00:00Z');

    expect(table(list)).toEqual(['a 2026-10-26T13:00..2026-11-09T14:00']);
    expect(hours(list[0])).toBe(337);
  });

  it('8-hour turns keep 00:00 / 08:00 / 16:00 local: the turn across the autumn change is 9 hours', () => {
    const rota = schedule('America/New_York', layer(['a', 'b', 'c'], '2026-11-01T00:00', 8, 'hours'));

    const list = shifts(rota, [], '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z');

    expect(table(list)).toEqual([
      'a 2026-11-01T04:00..2026-11-01T13:00',
      'b 2026-11-01T13:00..2026-11-01T21:00',
      'c 2026-11-01T21:00..2026-11-02T05:00',
    ]);
  });

  it('12-hour turns 20:00 / 08:00 in Berlin: the spring night turn is 11 hours', () => {
    const rota = schedule('Europe/Berlin', layer(['night', 'day'], '2026-03-28T20:00', 12, 'hours'));

    const list = shifts(rota, [], '2026-03-28T19:00:00Z', '2026-03-29T18:00:00Z');

    expect(table(list)).toEqual([
      'night 2026-03-28T19:00..2026-03-29T06:00',
      'day 2026-03-29T06:00..2026-03-29T18:00',
    ]);
  });

  it('a 1-hour turn inside the skipped hour is empty, and the rotation moves on', () => {
    // 00:00 EST is 05:00Z; the turns at 02:00 and 03:00 local both start at 07:00Z, so c's turn has no length.
    const rota = schedule('America/New_York', layer(['a', 'b', 'c'], '2026-03-08T00:00', 1, 'hours'));

    const list = shifts(rota, [], '2026-03-08T05:00:00Z', '2026-03-08T09:00:00Z');

    expect(table(list)).toEqual([
      'a 2026-03-08T05:00..2026-03-08T06:00',
      'b 2026-03-08T06:00..2026-03-08T07:00',
      'a 2026-03-08T07:00..2026-03-08T08:00',
      'b 2026-03-08T08:00..2026-03-08T09:00',
    ]);
  });

  it('a one-person rotation is one shift, however many turns it spans', () => {
    const rota = schedule('Europe/Berlin', layer(['solo'], '2026-03-02T09:00', 1, 'days'));

    expect(table(shifts(rota, [], '2026-03-03T00:00:00Z', '2026-03-10T00:00:00Z'))).toEqual([
      'solo 2026-03-03T00:00..2026-03-10T00:00',
    ]);
    expect(onCallAt(rota, [], '2026-03-03T00:00:00Z')).toEqual({
      person: 'solo',
      until: '2026-06-01T00:00:00.000Z',
    });
  });
});

describe('restrictions and layers', () => {
  // Follow the sun: Europe covers 08:00-20:00 Berlin time, the Americas the rest; Europe is the later layer.
  const followTheSun = schedule(
    'Europe/Berlin',
    layer(['us1', 'us2'], '2026-03-23T20:00', 1, 'days', [{ days: EVERY_DAY, from: '20:00', to: '08:00' }]),
    layer(['eu1', 'eu2'], '2026-03-23T08:00', 1, 'days', [{ days: EVERY_DAY, from: '08:00', to: '20:00' }]),
  );

  it('follow the sun: each region covers its hours in Berlin time, across the spring change', () => {
    const list = shifts(followTheSun, [], '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z');

    expect(table(list)).toEqual([
      'us1 2026-03-28T00:00..2026-03-28T07:00',
      'eu2 2026-03-28T07:00..2026-03-28T19:00',
      'us2 2026-03-28T19:00..2026-03-29T06:00',
      'eu1 2026-03-29T06:00..2026-03-29T18:00',
      'us1 2026-03-29T18:00..2026-03-30T00:00',
    ]);
    expect(list.map((shift) => (shift.source === 'layer' ? shift.layer : shift.source))).toEqual([
      0, 1, 0, 1, 0,
    ]);
    expect(hours(list[2])).toBe(11);
  });

  it('a later layer wins where it covers and leaves the rest to the layer below', () => {
    const weekdays = schedule(
      'Europe/Berlin',
      layer(['a', 'b'], '2026-03-02T09:00', 1, 'weeks'),
      layer(['day'], '2026-03-02T00:00', 1, 'days', [
        { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
      ]),
    );

    const list = shifts(weekdays, [], '2026-03-06T00:00:00Z', '2026-03-09T12:00:00Z');

    // Friday 09:00-17:00 CET is 08:00Z-16:00Z; Monday's day cover starts 08:00Z too, as does b's week.
    expect(table(list)).toEqual([
      'a 2026-03-06T00:00..2026-03-06T08:00',
      'day 2026-03-06T08:00..2026-03-06T16:00',
      'a 2026-03-06T16:00..2026-03-09T08:00',
      'day 2026-03-09T08:00..2026-03-09T12:00',
    ]);
  });

  it('a window whose end is not after its start runs past midnight; from = to covers 24 hours', () => {
    const fridayNight = schedule(
      'UTC',
      layer(['night'], '2026-03-02T00:00', 1, 'days', [{ days: ['fri'], from: '20:00', to: '08:00' }]),
      layer(['sunday'], '2026-03-02T00:00', 1, 'days', [{ days: ['sun'], from: '06:00', to: '06:00' }]),
    );

    const list = shifts(fridayNight, [], '2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z');

    expect(table(list)).toEqual([
      '- 2026-03-06T00:00..2026-03-06T20:00',
      'night 2026-03-06T20:00..2026-03-07T08:00',
      '- 2026-03-07T08:00..2026-03-08T06:00',
      'sunday 2026-03-08T06:00..2026-03-09T06:00',
      '- 2026-03-09T06:00..2026-03-10T00:00',
    ]);
  });
});

describe('overrides', () => {
  const rota = schedule('Europe/Berlin', layer(['a', 'b'], '2026-03-02T09:00', 1, 'days'));

  it('win over every layer; of two that overlap, the later one wins, and each keeps its id', () => {
    // Prepare
    const overrides: ScheduleOverride[] = [
      { id: 'ov-1', person: 'x', start: '2026-03-03T12:00:00.000Z', end: '2026-03-04T12:00:00.000Z' },
      { id: 'ov-2', person: 'y', start: '2026-03-03T18:00:00.000Z', end: '2026-03-03T20:00:00.000Z' },
    ];

    // Act
    const list = shifts(rota, overrides, '2026-03-03T00:00:00Z', '2026-03-05T00:00:00Z');

    // Assess
    expect(table(list)).toEqual([
      'a 2026-03-03T00:00..2026-03-03T08:00',
      'b 2026-03-03T08:00..2026-03-03T12:00',
      'x 2026-03-03T12:00..2026-03-03T18:00',
      'y 2026-03-03T18:00..2026-03-03T20:00',
      'x 2026-03-03T20:00..2026-03-04T12:00',
      'a 2026-03-04T12:00..2026-03-05T00:00',
    ]);
    expect(list[2]).toEqual({
      person: 'x',
      start: '2026-03-03T12:00:00.000Z',
      end: '2026-03-03T18:00:00.000Z',
      source: 'override',
      overrideId: 'ov-1',
    });
    expect(list.map((shift) => shift.source)).toEqual([
      'layer',
      'layer',
      'override',
      'override',
      'override',
      'layer',
    ]);
  });

  it('fill a gap, and an override for the person already on call extends their time on call', () => {
    const overrides: ScheduleOverride[] = [
      { person: 'a', start: '2026-03-03T06:00:00.000Z', end: '2026-03-03T10:00:00.000Z' },
    ];

    expect(table(shifts(rota, overrides, '2026-03-03T00:00:00Z', '2026-03-03T12:00:00Z'))).toEqual([
      'a 2026-03-03T00:00..2026-03-03T06:00',
      'a 2026-03-03T06:00..2026-03-03T10:00',
      'b 2026-03-03T10:00..2026-03-03T12:00',
    ]);
    expect(onCallAt(rota, overrides, '2026-03-03T05:00:00Z')).toEqual({
      person: 'a',
      until: '2026-03-03T10:00:00.000Z',
    });
    const empty = schedule('UTC');
    expect(table(shifts(empty, overrides, '2026-03-03T00:00:00Z', '2026-03-03T12:00:00Z'))).toEqual([
      '- 2026-03-03T00:00..2026-03-03T06:00',
      'a 2026-03-03T06:00..2026-03-03T10:00',
      '- 2026-03-03T10:00..2026-03-03T12:00',
    ]);
  });
});

describe('nobody on call', () => {
  it('a schedule without layers, or whose layer has no people, has nobody on call for the whole horizon', () => {
    for (const empty of [
      schedule('Europe/Berlin'),
      schedule('Europe/Berlin', layer([], '2026-03-02T09:00', 1, 'days')),
    ]) {
      expect(shifts(empty, [], '2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z')).toEqual([
        { person: null, start: '2026-03-03T00:00:00.000Z', end: '2026-03-04T00:00:00.000Z', source: 'none' },
      ]);
      expect(onCallAt(empty, [], '2026-03-03T00:00:00Z')).toEqual({
        person: null,
        until: '2026-06-01T00:00:00.000Z',
      });
    }
  });

  it('before the first turn nobody is on call, until it starts', () => {
    const rota = schedule('Europe/Berlin', layer(['a', 'b'], '2026-03-02T09:00', 1, 'days'));

    expect(onCallAt(rota, [], '2026-03-01T00:00:00Z')).toEqual({
      person: null,
      until: '2026-03-02T08:00:00.000Z',
    });
  });
});

describe('ranges', () => {
  const rota = schedule('UTC', layer(['a'], '2026-03-02T00:00', 1, 'days'));

  it('an empty range has no shifts; a backward or over-long one is refused', () => {
    expect(shifts(rota, [], '2026-03-03T00:00:00Z', '2026-03-03T00:00:00Z')).toEqual([]);
    expect(() => shifts(rota, [], '2026-03-04T00:00:00Z', '2026-03-03T00:00:00Z')).toThrow(
      /ends .* before it starts/,
    );
    expect(() => shifts(rota, [], '2026-01-01T00:00:00Z', '2027-01-03T00:00:00Z')).toThrow(
      /longer than 366 days/,
    );
    expect(() => shifts(rota, [], '2026-03-03T00:00:00', '2026-03-04T00:00:00Z')).toThrow(
      /not an ISO 8601 instant/,
    );
  });

  it('reads instants with offsets', () => {
    expect(onCallAt(rota, [], '2026-03-03T01:00:00+02:00')).toEqual({
      person: 'a',
      until: '2026-05-31T23:00:00.000Z',
    });
  });
});

/** Each problem as `path: message`, the way the API names the field. */
function problems(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('schedule and override bodies', () => {
  const body = () => ({
    name: 'Payments primary',
    timeZone: 'Europe/Berlin',
    layers: [
      {
        people: ['alice', 'bob'],
        start: '2026-03-02T09:00',
        shift: { length: 1, unit: 'weeks' },
        restrictions: [{ days: ['mon', 'tue'], from: '08:00', to: '20:00' }],
      },
    ],
  });

  it('accepts the contract, with restrictions optional', () => {
    expect(ScheduleBody.parse(body())).toEqual(body());
    const { restrictions: _, ...unrestricted } = body().layers[0] as Record<string, unknown>;
    expect(ScheduleBody.parse({ ...body(), layers: [unrestricted] }).layers[0]?.restrictions).toEqual([]);
  });

  it('names every bad field of a layer', () => {
    const bad = {
      ...body(),
      timeZone: 'Berlin',
      layers: [
        {
          people: ['Alice'],
          start: '2026-03-02T09:00+01:00',
          shift: { length: 0, unit: 'months' },
          restrictions: [{ days: ['mon', 'mon', 'someday'], from: '8:00', to: '24:00' }],
        },
      ],
    };

    expect(problems(ScheduleBody, bad)).toEqual([
      'timeZone: must be an IANA time zone, like Europe/Berlin or America/New_York',
      'layers.0.people.0: must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
      'layers.0.start: must be a local date-time without an offset, like 2026-03-02T09:00',
      'layers.0.shift.length: must be a whole number from 1 to 365',
      'layers.0.shift.unit: must be hours, days or weeks',
      'layers.0.restrictions.0.days.2: must be mon, tue, wed, thu, fri, sat or sun',
      'layers.0.restrictions.0.from: must be a time of day HH:MM, from 00:00 to 23:59',
      'layers.0.restrictions.0.to: must be a time of day HH:MM, from 00:00 to 23:59',
    ]);
    expect(
      problems(ScheduleBody, {
        ...body(),
        layers: [
          { ...body().layers[0], restrictions: [{ days: ['mon', 'mon'], from: '08:00', to: '09:00' }] },
        ],
      }),
    ).toEqual(['layers.0.restrictions.0.days: must not name a day twice']);
  });

  it('an override is stored in UTC and must end after it starts', () => {
    expect(
      Override.parse({ person: 'alice', start: '2026-03-29T09:00:00+02:00', end: '2026-03-29T10:00:00Z' }),
    ).toEqual({
      person: 'alice',
      start: '2026-03-29T07:00:00.000Z',
      end: '2026-03-29T10:00:00.000Z',
    });
    expect(
      problems(Override, {
        person: 'alice',
        start: '2026-03-29T10:00:00Z',
        end: '2026-03-29T12:00:00+02:00',
      }),
    ).toEqual(['end: must be after start']);
    expect(problems(Override, { person: 'alice', start: '2026-03-29T10:00:00', end: 'tomorrow' })).toEqual([
      'start: must be an ISO 8601 instant with Z or an offset, like 2026-03-29T09:00:00+02:00',
      'end: must be an ISO 8601 instant with Z or an offset, like 2026-03-29T09:00:00+02:00',
    ]);
  });
});
