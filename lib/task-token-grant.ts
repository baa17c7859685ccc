import { Validations } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * Lets a function wake a parked task by sending back its task token: an incident's lifecycle waiting for the
 * resolution (what ingestion, the API and the runbook function do when they resolve an incident), and, with
 * `failure`, a runbook run waiting for approval, which a rejection fails (the API). In a policy of its own, so
 * that its cdk-nag acknowledgement covers this statement and nothing else.
 */
export function allowSendTaskSuccess(
  scope: Construct,
  fn: IFunction,
  options: { failure?: boolean } = {},
): void {
  const actions = ['states:SendTaskSuccess', ...(options.failure ? ['states:SendTaskFailure'] : [])];
  const taskTokenPolicy = new Policy(scope, 'TaskTokenPolicy', {
    statements: [new PolicyStatement({ actions, resources: ['*'] })],
  });
  fn.role?.attachInlinePolicy(taskTokenPolicy);
  Validations.of(taskTokenPolicy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'states:SendTaskSuccess and SendTaskFailure name their task by a task token, not by an ARN: IAM ties the ' +
      'SendTask* actions to activities only, and the callback token of a .waitForTaskToken task belongs to no ' +
      'resource an IAM policy can name, so Resource * is the only grant that works (this statement holds ' +
      'nothing else).',
  });
}
