import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type FirebreakApp } from '../../lib/app';
import { fromRepoRoot } from '../../lib/function-defaults';

/** The feature flags and default `firebreak` object from cdk.json: tests build what `cdk synth` builds. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** cdk.json's context with this `firebreak` object; bundling skipped unless asked for. */
export function appContext(firebreak: unknown, options: { bundle?: boolean } = {}): Record<string, unknown> {
  const context: Record<string, unknown> = { ...cdkJsonContext(), firebreak };
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  return context;
}

export const CENTRAL_BUS_ARN = 'arn:aws:events:eu-west-1:333333333333:event-bus/firebreak-central';

/**
 * Runbooks bound to a shipped remediation pinned to a version, the shipped diagnosis at $DEFAULT and an
 * AWS-owned document: every kind of grant the runbook function and the automation role can get.
 */
export const RUNBOOKS = {
  bindings: {
    'restart-web': {
      match: { alarmName: 'web-*-cpu' },
      document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
      kind: 'remediation',
      parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
    },
    'diagnose-ec2': {
      match: { namespace: 'AWS/EC2' },
      document: { name: 'Firebreak-Diagnose', version: '$DEFAULT' },
      kind: 'diagnostic',
      parameters: {
        TargetType: 'EC2',
        TargetId: '{dimension.InstanceId}',
        AutomationAssumeRole: '{automationRole}',
      },
    },
    'restart-legacy': {
      match: { service: 'legacy' },
      document: { name: 'AWS-RestartEC2Instance', version: '$DEFAULT' },
      kind: 'remediation',
      mode: 'auto',
      parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
    },
  },
};

/** Slack with every key: team channels, a default channel, incident channels for P1 and P2. */
export const SLACK = {
  channels: { payments: 'C0PAYMENTS1', platform: 'G0PLATFORM1' },
  defaultChannel: 'C0INCIDENTS',
  incidentChannels: ['P1', 'P2'],
};

/**
 * Every optional part switched on: central bus (accounts and organization), forwarder, alarm email, runbooks,
 * Slack.
 */
export const FULL_CONFIG = {
  logRetentionDays: 90,
  alarmEmail: 'oncall@example.com',
  centralBus: { sourceAccounts: ['111111111111', '222222222222'], organizationId: 'o-a1b2c3d4e5' },
  forwarder: { centralBusArn: CENTRAL_BUS_ARN },
  runbooks: RUNBOOKS,
  slack: SLACK,
};

export interface Synthesized extends FirebreakApp {
  readonly templates: { data: Template; firebreak: Template; forwarder?: Template };
  /** The cloud assembly directory; removed by `dispose`. */
  readonly outdir: string;
  dispose(): void;
}

/**
 * Builds and synthesizes the app as bin/firebreak.ts does (cdk-nag included), into a temporary directory.
 * Bundling is skipped unless asked for: most tests only read templates.
 */
export function synthesize(firebreak: unknown, options: { bundle?: boolean } = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'firebreak-infra-'));
  const context = appContext(firebreak, options);
  try {
    const built = buildApp({ context, outdir });
    const templates = {
      data: Template.fromStack(built.data),
      firebreak: Template.fromStack(built.firebreak),
      ...(built.forwarder ? { forwarder: Template.fromStack(built.forwarder) } : {}),
    };
    return { ...built, templates, outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Logical id of the one resource of `type` whose properties satisfy `predicate`; throws unless exactly one. */
export function logicalIdOf(
  template: Template,
  type: string,
  predicate: (props: Record<string, unknown>) => boolean,
) {
  const resources = template.toJSON().Resources as Resources;
  const ids = Object.entries(resources)
    .filter(([, resource]) => resource.Type === type && predicate(resource.Properties ?? {}))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0] as string;
}

export function resourcesOfType(template: Template, type: string): Array<[string, Record<string, unknown>]> {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

/** The name of the output of `template` that publishes `value` (how another stack refers to it). */
export function outputPublishing(template: Template, value: unknown): string {
  const outputs = (template.toJSON().Outputs ?? {}) as Record<string, { Value: unknown }>;
  const names = Object.entries(outputs)
    .filter(([, output]) => JSON.stringify(output.Value) === JSON.stringify(value))
    .map(([name]) => name);
  if (names.length !== 1)
    throw new Error(`expected one output of ${JSON.stringify(value)}, found ${names.length}`);
  return names[0] as string;
}

export interface PolicyStatementJson {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of every identity policy (AWS::IAM::Policy and inline role policies), with where it is. */
export function identityStatements(
  template: Template,
): Array<{ where: string; statement: PolicyStatementJson }> {
  const found: Array<{ where: string; statement: PolicyStatementJson }> = [];
  const collect = (where: string, document: { Statement: PolicyStatementJson[] }) => {
    for (const statement of document.Statement) found.push({ where, statement });
  };
  for (const [id, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    collect(id, policy.PolicyDocument as { Statement: PolicyStatementJson[] });
  }
  for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const inline = (role.Policies ?? []) as Array<{
      PolicyName: string;
      PolicyDocument: { Statement: PolicyStatementJson[] };
    }>;
    for (const policy of inline) collect(`${id}/${policy.PolicyName}`, policy.PolicyDocument);
  }
  return found;
}

/** Every identity-policy statement attached to the role behind `roleArn`, a token of `stack`. */
export function statementsOfRole(template: Template, stack: Stack, roleArn: unknown): PolicyStatementJson[] {
  const roleId = (stack.resolve(roleArn) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  const policies = resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Roles) === JSON.stringify([{ Ref: roleId }]))
    .map(([id]) => id);
  return identityStatements(template)
    .filter(({ where }) => policies.includes(where))
    .map(({ statement }) => statement);
}

/** The events Firebreak ingests, written out here (not read from lib/) so the tests check the product. */
export const SOURCES = [
  ['aws.cloudwatch', 'CloudWatch Alarm State Change'],
  ['aws.guardduty', 'GuardDuty Finding'],
  ['aws.securityhub', 'Security Hub Findings - Imported'],
  ['aws.health', 'AWS Health Event'],
] as const;

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * A cycle of resources that refer to one another (Ref, Fn::GetAtt, Fn::Sub, DependsOn), as the logical ids
 * along it, or undefined. CloudFormation refuses such a template only at deploy; `cdk synth` does not notice.
 */
export function dependencyCycle(template: Template): string[] | undefined {
  const resources = template.toJSON().Resources as Record<string, { DependsOn?: string | string[] }>;
  const ids = new Set(Object.keys(resources));
  const refersTo = (value: unknown, found: Set<string>): Set<string> => {
    if (Array.isArray(value)) for (const item of value) refersTo(item, found);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string' && ids.has(inner)) found.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner) && ids.has(inner[0] as string)) {
          found.add(inner[0] as string);
        } else if (key === 'Fn::Sub') {
          const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
          for (const match of text.matchAll(/\$\{([^}.!]+)/g))
            if (ids.has(match[1] as string)) found.add(match[1] as string);
          refersTo(inner, found);
        } else refersTo(inner, found);
      }
    }
    return found;
  };
  const edges = new Map(
    Object.entries(resources).map(([id, resource]) => {
      const found = refersTo(resource, new Set());
      for (const dependency of asArray(resource.DependsOn ?? [])) found.add(dependency);
      return [id, [...found]];
    }),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next, [...path, id]);
      if (cycle) return cycle;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id, []);
    if (cycle) return cycle;
  }
  return undefined;
}
