import { createHash } from 'node:crypto';
import * as z from 'zod';
import { type Categorization, parseCategoryTag, SUBCATEGORIES } from '#core/categorize';
import { TEXT_LIMITS, utf8Bytes } from '#core/limits';
import { Level, type Severity, type Signal } from '#core/model';
import { categoryHint, checkSignal, type IntegrationRef, nonEmpty } from './pagerduty';
import { compact, describe, isRecord, parseAt, parseInformational, type Rejection, rejection } from './parse';
import { readGroupTag } from './tags';
import { Timestamp, toIsoUtc } from './time';

/**
 * Prometheus Alertmanager `webhook_config` notifications (payload version 4), as the API's
 * `POST /integrations/alertmanager` receives them once the bearer token named the integration.
 */

export interface AlertmanagerContext {
  integration: IntegrationRef;
  /** When the API received the request (ISO 8601). */
  receivedAt: string;
}

export type AlertmanagerResult =
  | { kind: 'signals'; signals: Signal[]; rejected: Rejection[] }
  | { kind: 'rejected'; rejection: Rejection };

const SUPPORTED_VERSION = '4';

/** Go's zero `time.Time`, which Alertmanager sends for an unset `endsAt` (and `startsAt`). */
const GO_ZERO_TIME = '0001-01-01T00:00:00.000Z';

const StringMap = z.record(z.string(), z.string());

/** What decides whether the notification is usable at all. */
const Notification = z.object({
  version: z.string(),
  alerts: z.array(z.unknown()).min(1),
});

/** One alert: what decides what happens is strict, per alert. */
const Alert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: StringMap,
  annotations: StringMap.default({}),
  startsAt: Timestamp,
  endsAt: Timestamp.optional(),
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1),
});
type Alert = z.infer<typeof Alert>;

/**
 * Alertmanager `severity` label → Firebreak severity. Label values are free text, so the common spellings
 * are accepted; anything else is `medium` (a page, not a shrug) and the value is kept in details.
 */
const SEVERITIES: ReadonlyMap<string, Severity> = new Map(
  Object.entries({
    critical: 'critical',
    crit: 'critical',
    fatal: 'critical',
    emergency: 'critical',
    error: 'high',
    high: 'high',
    major: 'high',
    warning: 'medium',
    warn: 'medium',
    medium: 'medium',
    moderate: 'medium',
    low: 'low',
    minor: 'low',
    info: 'info',
    informational: 'info',
    none: 'info',
  } satisfies Record<string, Severity>),
);

/** Impact and urgency by severity, unless the alert's labels say otherwise. */
const LEVELS: Readonly<Record<Severity, { impact: Level; urgency: Level }>> = {
  critical: { impact: 'high', urgency: 'high' },
  high: { impact: 'high', urgency: 'medium' },
  medium: { impact: 'medium', urgency: 'medium' },
  low: { impact: 'low', urgency: 'low' },
  info: { impact: 'low', urgency: 'low' },
};

/** Labels that name the alerting thing best, most specific first: they tell two alerts of one rule apart. */
const IDENTIFYING_LABELS = [
  'pod',
  'instance',
  'node',
  'deployment',
  'statefulset',
  'daemonset',
  'persistentvolumeclaim',
  'job_name',
  'service',
  'job',
  'namespace',
] as const;

/** Label keys Firebreak reads, most specific first. */
const KEYS = {
  impact: ['firebreak_impact', 'impact'],
  urgency: ['firebreak_urgency', 'urgency'],
  category: ['firebreak_category', 'category'],
  group: ['firebreak_group'],
} as const;

const APPLICATION_DEFAULT: Categorization = {
  category: 'Application',
  subcategory: SUBCATEGORIES.Application[0],
};

interface Group {
  groupKey?: string;
  receiver?: string;
  externalURL?: string;
  truncatedAlerts?: number;
  warnings: string[];
}

/**
 * One signal per alert, keyed `alertmanager:<integration id>:<fingerprint>`: one incident per alert
 * fingerprint within the integration (the fingerprint is the hash of the alert's labels, so two pods
 * crash-looping are two incidents, and one pod's alert firing again lands on its own incident).
 *
 * Event ids are deterministic: `alertmanager:<integration id>:<fingerprint>:<status>:<occurredAt>`. That is
 * the point: every Alertmanager of a cluster sends the same notification, and Alertmanager repeats a
 * still-firing alert every `repeat_interval` with its original `startsAt`; all of these carry the same
 * change and get the same id, so the ingest path recognises them and changes nothing.
 *
 * Never throws. A body that is not a version 4 notification is rejected as a whole; one bad alert is a
 * rejection of its own (`alerts[1].startsAt: ...`) and the others still become signals.
 */
export function normalizeAlertmanagerWebhook(
  body: unknown,
  context: AlertmanagerContext,
): AlertmanagerResult {
  if (!isRecord(body))
    return { kind: 'rejected', rejection: rejection([], `expected an object, got ${describe(body)}`) };
  // The version first: another version's body may be shaped differently, and the reason should say why.
  if (typeof body.version === 'string' && body.version !== SUPPORTED_VERSION)
    return {
      kind: 'rejected',
      rejection: rejection(
        ['version'],
        `only Alertmanager webhook payload version "${SUPPORTED_VERSION}" is supported, got ${describe(body.version)}`,
      ),
    };
  const parsed = parseAt(Notification, body);
  if (!parsed.ok) return { kind: 'rejected', rejection: parsed.rejection };

  const group = readGroup(body);
  const receivedAt = toIsoUtc(context.receivedAt) ?? context.receivedAt;
  const signals: Signal[] = [];
  const rejected: Rejection[] = [];
  parsed.value.alerts.forEach((raw, index) => {
    const at = ['alerts', index] as const;
    const alert = parseAt(Alert, raw, at);
    if (!alert.ok) {
      rejected.push(alert.rejection);
      return;
    }
    const built = toSignal(alert.value, group, context.integration, receivedAt);
    if ('problem' in built) {
      rejected.push(rejection([...at, built.field], built.problem));
      return;
    }
    const checked = checkSignal(built);
    if (checked.ok) signals.push(checked.value);
    else
      rejected.push({ field: `alerts[${index}]`, reason: `alerts[${index}]: ${checked.rejection.reason}` });
  });

  if (signals.length === 0 && rejected[0]) return { kind: 'rejected', rejection: rejected[0] };
  return { kind: 'signals', signals, rejected };
}

function readGroup(body: Record<string, unknown>): Group {
  const warnings: string[] = [];
  const read = <S extends z.ZodType>(schema: S, key: string): z.output<S> | undefined =>
    parseInformational(schema, body[key], [key], warnings);
  // Read for their warnings only: each alert carries its own status, labels and annotations.
  read(z.string(), 'status');
  read(StringMap, 'groupLabels');
  read(StringMap, 'commonLabels');
  read(StringMap, 'commonAnnotations');
  return {
    groupKey: read(z.string(), 'groupKey'),
    receiver: read(z.string(), 'receiver'),
    externalURL: read(z.string(), 'externalURL'),
    truncatedAlerts: read(z.number().int().min(0), 'truncatedAlerts'),
    warnings,
  };
}

function toSignal(
  alert: Alert,
  group: Group,
  integration: IntegrationRef,
  receivedAt: string,
): Signal | { field: string; problem: string } {
  const { labels, annotations, fingerprint } = alert;
  const endsAt = alert.endsAt === GO_ZERO_TIME ? undefined : alert.endsAt;
  let occurredAt: string;
  if (alert.status === 'firing') {
    if (alert.startsAt === GO_ZERO_TIME)
      return { field: 'startsAt', problem: "is Go's zero time: a firing alert must say when it started" };
    occurredAt = alert.startsAt;
  } else {
    // A resolved alert without an end time is rare (a hand-posted alert); resolving twice is harmless.
    occurredAt = endsAt ?? receivedAt;
  }

  const alertname = nonEmpty(labels.alertname);
  const ignored: Record<string, string> = {};
  const severityLabel = labels.severity?.trim().toLowerCase();
  // A Map, not an object: a label value like `constructor` must not find Object.prototype's.
  const known = severityLabel === undefined ? undefined : SEVERITIES.get(severityLabel);
  const severity = known ?? 'medium';
  const unknownSeverity = severityLabel !== undefined && known === undefined ? labels.severity : undefined;
  const level = (keys: readonly string[]): Level | undefined =>
    pick(
      labels,
      keys,
      ignored,
      (value) => Level.safeParse(value.trim().toLowerCase()).data,
      'one of high, medium, low',
    );
  const hinted = categoryHint(alertname) ?? APPLICATION_DEFAULT;
  const categorization =
    pick(
      labels,
      KEYS.category,
      ignored,
      (value) => parseCategoryTag(value, hinted),
      'a category from the catalogue, as Category or Category/Subcategory',
    ) ?? hinted;

  const groupTag = pick(labels, KEYS.group, ignored, readGroupTag, 'one of on, off');
  const sourceGroupKey = scopedGroupKey(integration, group.groupKey);

  const headline = nonEmpty(annotations.summary) ?? alertname ?? fingerprint;
  return {
    action: alert.status === 'firing' ? 'trigger' : 'resolve',
    dedupKey: `alertmanager:${integration.id}:${fingerprint}`,
    eventId: `alertmanager:${integration.id}:${fingerprint}:${alert.status}:${occurredAt}`,
    occurredAt,
    source: {
      kind: 'alertmanager',
      ref: fingerprint,
      name: alertname ?? fingerprint,
      url: nonEmpty(alert.generatorURL),
    },
    title: withIdentity(headline, labels),
    description: annotations.description ?? '',
    summary: headline,
    service: nonEmpty(labels.service) ?? nonEmpty(labels.job) ?? nonEmpty(labels.namespace) ?? 'alertmanager',
    team: nonEmpty(labels.team),
    ...categorization,
    severity,
    impact: level(KEYS.impact) ?? LEVELS[severity].impact,
    urgency: level(KEYS.urgency) ?? LEVELS[severity].urgency,
    labels: { ...labels },
    details: compact({
      annotations,
      generatorURL: nonEmpty(alert.generatorURL),
      fingerprint,
      startsAt: alert.startsAt === GO_ZERO_TIME ? undefined : alert.startsAt,
      endsAt,
      groupKey: group.groupKey,
      receiver: group.receiver,
      externalURL: group.externalURL,
      // Alertmanager's max_alerts cut the notification short: some alerts of the group never arrived.
      truncatedAlerts: group.truncatedAlerts ? group.truncatedAlerts : undefined,
      unknownSeverity,
      ignoredLabels: Object.keys(ignored).length > 0 ? ignored : undefined,
      parseWarnings: group.warnings.length > 0 ? group.warnings : undefined,
      integrationId: integration.id,
      integrationName: integration.name,
    }),
    related: [],
    autoResolve: true,
    ...(groupTag === 'off' ? { group: 'off' } : {}),
    ...(sourceGroupKey ? { sourceGroupKey } : {}),
  };
}

/**
 * Alertmanager's `groupKey` (its route and the group's label values) as a source group key, scoped to the
 * integration as dedup keys are: two clusters with the same routes send the same group keys for different
 * alerts. A key longer than a source reference is hashed; it only has to be stable.
 */
function scopedGroupKey(integration: IntegrationRef, groupKey: string | undefined): string | undefined {
  const key = nonEmpty(groupKey);
  if (key === undefined) return undefined;
  const scoped = `alertmanager:${integration.id}:${key}`;
  if (utf8Bytes(scoped) <= TEXT_LIMITS.sourceRef) return scoped;
  return `alertmanager:${integration.id}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * The first candidate label whose value reads; a value that does not read is recorded in `ignored` and the
 * next candidate is tried (as alarm tags are).
 */
function pick<T>(
  labels: Record<string, string>,
  keys: readonly string[],
  ignored: Record<string, string>,
  read: (value: string) => T | undefined,
  expected: string,
): T | undefined {
  for (const key of keys) {
    const value = labels[key];
    if (value === undefined) continue;
    const result = read(value);
    if (result !== undefined) return result;
    ignored[key] = `expected ${expected}, got ${describe(value)}`;
  }
  return undefined;
}

/** `Pod container is crash looping. [pod=cart-api-7d9f]`: the alerts of one rule get titles of their own. */
function withIdentity(headline: string, labels: Record<string, string>): string {
  for (const key of IDENTIFYING_LABELS) {
    const value = nonEmpty(labels[key]);
    if (value === undefined) continue;
    return headline.includes(value) ? headline : `${headline} [${key}=${value}]`;
  }
  return headline;
}
