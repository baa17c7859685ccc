import * as z from 'zod';
import { type Categorization, parseCategoryTag, SUBCATEGORIES } from '#core/categorize';
import { LABEL_LIMITS, TEXT_LIMITS, trimText, utf8Bytes } from '#core/limits';
import { type Level, type Severity, Signal, type SignalAction } from '#core/model';
import {
  compact,
  describe,
  isRecord,
  labels,
  type Parsed,
  parseAt,
  parseInformational,
  type Rejection,
  rejection,
} from './parse';
import { type GroupTag, readGroupTag } from './tags';
import { Timestamp, toIsoUtc } from './time';

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`) bodies, as sent by anything that can page PagerDuty
 * (Alertmanager's `pagerduty_configs`, Grafana, Datadog, scripts). The API resolves `routing_key` to an
 * integration before calling this; here it is only checked for shape.
 */

/** The integration a request was authenticated as (its routing key or bearer token). */
export interface IntegrationRef {
  id: string;
  name: string;
}

export interface PagerDutyContext {
  integration: IntegrationRef;
  /** When the API received the request (ISO 8601). */
  receivedAt: string;
  /** The API's id of the HTTP request: each request is one delivery. */
  requestId: string;
  /** A fresh key for a trigger that brings none (PagerDuty generates one and answers with it). */
  newDedupKey: () => string;
}

export type PagerDutyResult =
  | {
      kind: 'signals';
      signals: Signal[];
      /** The key as the sender knows it: what the API answers with, and what later events must send. */
      dedupKey: string;
    }
  | { kind: 'rejected'; rejection: Rejection };

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

/** PagerDuty's documented limits. A longer summary is trimmed (see #core/limits), never refused. */
const MAX_DEDUP_KEY = 255;
const ROUTING_KEY_LENGTH = 32;

const RoutingKey = z.string().superRefine((value, ctx) => {
  if (value.length !== ROUTING_KEY_LENGTH)
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `must be ${ROUTING_KEY_LENGTH} characters long (an integration key), got ${value.length}`,
    });
});

/** The envelope every event shares. Unknown top-level fields are tolerated (stripped), as PagerDuty does. */
const PagerDutyEvent = z.object({
  routing_key: RoutingKey,
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().min(1).max(MAX_DEDUP_KEY).optional(),
  payload: z.unknown().optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
  links: z.unknown().optional(),
  images: z.unknown().optional(),
});

/** A trigger's payload: what the alert is. Only read for triggers; PagerDuty ignores it on the others. */
const TriggerPayload = z.object({
  summary: z.string().min(1),
  source: z.string().min(1),
  severity: z.enum(PAGERDUTY_SEVERITIES),
  timestamp: Timestamp.optional(),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  custom_details: z.unknown().optional(),
});
type TriggerPayload = z.infer<typeof TriggerPayload>;

// Links and images only inform: a malformed one is dropped with a warning, never costs the page.
const Links = z.array(z.object({ href: z.string(), text: z.string().optional() }));
const Images = z.array(
  z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() }),
);

/**
 * PagerDuty severity → Firebreak severity, urgency (how fast) and impact (how widely):
 *
 * | PagerDuty | severity | urgency | impact |
 * |-----------|----------|---------|--------|
 * | critical  | critical | high    | high   |
 * | error     | high     | high    | medium |
 * | warning   | medium   | medium  | medium |
 * | info      | info     | low     | low    |
 *
 * PagerDuty itself maps severity to urgency only; an `error` pages as urgently as a `critical`, but a
 * sender that means "everything is down" says `critical`, so only that one claims high impact.
 */
export const PAGERDUTY_LEVELS: Readonly<
  Record<PagerDutySeverity, { severity: Severity; urgency: Level; impact: Level }>
> = {
  critical: { severity: 'critical', urgency: 'high', impact: 'high' },
  error: { severity: 'high', urgency: 'high', impact: 'medium' },
  warning: { severity: 'medium', urgency: 'medium', impact: 'medium' },
  info: { severity: 'info', urgency: 'low', impact: 'low' },
};

const APPLICATION_DEFAULT: Categorization = {
  category: 'Application',
  subcategory: SUBCATEGORIES.Application[0],
};

/** Words in an alert's name or class that say plainly what kind of problem it is; first match wins. */
const HINTS: readonly { pattern: RegExp; result: Categorization }[] = [
  {
    pattern: /latency|slow|response.?time|duration/i,
    result: { category: 'Application', subcategory: 'Latency' },
  },
  { pattern: /error|5xx|exception|fail/i, result: { category: 'Application', subcategory: 'Errors' } },
  {
    pattern: /down|unavailable|unreachable|outage|absent/i,
    result: { category: 'Application', subcategory: 'Availability' },
  },
  { pattern: /cpu|memory|oom/i, result: { category: 'Infrastructure', subcategory: 'Compute' } },
  { pattern: /disk|volume|filesystem/i, result: { category: 'Infrastructure', subcategory: 'Storage' } },
];

/** The category a free-text name (alert name, event class or group) obviously implies, if any. */
export function categoryHint(...texts: (string | undefined)[]): Categorization | undefined {
  for (const hint of HINTS)
    if (texts.some((text) => text !== undefined && hint.pattern.test(text))) return { ...hint.result };
  return undefined;
}

/**
 * Turns one Events API v2 body into one signal. Never throws: a bad body is a rejection naming the field,
 * in the spirit of PagerDuty's own `400 invalid event` answers.
 *
 * Keys: the sender's `dedup_key` is what PagerDuty semantics are about and what the API answers with, but
 * the signal's key is `pagerduty:<integration id>:<dedup_key>`. Dedup keys are chosen by senders, often
 * from their own names (an alarm ARN, `host/check`), so two integrations (two teams, two tools) could send
 * the same one; scoping keeps their incidents apart, and no integration can acknowledge or resolve
 * another's incident by guessing its key.
 */
export function normalizePagerDutyEvent(body: unknown, context: PagerDutyContext): PagerDutyResult {
  const parsed = parseAt(PagerDutyEvent, body);
  if (!parsed.ok) return { kind: 'rejected', rejection: parsed.rejection };
  const event = parsed.value;
  const { integration } = context;

  let payload: TriggerPayload | undefined;
  if (event.event_action === 'trigger') {
    const read = parseAt(TriggerPayload, event.payload, ['payload']);
    if (!read.ok) return { kind: 'rejected', rejection: read.rejection };
    payload = read.value;
  } else if (event.dedup_key === undefined) {
    return {
      kind: 'rejected',
      rejection: rejection(['dedup_key'], `is missing (required to ${event.event_action} an alert)`),
    };
  }

  const dedupKey = event.dedup_key ?? context.newDedupKey();
  const warnings: string[] = [];
  const links = parseInformational(Links, event.links, ['links'], warnings);
  const images = parseInformational(Images, event.images, ['images'], warnings);
  const receivedAt = toIsoUtc(context.receivedAt) ?? context.receivedAt;
  const common = {
    action: event.event_action satisfies SignalAction,
    dedupKey: `pagerduty:${integration.id}:${dedupKey}`,
    eventId: `pagerduty:${integration.id}:${context.requestId}`,
    related: [],
    autoResolve: true,
  };
  const integrationDetails = {
    client: event.client,
    clientUrl: event.client_url,
    links,
    images,
    integrationId: integration.id,
    integrationName: integration.name,
    parseWarnings: warnings.length > 0 ? warnings : undefined,
  };

  let signal: Signal;
  if (payload === undefined) {
    // Acknowledge and resolve carry no time of their own: the change happened when it reached us.
    const verb = event.event_action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
    const title = `${verb} via ${integration.name}`;
    signal = {
      ...common,
      occurredAt: receivedAt,
      source: { kind: 'pagerduty', ref: dedupKey, name: integration.name, url: event.client_url },
      title,
      description: '',
      summary: title,
      service: integration.name,
      ...APPLICATION_DEFAULT,
      severity: 'info',
      impact: 'low',
      urgency: 'low',
      labels: labels({ client: event.client }),
      details: compact(integrationDetails),
    };
  } else {
    const custom = readCustomDetails(payload.custom_details);
    const levels = PAGERDUTY_LEVELS[payload.severity];
    const categorization =
      custom.category ?? categoryHint(payload.class, payload.group) ?? APPLICATION_DEFAULT;
    signal = {
      ...common,
      // Ordered by arrival, like acknowledge and resolve (which carry no time): a sender's clock must not
      // make a trigger after a resolve look older than it, so that it opens a new incident as PagerDuty does.
      occurredAt: receivedAt,
      source: {
        kind: 'pagerduty',
        ref: dedupKey,
        name: nonEmpty(payload.source) ?? integration.name,
        url: event.client_url,
      },
      title: payload.summary,
      description: custom.description,
      summary: payload.summary,
      service:
        nonEmpty(payload.component) ?? nonEmpty(payload.source) ?? nonEmpty(integration.name) ?? 'pagerduty',
      team: custom.team,
      ...categorization,
      severity: levels.severity,
      impact: levels.impact,
      urgency: levels.urgency,
      // The payload's own fields win over custom details of the same name.
      labels: {
        ...custom.labels,
        ...labels({
          group: payload.group,
          class: payload.class,
          component: payload.component,
          client: event.client,
        }),
      },
      details: compact({
        pagerdutySeverity: payload.severity,
        sourceTimestamp: payload.timestamp,
        customDetails: custom.details,
        ignoredCustomDetails: Object.keys(custom.ignored).length > 0 ? custom.ignored : undefined,
        ...integrationDetails,
      }),
      ...(custom.group === 'off' ? { group: 'off' } : {}),
    };
  }

  const checked = checkSignal(signal);
  if (!checked.ok) return { kind: 'rejected', rejection: checked.rejection };
  return { kind: 'signals', signals: [checked.value], dedupKey };
}

interface CustomDetails {
  description: string;
  team?: string;
  category?: Categorization;
  /** `firebreak:group`: `off` keeps this alert out of every group. */
  group?: GroupTag;
  labels: Record<string, string>;
  /** custom_details as given; the store's limits shorten them if they are large (#core/bound-signal). */
  details?: unknown;
  ignored: Record<string, string>;
}

/** `custom_details` is any JSON; an object's string entries also label the incident. */
function readCustomDetails(value: unknown): CustomDetails {
  const out: CustomDetails = { description: '', labels: {}, ignored: {} };
  if (value === undefined || value === null) return out;

  // Trimmed here already so a huge body is not rendered twice; the marker records the size sent.
  out.description = trimText(typeof value === 'string' ? value : render(value), TEXT_LIMITS.description).text;
  out.details = value;

  if (!isRecord(value)) return out;
  const team = value.team;
  if (typeof team === 'string' && team.trim() !== '') out.team = team.trim();
  const category = value['firebreak:category'];
  if (category !== undefined) {
    const parsed = typeof category === 'string' ? parseCategoryTag(category) : undefined;
    if (parsed) out.category = parsed;
    else
      out.ignored['firebreak:category'] =
        `expected a category from the catalogue, as Category or Category/Subcategory, got ${describe(category)}`;
  }
  const group = value['firebreak:group'];
  if (group !== undefined) {
    const parsed = typeof group === 'string' ? readGroupTag(group) : undefined;
    if (parsed) out.group = parsed;
    else out.ignored['firebreak:group'] = `expected one of on, off, got ${describe(group)}`;
  }
  // Short string entries become labels (a stack trace is no label); boundSignal bounds their number.
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' || entry === '') continue;
    if (utf8Bytes(key) > LABEL_LIMITS.key || utf8Bytes(entry) > LABEL_LIMITS.value) continue;
    out.labels[key] = entry;
  }
  return out;
}

/** Readable JSON; never throws (a body that did not come from JSON.parse may hold anything). */
function render(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? describe(value);
  } catch {
    return describe(value);
  }
}

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Holds a signal to the model's contract before it leaves the normalizer. */
export function checkSignal(signal: Signal): Parsed<Signal> {
  const parsed = parseAt(Signal, signal);
  if (parsed.ok) return { ok: true, value: signal };
  // The field named is the signal's, not the body's, so it stays in the reason only.
  return {
    ok: false,
    rejection: {
      reason: `signal for ${describe(signal.dedupKey)} breaks the model: ${parsed.rejection.reason}`,
    },
  };
}
