import { Duration, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALERTS_INDEX } from '#adapters/table-definition';
import { DEFAULT_PROBLEM_RULES, type ProblemRules } from '#core/problems';
import type { AckKeySecret } from './ack-key';
import type { DeadLetterQueue } from './dead-letter-queue';
import {
  assertEscalationFits,
  assertSlackFits,
  longestTopicArns,
  PAGING_PEOPLE_AT_MOST,
} from './environment-size';
import { FirebreakFunction } from './function-defaults';
import { grantPublisherKeyUse } from './notifications';
import type { MessagingPartProps, TablePartProps } from './part-props';
import type { PeopleTopic } from './people-topic';
import type { SlackIntegration } from './slack';
import { loggedStateMachine, reportFailedExecutions } from './state-machine-defaults';

export const STATE_MACHINE_NAME = 'firebreak-incident-lifecycle';
export const LIFECYCLE_DEFINITION_FILE = 'statemachines/incident-lifecycle.asl.json';

/** The `${Name}` placeholders this construct fills in the ASL file; a test checks the file uses no others. */
export const DEFINITION_SUBSTITUTIONS = ['LifecycleFunctionArn', 'TableName', 'RunbookFunctionArn'] as const;
export type DefinitionSubstitution = (typeof DEFINITION_SUBSTITUTIONS)[number];

/**
 * How long one lifecycle step may run. Shorter than the TimeoutSeconds the definition gives its Lambda tasks
 * (8 s), so an attempt Step Functions gave up on has stopped too and cannot page after its retry did; short
 * enough that a page and the record of its failure, retries included, end within a minute, the shortest gap
 * between two levels (test/infra/lifecycle.test.ts checks both against the definition).
 */
export const LIFECYCLE_STEP_TIMEOUT_SECONDS = 6;

export interface LifecycleProps extends TablePartProps, MessagingPartProps {
  /** Firebreak's own ops topic: task failures and failed executions are reported there. */
  readonly opsTopic: ITopic;
  /** Launches an opened incident's runbooks (the `LaunchRunbooks` task). */
  readonly runbookFunction: IFunction;
  /** Pages to people are published there. */
  readonly peopleTopic: PeopleTopic;
  /** Signs the acknowledge links in pages to people. */
  readonly ackKey: AckKeySecret;
  /** With Slack on, notices also go to the team's channel, and an incident of some priorities gets its own. */
  readonly slack?: SlackIntegration;
  /** When recurring incidents open a problem record (`firebreak.problems`); the defaults when absent. */
  readonly problems?: ProblemRules;
}

/**
 * One Standard execution per incident, from the ASL file: it pages, escalates on timers, re-pages when an
 * acknowledgement times out, records a missed SLA, reminds stakeholders and sends the resolution notice.
 * The lifecycle function does each step's work; the machine reads the incident directly from the table at
 * each wake-up. Executions that fail, time out or are aborted are reported to the ops topic.
 */
export class Lifecycle extends Construct {
  readonly function: FirebreakFunction;
  readonly stateMachine: StateMachine;
  /** Failed-execution events EventBridge could not deliver to the ops topic. */
  readonly deadLetterQueue: DeadLetterQueue;
  readonly failedExecutionRule: Rule;
  readonly failedExecutionsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: LifecycleProps) {
    super(scope, id);
    const { table, tableKey, operationsKey, notifications, opsTopic } = props;

    assertEscalationFits(props.escalation, props.incidentUrl, PAGING_PEOPLE_AT_MOST.lifecycle);
    if (props.slack) {
      assertSlackFits(
        'lifecycle',
        {
          ESCALATION_CONFIG: JSON.stringify(props.escalation),
          TOPIC_ARNS: longestTopicArns(props.escalation),
          INCIDENT_URL: props.incidentUrl ?? '',
          ...PAGING_PEOPLE_AT_MOST.lifecycle,
          ...props.slack.environmentAtMost({ verifiesRequests: false }),
        },
        'firebreak.escalation',
      );
    }
    this.function = new FirebreakFunction(this, 'Function', {
      entry: 'lambdas/lifecycle/handler.ts',
      serviceName: 'firebreak-lifecycle',
      description: 'Steps of the incident lifecycle: plan, page, escalate, remind, resolve',
      environment: {
        TABLE_NAME: table.tableName,
        TOPIC_ARNS: Stack.of(this).toJsonString(notifications.topicArns),
        OPS_TOPIC_ARN: opsTopic.topicArn,
        ESCALATION_CONFIG: JSON.stringify(props.escalation),
        INCIDENT_URL: props.incidentUrl ?? '',
        PROBLEM_RULES: JSON.stringify(props.problems ?? DEFAULT_PROBLEM_RULES),
      },
      logRetention: props.logRetention,
      timeout: Duration.seconds(LIFECYCLE_STEP_TIMEOUT_SECONDS),
      operationsKey,
    });
    // Single items plus the incident's own partition (its timeline; the review draft reads its runbook runs
    // and alert records there and puts the review), and the index that finds a resolved incident's alerts to
    // release them (the review draft lists them too).
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [table.tableArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        // Problem detection reads the service's recent incidents on by-service (see ProblemStore.candidates).
        resources: [`${table.tableArn}/index/${ALERTS_INDEX}`, `${table.tableArn}/index/by-service`],
      }),
    );
    tableKey.grant(this.function, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    notifications.grantPublish(this.function);
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [opsTopic.topicArn] }),
    );
    grantPublisherKeyUse(this.function, operationsKey.key);
    props.peopleTopic.grantPublish(this.function);
    props.ackKey.grantRead(this.function);
    // Posting notices to Slack channels, and creating, inviting to and pinning in incident channels.
    props.slack?.grantChat(this.function);

    const substitutions: Record<DefinitionSubstitution, string> = {
      LifecycleFunctionArn: this.function.functionArn,
      TableName: table.tableName,
      RunbookFunctionArn: props.runbookFunction.functionArn,
    };
    this.stateMachine = loggedStateMachine(this, {
      stateMachineName: STATE_MACHINE_NAME,
      definitionFile: LIFECYCLE_DEFINITION_FILE,
      definitionSubstitutions: substitutions,
      logRetention: props.logRetention,
      operationsKey,
    });
    // Exactly what the tasks call: the lifecycle function, the runbook launch when an incident opens, and the
    // incident's status read at each wake-up.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.functionArn, props.runbookFunction.functionArn],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }),
    );
    tableKey.grant(this.stateMachine, 'kms:Decrypt');

    // Failed, timed-out and aborted executions go to the people running Firebreak.
    const reporting = reportFailedExecutions(this, {
      stateMachine: this.stateMachine,
      opsTopic,
      operationsKey,
      executions: 'incident lifecycle executions',
      alarmDescription: 'An incident lifecycle execution failed: its incident may no longer be paged',
    });
    this.deadLetterQueue = reporting.deadLetterQueue;
    this.failedExecutionRule = reporting.rule;
    this.failedExecutionsAlarm = reporting.alarm;
  }

  /**
   * ACK_LINK_BASE_URL: where the acknowledge links in pages point (`<url>/ack/<token>`), the HTTP API's
   * endpoint. Given once the API exists, which is built after the lifecycle it starts executions of; the
   * function only names the API, so CloudFormation sees no cycle.
   */
  linkAcknowledgementsTo(baseUrl: string): void {
    this.function.addEnvironment('ACK_LINK_BASE_URL', baseUrl);
  }
}
