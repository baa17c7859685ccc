import { describe, expect, it } from 'vitest';
import { fairnessReport } from '#core/fairness';
import { type ScheduleRules, shifts } from '#core/schedules';

// The week from Monday 2026-03-23 00:00 to Monday 2026-03-30 00:00 in Berlin, whose Sunday springs forward
// (CET +1 to CEST +2 at 01:00Z on 2026-03-29); New York is on EDT (-4) all week.
const FROM = '2026-03-22T23:00:00Z';
const TO = '2026-03-29T22:00:00Z';

// nyc covers Monday 00:00 to Saturday 00:00 Berlin time (120 hours), ber the weekend (47 hours: the change).
const schedule: ScheduleRules = {
  timeZone: 'Europe/Berlin',
  layers: [
    {
      people: ['nyc', 'ber'],
      start: '2026-03-23T00:00',
      shift: { length: 5, unit: 'days' },
      restrictions: [],
    },
  ],
};
const people = [
  { id: 'ber', timeZone: 'Europe/Berlin' },
  { id: 'nyc', timeZone: 'America/New_York' },
];

describe('the fairness report, on a hand-computed week with a daylight-saving change', () => {
  it('judges hours and pages in each person’s own zone', () => {
    // Prepare
    const week = shifts(schedule, [], FROM, TO);
    const pages = [
      { person: 'nyc', at: '2026-03-22T23:30:00Z' }, // Sunday 19:30 EDT: outside
      { person: 'nyc', at: '2026-03-24T14:00:00Z' }, // Tuesday 10:00 EDT: working hours
      { person: 'nyc', at: '2026-03-25T03:00:00Z' }, // Tuesday 23:00 EDT: outside
      { person: 'nyc', at: '2026-03-27T21:59:00Z' }, // Friday 17:59 EDT: working hours
      { person: 'nyc', at: '2026-03-27T22:00:00Z' }, // Friday 18:00 EDT: outside (working hours end at 18:00)
      { person: 'ber', at: '2026-03-28T10:00:00Z' }, // Saturday 11:00 CET: outside
      { person: 'ber', at: '2026-03-30T08:00:00Z' }, // after the report: not counted
      { person: 'ops', at: '2026-03-26T12:00:00Z' }, // not a known person: judged in Berlin, Thursday 13:00
    ];

    // Act
    const report = fairnessReport(week, people, pages, FROM, TO, 'Europe/Berlin');

    // Assess
    expect(report).toEqual([
      {
        person: 'ber',
        timeZone: 'Europe/Berlin',
        hoursOnCall: 47,
        // Saturday 00:00-07:00 (7), Saturday 22:00 CET to Sunday 07:00 CEST (8: the short night), Sunday 22:00-24:00 (2).
        nightHours: 17,
        weekendHours: 47,
        pagesReceived: 1,
        pagesOutsideWorkingHours: 1,
      },
      {
        person: 'nyc',
        timeZone: 'America/New_York',
        // Sunday 19:00 EDT to Friday 19:00 EDT.
        hoursOnCall: 120,
        // Five nights of 22:00-07:00, Sunday night to Friday morning.
        nightHours: 45,
        // Sunday 19:00-24:00 EDT.
        weekendHours: 5,
        pagesReceived: 5,
        pagesOutsideWorkingHours: 3,
      },
      {
        person: 'ops',
        timeZone: 'Europe/Berlin',
        hoursOnCall: 0,
        nightHours: 0,
        weekendHours: 0,
        pagesReceived: 1,
        pagesOutsideWorkingHours: 0,
      },
    ]);
  });

  it('counts the long autumn night in the person’s zone, and only the part of a shift inside the range', () => {
    // ber on call from Saturday 2026-10-24 12:00Z for two days; Berlin falls back at 01:00Z on the 25th.
    const list = [
      {
        person: 'ber',
        start: '2026-10-24T12:00:00.000Z',
        end: '2026-10-26T12:00:00.000Z',
        source: 'override' as const,
      },
      {
        person: null,
        start: '2026-10-26T12:00:00.000Z',
        end: '2026-10-27T00:00:00.000Z',
        source: 'none' as const,
      },
    ];

    const [row] = fairnessReport(list, people, [], '2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z', 'UTC');

    // On call 12:00Z Saturday to 00:00Z Monday: 36 hours. Nights: Saturday 22:00 CEST (20:00Z) to Sunday
    // 07:00 CET (06:00Z) is 10 hours; Sunday 22:00 CET (21:00Z) to the report's end is 3. The weekend
    // ends at Monday 00:00 CET (Sunday 23:00Z): 35 of the 36 hours.
    expect(row).toMatchObject({ person: 'ber', hoursOnCall: 36, nightHours: 13, weekendHours: 35 });
  });
});
