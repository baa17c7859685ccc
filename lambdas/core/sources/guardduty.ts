import * as z from 'zod';
import type { Level, Severity, Signal } from '#core/model';
import type { EventBridgeEnvelope } from './envelope';
import { compact, labels, type NormalizeResult, parseAt, parseInformational } from './parse';
import { Timestamp } from './time';

const GuardDutyFinding = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  severity: z.number().min(0).max(10),
  updatedAt: Timestamp,
  title: z.string().optional(),
  description: z.string().default(''),
  accountId: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  arn: z.string().optional(),
  resource: z.unknown().optional(),
  // Loose: the informational parts are read apart below, so a malformed one never drops the finding.
  service: z.looseObject({ archived: z.boolean().default(false) }).optional(),
});

const Name = z.object({ name: z.string() }).partial();
const Resource = z.object({
  resourceType: z.string().optional(),
  instanceDetails: z
    .object({ instanceId: z.string(), tags: z.array(z.object({ key: z.string(), value: z.string() })) })
    .partial()
    .optional(),
  accessKeyDetails: z
    .object({ accessKeyId: z.string(), userName: z.string(), userType: z.string() })
    .partial()
    .optional(),
  s3BucketDetails: z.array(Name).optional(),
  eksClusterDetails: Name.optional(),
  ecsClusterDetails: Name.optional(),
  containerDetails: Name.optional(),
  rdsDbInstanceDetails: z.object({ dbInstanceIdentifier: z.string() }).partial().optional(),
  lambdaDetails: z.object({ functionName: z.string() }).partial().optional(),
});
type Resource = z.infer<typeof Resource>;

const RemoteIp = z.object({ ipAddressV4: z.string(), ipAddressV6: z.string() }).partial();
const Activity = z.object({
  count: z.number().optional(),
  eventFirstSeen: z.string().optional(),
  eventLastSeen: z.string().optional(),
  resourceRole: z.string().optional(),
  action: z
    .object({
      actionType: z.string().optional(),
      networkConnectionAction: z
        .object({
          connectionDirection: z.string(),
          protocol: z.string(),
          remoteIpDetails: RemoteIp,
          remotePortDetails: z.object({ port: z.number() }).partial(),
        })
        .partial()
        .optional(),
      awsApiCallAction: z
        .object({ api: z.string(), serviceName: z.string(), remoteIpDetails: RemoteIp })
        .partial()
        .optional(),
      dnsRequestAction: z.object({ domain: z.string() }).partial().optional(),
      portProbeAction: z
        .object({ portProbeDetails: z.array(z.object({ remoteIpDetails: RemoteIp }).partial()) })
        .partial()
        .optional(),
    })
    .optional(),
});
type Activity = z.infer<typeof Activity>;

/** GuardDuty's published severity bands. */
function severityOf(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

const LEVELS: Record<Severity, Level> = {
  critical: 'high',
  high: 'high',
  medium: 'medium',
  low: 'low',
  info: 'low',
};

/** `GuardDuty Finding`: keyed on the finding id, so later updates of a finding land on the same incident. */
export function normalizeGuardDutyFinding(envelope: EventBridgeEnvelope): NormalizeResult {
  const parsed = parseAt(GuardDutyFinding, envelope.detail, ['detail']);
  if (!parsed.ok) return { kind: 'rejected', rejection: parsed.rejection };
  const finding = parsed.value;

  const warnings: string[] = [];
  const resource = parseInformational(Resource, finding.resource, ['detail', 'resource'], warnings);
  const activity = parseInformational(Activity, finding.service, ['detail', 'service'], warnings);
  const resourceId = resourceIdOf(resource);
  const severity = severityOf(finding.severity);
  const account = finding.accountId ?? envelope.account;
  const region = finding.region ?? envelope.region;
  const level = LEVELS[severity];

  const signal: Signal = {
    action: finding.service?.archived ? 'resolve' : 'trigger',
    dedupKey: finding.id,
    eventId: envelope.id,
    occurredAt: finding.updatedAt,
    source: {
      kind: 'guardduty',
      ref: finding.id,
      name: finding.type,
      account,
      region,
      url: `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?fId=${encodeURIComponent(finding.id)}`,
    },
    title: finding.title?.trim() || finding.type,
    description: finding.description,
    summary: `${finding.type} on ${resourceId ?? resource?.resourceType ?? 'an unknown resource'}`,
    service: resourceId ?? 'guardduty',
    category: 'Security',
    subcategory: 'Threat detection',
    severity,
    impact: level,
    urgency: level,
    labels: labels({ findingType: finding.type, resourceType: resource?.resourceType }),
    details: compact({
      findingArn: finding.arn,
      type: finding.type,
      severityScore: finding.severity,
      resourceType: resource?.resourceType,
      resourceId,
      resourceTags: tagsOf(resource),
      ...activityDetails(activity),
      parseWarnings: warnings.length > 0 ? warnings : undefined,
    }),
    related: [],
    autoResolve: true,
  };
  return { kind: 'signals', signals: [signal], rejected: [] };
}

/** The thing the finding is about, whichever resource kind it is. */
function resourceIdOf(resource: Resource | undefined): string | undefined {
  if (!resource) return undefined;
  return (
    (
      resource.instanceDetails?.instanceId ??
      resource.accessKeyDetails?.userName ??
      resource.accessKeyDetails?.accessKeyId ??
      resource.s3BucketDetails?.[0]?.name ??
      resource.eksClusterDetails?.name ??
      resource.ecsClusterDetails?.name ??
      resource.containerDetails?.name ??
      resource.rdsDbInstanceDetails?.dbInstanceIdentifier ??
      resource.lambdaDetails?.functionName
    )?.trim() || undefined
  );
}

function tagsOf(resource: Resource | undefined): Record<string, string> | undefined {
  const tags = resource?.instanceDetails?.tags;
  return tags && tags.length > 0 ? Object.fromEntries(tags.map((tag) => [tag.key, tag.value])) : undefined;
}

function activityDetails(activity: Activity | undefined): Record<string, unknown> {
  const action = activity?.action;
  const network = action?.networkConnectionAction;
  const remoteIp =
    network?.remoteIpDetails ??
    action?.awsApiCallAction?.remoteIpDetails ??
    action?.portProbeAction?.portProbeDetails?.[0]?.remoteIpDetails;
  return {
    actionType: action?.actionType,
    connectionDirection: network?.connectionDirection,
    protocol: network?.protocol,
    remoteIp: remoteIp?.ipAddressV4 ?? remoteIp?.ipAddressV6,
    remotePort: network?.remotePortDetails?.port,
    api: action?.awsApiCallAction?.api,
    domain: action?.dnsRequestAction?.domain,
    count: activity?.count,
    resourceRole: activity?.resourceRole,
    eventFirstSeen: activity?.eventFirstSeen,
    eventLastSeen: activity?.eventLastSeen,
  };
}
