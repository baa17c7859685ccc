/**
 * Firebreak's own CloudWatch metrics, named once: the functions emit them (embedded metric format) and the
 * dashboard and alarms (lib/dashboard.ts) read them, from this one table, so the two cannot drift apart.
 */
export const METRIC_NAMESPACE = 'Firebreak';

export type MetricUnit = 'Count' | 'Seconds';

export interface MetricDefinition {
  unit: MetricUnit;
  /**
   * The dimension sets each value is published under: one CloudWatch series per set. A set whose dimensions
   * a value does not all carry (an incident with no team) is left out for that value.
   */
  dimensionSets: readonly (readonly string[])[];
}

export const METRICS = {
  /** One per incident, when its record is first written. */
  IncidentOpened: { unit: 'Count', dimensionSets: [['Priority'], ['Category']] },
  /** The figures of lambdas/core/figures.ts, once per incident when its resolution notice is sent. */
  TimeToAcknowledge: { unit: 'Seconds', dimensionSets: [['Priority']] },
  TimeToResolve: { unit: 'Seconds', dimensionSets: [['Priority']] },
  TimeToDetect: { unit: 'Seconds', dimensionSets: [['Priority']] },
  /** The highest escalation level paged for the incident (0: nobody was paged), at its resolution. */
  EscalationLevelReached: { unit: 'Count', dimensionSets: [['Priority']] },
  /** A response SLA missed: per priority (what the alarms read) and per priority and team. */
  ResponseSlaBreached: { unit: 'Count', dimensionSets: [['Priority'], ['Priority', 'Team']] },
  /** Runbooks of an alert joining an open incident that could not be launched. */
  RunbookLaunchFailed: { unit: 'Count', dimensionSets: [['Trigger']] },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

/** One value of one metric, with the dimension values it carries (keys from its dimension sets). */
export interface MetricDatum {
  name: MetricName;
  value: number;
  dimensions: Readonly<Record<string, string>>;
}

/** Publishes one value; in Lambda a log line in the embedded metric format (lambdas/lifecycle/metrics.ts). */
export type MetricSink = (datum: MetricDatum) => void;

/** The dimension sets of a metric that a datum carries every dimension of. */
export function dimensionSetsOf(datum: MetricDatum): string[][] {
  return METRICS[datum.name].dimensionSets
    .filter((set) => set.every((key) => datum.dimensions[key] !== undefined))
    .map((set) => [...set]);
}
