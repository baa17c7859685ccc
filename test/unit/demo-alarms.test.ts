import { describe, expect, it } from 'vitest';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { alarmStateChangeEvent, EC2_CPU } from '../../local/cloudwatch-events';
import { DEMO_ALARMS } from '../../local/demo-alarms';

const AT = '2026-11-30T09:41:17.000Z';

function normalized(name: string, metric: typeof EC2_CPU, state: 'ALARM' | 'OK') {
  const event = alarmStateChangeEvent({
    id: `demo-${name}-${state}`,
    alarmName: name,
    state,
    previous: state === 'ALARM' ? 'OK' : 'ALARM',
    at: AT,
    metric,
  });
  const result = normalizeEventBridgeEvent(event);
  if (result.kind !== 'signals' || !result.signals[0]) throw new Error(`${name} did not normalize`);
  return { event, signal: result.signals[0] };
}

const ALARMS = [...Object.values(DEMO_ALARMS), { name: 'web-prod-cpu-utilization-high', metric: EC2_CPU }];

describe('the demo alarms (what a newcomer sees first)', () => {
  it.each(ALARMS)('$name: description, metric and reason agree', ({ name, metric }) => {
    const alarm = normalized(name, metric, 'ALARM');
    const ok = normalized(name, metric, 'OK');

    // The description names what the metric measures and its real threshold.
    expect(alarm.signal.description).toBe(
      `${name}: ${metric.described} above ${metric.threshold}${metric.unit} for ${
        metric.period === 300 ? 'one 5-minute period' : 'one 1-minute period'
      }.`,
    );
    // Only a CPU alarm talks about CPU.
    expect(/cpu/i.test(alarm.signal.description)).toBe(metric.name === 'CPUUtilization');
    // The reason crosses the same threshold, with a value on the right side of it in each state.
    expect(alarm.signal.summary).toContain(`was greater than the threshold (${metric.threshold.toFixed(1)})`);
    expect(ok.signal.summary).toContain(
      `was not greater than the threshold (${metric.threshold.toFixed(1)})`,
    );
    expect(metric.alarmValue).toBeGreaterThan(metric.threshold);
    expect(metric.okValue).toBeLessThanOrEqual(metric.threshold);
    expect(alarm.signal.summary).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[[\d.]+ \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\]/,
    );
    // The metric the incident records is the one described.
    expect(alarm.signal.details).toMatchObject({
      namespace: metric.namespace,
      metricNames: [metric.name],
      threshold: metric.threshold,
      recentDatapoints: [metric.alarmValue],
      period: metric.period,
    });
    expect(ok.signal.action).toBe('resolve');
  });
});
