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
}

/** CloudWatch writes state timestamps as `2026-03-14T09:05:41.218+0000`. */
function cloudWatchTime(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

export function alarmStateChangeEvent(input: AlarmEventInput) {
  const { id, alarmName, state, previous, at, account = '111122223333', region = 'us-east-1', tags } = input;
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: cloudWatchTime(at),
    statistic: 'Average',
    period: 300,
    recentDatapoints: [state === 'ALARM' ? 93.5 : 41.2],
    threshold: 80.0,
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
        description: `${alarmName}: average CPU above 80% for one 5-minute period.`,
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                dimensions: { InstanceId: 'i-0a7c3e9f2b1d45e68' },
                name: 'CPUUtilization',
                namespace: 'AWS/EC2',
              },
              period: 300,
              stat: 'Average',
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
        reason: `Threshold Crossed: 1 out of the last 1 datapoints was ${state === 'ALARM' ? 'greater' : 'not greater'} than the threshold (80.0).`,
        reasonData,
        timestamp: cloudWatchTime(at),
        value: state,
      },
    },
  };
}
