import { createHash } from 'node:crypto';
import * as z from 'zod';
import { jsonVariable } from './json-variable';
import { Category, type Signal, SourceKind } from './model';

/**
 * What an alert can be grouped by: a field of the signal, the source's own group key (Alertmanager's
 * `groupKey`), or a label (`labels.<name>`).
 */
export const GroupByField = z.union([
  z.enum(['service', 'team', 'category', 'subcategory', 'source', 'sourceGroupKey']),
  z.string().regex(/^labels\.[^\s]{1,128}$/, {
    error: 'must be service, team, category, subcategory, source, sourceGroupKey or labels.<name>',
  }),
]);
export type GroupByField = z.infer<typeof GroupByField>;

/** One value or a list; `expected` says what a value is, for the message when neither shape reads. */
const OneOrMany = <T extends z.ZodType>(item: T, expected: string) =>
  z.union([item, z.array(item).min(1, { error: 'must name at least one value' })], {
    error: `must be ${expected}, or a list of them`,
  });

const Name = z.string().min(1, { error: 'must not be empty' });

/** Which alerts a rule applies to: every condition given must hold (a list holds when any value matches). */
export const GroupingMatch = z.strictObject({
  source: OneOrMany(SourceKind, `one of ${SourceKind.options.join(', ')}`).optional(),
  category: OneOrMany(Category, `one of ${Category.options.join(', ')}`).optional(),
  service: OneOrMany(Name, 'a service name').optional(),
  team: OneOrMany(Name, 'a team name').optional(),
  /** Label values that must all be present, e.g. `{"cluster": "prod-use1"}`. */
  labels: z.record(z.string().min(1), z.string()).optional(),
});
export type GroupingMatch = z.infer<typeof GroupingMatch>;

export const GroupingRule = z.strictObject({
  /** For people: named in the timeline when an alert joins an incident by this rule. */
  name: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' }),
  match: GroupingMatch.default({}),
  /** The fields whose values make the group; an empty list keeps each alert alone. */
  by: z.array(GroupByField).max(5, { error: 'must have at most 5 fields' }).default([]),
  /** A new alert joins the group's open incident if that incident's last alert arrived within this window. */
  windowMinutes: z
    .number()
    .int({ error: 'must be a whole number of minutes' })
    .min(1, { error: 'must be between 1 and 1440 minutes' })
    .max(1440, { error: 'must be between 1 and 1440 minutes' })
    .default(10),
});
export type GroupingRule = z.infer<typeof GroupingRule>;

function matchesEveryAlert(match: GroupingMatch): boolean {
  const { labels, ...fields } = match;
  return (
    Object.values(fields).every((value) => value === undefined) && Object.keys(labels ?? {}).length === 0
  );
}

/** Rules in order; the first whose match holds decides. An alert no rule matches is not grouped. */
export const GroupingConfig = z
  .strictObject({
    rules: z.array(GroupingRule).max(50, { error: 'must have at most 50 rules' }),
  })
  .superRefine((config, ctx) => {
    const named = new Map<string, number>();
    let catchAll: number | undefined;
    config.rules.forEach((rule, index) => {
      // A group key starts with its rule's name: two rules of one name could put alerts in one group.
      const first = named.get(rule.name);
      if (first === undefined) named.set(rule.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'name'],
          message: `"${rule.name}" is already the name of rules[${first}]; rule names must be unique`,
        });
      if (catchAll !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index],
          message: `never applies: rules[${catchAll}] matches every alert before it`,
        });
      else if (matchesEveryAlert(rule.match)) catchAll = index;
    });
  });
export type GroupingConfig = z.infer<typeof GroupingConfig>;

/**
 * The default: security findings are never grouped (each finding is its own incident, as a security team
 * expects); CloudWatch, Alertmanager and PagerDuty-style alerts are grouped by service within 10 minutes.
 * AWS Health events and reported incidents stay alone.
 */
export const DEFAULT_GROUPING_CONFIG: GroupingConfig = {
  rules: [
    {
      name: 'security findings stay alone',
      match: { source: ['guardduty', 'securityhub'] },
      by: [],
      windowMinutes: 10,
    },
    {
      name: 'alerts by service',
      match: { source: ['cloudwatch', 'alertmanager', 'pagerduty'] },
      by: ['service'],
      windowMinutes: 10,
    },
  ],
};

/**
 * Parses a grouping configuration from outside (cdk.json in local mode), failing with every problem at
 * once, each as `grouping.<path>: <message>`.
 */
export function parseGroupingConfig(raw: unknown): GroupingConfig {
  const result = GroupingConfig.safeParse(raw, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
  });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `grouping${formatPath([...issue.path, key])}: unknown key`)
      : [`grouping${formatPath(issue.path)}: ${issue.message}`],
  );
  throw new Error(`Invalid grouping configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
}

/**
 * The functions' GROUPING_CONFIG variable: the configuration as JSON, checked again at cold start as at
 * synth, so a hand-edited variable stops the function with the bad key named rather than grouping wrongly.
 */
export const GroupingConfigJson = jsonVariable(GroupingConfig, 'grouping configuration');

/** The group an alert belongs to, or none (it gets an incident of its own). */
export interface AlertGroup {
  /** Stable key of the group: `<rule name>|<field>=<value>|…`, hashed when long. */
  key: string;
  rule: string;
  windowMinutes: number;
  /** The values that made the group, for people: `{service: "checkout"}`. */
  values: Record<string, string>;
}

function list<T>(value: T | T[] | undefined): T[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function matches(match: GroupingMatch, signal: Signal): boolean {
  const holds = <T>(allowed: T[] | undefined, actual: T | undefined) =>
    allowed === undefined || (actual !== undefined && allowed.includes(actual));
  return (
    holds(list(match.source), signal.source.kind) &&
    holds(list(match.category), signal.category) &&
    holds(list(match.service), signal.service) &&
    holds(list(match.team), signal.team) &&
    Object.entries(match.labels ?? {}).every(([name, value]) => signal.labels[name] === value)
  );
}

function fieldValue(field: GroupByField, signal: Signal): string | undefined {
  switch (field) {
    case 'service':
      return signal.service;
    case 'team':
      return signal.team;
    case 'category':
      return signal.category;
    case 'subcategory':
      return signal.subcategory;
    case 'source':
      return signal.source.kind;
    case 'sourceGroupKey':
      return signal.sourceGroupKey;
    default:
      return signal.labels[field.slice('labels.'.length)];
  }
}

/** Keys longer than this are hashed: a group key is part of a DynamoDB key. */
const MAX_PLAIN_KEY = 256;

/**
 * The group of a signal under the rules: the first matching rule with fields decides; an alert missing
 * one of the rule's fields (no team, say), one tagged `firebreak:group=off`, or one no rule matches is
 * not grouped.
 */
export function groupOf(signal: Signal, config: GroupingConfig): AlertGroup | undefined {
  if (signal.group === 'off') return undefined;
  const rule = config.rules.find((candidate) => matches(candidate.match, signal));
  if (!rule || rule.by.length === 0) return undefined;
  const values: Record<string, string> = {};
  for (const field of rule.by) {
    const value = fieldValue(field, signal);
    if (value === undefined || value === '') return undefined;
    values[field] = value;
  }
  const plain = [rule.name, ...rule.by.map((field) => `${field}=${values[field]}`)].join('|');
  const key =
    plain.length <= MAX_PLAIN_KEY ? plain : `sha256:${createHash('sha256').update(plain).digest('hex')}`;
  return { key, rule: rule.name, windowMinutes: rule.windowMinutes, values };
}

/** A short, stable id for an alert's dedup key: how an incident's alert map names it. */
export function alertId(dedupKey: string): string {
  return createHash('sha256').update(dedupKey).digest('base64url').slice(0, 12);
}
