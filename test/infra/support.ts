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

/** Every optional part switched on: central bus (accounts and organization), forwarder, alarm email. */
export const FULL_CONFIG = {
  logRetentionDays: 90,
  alarmEmail: 'oncall@example.com',
  centralBus: { sourceAccounts: ['111111111111', '222222222222'], organizationId: 'o-a1b2c3d4e5' },
  forwarder: { centralBusArn: CENTRAL_BUS_ARN },
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
