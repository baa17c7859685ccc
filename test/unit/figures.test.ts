import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  figureStats,
  incidentFigures,
  NO_TEAM,
  percentile,
  type SummarySource,
  summarize,
  trend,
  weekOf,
} from '#core/figures';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function incident(over: Partial<SummarySource> = {}): SummarySource {
  return {
    priority: 'P1',
    service: 'checkout',
    status: 'triggered',
    detectedAt: at(-60),
    createdAt: at(0),
    respondBy: at(15 * 60),
    slaBreached: false,
    ...over,
  };
}

describe('one incident’s figures', () => {
  it('counts detection from the first signal’s own time, acknowledgement and resolution from detection', () => {
    expect(
      incidentFigures(incident({ acknowledgedAt: at(240), resolvedAt: at(1380), status: 'resolved' })),
    ).toEqual({ ttd: 60, tta: 240, ttr: 1380, slaBreached: false });
  });

  it('has no time to acknowledge when nobody acknowledged, even once resolved', () => {
    expect(incidentFigures(incident({ resolvedAt: at(600), status: 'resolved' }))).toEqual({
      ttd: 60,
      tta: null,
      ttr: 600,
      slaBreached: false,
    });
    expect(incidentFigures(incident())).toMatchObject({ tta: null, ttr: null });
  });

  it('counts the first acknowledgement of one that timed out and was paged again', () => {
    // Acknowledged at 2 min, the acknowledgement timed out, paging restarted, acknowledged again at 40 min.
    const retriggered = incident({
      acknowledgedAt: at(120),
      lastAcknowledgedAt: at(2400),
      status: 'acknowledged',
    } as Partial<SummarySource>);
    expect(incidentFigures(retriggered)).toMatchObject({ tta: 120, ttr: null });
  });

  it('marks the SLA breached when the lifecycle did, or when the first acknowledgement came after the deadline', () => {
    expect(incidentFigures(incident({ slaBreached: true })).slaBreached).toBe(true);
    expect(incidentFigures(incident({ acknowledgedAt: at(15 * 60 + 1) })).slaBreached).toBe(true);
    expect(incidentFigures(incident({ acknowledgedAt: at(15 * 60) })).slaBreached).toBe(false);
  });

  it('never gives a negative time to detect when the source’s clock is ahead', () => {
    expect(incidentFigures(incident({ detectedAt: at(30) })).ttd).toBe(0);
  });
});

describe('statistics', () => {
  it('takes nearest-rank percentiles, always one of the values', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([], 50)).toBeNull();
  });

  it('ignores missing figures and answers null when none is there', () => {
    expect(figureStats([null, 30, 10, null, 20])).toEqual({ mean: 20, p50: 20, p90: 30 });
    expect(figureStats([null, null])).toEqual({ mean: null, p50: null, p90: null });
  });
});

describe('the summary', () => {
  it('groups by priority, service or team, leaves merged incidents out, and counts SLA breaches', () => {
    const incidents = [
      incident({ priority: 'P2', acknowledgedAt: at(60), resolvedAt: at(600), status: 'resolved' }),
      incident({ priority: 'P1', acknowledgedAt: at(300), slaBreached: true, status: 'acknowledged' }),
      incident({ priority: 'P1', acknowledgedAt: at(100), team: 'payments', status: 'acknowledged' }),
      incident({ priority: 'P1', status: 'resolved', resolvedAt: at(50), mergedInto: 'INC-20261130-0001' }),
    ];
    const byPriority = summarize(incidents, 'priority');
    expect(byPriority.map((group) => [group.key, group.count, group.slaBreached])).toEqual([
      ['P1', 2, 1],
      ['P2', 1, 0],
    ]);
    expect(byPriority[0]?.mtta).toEqual({ mean: 200, p50: 100, p90: 300 });
    expect(byPriority[0]?.mttr).toEqual({ mean: null, p50: null, p90: null });
    expect(summarize(incidents, 'team').map((group) => group.key)).toEqual([NO_TEAM, 'payments']);
  });

  it('matches a brute-force computation over the same incidents', () => {
    const arbitraryIncident = fc
      .record({
        priority: fc.constantFrom('P1' as const, 'P2' as const, 'P3' as const, 'P4' as const),
        service: fc.constantFrom('api', 'db', 'web'),
        lag: fc.integer({ min: -30, max: 600 }),
        ack: fc.option(fc.integer({ min: 0, max: 7200 })),
        resolve: fc.option(fc.integer({ min: 0, max: 86_400 })),
        breached: fc.boolean(),
        merged: fc.boolean(),
      })
      .map(({ priority, service, lag, ack, resolve, breached, merged }) =>
        incident({
          priority,
          service,
          detectedAt: at(-lag),
          ...(ack !== null ? { acknowledgedAt: at(ack) } : {}),
          ...(resolve !== null ? { resolvedAt: at(resolve), status: 'resolved' as const } : {}),
          respondBy: at(3600),
          slaBreached: breached,
          ...(merged ? { mergedInto: 'INC-20261130-0009' } : {}),
        }),
      );
    fc.assert(
      fc.property(fc.array(arbitraryIncident, { maxLength: 40 }), (incidents) => {
        for (const group of summarize(incidents, 'service')) {
          const members = incidents.filter((i) => i.service === group.key && !i.mergedInto);
          const ttrs = members
            .filter((i) => i.status === 'resolved')
            .map((i) => (Date.parse(i.resolvedAt ?? '') - T0) / 1000)
            .sort((a, b) => a - b);
          const ttds = members.map((i) => Math.max(0, (T0 - Date.parse(i.detectedAt)) / 1000));
          expect(group.count).toBe(members.length);
          expect(group.mttr.p90).toBe(ttrs.length ? ttrs[Math.ceil(0.9 * ttrs.length) - 1] : null);
          expect(group.mttd.mean).toBeCloseTo(ttds.reduce((s, v) => s + v, 0) / ttds.length, 9);
          const breaches = members.filter(
            (i) => i.slaBreached || (i.acknowledgedAt !== undefined && i.acknowledgedAt > i.respondBy),
          );
          expect(group.slaBreached).toBe(breaches.length);
        }
      }),
    );
  });
});

describe('the weekly trend', () => {
  it('starts weeks on Monday in UTC', () => {
    expect(weekOf(new Date('2026-11-30T00:00:00.000Z'))).toBe('2026-11-30'); // a Monday
    expect(weekOf(new Date('2026-12-06T23:59:59.000Z'))).toBe('2026-11-30'); // the Sunday after
    expect(weekOf(new Date('2026-12-07T00:00:00.000Z'))).toBe('2026-12-07');
  });

  it('lists every week, oldest first, zero where nothing happened', () => {
    const weeks = trend(
      [
        incident({ createdAt: '2026-12-01T09:00:00.000Z', detectedAt: '2026-12-01T08:59:00.000Z' }),
        incident({
          createdAt: '2026-11-18T09:00:00.000Z',
          detectedAt: '2026-11-18T09:00:00.000Z',
          priority: 'P3',
        }),
        incident({ createdAt: '2026-10-01T09:00:00.000Z', detectedAt: '2026-10-01T09:00:00.000Z' }),
      ],
      3,
      new Date('2026-12-02T12:00:00.000Z'),
    );
    expect(weeks.map((week) => [week.week, week.count])).toEqual([
      ['2026-11-16', 1],
      ['2026-11-23', 0],
      ['2026-11-30', 1],
    ]);
    expect(weeks[0]?.byPriority).toEqual({ P1: 0, P2: 0, P3: 1, P4: 0 });
  });
});
