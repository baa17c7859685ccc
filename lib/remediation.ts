import { Annotations, ArnFormat, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { type IGrantable, Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALERTS_INDEX } from '#adapters/table-definition';
import type { RunbookConfig } from '#core/runbooks';
import type { RunbooksContext } from './config';
import type { DeadLetterQueue } from './dead-letter-queue';
import {
  assertEscalationFits,
  assertRunbooksFit,
  assertSlackFits,
  LONGEST_ROLE_ARN,
  LONGEST_STATE_MACHINE_ARN,
  longestTopicArns,
  PAGING_PEOPLE_AT_MOST,
} from './environment-size';
import { FirebreakFunction } from './function-defaults';
import { STATE_MACHINE_NAME as LIFECYCLE_STATE_MACHINE_NAME } from './lifecycle';
import { grantPublisherKeyUse } from './notifications';
import type { MessagingPartProps, TablePartProps } from './part-props';
import type { PeopleTopic } from './people-topic';
import {
  documentContent,
  fillArn,
  isAwsOwned,
  type KnownDocument,
  knownDocument,
  SHIPPED_DOCUMENTS,
} from './runbook-documents';
import type { SlackIntegration } from './slack';
import { loggedStateMachine, reportFailedExecutions } from './state-machine-defaults';
import { allowSendTaskSuccess } from './task-token-grant';

export const RUNBOOK_STATE_MACHINE_NAME = 'firebreak-runbook-run';
export const RUNBOOK_DEFINITION_FILE = 'statemachines/runbook-run.asl.json';

/** The `${Name}` placeholders this construct fills in the run's ASL file; a test checks the file uses no others. */
export const RUNBOOK_DEFINITION_SUBSTITUTIONS = ['RunbookFunctionArn'] as const;
export type RunbookDefinitionSubstitution = (typeof RUNBOOK_DEFINITION_SUBSTITUTIONS)[number];

/**
 * How long one runbook step may run: a few DynamoDB writes, one SSM, CloudTrail or CloudFormation call, a
 * notice. The run's Task states give each attempt longer (their TimeoutSeconds), so an attempt Step Functions
 * gave up on has stopped before its retry starts.
 */
export const RUNBOOK_STEP_TIMEOUT_SECONDS = 25;

/** `firebreak.runbooks` as the functions read it (RUNBOOK_CONFIG): the core's schema, without customDocuments. */
export function runbookConfigJson(runbooks: RunbooksContext): string {
  const { customDocuments: _, ...config } = runbooks;
  return JSON.stringify(config satisfies RunbookConfig);
}

/** What a function that launches runs (ingest on an alert joining, the API on request) needs. */
export interface RunbookLaunch {
  /** RUNBOOK_CONFIG, RUNBOOK_STATE_MACHINE_ARN and AUTOMATION_ROLE_ARN (which fills `{automationRole}`). */
  readonly environment: Record<string, string>;
  /** The same variables at their longest, to check a function's environment at synth. */
  readonly environmentAtMost: Record<string, string>;
  /** states:StartExecution on the runbook-run state machine, nothing else. */
  grantStart(grantee: IGrantable): void;
}

export interface RemediationProps extends TablePartProps, MessagingPartProps {
  /** Firebreak's own ops topic: failed run executions are reported there. */
  readonly opsTopic: ITopic;
  readonly runbooks: RunbooksContext;
  /** Pages to people (the on-call person of a run's incident) are published there. */
  readonly peopleTopic: PeopleTopic;
  /** With Slack on, its notices also go to Slack, and a run requested from Slack reports there. */
  readonly slack?: SlackIntegration;
}

/**
 * Runbooks: Firebreak's SSM Automation documents, the role SSM Automation assumes to run the bound ones, the
 * runbook function (launches runs, starts and polls automations, diagnoses recent changes, verifies) and the
 * `firebreak-runbook-run` state machine, one Standard execution per run. The function may start only the
 * documents a binding names, at the version it pins, and pass SSM only the automation role; the automation
 * role may do only what the bound documents need.
 */
export class Remediation extends Construct {
  /** Document name → its `AWS::SSM::Document`. */
  readonly documents: Record<string, CfnDocument> = {};
  readonly automationRole: Role;
  readonly function: FirebreakFunction;
  readonly stateMachine: StateMachine;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly failedExecutionRule: Rule;
  readonly failedExecutionsAlarm: Alarm;
  readonly launch: RunbookLaunch;

  constructor(scope: Construct, id: string, props: RemediationProps) {
    super(scope, id);
    const { table, operationsKey, notifications, opsTopic, runbooks } = props;
    const stack = Stack.of(this);

    for (const document of SHIPPED_DOCUMENTS) {
      this.documents[document.name] = new CfnDocument(this, document.name, {
        name: document.name,
        documentType: 'Automation',
        documentFormat: 'JSON',
        content: documentContent(document),
        // A changed document becomes a new version of the same name: bindings pinned to a number keep theirs.
        updateMethod: 'NewVersion',
      });
    }

    this.automationRole = this.createAutomationRole(runbooks);

    // Both machines' definitions name the runbook function, so the function knows them by their fixed names:
    // a reference to either resource would make a dependency cycle.
    const runbookMachineArn = stateMachineArn(stack, RUNBOOK_STATE_MACHINE_NAME);
    const lifecycleMachineArn = stateMachineArn(stack, LIFECYCLE_STATE_MACHINE_NAME);
    const configJson = runbookConfigJson(runbooks);
    const environmentAtMost = {
      RUNBOOK_CONFIG: configJson,
      RUNBOOK_STATE_MACHINE_ARN: LONGEST_STATE_MACHINE_ARN,
      AUTOMATION_ROLE_ARN: LONGEST_ROLE_ARN,
    };
    assertEscalationFits(props.escalation, props.incidentUrl, PAGING_PEOPLE_AT_MOST.runbook);
    const variablesAtMost = {
      ESCALATION_CONFIG: JSON.stringify(props.escalation),
      TOPIC_ARNS: longestTopicArns(props.escalation),
      INCIDENT_URL: props.incidentUrl ?? '',
      STATE_MACHINE_ARN: LONGEST_STATE_MACHINE_ARN,
      ...PAGING_PEOPLE_AT_MOST.runbook,
      ...environmentAtMost,
    };
    assertRunbooksFit('runbook', variablesAtMost, 'firebreak.escalation');
    if (props.slack) {
      assertSlackFits(
        'runbook',
        { ...variablesAtMost, ...props.slack.environmentAtMost({ verifiesRequests: false }) },
        'firebreak.escalation and firebreak.runbooks',
      );
    }

    this.function = new FirebreakFunction(this, 'Function', {
      entry: 'lambdas/runbooks/handler.ts',
      serviceName: 'firebreak-runbooks',
      description:
        'Steps of a runbook run: launch, approve, start and poll the automation, verify; recent changes',
      environment: {
        TABLE_NAME: table.tableName,
        TOPIC_ARNS: stack.toJsonString(notifications.topicArns),
        OPS_TOPIC_ARN: opsTopic.topicArn,
        ESCALATION_CONFIG: JSON.stringify(props.escalation),
        INCIDENT_URL: props.incidentUrl ?? '',
        RUNBOOK_CONFIG: configJson,
        RUNBOOK_STATE_MACHINE_ARN: runbookMachineArn,
        AUTOMATION_ROLE_ARN: this.automationRole.roleArn,
        // The incident lifecycle, whose parked task an auto-remediated incident's resolution wakes.
        STATE_MACHINE_ARN: lifecycleMachineArn,
      },
      logRetention: props.logRetention,
      timeout: Duration.seconds(RUNBOOK_STEP_TIMEOUT_SECONDS),
      operationsKey,
    });
    this.grantRunbookFunction(props, runbookMachineArn);

    const substitutions: Record<RunbookDefinitionSubstitution, string> = {
      RunbookFunctionArn: this.function.functionArn,
    };
    this.stateMachine = loggedStateMachine(this, {
      stateMachineName: RUNBOOK_STATE_MACHINE_NAME,
      definitionFile: RUNBOOK_DEFINITION_FILE,
      definitionSubstitutions: substitutions,
      logRetention: props.logRetention,
      operationsKey,
    });
    // Every task of a run is a step of the runbook function, and nothing else.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );

    // A run that fails never touches paging, but the people running Firebreak hear of it.
    const reporting = reportFailedExecutions(this, {
      stateMachine: this.stateMachine,
      opsTopic,
      operationsKey,
      executions: 'runbook run executions',
      alarmDescription:
        'A runbook run execution failed: its run may be left unrecorded, its remediation lock held',
    });
    this.deadLetterQueue = reporting.deadLetterQueue;
    this.failedExecutionRule = reporting.rule;
    this.failedExecutionsAlarm = reporting.alarm;

    const stateMachine = this.stateMachine;
    this.launch = {
      environment: {
        RUNBOOK_CONFIG: configJson,
        RUNBOOK_STATE_MACHINE_ARN: stateMachine.stateMachineArn,
        AUTOMATION_ROLE_ARN: this.automationRole.roleArn,
      },
      environmentAtMost,
      grantStart: (grantee) =>
        grantee.grantPrincipal.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['states:StartExecution'],
            resources: [stateMachine.stateMachineArn],
          }),
        ),
    };
  }

  /**
   * Assumed by SSM Automation only, for automations of this account and region. Its permissions are the
   * bound documents' own, one policy per document named after it, never AmazonSSMAutomationRole.
   */
  private createAutomationRole(runbooks: RunbooksContext): Role {
    const { partition, region, account } = Stack.of(this);
    const role = new Role(this, 'AutomationRole', {
      assumedBy: new ServicePrincipal('ssm.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': `arn:${partition}:ssm:${region}:${account}:automation-execution/*` },
      }),
      description: 'Assumed by SSM Automation to run the documents Firebreak runbooks are bound to',
    });
    const bound = new Map<string, KnownDocument>();
    for (const [name, binding] of Object.entries(runbooks.bindings)) {
      const documentName = binding.document.name;
      const known = knownDocument(documentName);
      if (binding.parameters.AutomationAssumeRole === undefined) {
        // Without a role SSM runs the document with the runbook function's own permissions, which hold nothing
        // a document could use.
        Annotations.of(this).addWarningV2(
          `firebreak:runbooks:${name}:role`,
          `firebreak.runbooks.bindings.${name}: gives ${documentName} no AutomationAssumeRole, so SSM runs it with ` +
            'the runbook function\'s permissions and it will fail on access: set it to "{automationRole}"',
        );
      } else if (known) {
        bound.set(known.name, known);
      } else {
        Annotations.of(this).addWarningV2(
          `firebreak:runbooks:${name}`,
          `firebreak.runbooks.bindings.${name}: Firebreak does not know what ${documentName} needs, so the ` +
            'automation role gets nothing for it: its runs will fail on access until you add those permissions to ' +
            'the role yourself',
        );
      }
    }
    for (const document of bound.values()) {
      const policy = new Policy(this, `${document.name}Permissions`, {
        policyName: document.name,
        statements: document.permissions.map(
          (permission) =>
            new PolicyStatement({
              actions: [...permission.actions],
              resources: permission.resources.map((pattern) =>
                fillArn(pattern, { partition, region, account }),
              ),
            }),
        ),
      });
      role.attachInlinePolicy(policy);
      acknowledgeWildcards(
        policy,
        document.permissions.flatMap((permission) =>
          permission.resources.map((pattern) => fillArn(pattern, nagWhere(this))),
        ),
        `${document.name} acts on the resource its binding fills from the alert, known only when the alarm ` +
          'fires, so its actions cover that kind of resource in this account and region (instance/*, service/*, ' +
          'db:*, function:*); EC2 Describe* actions define no resource type and take Resource * only. ' +
          'test/infra/remediation.test.ts checks each action against the API calls of the document.',
      );
    }
    return role;
  }

  private grantRunbookFunction(props: RemediationProps, runbookMachineArn: string): void {
    const { table, tableKey, operationsKey, notifications, opsTopic, runbooks } = props;
    const fn = this.function;
    const { partition, region, account } = Stack.of(this);

    // Runs, locks and breakers are single items (DeleteItem releases a remediation lock); the incident's
    // partition lists its runs; verifying resolves an incident and releases its alerts through their index.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        resources: [table.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${ALERTS_INDEX}`],
      }),
    );
    tableKey.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    notifications.grantPublish(fn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [opsTopic.topicArn] }));
    grantPublisherKeyUse(fn, operationsKey.key);
    props.peopleTopic.grantPublish(fn);
    props.slack?.grantChat(fn);
    // The lifecycle's launch of an opened incident's runbooks starts one execution per run.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [runbookMachineArn] }),
    );
    // An auto-remediated incident's resolution wakes its lifecycle, as a resolution by hand does.
    allowSendTaskSuccess(this, fn);

    const automation = automationStatements(
      runbooks,
      { partition, region, account },
      this.automationRole.roleArn,
    );
    if (automation.length > 0) {
      const policy = new Policy(this, 'AutomationPolicy', { statements: automation });
      fn.role?.attachInlinePolicy(policy);
      acknowledgeWildcards(
        policy,
        automationResources(runbooks, nagWhere(this)),
        'ssm:StartAutomationExecution names each bound document, with `:*` only for a binding on $DEFAULT (any ' +
          'version it may point to) or an AWS-owned document at $LATEST; ssm:GetAutomationExecution takes the ' +
          'automation-execution/* of this account and region because execution ids exist only once started. ' +
          'test/infra/remediation.test.ts fails on ssm:* or a StartAutomationExecution on any other resource.',
      );
    }

    // The diagnosis of recent changes: CloudTrail's LookupEvents has no resource-level permissions, and the
    // stack an alert names is known only when it fires.
    const changes = new Policy(this, 'ChangesPolicy', {
      statements: [
        new PolicyStatement({ actions: ['cloudtrail:LookupEvents'], resources: ['*'] }),
        new PolicyStatement({
          actions: ['cloudformation:DescribeStackEvents'],
          resources: [stackArns({ partition, region, account })],
        }),
      ],
    });
    fn.role?.attachInlinePolicy(changes);
    acknowledgeWildcards(
      changes,
      ['*', stackArns(nagWhere(this))],
      'cloudtrail:LookupEvents defines no resource type, so IAM takes it on Resource * only (it reads the ' +
        'management events of this account and region); cloudformation:DescribeStackEvents covers the stacks ' +
        'of this account and region because the stack an alert names is known only when it fires. Both read only.',
    );
  }
}

/** A partition, region and account: tokens, literals, or cdk-nag's way of showing them. */
type Where = { partition: string; region: string; account: string };

/** `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
function stateMachineArn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The automation definition a binding may start: the document of this account (or, AWS-owned, of no
 * account), at the version it pins, or at any version when it runs `$DEFAULT` or `$LATEST`.
 */
export function automationDefinitionArn(where: Where, document: { name: string; version: string }): string {
  const owner = isAwsOwned(document.name) ? '' : where.account;
  const version = /^\d+$/.test(document.version) ? document.version : '*';
  return `arn:${where.partition}:ssm:${where.region}:${owner}:automation-definition/${document.name}:${version}`;
}

/** Every stack of this account and region. */
function stackArns(where: Where): string {
  return `arn:${where.partition}:cloudformation:${where.region}:${where.account}:stack/*/*`;
}

function automationExecutions(where: Where): string {
  return `arn:${where.partition}:ssm:${where.region}:${where.account}:automation-execution/*`;
}

function automationDefinitions(runbooks: RunbooksContext, where: Where): string[] {
  const arns = Object.values(runbooks.bindings).map((binding) =>
    automationDefinitionArn(where, binding.document),
  );
  return [...new Set(arns)].sort();
}

/** The resources of the automation statements, for their acknowledgement. */
function automationResources(runbooks: RunbooksContext, where: Where): string[] {
  return [...automationDefinitions(runbooks, where), automationExecutions(where)];
}

/**
 * Starting the bound documents, reading their executions, and passing the automation role to SSM: nothing at
 * all when no binding exists.
 */
function automationStatements(
  runbooks: RunbooksContext,
  where: Where,
  automationRoleArn: string,
): PolicyStatement[] {
  const definitions = automationDefinitions(runbooks, where);
  if (definitions.length === 0) return [];
  return [
    new PolicyStatement({ actions: ['ssm:StartAutomationExecution'], resources: definitions }),
    new PolicyStatement({
      actions: ['ssm:GetAutomationExecution'],
      resources: [automationExecutions(where)],
    }),
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [automationRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
    }),
  ];
}

/**
 * This account, region and partition as cdk-nag prints them in its finding ids: `<AWS::Region>` for a value
 * known only at deploy, the value itself for one the stack's environment gives.
 */
export function nagWhere(scope: Construct): Where {
  const { partition, region, account } = Stack.of(scope);
  const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return {
    partition: shown(partition, 'Partition'),
    region: shown(region, 'Region'),
    account: shown(account, 'AccountId'),
  };
}

/**
 * Acknowledges cdk-nag's IAM5 finding for each wildcard resource of a policy, by name: a wildcard added later
 * to the same policy is still reported.
 */
function acknowledgeWildcards(policy: Policy, resources: readonly string[], reason: string): void {
  for (const resource of new Set(resources.filter((arn) => arn.includes('*')))) {
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }
}
