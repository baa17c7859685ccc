import { type AlarmMetric, EC2_CPU } from './cloudwatch-events';

/** One alarm of the demo: its name, what it watches, and the tags that steer its incident. */
export interface DemoAlarm {
  name: string;
  metric: AlarmMetric;
  tags: Record<string, string>;
}

/** The demo's alarms, each with a metric its name, description and reason agree on. */
export const DEMO_ALARMS = {
  checkout: {
    name: 'checkout-api-5xx-rate-high',
    metric: {
      namespace: 'AWS/ApplicationELB',
      name: 'HTTPCode_Target_5XX_Count',
      dimensions: { LoadBalancer: 'app/checkout-prod/4f2a9c1e7b3d5a60' },
      stat: 'Sum',
      period: 60,
      threshold: 50,
      described: 'target 5XX responses per minute',
      unit: '',
      alarmValue: 412,
      okValue: 3,
    },
    tags: {
      'firebreak:service': 'checkout-api',
      'firebreak:team': 'payments',
      'firebreak:impact': 'high',
      'firebreak:urgency': 'high',
      'firebreak:category': 'Application/Errors',
    },
  },
  /** A second alarm of the checkout service: it joins the checkout incident instead of paging again. */
  checkoutLatency: {
    name: 'checkout-api-p99-latency-high',
    metric: {
      namespace: 'AWS/ApplicationELB',
      name: 'TargetResponseTime',
      dimensions: { LoadBalancer: 'app/checkout-prod/4f2a9c1e7b3d5a60' },
      stat: 'p99',
      period: 60,
      threshold: 2,
      described: 'p99 target response time',
      unit: ' s',
      alarmValue: 6.4,
      okValue: 0.41,
    },
    tags: {
      'firebreak:service': 'checkout-api',
      'firebreak:team': 'payments',
      'firebreak:impact': 'high',
      'firebreak:urgency': 'high',
      'firebreak:category': 'Application/Latency',
    },
  },
  database: {
    name: 'orders-db-connections-high',
    metric: {
      namespace: 'AWS/RDS',
      name: 'DatabaseConnections',
      dimensions: { DBInstanceIdentifier: 'orders-prod-db-1' },
      stat: 'Maximum',
      period: 60,
      threshold: 450,
      described: 'maximum database connections',
      unit: '',
      alarmValue: 488,
      okValue: 212,
    },
    tags: {
      'firebreak:service': 'orders-db',
      'firebreak:team': 'orders-platform',
      'firebreak:urgency': 'high',
      'firebreak:category': 'Database/Connections',
    },
  },
  search: {
    name: 'search-p99-latency-high',
    metric: {
      namespace: 'AWS/ApplicationELB',
      name: 'TargetResponseTime',
      dimensions: { LoadBalancer: 'app/search-prod/9b1d3e5f7a2c4e68' },
      stat: 'p99',
      period: 300,
      threshold: 1.5,
      described: 'p99 target response time',
      unit: ' s',
      alarmValue: 2.84,
      okValue: 0.62,
    },
    tags: { 'firebreak:service': 'search', 'firebreak:impact': 'low', 'firebreak:urgency': 'medium' },
  },
  /** The web tier's instance: the demo's bound remediation (restart-web, see demo-config.json) restarts it. */
  web: {
    name: 'web-cpu-utilization-high',
    metric: EC2_CPU,
    tags: {
      'firebreak:service': 'web',
      'firebreak:team': 'web-platform',
      'firebreak:impact': 'medium',
      'firebreak:urgency': 'high',
    },
  },
} satisfies Record<string, DemoAlarm>;
