import { Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * Lets a function wake an incident's lifecycle by sending back its parked task token (what ingestion and
 * the API do when they resolve an incident). In a policy of its own, so that its cdk-nag acknowledgement
 * covers this statement and nothing else.
 */
export function allowSendTaskSuccess(scope: Construct, fn: IFunction): void {
  const taskTokenPolicy = new Policy(scope, 'TaskTokenPolicy', {
    statements: [new PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: ['*'] })],
  });
  fn.role?.attachInlinePolicy(taskTokenPolicy);
  Validations.of(taskTokenPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'states:SendTaskSuccess names its task by a task token, not by an ARN: IAM ties the SendTask* actions ' +
      'to activities only, and the callback token of a .waitForTaskToken task belongs to no resource an ' +
      'IAM policy can name, so Resource * is the only grant that works (this statement holds nothing else).',
  });
}
