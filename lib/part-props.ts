import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { EscalationConfig } from '#core/escalation';
import type { Notifications } from './notifications';
import type { OperationsKey } from './operations-key';

/** What each part whose functions use the incident table is given (FirebreakStack builds it once). */
export interface TablePartProps {
  readonly table: ITable;
  /** The table's customer-managed key. */
  readonly tableKey: IKey;
  /** Encrypts the part's log groups, queues and topics. */
  readonly operationsKey: OperationsKey;
  readonly logRetention: RetentionDays;
}

/** What each part that tells people about incidents is given (FirebreakStack builds it once). */
export interface MessagingPartProps {
  /** The policies: who is paged, the stakeholders and management topics. */
  readonly escalation: EscalationConfig;
  /** `https://…/incidents/{id}`, or undefined for messages without a link. */
  readonly incidentUrl?: string;
  readonly notifications: Notifications;
}
