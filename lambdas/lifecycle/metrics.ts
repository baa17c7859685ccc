import { dimensionSetsOf, METRIC_NAMESPACE, METRICS, type MetricDatum } from '#core/metric-names';

/**
 * One CloudWatch metric value in the embedded metric format: a structured log line that CloudWatch turns into
 * a metric, with no API call on the Lambda's path. The unit and dimension sets come from the metric's entry
 * in #core/metric-names, which the dashboard and alarms read too.
 */
export function emitMetric(datum: MetricDatum, write: (line: string) => void = console.log): void {
  write(emfLine(datum, Date.now()));
}

/** The log line of one value: the dimension values and the value at the root, the directive under `_aws`. */
export function emfLine(datum: MetricDatum, timestamp: number): string {
  const sets = dimensionSetsOf(datum);
  // Only the dimensions some set names: anything else at the root would be log noise, not a dimension.
  const named = new Set(sets.flat());
  const dimensions = Object.fromEntries(Object.entries(datum.dimensions).filter(([key]) => named.has(key)));
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          // A value carrying none of its sets is still published, with no dimensions (an empty set).
          Dimensions: sets.length > 0 ? sets : [[]],
          Metrics: [{ Name: datum.name, Unit: METRICS[datum.name].unit }],
        },
      ],
    },
    ...dimensions,
    [datum.name]: datum.value,
  });
}
