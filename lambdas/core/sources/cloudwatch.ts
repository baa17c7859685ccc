import * as z from 'zod';
import { categorizeMetric } from '#core/categorize';
import type { Signal, SignalAction } from '#core/model';
import type { EventBridgeEnvelope } from './envelope';
import { compact, isRecord, type NormalizeResult, parseAt, parseInformational, rejection } from './parse';
import { readAlarmTags } from './tags';
import { Timestamp, toIsoUtc } from './time';

const AlarmState = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);
type AlarmState = z.infer<typeof AlarmState>;

/** The alarm identity, the new state and its time decide what happens: those are strict. */
const AlarmStateChange = z.object({
  alarmName: z.string().min(1),
  state: z.object({
    value: AlarmState,
    timestamp: Timestamp,
    reason: z.string().default(''),
    reasonData: z.unknown().optional(),
  }),
  previousState: z.unknown().optional(),
  configuration: z.unknown().optional(),
  alarmTags: z.unknown().optional(),
  alarmTagsStatus: z.unknown().optional(),
});

// Everything below only informs; see parseInformational.
const MetricQuery = z.object({
  id: z.string().optional(),
  label: z.string().optional(),
  expression: z.string().optional(),
  returnData: z.boolean().optional(),
  metricStat: z
    .object({
      metric: z.object({
        namespace: z.string().optional(),
        name: z.string(),
        dimensions: z.record(z.string(), z.string()).default({}),
      }),
      period: z.number().optional(),
      stat: z.string().optional(),
      unit: z.string().optional(),
    })
    .optional(),
});
type MetricQuery = z.infer<typeof MetricQuery>;

const PreviousState = z.object({
  value: z.string().optional(),
  timestamp: z.string().optional(),
  reason: z.string().optional(),
});

const ReasonData = z.object({
  statistic: z.string().optional(),
  period: z.number().optional(),
  threshold: z.number().optional(),
  recentDatapoints: z.array(z.number()).optional(),
  recentLowerThresholds: z.array(z.number()).optional(),
  recentUpperThresholds: z.array(z.number()).optional(),
  // Not in the documented example, seen in real events: tolerated, kept when well-formed.
  evaluatedDatapoints: z
    .array(
      z.object({
        timestamp: z.string().optional(),
        sampleCount: z.number().optional(),
        value: z.number().optional(),
        threshold: z.number().optional(),
      }),
    )
    .optional(),
  triggeringAlarms: z
    .array(
      z.object({
        arn: z.string().min(1),
        state: z.object({ value: z.string(), timestamp: z.string() }).partial().optional(),
      }),
    )
    .optional(),
});
type ReasonData = z.infer<typeof ReasonData>;

const ALARM_ARN = /^arn:([^:]+):cloudwatch:[^:]*:[^:]*:alarm:.+$/;

const ACTIONS: Record<AlarmState, SignalAction> = {
  ALARM: 'trigger',
  OK: 'resolve',
  INSUFFICIENT_DATA: 'note',
};

const TITLES: Record<AlarmState, string> = {
  ALARM: 'is in ALARM',
  OK: 'is OK',
  INSUFFICIENT_DATA: 'has INSUFFICIENT_DATA',
};

/** `CloudWatch Alarm State Change`: one signal keyed on the alarm ARN (account and region included). */
export function normalizeCloudWatchAlarm(envelope: EventBridgeEnvelope): NormalizeResult {
  const alarmArn = envelope.resources[0];
  const arnMatch = alarmArn === undefined ? null : ALARM_ARN.exec(alarmArn);
  if (alarmArn === undefined || !arnMatch) {
    return {
      kind: 'rejected',
      rejection: rejection(
        ['resources', 0],
        'expected the alarm ARN (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>)',
      ),
    };
  }
  const parsed = parseAt(AlarmStateChange, envelope.detail, ['detail']);
  if (!parsed.ok) return { kind: 'rejected', rejection: parsed.rejection };
  const detail = parsed.value;

  const warnings: string[] = [];
  const configuration = isRecord(detail.configuration) ? detail.configuration : {};
  const description = parseInformational(
    z.string(),
    configuration.description,
    ['detail', 'configuration', 'description'],
    warnings,
  );
  const alarmRule = parseInformational(
    z.string(),
    configuration.alarmRule,
    ['detail', 'configuration', 'alarmRule'],
    warnings,
  );
  const metrics =
    parseInformational(
      z.array(MetricQuery),
      configuration.metrics,
      ['detail', 'configuration', 'metrics'],
      warnings,
    ) ?? [];
  const previous = parseInformational(
    PreviousState,
    detail.previousState,
    ['detail', 'previousState'],
    warnings,
  );
  const reasonData = readReasonData(detail.state.reasonData, warnings);

  const stats = metrics.flatMap((query) => (query.metricStat ? [query.metricStat] : []));
  const primary = stats[0];
  const metricNames = stats.map((stat) => stat.metric.name);
  const categorization = categorizeMetric({ namespace: primary?.metric.namespace, metricNames });
  const tags = readAlarmTags(detail.alarmTags, categorization);
  const { overrides } = tags;
  const state = detail.state.value;
  const partition = arnMatch[1];

  const signal: Signal = {
    action: ACTIONS[state],
    dedupKey: alarmArn,
    eventId: envelope.id,
    occurredAt: detail.state.timestamp,
    source: {
      kind: 'cloudwatch',
      ref: alarmArn,
      name: detail.alarmName,
      account: envelope.account,
      region: envelope.region,
      // Only the commercial partition's console address is known here; other partitions go without a link.
      ...(partition === 'aws' ? { url: consoleUrl(envelope.region, detail.alarmName) } : {}),
    },
    title: `${detail.alarmName} ${TITLES[state]}`,
    description: description ?? '',
    summary: detail.state.reason,
    service: overrides.service ?? serviceFromDimensions(primary?.metric.dimensions) ?? detail.alarmName,
    ...(overrides.team ? { team: overrides.team } : {}),
    ...(overrides.category ?? categorization),
    // CloudWatch has no severity of its own. The same alarm keeps the same levels in every state, so a
    // recovery or a note never rewrites what the open incident was triaged with.
    severity: overrides.severity ?? 'high',
    impact: overrides.impact ?? 'medium',
    urgency: overrides.urgency ?? 'high',
    labels: tags.labels,
    details: compact({
      alarmType: alarmType(metrics, alarmRule),
      state,
      previousState: previous?.value,
      previousStateAt: previous?.timestamp ? (toIsoUtc(previous.timestamp) ?? previous.timestamp) : undefined,
      namespace: primary?.metric.namespace,
      metricNames: metricNames.length > 0 ? metricNames : undefined,
      dimensions: primary?.metric.dimensions,
      expressions: expressions(metrics),
      statistic: reasonData?.statistic ?? primary?.stat,
      period: reasonData?.period ?? primary?.period,
      threshold: reasonData?.threshold,
      recentDatapoints: reasonData?.recentDatapoints,
      recentLowerThresholds: reasonData?.recentLowerThresholds,
      recentUpperThresholds: reasonData?.recentUpperThresholds,
      evaluatedDatapoints: reasonData?.evaluatedDatapoints?.map((point) =>
        compact({
          ...point,
          timestamp: point.timestamp ? (toIsoUtc(point.timestamp) ?? point.timestamp) : undefined,
        }),
      ),
      alarmRule,
      triggeringAlarms: reasonData?.triggeringAlarms?.map((child) =>
        compact({
          arn: child.arn,
          state: child.state?.value,
          at: child.state?.timestamp ? toIsoUtc(child.state.timestamp) : undefined,
        }),
      ),
      alarmTagsStatus: typeof detail.alarmTagsStatus === 'string' ? detail.alarmTagsStatus : undefined,
      ignoredTags: Object.keys(tags.ignored).length > 0 ? tags.ignored : undefined,
      parseWarnings: warnings.length > 0 ? warnings : undefined,
    }),
    related: reasonData?.triggeringAlarms?.map((child) => child.arn) ?? [],
    autoResolve: overrides.autoResolve ?? true,
    ...(overrides.group === 'off' ? { group: 'off' } : {}),
  };
  return { kind: 'signals', signals: [signal], rejected: [] };
}

/** reasonData is a JSON-encoded string; it only informs, so a missing or broken one is noted and skipped. */
function readReasonData(raw: unknown, warnings: string[]): ReasonData | undefined {
  const at = ['detail', 'state', 'reasonData'];
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      warnings.push('detail.state.reasonData: is not valid JSON; ignored');
      return undefined;
    }
  }
  return parseInformational(ReasonData, value, at, warnings);
}

function alarmType(metrics: MetricQuery[], alarmRule: string | undefined): string {
  if (alarmRule !== undefined) return 'composite';
  if (metrics.some((query) => query.expression?.startsWith('ANOMALY_DETECTION_BAND')))
    return 'anomaly-detection';
  if (metrics.some((query) => query.expression !== undefined)) return 'metric-math';
  return 'metric';
}

function expressions(metrics: MetricQuery[]): Record<string, string> | undefined {
  const entries = metrics.flatMap((query) =>
    query.expression !== undefined
      ? [[query.id ?? query.label ?? query.expression, query.expression] as const]
      : [],
  );
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Dimensions naming the resource, most specific first (an ECS service before its cluster). */
const SERVICE_DIMENSIONS = [
  'ServiceName',
  'Service',
  'DBInstanceIdentifier',
  'DBClusterIdentifier',
  'TableName',
  'QueueName',
  'TopicName',
  'FunctionName',
  'StateMachineArn',
  'ApiName',
  'LoadBalancer',
  'TargetGroup',
  'AutoScalingGroupName',
  'CacheClusterId',
  'ReplicationGroupId',
  'ClusterName',
  'StreamName',
  'DistributionId',
  'BucketName',
  'FileSystemId',
  'VolumeId',
  'InstanceId',
];

function serviceFromDimensions(dimensions: Record<string, string> | undefined): string | undefined {
  if (!dimensions) return undefined;
  for (const name of SERVICE_DIMENSIONS) {
    const value = dimensions[name]?.trim();
    if (value) return shortResourceName(name, value);
  }
  return undefined;
}

function shortResourceName(dimension: string, value: string): string {
  // `app/checkout-prod-alb/3f9a1c7e5b2d4086`, `targetgroup/checkout-tg/73e2d6bc24d8a067`
  if (dimension === 'LoadBalancer' || dimension === 'TargetGroup') return value.split('/')[1] || value;
  if (value.startsWith('arn:')) return value.split(':').at(-1) || value;
  return value;
}

function consoleUrl(region: string, alarmName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}
