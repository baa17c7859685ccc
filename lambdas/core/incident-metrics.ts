import { incidentFigures } from './figures';
import type { MetricDatum } from './metric-names';
import type { Incident } from './model';

/** The count of one incident opened, by priority and by category. */
export function openedMetric(incident: Pick<Incident, 'priority' | 'category'>): MetricDatum {
  return {
    name: 'IncidentOpened',
    value: 1,
    dimensions: { Priority: incident.priority, Category: incident.category },
  };
}

/** One missed response SLA, by priority, and by priority and team when the incident has a team. */
export function slaBreachMetric(incident: Pick<Incident, 'priority' | 'team'>): MetricDatum {
  return {
    name: 'ResponseSlaBreached',
    value: 1,
    dimensions: { Priority: incident.priority, ...(incident.team ? { Team: incident.team } : {}) },
  };
}

/**
 * The figures of a resolved incident, by priority: time to detect, to acknowledge (when someone did) and to
 * resolve, and the escalation level it reached. None for an incident merged into another: its alerts and
 * its response live on in the one it joined, which is counted when it resolves.
 */
export function resolutionMetrics(incident: Incident): MetricDatum[] {
  if (incident.mergedInto) return [];
  const figures = incidentFigures(incident);
  const dimensions = { Priority: incident.priority };
  const data: MetricDatum[] = [{ name: 'TimeToDetect', value: figures.ttd, dimensions }];
  if (figures.tta !== null) data.push({ name: 'TimeToAcknowledge', value: figures.tta, dimensions });
  if (figures.ttr !== null) data.push({ name: 'TimeToResolve', value: figures.ttr, dimensions });
  data.push({ name: 'EscalationLevelReached', value: incident.escalationLevel, dimensions });
  return data;
}
