import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALERTS_INDEX } from '#adapters/table-definition';
import type { GroupingConfig } from '#core/grouping';
import { DeadLetterQueue } from './dead-letter-queue';
import { assertRunbooksFit, environmentSize, LAMBDA_ENVIRONMENT_LIMIT } from './environment-size';
import { INGEST_SOURCES } from './event-sources';
import { FirebreakFunction } from './function-defaults';
import type { TablePartProps } from './part-props';
import { EncryptedQueueDestination } from './queue-destination';
import type { RunbookLaunch } from './remediation';
import { allowSendTaskSuccess } from './task-token-grant';

export interface IngestionProps extends TablePartProps {
  /** Buses whose matching events are ingested: the default bus, plus the central bus when configured. */
  readonly eventBuses: ReadonlyArray<{ readonly id: string; readonly bus?: IEventBus }>;
  /** The incident lifecycle: ingest starts one execution per new incident and resolves parked ones. */
  readonly stateMachine: IStateMachine;
  /** Which alerts join one incident; travels to the function as GROUPING_CONFIG. */
  readonly grouping: GroupingConfig;
  /** An alert joining an open incident launches the runbooks bound to it. */
  readonly runbooks: RunbookLaunch;
}

/** The grouping rules travel in the function's environment, which Lambda caps at 4 KB: fail the synth first. */
function assertEnvironmentFits(groupingConfig: string): void {
  const size = environmentSize({ GROUPING_CONFIG: groupingConfig });
  if (size > LAMBDA_ENVIRONMENT_LIMIT) {
    throw new Error(
      `Invalid CDK context: firebreak.grouping: too large for the ingest function's environment ` +
        `(about ${size} of Lambda's ${LAMBDA_ENVIRONMENT_LIMIT} bytes): use fewer or shorter rules`,
    );
  }
}

/**
 * AWS events in, incidents out: one EventBridge rule per source on each bus, all targeting the ingest Lambda.
 * Two queues catch what fails: events EventBridge could not deliver, and invocations that failed after
 * Lambda's own retries.
 */
export class Ingestion extends Construct {
  readonly function: FirebreakFunction;
  /** Events EventBridge gave up delivering to the function. */
  readonly deliveryDeadLetterQueue: DeadLetterQueue;
  /** Async invocations that still failed after Lambda's retries. */
  readonly failedInvocationQueue: DeadLetterQueue;
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const encryptionKey = props.operationsKey.key;

    this.failedInvocationQueue = new DeadLetterQueue(this, 'FailedInvocations', {
      encryptionKey,
      purpose: 'the ingest function (async on-failure destination)',
    });
    const groupingConfig = JSON.stringify(props.grouping);
    assertEnvironmentFits(groupingConfig);
    assertRunbooksFit(
      'ingest',
      { GROUPING_CONFIG: groupingConfig, ...props.runbooks.environmentAtMost },
      'firebreak.grouping',
    );
    this.function = new FirebreakFunction(this, 'Function', {
      entry: 'lambdas/ingest/handler.ts',
      serviceName: 'firebreak-ingest',
      description: 'Turns CloudWatch alarm, GuardDuty, Security Hub and AWS Health events into incidents',
      environment: {
        TABLE_NAME: props.table.tableName,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        GROUPING_CONFIG: groupingConfig,
        ...props.runbooks.environment,
      },
      logRetention: props.logRetention,
      operationsKey: props.operationsKey,
    });
    this.function.configureAsyncInvoke({
      onFailure: new EncryptedQueueDestination(this.failedInvocationQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });

    // Ingest reads and writes single items; its one query finds a resolved incident's alerts to release them.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${ALERTS_INDEX}`],
      }),
    );
    // Named actions rather than kms:GenerateDataKey*: the pair and without-plaintext variants are never used.
    props.tableKey.grant(this.function, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');

    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachine.stateMachineArn],
      }),
    );
    props.runbooks.grantStart(this.function);
    // A recovery resolves the incident and hands the parked task token back to its execution. Kept in a
    // policy of its own so that its acknowledgement below covers this statement and nothing else.
    allowSendTaskSuccess(this, this.function);

    props.operationsKey.allowDeliveryBy('events.amazonaws.com');
    this.deliveryDeadLetterQueue = new DeadLetterQueue(this, 'UndeliveredEvents', {
      encryptionKey,
      purpose: 'the EventBridge rules targeting the ingest function',
    });
    const target = new LambdaFunction(this.function, {
      retryAttempts: 8,
      maxEventAge: Duration.hours(2),
      deadLetterQueue: this.deliveryDeadLetterQueue,
    });
    for (const { id: busId, bus } of props.eventBuses) {
      for (const source of INGEST_SOURCES) {
        this.rules.push(
          new Rule(this, `${busId}${source.id}`, {
            eventBus: bus,
            description: `Ingests ${source.pattern.detailType?.join(', ')} events`,
            eventPattern: source.pattern,
            targets: [target],
          }),
        );
      }
    }
  }
}
