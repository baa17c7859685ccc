import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EscalationConfig } from '#core/escalation';
import { METRIC_NAMESPACE, type MetricName } from '#core/metric-names';
import { Category, Priority } from '#core/model';
import type { OperationsKey } from './operations-key';

export const DASHBOARD_NAME = 'Firebreak';

/** How far a graph's points reach: one point a day, so a week's dashboard reads at a glance. */
const GRAPH_PERIOD = Duration.days(1);
/** A breach alarms within minutes of the lifecycle marking it. */
const ALARM_PERIOD = Duration.minutes(5);

export interface FirebreakDashboardProps {
  readonly escalation: EscalationConfig;
  /** Target name → topic (lib/notifications.ts): the alarms notify the default policy's management topic. */
  readonly topics: Readonly<Record<string, ITopic>>;
  /** The key the topics are encrypted with: CloudWatch may use it to deliver the alarms. */
  readonly operationsKey: OperationsKey;
}

/**
 * The incident response as CloudWatch sees it, from the functions' embedded metrics (#core/metric-names):
 * incidents opened by priority and category, times to acknowledge and resolve, SLA breaches and the
 * escalation level reached. And an alarm per priority on a missed response SLA, to management.
 *
 * Management is the default policy's `management` target. The lifecycle already tells the policy's own
 * management of each breach (the `sla-breach` notice); these alarms are the summary, per priority, for the
 * people who own the response as a whole, and the metric does not say which policy an incident followed.
 */
export class FirebreakDashboard extends Construct {
  readonly dashboard: Dashboard;
  /** Priority → its SLA-breach alarm. */
  readonly slaAlarms: Record<Priority, Alarm>;
  /** The topic the alarms notify. */
  readonly managementTopic: ITopic;

  constructor(scope: Construct, id: string, props: FirebreakDashboardProps) {
    super(scope, id);
    const policy = props.escalation.policies[props.escalation.defaultPolicy];
    const topic = policy && props.topics[policy.management];
    if (!topic) throw new Error(`no topic for the default policy's management target`);
    this.managementTopic = topic;
    props.operationsKey.allowDeliveryBy('cloudwatch.amazonaws.com');

    const priorities = Priority.options;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: DASHBOARD_NAME,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new TextWidget({
            markdown:
              '# Firebreak incident response\nFrom the functions\u2019 embedded metrics: counted once per incident (times at its resolution).',
            width: 24,
            height: 2,
          }),
        ],
        [
          graph(
            'Incidents opened by priority',
            'Count',
            priorities.map((p) => sum('IncidentOpened', { Priority: p })),
          ),
          graph(
            'Incidents opened by category',
            'Count',
            Category.options.map((c) => sum('IncidentOpened', { Category: c })),
          ),
        ],
        [
          graph('Time to acknowledge (p50, p90)', 'Seconds', percentiles('TimeToAcknowledge', priorities)),
          graph('Time to resolve (p50, p90)', 'Seconds', percentiles('TimeToResolve', priorities)),
        ],
        [
          graph(
            'Response SLA breaches by priority',
            'Count',
            priorities.map((p) => sum('ResponseSlaBreached', { Priority: p })),
          ),
          graph(
            'Escalation level reached (max)',
            'Level',
            priorities.map((p) => firebreakMetric('EscalationLevelReached', { Priority: p }, 'Maximum')),
          ),
        ],
      ],
    });

    const notify = new SnsAction(topic);
    const alarms = priorities.map((priority): [Priority, Alarm] => {
      const alarm = new Alarm(this, `${priority}ResponseSlaBreached`, {
        alarmDescription: `A ${priority} incident missed its response SLA (not acknowledged in time)`,
        // No label: a labelled metric renders as a metric-math query, not the plain metric alarm it is.
        metric: new Metric({
          namespace: METRIC_NAMESPACE,
          metricName: 'ResponseSlaBreached' satisfies MetricName,
          dimensionsMap: { Priority: priority },
          statistic: 'Sum',
          period: ALARM_PERIOD,
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      return [priority, alarm];
    });
    this.slaAlarms = Object.fromEntries(alarms) as Record<Priority, Alarm>;
  }

  /** The console address of the dashboard, in the stack's region. */
  get url(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${DASHBOARD_NAME}`;
  }
}

/** One series of a graph, labelled with its dimension values (and its statistic when a percentile). */
function firebreakMetric(name: MetricName, dimensions: Record<string, string>, statistic: string): Metric {
  const label = Object.values(dimensions).join(' ');
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: dimensions,
    statistic,
    period: GRAPH_PERIOD,
    label: statistic === 'Sum' || statistic === 'Maximum' ? label : `${label} ${statistic}`,
  });
}

const sum = (name: MetricName, dimensions: Record<string, string>) =>
  firebreakMetric(name, dimensions, 'Sum');

function percentiles(name: MetricName, priorities: readonly Priority[]): Metric[] {
  return priorities.flatMap((p) => [
    firebreakMetric(name, { Priority: p }, 'p50'),
    firebreakMetric(name, { Priority: p }, 'p90'),
  ]);
}

function graph(title: string, label: string, metrics: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left: metrics, leftYAxis: { label, min: 0 }, width: 12, height: 6 });
}
