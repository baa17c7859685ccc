import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A Lambda on-failure destination like `SqsDestination`, with a narrower grant: SqsDestination grants the
 * queue's key kms:ReEncrypt* and kms:GenerateDataKey* as well, while sending to a KMS-encrypted queue needs only
 * kms:GenerateDataKey and kms:Decrypt.
 */
export class EncryptedQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    if (this.queue.encryptionMasterKey) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.queue.encryptionMasterKey.keyArn],
        }),
      );
    }
    return { destination: this.queue.queueArn };
  }
}
