/**
 * One CloudWatch metric in the embedded metric format: a structured log line that CloudWatch turns into a
 * metric, with no API call on the Lambda's path.
 */
export function emitMetric(name: string, dimensions: Record<string, string>, write = console.log): void {
  write(
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: 'Firebreak',
            Dimensions: [Object.keys(dimensions)],
            Metrics: [{ Name: name, Unit: 'Count' }],
          },
        ],
      },
      ...dimensions,
      [name]: 1,
    }),
  );
}
