import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EscalationConfig } from '#core/escalation';

export const NOTIFICATION_TOPIC_PREFIX = 'firebreak-';

/**
 * Every topic target the config names (levels' topic targets and fallbacks, stakeholders, management), each
 * once, in first-seen order. `schedule:` and `person:` targets page through the one people topic.
 */
export function notificationTargets(config: EscalationConfig): string[] {
  const targets = Object.values(config.policies).flatMap((policy) => [
    ...policy.levels.flatMap((level) => [
      ...level.targets.filter((target) => !target.includes(':')),
      ...(level.fallback ? [level.fallback] : []),
    ]),
    ...policy.stakeholders,
    policy.management,
  ]);
  return [...new Set(targets)];
}

export interface NotificationsProps {
  readonly escalation: EscalationConfig;
  /** The stateless stack's customer-managed key (the operations key). */
  readonly encryptionKey: IKey;
}

/**
 * One SNS topic per notification target, `firebreak-<target>`: people subscribe their email, SMS, HTTPS or
 * chat endpoints to the topics themselves. Encrypted with a customer-managed key, TLS only.
 */
export class Notifications extends Construct {
  /** Target name → topic ARN, for the lifecycle function's TOPIC_ARNS. */
  readonly topicArns: Record<string, string>;
  readonly topics: Record<string, Topic>;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const entries = notificationTargets(props.escalation).map((target): [string, Topic] => [
      target,
      new Topic(this, target, {
        topicName: `${NOTIFICATION_TOPIC_PREFIX}${target}`,
        displayName: `Firebreak ${target}`,
        masterKey: props.encryptionKey,
        enforceSSL: true,
      }),
    ]);
    this.topics = Object.fromEntries(entries);
    this.topicArns = Object.fromEntries(entries.map(([target, topic]) => [target, topic.topicArn]));
  }

  /**
   * sns:Publish on exactly these topics, and the two KMS actions a publisher to an encrypted topic needs
   * (named, rather than Topic.grantPublish's kms:GenerateDataKey*).
   */
  grantPublish(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: Object.values(this.topicArns) }),
    );
    grantPublisherKeyUse(grantee, this.encryptionKey);
  }
}

/** What a publisher to a topic encrypted with `key` needs on the key. */
export function grantPublisherKeyUse(grantee: IGrantable, key: IKey): void {
  key.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
}
