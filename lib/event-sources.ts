import type { EventPattern } from 'aws-cdk-lib/aws-events';

/** An AWS event source that opens or updates incidents, with the construct id of its rule. */
export interface IngestSource {
  readonly id: string;
  readonly pattern: EventPattern;
}

/**
 * The events the ingest Lambda understands (see lambdas/core/sources). The forwarder sends exactly these to
 * the central bus, so member accounts and the central account filter alike.
 */
export const INGEST_SOURCES: readonly IngestSource[] = [
  {
    id: 'CloudWatchAlarms',
    pattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] },
  },
  { id: 'GuardDutyFindings', pattern: { source: ['aws.guardduty'], detailType: ['GuardDuty Finding'] } },
  {
    id: 'SecurityHubFindings',
    pattern: { source: ['aws.securityhub'], detailType: ['Security Hub Findings - Imported'] },
  },
  { id: 'HealthEvents', pattern: { source: ['aws.health'], detailType: ['AWS Health Event'] } },
];
