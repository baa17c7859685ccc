import { Stack, Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type CfnTopic, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FirebreakFunction } from './function-defaults';
import { grantPublisherKeyUse } from './notifications';

export const PEOPLE_TOPIC_NAME = 'firebreak-people';

/**
 * The one topic pages to people go through, `firebreak-people`: the API subscribes each email and SMS
 * contact method of a person to it with a filter policy on the `person` message attribute, so a page that
 * names a person reaches exactly their methods, and no topic or IAM change is needed per person. Encrypted
 * with the stack's customer-managed key, TLS only, as the notification topics are.
 */
export class PeopleTopic extends Construct {
  readonly topic: Topic;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: { encryptionKey: IKey }) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.topic = new Topic(this, 'Topic', {
      topicName: PEOPLE_TOPIC_NAME,
      displayName: 'Firebreak pages to people',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
  }

  /** sns:Publish on this topic, the key use a publisher to an encrypted topic needs, and PEOPLE_TOPIC_ARN. */
  grantPublish(fn: FirebreakFunction): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    grantPublisherKeyUse(fn, this.encryptionKey);
    fn.addEnvironment('PEOPLE_TOPIC_ARN', this.topic.topicArn);
  }

  /**
   * Managing the contact methods' subscriptions, and PEOPLE_TOPIC_ARN. The Service Authorization Reference
   * lists a resource type (topic) for sns:Subscribe only; Unsubscribe and GetSubscriptionAttributes name a
   * subscription, and SNS has been seen to authorize them against the subscription's topic ARN (the denial
   * reads "on resource: <topic ARN>"), so the statement names the topic and the subscriptions under it
   * (`<topic ARN>:*`, as subscription ARNs are `<topic ARN>:<id>`): never another topic, never `*`. In a
   * policy of its own, so that its cdk-nag acknowledgement covers this statement and nothing else.
   */
  grantSubscriptions(scope: Construct, fn: FirebreakFunction): void {
    const policy = new Policy(scope, 'PeopleSubscriptionsPolicy', {
      statements: [
        new PolicyStatement({
          actions: ['sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes'],
          resources: [this.topic.topicArn, `${this.topic.topicArn}:*`],
        }),
      ],
    });
    fn.role?.attachInlinePolicy(policy);
    const topicId = Stack.of(this).getLogicalId(this.topic.node.defaultChild as CfnTopic);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${topicId}>:*]`,
      reason:
        'The subscriptions of the people topic and nothing else: subscription ARNs are <topic ARN>:<id>, known ' +
        'only once the API subscribes a contact method, so they are named by the topic ARN and a wildcard for ' +
        'the id (a topic name holds no colon, so no other topic matches).',
    });
    fn.addEnvironment('PEOPLE_TOPIC_ARN', this.topic.topicArn);
  }
}
