/** Builds CloudWatch "Alarm State Change" EventBridge events in the delivered shape (see test/fixtures/events/01 and 02). */
export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export interface AlarmEventInput {
  id: string;
  alarmName: string;
  state: AlarmState;
  previous: AlarmState;
  /** ISO 8601 instant of the state change. */
  at: string;
  account?: string;
  region?: string;
  tags?: Record<string, string>;
  /** What the alarm watches; an EC2 CPU alarm when not given. Description and reason are written from it. */
  metric?: AlarmMetric;
}

/** A single-metric alarm's metric and threshold, with the values it reports in ALARM and in OK. */
export interface AlarmMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** `Average`, `Sum`, `Maximum`, or a percentile such as `p99`. */
  stat: string;
  period: number;
  threshold: number;
  /** How the value reads in prose, e.g. `average CPU utilization (%)`. */
  described: string;
  /** The unit after a number in prose, e.g. `%`, ` s` or ` connections`. */
  unit: string;
  alarmValue: number;
  okValue: number;
}

export const EC2_CPU: AlarmMetric = {
  namespace: 'AWS/EC2',
  name: 'CPUUtilization',
  dimensions: { InstanceId: 'i-0a7c3e9f2b1d45e68' },
  stat: 'Average',
  period: 300,
  threshold: 80,
  described: 'average CPU utilization',
  unit: '%',
  alarmValue: 93.5,
  okValue: 41.2,
};

/** CloudWatch writes numbers in reasons Java-style: `80.0`. */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** The start of the datapoint's period as a threshold reason writes it: `dd/MM/yy HH:mm:ss` (UTC). */
function datapointTime(at: string, period: number): string {
  const start = new Date(Math.floor(Date.parse(at) / 1000 / period) * period * 1000 - period * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(start.getUTCDate())}/${two(start.getUTCMonth() + 1)}/${two(start.getUTCFullYear() % 100)} ${two(
    start.getUTCHours(),
  )}:${two(start.getUTCMinutes())}:${two(start.getUTCSeconds())}`;
}

/** `one 5-minute period`, `one 1-minute period`. */
function periodInWords(seconds: number): string {
  return seconds % 60 === 0 ? `one ${seconds / 60}-minute period` : `one ${seconds}-second period`;
}

/** The alarm description a team would write for this metric. */
export function alarmDescription(alarmName: string, metric: AlarmMetric): string {
  return `${alarmName}: ${metric.described} above ${metric.threshold}${metric.unit} for ${periodInWords(metric.period)}.`;
}

/** CloudWatch writes state timestamps as `2026-03-14T09:05:41.218+0000`. */
function cloudWatchTime(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

export function alarmStateChangeEvent(input: AlarmEventInput) {
  const {
    id,
    alarmName,
    state,
    previous,
    at,
    account = '111122223333',
    region = 'us-east-1',
    tags,
    metric = EC2_CPU,
  } = input;
  const value = state === 'ALARM' ? metric.alarmValue : metric.okValue;
  const percentile = /^p\d/.test(metric.stat);
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: cloudWatchTime(at),
    // A percentile alarm's reasonData carries no `statistic` (it is not one of the simple statistics).
    ...(percentile ? {} : { statistic: metric.stat }),
    period: metric.period,
    recentDatapoints: [value],
    threshold: metric.threshold,
  });
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: `${new Date(at).toISOString().slice(0, 19)}Z`,
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`],
    detail: {
      alarmName,
      ...(tags ? { alarmTags: tags, alarmTagsStatus: 'SUCCESS' } : {}),
      configuration: {
        description: alarmDescription(alarmName, metric),
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { dimensions: metric.dimensions, name: metric.name, namespace: metric.namespace },
              period: metric.period,
              stat: metric.stat,
            },
            returnData: true,
          },
        ],
      },
      previousState: {
        reason: `Previous state ${previous}`,
        reasonData,
        timestamp: cloudWatchTime(new Date(Date.parse(at) - 60_000).toISOString()),
        value: previous,
      },
      state: {
        reason: `Threshold Crossed: 1 out of the last 1 datapoints [${javaDouble(value)} (${datapointTime(
          at,
          metric.period,
        )})] was ${state === 'ALARM' ? 'greater' : 'not greater'} than the threshold (${javaDouble(
          metric.threshold,
        )}) (minimum 1 datapoint for ${previous} -> ${state} transition).`,
        reasonData,
        timestamp: cloudWatchTime(at),
        value: state,
      },
    },
  };
}
