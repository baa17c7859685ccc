import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  DefinitionBody,
  type IStateMachine,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { fromRepoRoot } from './function-defaults';
import type { OperationsKey } from './operations-key';

/**
 * What every Firebreak state machine has, so that no construct repeats it: a Standard machine from its ASL
 * file with substitutions, logging ALL with execution data to its own encrypted log group, traced; and its
 * failed, timed-out and aborted executions reported to the ops topic, with an alarm on the first one. The
 * parts are created in the caller's scope under fixed ids, so their logical ids do not depend on this file.
 */

/** The executions the failed-execution rule reports, as Step Functions names their status. */
export const FAILED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export interface LoggedStateMachineProps {
  readonly stateMachineName: string;
  /** The ASL file, relative to the repository root. */
  readonly definitionFile: string;
  readonly definitionSubstitutions: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly operationsKey: OperationsKey;
}

/** `StateMachineLogs` and `StateMachine` in `scope`. */
export function loggedStateMachine(scope: Construct, props: LoggedStateMachineProps): StateMachine {
  props.operationsKey.allowLogGroups();
  const logGroup = new LogGroup(scope, 'StateMachineLogs', {
    // Step Functions' documented prefix, so log delivery does not grow the account's Logs resource policy;
    // destroyed with the stack so that a replaced stateless stack can create it again under the same name.
    logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
    retention: props.logRetention,
    encryptionKey: props.operationsKey.key,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromFile(fromRepoRoot(props.definitionFile)),
    definitionSubstitutions: props.definitionSubstitutions,
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
  const machinePolicy = stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (machinePolicy) {
    Validations.of(machinePolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the log-delivery actions (logs:CreateLogDelivery and the rest CDK adds for logging level ALL) and ' +
        'X-Ray PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets use Resource *: neither ' +
        'defines resource-level permissions; test/infra/least-privilege.test.ts fails on any other action on *.',
    });
  }
  return stateMachine;
}

export interface FailedExecutionReportingProps {
  readonly stateMachine: IStateMachine;
  readonly opsTopic: ITopic;
  readonly operationsKey: OperationsKey;
  /** Names the executions in the rule's description and the dead-letter queue's purpose. */
  readonly executions: string;
  /** What a failed execution means for the people running Firebreak. */
  readonly alarmDescription: string;
}

export interface FailedExecutionReporting {
  /** Failed-execution events EventBridge could not deliver to the ops topic. */
  readonly deadLetterQueue: DeadLetterQueue;
  readonly rule: Rule;
  readonly alarm: Alarm;
}

/** `UndeliveredFailures`, `FailedExecutions` and `ExecutionsFailed` in `scope`. */
export function reportFailedExecutions(
  scope: Construct,
  props: FailedExecutionReportingProps,
): FailedExecutionReporting {
  const { stateMachine, opsTopic, operationsKey } = props;
  operationsKey.allowDeliveryBy('events.amazonaws.com');
  const deadLetterQueue = new DeadLetterQueue(scope, 'UndeliveredFailures', {
    encryptionKey: operationsKey.key,
    purpose: `the rule reporting failed ${props.executions} to the ops topic`,
  });
  const rule = new Rule(scope, 'FailedExecutions', {
    description: `Reports failed, timed-out and aborted ${props.executions} to the ops topic`,
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: {
        status: [...FAILED_EXECUTION_STATUSES],
        stateMachineArn: [stateMachine.stateMachineArn],
      },
    },
    targets: [
      new SnsTopic(opsTopic, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
        deadLetterQueue,
      }),
    ],
  });

  operationsKey.allowDeliveryBy('cloudwatch.amazonaws.com');
  const alarm = new Alarm(scope, 'ExecutionsFailed', {
    alarmDescription: props.alarmDescription,
    metric: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(opsTopic));
  return { deadLetterQueue, rule, alarm };
}
