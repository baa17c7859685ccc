import { Aws, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** AWS services that write into our encrypted queues and topics on the account's behalf. */
export type DeliveringService = 'events.amazonaws.com' | 'cloudwatch.amazonaws.com';

const STATEMENT_IDS: Record<DeliveringService, string> = {
  'events.amazonaws.com': 'AllowEventBridgeDelivery',
  'cloudwatch.amazonaws.com': 'AllowCloudWatchAlarmActions',
};

/**
 * The customer-managed key for operational data in a stateless stack: dead-letter queues, the ops topic and
 * log groups. It is kept apart from the table's key so that the services below never get a say on the key
 * that guards incident data, and so that wiring changes here never touch the stateful stack.
 */
export class OperationsKey extends Construct {
  readonly key: Key;
  private readonly allowed = new Set<string>();

  constructor(scope: Construct, id: string, props: { description: string }) {
    super(scope, id);
    this.key = new Key(this, 'Key', { description: props.description, enableKeyRotation: true });
  }

  /**
   * EventBridge (DLQ delivery) and CloudWatch (alarm actions) need Decrypt + GenerateDataKey on the key of
   * the queue or topic they write to. Limited to this account's resources to avoid a confused deputy.
   */
  allowDeliveryBy(service: DeliveringService): void {
    if (this.allowed.has(service)) return;
    this.allowed.add(service);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: STATEMENT_IDS[service],
        principals: [new ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }

  /** CloudWatch Logs encrypts log groups of this account and region with the key (its documented policy). */
  allowLogGroups(): void {
    if (this.allowed.has('logs')) return;
    this.allowed.add('logs');
    const { partition, region, account } = Stack.of(this);
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
          },
        },
      }),
    );
  }
}
