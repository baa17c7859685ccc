import type { Incident, Priority } from './model';

/**
 * The response figures of one incident, in seconds, defined once for the API, the console, the reviews and
 * the metrics. Firebreak's own times: `createdAt` is when Firebreak detected the incident (opened it);
 * `detectedAt` holds the first signal's own time (the alarm's state change, the finding's time).
 *
 * - **TTD** (time to detect) = detection − the first signal's own time: how late the incident was opened.
 * - **TTA** (time to acknowledge) = the first acknowledgement − detection. An acknowledgement that timed out
 *   and was followed by another still counts from the first: someone answered then.
 * - **TTR** (time to resolve) = the resolution − detection.
 *
 * A figure is null when its event has not happened (never acknowledged, not resolved). A time a source put
 * after Firebreak's detection (its clock ahead of ours) gives a TTD of 0, never a negative one.
 */
export interface IncidentFigures {
  ttd: number;
  tta: number | null;
  ttr: number | null;
  /** The response SLA was missed: marked by the lifecycle, or the first acknowledgement came after `respondBy`. */
  slaBreached: boolean;
}

export type FigureSource = Pick<
  Incident,
  'detectedAt' | 'createdAt' | 'acknowledgedAt' | 'resolvedAt' | 'status' | 'slaBreached' | 'respondBy'
>;

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

export function incidentFigures(incident: FigureSource): IncidentFigures {
  const detection = incident.createdAt;
  const resolved = incident.status === 'resolved' || incident.status === 'closed';
  return {
    ttd: Math.max(0, seconds(incident.detectedAt, detection)),
    tta: incident.acknowledgedAt ? Math.max(0, seconds(detection, incident.acknowledgedAt)) : null,
    ttr: resolved && incident.resolvedAt ? Math.max(0, seconds(detection, incident.resolvedAt)) : null,
    slaBreached:
      incident.slaBreached ||
      (incident.acknowledgedAt !== undefined && incident.acknowledgedAt > incident.respondBy),
  };
}

/** Mean and percentiles of one figure over a set of incidents, in seconds; null when none has it. */
export interface FigureStats {
  mean: number | null;
  p50: number | null;
  p90: number | null;
}

/**
 * Nearest-rank percentile: the smallest value with at least `p` % of the values at or below it. It is always
 * one of the values (no interpolation), so a p90 of 10 incidents is the 9th fastest.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

export function figureStats(values: readonly (number | null)[]): FigureStats {
  const present = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (present.length === 0) return { mean: null, p50: null, p90: null };
  const mean = present.reduce((sum, value) => sum + value, 0) / present.length;
  return { mean, p50: percentile(present, 50), p90: percentile(present, 90) };
}

/** The MTTD / MTTA / MTTR of a group of incidents (`GET /metrics/summary`). */
export interface FigureGroup {
  key: string;
  count: number;
  mttd: FigureStats;
  mtta: FigureStats;
  mttr: FigureStats;
  slaBreached: number;
}

export type GroupBy = 'priority' | 'service' | 'team';

/** Incidents with no team are grouped under this key. */
export const NO_TEAM = '(no team)';

export type SummarySource = FigureSource & Pick<Incident, 'priority' | 'service' | 'team' | 'mergedInto'>;

/**
 * The incidents' figures grouped by priority, service or team, groups in key order (P1 first). An incident
 * merged into another is not counted: its alerts, and its response, belong to the one it went into.
 */
export function summarize(incidents: readonly SummarySource[], groupBy: GroupBy): FigureGroup[] {
  const groups = new Map<string, IncidentFigures[]>();
  for (const incident of incidents) {
    if (incident.mergedInto) continue;
    const key = groupBy === 'team' ? (incident.team ?? NO_TEAM) : incident[groupBy];
    const figures = groups.get(key) ?? [];
    figures.push(incidentFigures(incident));
    groups.set(key, figures);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, figures]) => ({
      key,
      count: figures.length,
      mttd: figureStats(figures.map((f) => f.ttd)),
      mtta: figureStats(figures.map((f) => f.tta)),
      mttr: figureStats(figures.map((f) => f.ttr)),
      slaBreached: figures.filter((f) => f.slaBreached).length,
    }));
}

/** One week of `GET /metrics/trend`: weeks start Monday 00:00 UTC. */
export interface TrendWeek {
  week: string;
  count: number;
  byPriority: Record<Priority, number>;
  mtta: FigureStats;
  mttr: FigureStats;
  slaBreached: number;
}

/** Monday 00:00 UTC of the week `at` falls in, as an ISO date (`2026-11-30`). */
export function weekOf(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  day.setUTCDate(day.getUTCDate() - sinceMonday);
  return day.toISOString().slice(0, 10);
}

/**
 * The last `weeks` weeks up to and including the week of `now`, oldest first, each with the incidents
 * detected in it (by `createdAt`); weeks with none are listed with zero counts, so a chart has no gaps.
 */
export function trend(incidents: readonly SummarySource[], weeks: number, now: Date): TrendWeek[] {
  const last = Date.parse(`${weekOf(now)}T00:00:00.000Z`);
  const starts = Array.from({ length: weeks }, (_, i) =>
    new Date(last - (weeks - 1 - i) * 7 * 86_400_000).toISOString().slice(0, 10),
  );
  const byWeek = new Map(starts.map((start) => [start, [] as SummarySource[]]));
  for (const incident of incidents) {
    if (incident.mergedInto) continue;
    byWeek.get(weekOf(new Date(incident.createdAt)))?.push(incident);
  }
  return starts.map((week) => {
    const members = byWeek.get(week) ?? [];
    const figures = members.map(incidentFigures);
    const byPriority: Record<Priority, number> = { P1: 0, P2: 0, P3: 0, P4: 0 };
    for (const incident of members) byPriority[incident.priority] += 1;
    return {
      week,
      count: members.length,
      byPriority,
      mtta: figureStats(figures.map((f) => f.tta)),
      mttr: figureStats(figures.map((f) => f.ttr)),
      slaBreached: figures.filter((f) => f.slaBreached).length,
    };
  });
}
