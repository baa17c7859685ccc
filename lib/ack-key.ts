import { Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FirebreakFunction } from './function-defaults';
import { grantSecretRead } from './secret-grant';

/** The signing key's length: 64 letters and digits, about 380 bits. */
export const ACK_KEY_LENGTH = 64;

/**
 * The key that signs the acknowledge links in pages to people (HMAC): a generated random string in Secrets
 * Manager, encrypted with the stack's customer-managed key. The lifecycle function signs with it and the API
 * function verifies; nothing else may read it (test/infra/paging-people.test.ts checks).
 */
export class AckKeySecret extends Construct {
  readonly secret: Secret;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: { encryptionKey: IKey }) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.secret = new Secret(this, 'Secret', {
      description: 'Firebreak: the key that signs acknowledge links in pages to people',
      encryptionKey: props.encryptionKey,
      generateSecretString: { passwordLength: ACK_KEY_LENGTH, excludePunctuation: true },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotated by hand, without a rotation function: `aws secretsmanager put-secret-value` with a new random ' +
        'string makes it AWSCURRENT and the old one AWSPREVIOUS; links are signed with the current key and ' +
        'verified against both (the key loader, lambdas/adapters/ack-key.ts), so links already sent keep ' +
        'working until they expire, and rotating twice retires a leaked key entirely. A scheduled rotation ' +
        'function can be added later; nothing in Firebreak depends on the key staying the same.',
    });
  }

  /**
   * secretsmanager:GetSecretValue on this secret only, the key's Decrypt only through Secrets Manager for
   * this secret, and ACK_KEY_SECRET_ARN.
   */
  grantRead(fn: FirebreakFunction): void {
    grantSecretRead(fn, this.secret, this.encryptionKey, 'ACK_KEY_SECRET_ARN');
  }
}
