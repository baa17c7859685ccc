import * as z from 'zod';
import { Category, SourceKind } from './model';

/**
 * Runbook bindings: which SSM Automation document runs for which alerts, how its parameters are filled from
 * the alert, whether it only reads (`diagnostic`) or changes things (`remediation`), and whether it runs by
 * itself, after a person approves it, or not at all. Validated at synth (`firebreak.runbooks`) and again at
 * cold start from the functions' environment.
 */

/** A binding's name: it names its runs and appears in execution names, so it stays short and plain. */
export const BindingName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,39}$/,
    'must be 1-40 lower-case letters, digits or "-", starting with a letter or digit',
  );

/** The built-in diagnosis of recent changes runs under this name; no binding may take it. */
export const CHANGES_RUN = 'changes';

/** An SSM document name, as SSM allows it (AWS-owned ones such as `AWS-RestartEC2Instance` included). */
export const DocumentName = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{3,128}$/, 'must be an SSM document name (3-128 of a-z A-Z 0-9 _ . -)');

/**
 * The version a run pins: `$DEFAULT`, `$LATEST` or a number. Firebreak's own documents and anything a
 * remediation runs should be pinned to a number so a new version is a reviewed change of the binding.
 */
const DocumentVersion = z
  .string()
  .regex(/^(\$DEFAULT|\$LATEST|[1-9]\d{0,5})$/, 'must be a version number, $DEFAULT or $LATEST');

/**
 * A parameter value: text with `{placeholders}` filled from the alert. A value that is exactly one
 * placeholder is that value; otherwise each placeholder is replaced in the text. See PLACEHOLDERS.
 */
const ParameterTemplate = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');

/** `*` matches any run of characters; everything else matches itself, case-sensitive. */
const NamePattern = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');

export const BindingMatch = z
  .strictObject({
    category: z.array(Category).min(1, 'must list at least one category').optional(),
    source: z.array(SourceKind).min(1, 'must list at least one source').optional(),
    /** Matched against the alert's source name (a CloudWatch alarm's name); `*` is a wildcard. */
    alarmName: NamePattern.optional(),
    namespace: z.string().min(1).optional(),
    /** One of the alarm's metric names. */
    metric: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
    team: z.string().min(1).optional(),
    /** Every tag (alert label) given here must be present with this value. */
    tags: z.record(z.string().min(1), z.string()).optional(),
  })
  .refine((match) => Object.values(match).some((value) => value !== undefined), {
    message:
      'must give at least one of category, source, alarmName, namespace, metric, service, team or tags',
  });
export type BindingMatch = z.infer<typeof BindingMatch>;

export const RunbookKind = z.enum(['diagnostic', 'remediation']);
export type RunbookKind = z.infer<typeof RunbookKind>;

export const RunbookMode = z.enum(['off', 'approval', 'auto']);
export type RunbookMode = z.infer<typeof RunbookMode>;

export const RunbookBinding = z
  .strictObject({
    /** What the binding is for, shown with every run. */
    description: z.string().max(500).optional(),
    match: BindingMatch,
    document: z.strictObject({ name: DocumentName, version: DocumentVersion }),
    /** SSM parameter name → value template (see PLACEHOLDERS). */
    parameters: z
      .record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'must be an SSM parameter name'), ParameterTemplate)
      .default({}),
    kind: RunbookKind,
    /** Remediations default to `approval`, diagnostics to `auto`. */
    mode: RunbookMode.optional(),
    /** Minutes to wait after a successful remediation before checking that the alarm is back to OK. */
    settleMinutes: z.number().int('must be a whole number of minutes').min(0).max(1440).default(10),
    /** Minutes a remediation waits for approval before it is skipped. */
    approvalTimeoutMinutes: z.number().int('must be a whole number of minutes').min(1).max(1440).default(30),
    /** What the circuit breaker counts runs against; defaults to the filled parameter values. */
    resource: ParameterTemplate.optional(),
  })
  .transform((binding) => ({
    ...binding,
    mode: binding.mode ?? (binding.kind === 'remediation' ? ('approval' as const) : ('auto' as const)),
  }));
export type RunbookBinding = z.output<typeof RunbookBinding>;

export const RunbookConfig = z
  .strictObject({
    bindings: z.record(BindingName, RunbookBinding).default({}),
    circuitBreaker: z
      .strictObject({
        /** Automatic remediations of one resource allowed within an hour. */
        maxRunsPerHour: z.number().int().min(1).max(100).default(2),
        /** How long a failed remediation stops automatic ones for its resource. */
        cooldownMinutes: z.number().int().min(1).max(10080).default(60),
      })
      .default({ maxRunsPerHour: 2, cooldownMinutes: 60 }),
    /** How far before detection the diagnosis looks for changes (CloudTrail, CloudFormation). */
    changesLookbackHours: z.number().int().min(1).max(24).default(3),
  })
  .superRefine((config, ctx) => {
    if (CHANGES_RUN in config.bindings) {
      ctx.addIssue({
        code: 'custom',
        path: ['bindings', CHANGES_RUN],
        message: `"${CHANGES_RUN}" is reserved for the built-in diagnosis of recent changes`,
      });
    }
    for (const [name, binding] of Object.entries(config.bindings)) {
      for (const [parameter, template] of Object.entries({
        ...binding.parameters,
        resource: binding.resource ?? '',
      })) {
        for (const placeholder of placeholdersOf(template)) {
          if (!isKnownPlaceholder(placeholder)) {
            ctx.addIssue({
              code: 'custom',
              path: [
                'bindings',
                name,
                parameter === 'resource' && binding.resource ? 'resource' : 'parameters',
                ...(parameter === 'resource' && binding.resource ? [] : [parameter]),
              ],
              message: `unknown placeholder {${placeholder}}: use one of ${PLACEHOLDERS.join(', ')}`,
            });
          }
        }
      }
    }
  });
export type RunbookConfig = z.output<typeof RunbookConfig>;

export const DEFAULT_RUNBOOK_CONFIG: RunbookConfig = RunbookConfig.parse({});

/** Parses a runbook configuration (from the environment or a file), naming each bad key. */
export function parseRunbookConfig(raw: unknown, where = 'runbooks'): RunbookConfig {
  const parsed = RunbookConfig.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid runbook configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** What a binding is matched against and its parameters are filled from: one alert of an incident. */
export interface RunbookAlert {
  incidentId: string;
  alertId: string;
  dedupKey: string;
  source: { kind: string; name: string; account?: string | undefined; region?: string | undefined };
  service: string;
  team?: string | undefined;
  category: string;
  labels: Record<string, string>;
  /** CloudWatch details when the alert is an alarm: namespace, metric names, dimensions. */
  namespace?: string | undefined;
  metricNames?: string[] | undefined;
  dimensions?: Record<string, string> | undefined;
  /** Resource ARNs or ids the alert names besides its dimensions (a finding's resources). */
  resources?: string[] | undefined;
  /** When the alert fired (its first trigger on the incident): the diagnosis looks for changes before it. */
  firedAt?: string | undefined;
  /** The alarm's threshold and its datapoints when it fired, for the diagnosis. */
  threshold?: number | undefined;
  recentDatapoints?: number[] | undefined;
}

/** The placeholders a parameter template may use. `{automationRole}` is the deployed automation role's ARN. */
export const PLACEHOLDERS = [
  '{dimension.<Name>}',
  '{label.<name>}',
  '{service}',
  '{team}',
  '{incidentId}',
  '{alarmName}',
  '{account}',
  '{region}',
  '{automationRole}',
] as const;

const SIMPLE = new Set(['service', 'team', 'incidentId', 'alarmName', 'account', 'region', 'automationRole']);

function isKnownPlaceholder(placeholder: string): boolean {
  return SIMPLE.has(placeholder) || /^(dimension|label)\.[^{}]+$/.test(placeholder);
}

function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1] as string);
}

function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}

/** Whether every criterion a binding gives holds for the alert. */
export function bindingMatches(match: BindingMatch, alert: RunbookAlert): boolean {
  if (match.category && !match.category.includes(alert.category as Category)) return false;
  if (match.source && !match.source.includes(alert.source.kind as SourceKind)) return false;
  if (match.alarmName !== undefined && !globMatches(match.alarmName, alert.source.name)) return false;
  if (match.namespace !== undefined && match.namespace !== alert.namespace) return false;
  if (match.metric !== undefined && !(alert.metricNames ?? []).includes(match.metric)) return false;
  if (match.service !== undefined && match.service !== alert.service) return false;
  if (match.team !== undefined && match.team !== alert.team) return false;
  for (const [key, value] of Object.entries(match.tags ?? {})) {
    if (alert.labels[key] !== value) return false;
  }
  return true;
}

/** The bindings that apply to an alert, by name, in name order (so every path picks them the same way). */
export function matchBindings(config: RunbookConfig, alert: RunbookAlert): Array<[string, RunbookBinding]> {
  return Object.entries(config.bindings)
    .filter(([, binding]) => bindingMatches(binding.match, alert))
    .sort(([a], [b]) => a.localeCompare(b));
}

export type FilledParameters =
  | { ok: true; parameters: Record<string, string>; resource: string }
  | { ok: false; missing: Array<{ parameter: string; placeholder: string }> };

function placeholderValue(placeholder: string, alert: RunbookAlert, automationRole: string | undefined) {
  if (placeholder.startsWith('dimension.')) return alert.dimensions?.[placeholder.slice('dimension.'.length)];
  if (placeholder.startsWith('label.')) return alert.labels[placeholder.slice('label.'.length)];
  switch (placeholder) {
    case 'service':
      return alert.service;
    case 'team':
      return alert.team;
    case 'incidentId':
      return alert.incidentId;
    case 'alarmName':
      return alert.source.name;
    case 'account':
      return alert.source.account;
    case 'region':
      return alert.source.region;
    case 'automationRole':
      return automationRole;
    default:
      return undefined;
  }
}

function fill(
  template: string,
  alert: RunbookAlert,
  automationRole: string | undefined,
): { value: string } | { missing: string } {
  let missing: string | undefined;
  const value = template.replace(/\{([^{}]+)\}/g, (_, placeholder: string) => {
    const found = placeholderValue(placeholder, alert, automationRole);
    if (found === undefined || found === '') missing ??= placeholder;
    return found ?? '';
  });
  return missing === undefined ? { value } : { missing };
}

/**
 * Fills a binding's parameters from the alert. Any placeholder the alert cannot fill refuses the run, with
 * every parameter that could not be filled named: a runbook never starts with a guessed or empty value.
 */
export function fillParameters(
  binding: RunbookBinding,
  alert: RunbookAlert,
  automationRole?: string,
): FilledParameters {
  const parameters: Record<string, string> = {};
  const missing: Array<{ parameter: string; placeholder: string }> = [];
  for (const [parameter, template] of Object.entries(binding.parameters)) {
    const filled = fill(template, alert, automationRole);
    if ('missing' in filled) missing.push({ parameter, placeholder: `{${filled.missing}}` });
    else parameters[parameter] = filled.value;
  }
  let resource = '';
  if (binding.resource !== undefined) {
    const filled = fill(binding.resource, alert, automationRole);
    if ('missing' in filled) missing.push({ parameter: 'resource', placeholder: `{${filled.missing}}` });
    else resource = filled.value;
  } else {
    resource = Object.entries(parameters)
      .filter(([name]) => name !== 'AutomationAssumeRole')
      .map(([, value]) => value)
      .join(',');
  }
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, parameters, resource: resource || `${alert.service}` };
}

/**
 * The functions' RUNBOOK_CONFIG variable: the configuration as JSON, checked again at cold start as at synth.
 * An empty variable means no bindings (the diagnosis of recent changes still runs).
 */
export const RunbookConfigJson = z
  .string({ error: 'must be the runbook configuration as JSON' })
  .default('{}')
  .transform((text, ctx): unknown => {
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be the runbook configuration as JSON' });
      return z.NEVER;
    }
  })
  .pipe(RunbookConfig);
