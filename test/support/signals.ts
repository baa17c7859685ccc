import type { Signal } from '#core/model';

let counter = 0;

/** A CloudWatch-shaped signal for store-level tests; normalizer tests use the real fixtures instead. */
export function alarmSignal(
  overrides: Partial<Signal> & { at: string; alarm?: string; account?: string; region?: string },
): Signal {
  counter += 1;
  const {
    at,
    alarm = 'web-prod-cpu-utilization-high',
    account = '111122223333',
    region = 'us-east-1',
    ...rest
  } = overrides;
  const arn = `arn:aws:cloudwatch:${region}:${account}:alarm:${alarm}`;
  return {
    action: 'trigger',
    dedupKey: arn,
    eventId: `evt-${counter}`,
    occurredAt: at,
    source: { kind: 'cloudwatch', ref: arn, name: alarm, account, region },
    title: `${alarm} is in ALARM`,
    description: 'CPU above 80%',
    summary: 'Threshold Crossed: 1 datapoint was greater than the threshold (80.0).',
    service: 'web-prod',
    category: 'Infrastructure',
    subcategory: 'Compute',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    labels: {},
    details: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
    related: [],
    autoResolve: true,
    ...rest,
  };
}
