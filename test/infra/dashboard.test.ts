import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { METRIC_NAMESPACE, METRICS } from '#core/metric-names';
import { Category, Priority } from '#core/model';
import { FULL_CONFIG, resourcesOfType, type Synthesized, synthesize } from './support';

/** The dashboard body is a Fn::Join of strings and tokens (the region, inside strings): its text, tokens named. */
function bodyText(body: unknown): string {
  const join = (body as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return typeof body === 'string' ? body : JSON.stringify(body);
  return join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]);
}

describe('Firebreak: the metrics dashboard and SLA-breach alarms', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => stack.resolve(token);
  const management = () => {
    const name = DEFAULT_ESCALATION_CONFIG.policies[DEFAULT_ESCALATION_CONFIG.defaultPolicy]?.management;
    const topic = name && synthesized.firebreak.notifications.topics[name];
    if (!topic) throw new Error('no management topic');
    return topic;
  };

  it('has one dashboard whose graphs read every incident metric, by priority and by category', () => {
    // Assess
    const dashboards = resourcesOfType(firebreak, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const properties = dashboards[0]?.[1] as { DashboardName: string; DashboardBody: unknown };
    expect(properties.DashboardName).toBe('Firebreak');
    const body = JSON.parse(bodyText(properties.DashboardBody)) as {
      widgets: Array<{ type: string; properties: { title?: string; metrics?: unknown[][] } }>;
    };
    const series = body.widgets.flatMap((widget) => widget.properties.metrics ?? []);
    // Each series: [namespace, metric name, dimension name, value, ..., { stat, period, label }].
    const named = (name: string) =>
      series.filter((s) => s[0] === METRIC_NAMESPACE && s[1] === name).map((s) => s.slice(2, -1));
    const stats = (name: string) =>
      series
        .filter((s) => s[1] === name)
        .map((s) => (s.at(-1) as { stat?: string }).stat ?? 'Average')
        .filter((stat, i, all) => all.indexOf(stat) === i)
        .sort();

    const byPriority = Priority.options.map((p) => ['Priority', p]);
    expect(named('IncidentOpened')).toEqual([...byPriority, ...Category.options.map((c) => ['Category', c])]);
    for (const name of ['TimeToAcknowledge', 'TimeToResolve']) {
      expect(new Set(named(name).map((d) => JSON.stringify(d)))).toEqual(
        new Set(byPriority.map((d) => JSON.stringify(d))),
      );
      expect(stats(name)).toEqual(['p50', 'p90']);
    }
    expect(named('ResponseSlaBreached')).toEqual(byPriority);
    expect(named('EscalationLevelReached')).toEqual(byPriority);
    // Every series is a metric the functions emit, under a dimension set they publish it with.
    for (const s of series) {
      const name = s[1] as keyof typeof METRICS;
      const keys = s.slice(2, -1).filter((_, i) => i % 2 === 0);
      expect(METRICS[name].dimensionSets.map((set) => set.join())).toContain(keys.join());
    }
  });

  it.each(Priority.options)(
    'alarms on a %s SLA breach within 5 minutes, to the management topic',
    (priority) => {
      // Assess
      firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Firebreak',
        MetricName: 'ResponseSlaBreached',
        Dimensions: [{ Name: 'Priority', Value: priority }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [resolve(management().topicArn)],
      });
    },
  );

  it('has exactly four SLA-breach alarms, one per priority, each notifying management only', () => {
    // Assess
    const alarms = resourcesOfType(firebreak, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm)
      .filter((alarm) => alarm.MetricName === 'ResponseSlaBreached');
    expect(alarms.map((alarm) => alarm.Dimensions)).toEqual(
      Priority.options.map((p) => [{ Name: 'Priority', Value: p }]),
    );
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([resolve(management().topicArn)]);
  });

  it('outputs the dashboard address', () => {
    // Assess
    const output = firebreak.findOutputs('DashboardUrl');
    expect(Object.keys(output)).toHaveLength(1);
    expect(JSON.stringify(output)).toContain('#dashboards:name=Firebreak');
  });
});
