import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { FirebreakFunction } from './function-defaults';

/**
 * Lets a function read one secret and tells it where: secretsmanager:GetSecretValue on that secret only, the
 * customer-managed key's Decrypt only through Secrets Manager for that secret (the encryption context Secrets
 * Manager sends), and the secret's ARN in `variable`. Narrower than `secret.grantRead`, which also grants
 * DescribeSecret and leaves the key's use unbound to the one secret.
 */
export function grantSecretRead(
  fn: FirebreakFunction,
  secret: ISecret,
  encryptionKey: IKey,
  variable: string,
): void {
  const { region } = Stack.of(secret);
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [encryptionKey.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
          'kms:EncryptionContext:SecretARN': secret.secretArn,
        },
      },
    }),
  );
  fn.addEnvironment(variable, secret.secretArn);
}
