import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A queue that holds what could not be delivered or processed, for people to inspect and redrive: encrypted
 * with a customer-managed key, TLS only, kept for the SQS maximum of 14 days.
 */
export class DeadLetterQueue extends Queue {
  constructor(scope: Construct, id: string, props: { encryptionKey: IKey; purpose: string }) {
    super(scope, id, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the dead-letter queue of ${props.purpose}; a queue behind it would only move the same messages again.`,
    });
  }
}
