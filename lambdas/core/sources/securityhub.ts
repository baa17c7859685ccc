import * as z from 'zod';
import type { Level, Severity, Signal, SignalAction } from '#core/model';
import type { EventBridgeEnvelope } from './envelope';
import {
  compact,
  isRecord,
  labels,
  type NormalizeResult,
  parseAt,
  parseInformational,
  type Rejection,
} from './parse';
import { Timestamp } from './time';

const SeverityLabel = z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
type SeverityLabel = z.infer<typeof SeverityLabel>;

const ImportedFindings = z.object({ findings: z.array(z.unknown()).min(1) });

/** One ASFF finding: the fields that decide the signal are strict, the rest is read leniently below. */
const AsffFinding = z.object({
  Id: z.string().min(1).max(1024),
  Title: z.string().min(1),
  Description: z.string().default(''),
  UpdatedAt: Timestamp,
  AwsAccountId: z.string().min(1).optional(),
  Region: z.string().min(1).optional(),
  ProductName: z.string().optional(),
  GeneratorId: z.string().optional(),
  Types: z.array(z.string()).default([]),
  Severity: z
    .object({ Label: SeverityLabel.optional(), Normalized: z.number().min(0).max(100).optional() })
    .refine((severity) => severity.Label !== undefined || severity.Normalized !== undefined, {
      message: 'expected Label (or the older Normalized score)',
    }),
  Workflow: z.object({ Status: z.enum(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']).optional() }).optional(),
  // Deprecated in favour of Workflow.Status, still sent by older integrations.
  WorkflowState: z.string().optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']).optional(),
  Compliance: z
    .object({
      Status: z.enum(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']).optional(),
      SecurityControlId: z.string().optional(),
    })
    .optional(),
  Resources: z.array(z.object({ Type: z.string().optional(), Id: z.string().min(1) })).default([]),
  ProductFields: z.unknown().optional(),
  Remediation: z.unknown().optional(),
});
type AsffFinding = z.infer<typeof AsffFinding>;

const Recommendation = z.object({
  Recommendation: z.object({ Text: z.string(), Url: z.string() }).partial(),
});

const SEVERITIES: Record<SeverityLabel, Severity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  INFORMATIONAL: 'info',
};

const LEVELS: Record<Severity, { impact: Level; urgency: Level }> = {
  critical: { impact: 'high', urgency: 'high' },
  high: { impact: 'high', urgency: 'medium' },
  medium: { impact: 'medium', urgency: 'medium' },
  low: { impact: 'low', urgency: 'low' },
  info: { impact: 'low', urgency: 'low' },
};

type FindingOutcome = { signal: Signal } | { rejection: Rejection } | { skipped: string };

/**
 * `Security Hub Findings - Imported`: one signal per finding, keyed on the finding Id. A bad finding is
 * rejected on its own; one we do not page on (informational, not evaluated) is skipped.
 */
export function normalizeSecurityHubFindings(envelope: EventBridgeEnvelope): NormalizeResult {
  const parsed = parseAt(ImportedFindings, envelope.detail, ['detail']);
  if (!parsed.ok) return { kind: 'rejected', rejection: parsed.rejection };

  const outcomes = parsed.value.findings.map((raw, index) => normalizeFinding(envelope, raw, index));
  const signals = outcomes.flatMap((outcome) => ('signal' in outcome ? [outcome.signal] : []));
  const rejected = outcomes.flatMap((outcome) => ('rejection' in outcome ? [outcome.rejection] : []));
  const skipped = outcomes.flatMap((outcome) => ('skipped' in outcome ? [outcome.skipped] : []));

  if (signals.length > 0) return { kind: 'signals', signals, rejected };
  const [first] = rejected;
  if (first) return { kind: 'rejected', rejection: first };
  return { kind: 'ignored', reason: `Security Hub: nothing to page on (${skipped.join('; ')})` };
}

function normalizeFinding(envelope: EventBridgeEnvelope, raw: unknown, index: number): FindingOutcome {
  const at = ['detail', 'findings', index];
  const parsed = parseAt(AsffFinding, raw, at);
  if (!parsed.ok) return { rejection: parsed.rejection };
  const finding = parsed.value;

  const severity = SEVERITIES[finding.Severity.Label ?? labelOfScore(finding.Severity.Normalized ?? 0)];
  const action = actionOf(finding);
  if (action === 'trigger' && severity === 'info') return { skipped: `finding ${index} is informational` };
  if (action === 'trigger' && finding.Compliance?.Status === 'NOT_AVAILABLE') {
    return { skipped: `finding ${index} could not be evaluated (compliance NOT_AVAILABLE)` };
  }

  const warnings: string[] = [];
  const productFields = isRecord(finding.ProductFields) ? finding.ProductFields : {};
  const controlId =
    finding.Compliance?.SecurityControlId ??
    (typeof productFields.ControlId === 'string' ? productFields.ControlId : undefined);
  const remediation = parseInformational(
    Recommendation,
    finding.Remediation,
    [...at, 'Remediation'],
    warnings,
  );
  const resource = finding.Resources[0];
  const resourceName = resource ? shortName(resource.Id) : undefined;
  const account = finding.AwsAccountId ?? envelope.account;
  const region = finding.Region ?? envelope.region;
  const status = finding.Compliance?.Status;

  const signal: Signal = {
    action,
    dedupKey: finding.Id,
    eventId: `${envelope.id}#${index}`,
    occurredAt: finding.UpdatedAt,
    source: {
      kind: 'securityhub',
      ref: finding.Id,
      name: controlId ?? finding.GeneratorId ?? finding.Title,
      account,
      region,
    },
    title: finding.Title,
    description: finding.Description,
    summary: [
      severity.toUpperCase(),
      controlId,
      status ?? 'finding',
      'on',
      resource ? `${resource.Type ?? 'resource'} ${resourceName}` : 'no named resource',
    ]
      .filter((part) => part !== undefined)
      .join(' '),
    service: resourceName ?? 'securityhub',
    category: 'Security',
    subcategory: subcategoryOf(finding, controlId),
    severity,
    ...LEVELS[severity],
    labels: labels({
      product: finding.ProductName,
      controlId,
      complianceStatus: status,
      findingType: finding.Types[0],
    }),
    details: compact({
      generatorId: finding.GeneratorId,
      types: finding.Types.length > 0 ? finding.Types : undefined,
      severityLabel: finding.Severity.Label,
      severityScore: finding.Severity.Normalized,
      complianceStatus: status,
      controlId,
      workflowStatus: finding.Workflow?.Status ?? finding.WorkflowState,
      recordState: finding.RecordState,
      resources: finding.Resources.map((r) => compact({ type: r.Type, id: r.Id })),
      remediation: remediation?.Recommendation.Text,
      remediationUrl: remediation?.Recommendation.Url,
      parseWarnings: warnings.length > 0 ? warnings : undefined,
    }),
    related: [],
    autoResolve: true,
  };
  return { signal };
}

/** Resolved by people (workflow), by Security Hub (archived record) or by the check itself (passed). */
function actionOf(finding: AsffFinding): SignalAction {
  const workflow = finding.Workflow?.Status ?? finding.WorkflowState;
  if (workflow === 'RESOLVED' || workflow === 'SUPPRESSED') return 'resolve';
  if (finding.RecordState === 'ARCHIVED') return 'resolve';
  if (finding.Compliance?.Status === 'PASSED') return 'resolve';
  return 'trigger';
}

/** ASFF's documented mapping from the older 0–100 score to a label. */
function labelOfScore(score: number): SeverityLabel {
  if (score >= 90) return 'CRITICAL';
  if (score >= 70) return 'HIGH';
  if (score >= 40) return 'MEDIUM';
  if (score >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

function subcategoryOf(finding: AsffFinding, controlId: string | undefined): string {
  if (finding.Compliance || controlId) return 'Compliance';
  if (finding.Types.some((type) => type.includes('Vulnerabilities'))) return 'Vulnerability';
  if (finding.Types.some((type) => type.includes('External Access Granted'))) return 'Access';
  return 'Threat detection';
}

/** `arn:aws:ec2:…:security-group/sg-0c4e…` → `sg-0c4e…`; `AWS::::Account:111122223333` → `111122223333`. */
export function shortName(id: string): string {
  const resourcePart = id.startsWith('arn:') ? id.split(':').slice(5).join(':') : id;
  return (
    resourcePart
      .split(/[/:]/)
      .filter((part) => part !== '')
      .at(-1) ?? id
  );
}
