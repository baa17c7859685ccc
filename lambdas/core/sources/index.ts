import { Signal } from '#core/model';
import { normalizeCloudWatchAlarm } from './cloudwatch';
import { EventBridgeEnvelope } from './envelope';
import { normalizeGuardDutyFinding } from './guardduty';
import { normalizeHealthEvent } from './health';
import { describe, type NormalizeResult, parseAt, type Rejection } from './parse';
import { normalizeSecurityHubFindings } from './securityhub';

export type { NormalizeResult, Rejection } from './parse';
export { toIsoUtc } from './time';

interface Route {
  source: string;
  detailType: string;
  normalize: (envelope: EventBridgeEnvelope) => NormalizeResult;
}

const ROUTES: readonly Route[] = [
  {
    source: 'aws.cloudwatch',
    detailType: 'CloudWatch Alarm State Change',
    normalize: normalizeCloudWatchAlarm,
  },
  { source: 'aws.guardduty', detailType: 'GuardDuty Finding', normalize: normalizeGuardDutyFinding },
  {
    source: 'aws.securityhub',
    detailType: 'Security Hub Findings - Imported',
    normalize: normalizeSecurityHubFindings,
  },
  { source: 'aws.health', detailType: 'AWS Health Event', normalize: normalizeHealthEvent },
];

/**
 * Turns one EventBridge event, as a Lambda target receives it, into signals. Never throws: bad input
 * becomes a rejection naming the field, an event we do not act on is ignored with the reason.
 */
export function normalizeEventBridgeEvent(event: unknown): NormalizeResult {
  const envelope = parseAt(EventBridgeEnvelope, event);
  if (!envelope.ok) return { kind: 'rejected', rejection: envelope.rejection };

  const { source, 'detail-type': detailType } = envelope.value;
  const route = ROUTES.find((r) => r.source === source && r.detailType === detailType);
  if (!route)
    return { kind: 'ignored', reason: `no normalizer for source ${source} with detail-type "${detailType}"` };

  let result: NormalizeResult;
  try {
    result = route.normalize(envelope.value);
  } catch (error) {
    // The normalizers are pure and deterministic, so a retry would throw again: report it as a rejection.
    return {
      kind: 'rejected',
      rejection: { reason: `internal error in the ${source} normalizer: ${String(error)}` },
    };
  }
  return result.kind === 'signals' ? checked(result) : result;
}

/** Holds every signal to the model's contract, so a normalizer slip cannot reach the store. */
function checked(result: Extract<NormalizeResult, { kind: 'signals' }>): NormalizeResult {
  const signals: Signal[] = [];
  const rejected: Rejection[] = [...result.rejected];
  for (const signal of result.signals) {
    const parsed = parseAt(Signal, signal);
    if (parsed.ok) signals.push(signal);
    // The field named is the signal's, not the event's, so it stays in the reason only.
    else
      rejected.push({
        reason: `signal for ${describe(signal.dedupKey)} breaks the model: ${parsed.rejection.reason}`,
      });
  }
  if (signals.length === 0 && rejected[0]) return { kind: 'rejected', rejection: rejected[0] };
  return { kind: 'signals', signals, rejected };
}
