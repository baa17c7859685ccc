import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { RunbookConfigJson } from '#core/runbooks';
import { buildApp } from '../../lib/app';
import { parseFirebreakConfig } from '../../lib/config';
import { fromRepoRoot } from '../../lib/function-defaults';
import {
  RUNBOOK_DEFINITION_FILE,
  RUNBOOK_DEFINITION_SUBSTITUTIONS,
  RUNBOOK_STATE_MACHINE_NAME,
  RUNBOOK_STEP_TIMEOUT_SECONDS,
} from '../../lib/remediation';
import { documentContent, SHIPPED_DOCUMENTS } from '../../lib/runbook-documents';
import {
  appContext,
  asArray,
  dependencyCycle,
  FULL_CONFIG,
  identityStatements,
  type PolicyStatementJson,
  RUNBOOKS,
  resourcesOfType,
  type Synthesized,
  statementsOfRole as statementsOfRoleIn,
  synthesize,
} from './support';

/** asl-validator 4 ships CommonJS without type declarations: this is the part of its API the tests use. */
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[] };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

const INCIDENT_URL = 'https://firebreak.example.com/incidents/{id}';

/** A shipped remediation pinned to a version and an AWS-owned document at $DEFAULT. */
const BOUND = {
  incidentUrl: INCIDENT_URL,
  runbooks: {
    bindings: {
      'restart-web': RUNBOOKS.bindings['restart-web'],
      'restart-legacy': RUNBOOKS.bindings['restart-legacy'],
    },
  },
};

const PARTITION = { Ref: 'AWS::Partition' };
const REGION = { Ref: 'AWS::Region' };
const ACCOUNT = { Ref: 'AWS::AccountId' };

/** `arn:<partition>:ssm:<region>:<account>:<resource>` as CloudFormation joins it. */
const ssmArn = (resource: string, options: { account?: boolean } = {}) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      PARTITION,
      ':ssm:',
      REGION,
      ...(options.account === false ? [`::${resource}`] : [':', ACCOUNT, `:${resource}`]),
    ],
  ],
});

/** A state machine's ARN built from its fixed name, as CloudFormation joins it. */
const stateMachineArnByName = (name: string) => ({
  'Fn::Join': ['', ['arn:', PARTITION, ':states:', REGION, ':', ACCOUNT, `:stateMachine:${name}`]],
});

/** The templates of every stack. */
function templatesOf(synthesized: Synthesized): Template[] {
  const { data, firebreak, forwarder } = synthesized.templates;
  return [data, firebreak, ...(forwarder ? [forwarder] : [])];
}

/** Every identity statement of every stack. */
function allStatements(synthesized: Synthesized): Array<{ where: string; statement: PolicyStatementJson }> {
  return templatesOf(synthesized).flatMap((template) => identityStatements(template));
}

/** Whether an IAM action pattern (`ssm:*`, `ssm:Start*`, `*`) covers `action`, as IAM matches them. */
function covers(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(action);
}

/**
 * What must never be in the template, whatever is bound: a statement granting `ssm:*` (or `*`), or one that
 * allows StartAutomationExecution on `*` or on every automation definition.
 */
function automationOverreach(templates: readonly Template[]): string[] {
  return templates
    .flatMap((template) => identityStatements(template))
    .flatMap(({ where, statement }) => {
      const actions = asArray(statement.Action);
      const resources = asArray(statement.Resource).map((resource) => JSON.stringify(resource));
      const found: string[] = [];
      for (const action of actions) {
        if (action === '*' || action.toLowerCase() === 'ssm:*') found.push(`${where}: ${action}`);
      }
      if (actions.some((action) => covers(action, 'ssm:StartAutomationExecution'))) {
        for (const resource of resources) {
          if (
            resource === '"*"' ||
            /automation-definition\/\*/.test(resource) ||
            !resource.includes('automation-definition/')
          ) {
            found.push(`${where}: StartAutomationExecution on ${resource}`);
          }
        }
      }
      return found;
    });
}

describe('the runbook run definition file', () => {
  const definitionText = () => readFileSync(fromRepoRoot(RUNBOOK_DEFINITION_FILE), 'utf8');

  it('exists where the construct loads it from', () => {
    // Assess
    expect(existsSync(fromRepoRoot(RUNBOOK_DEFINITION_FILE))).toBe(true);
  });

  it('uses only the substitutions the construct provides, and uses each of them', () => {
    // Act
    const used = new Set([...definitionText().matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]));

    // Assess
    expect([...used].sort()).toEqual([...RUNBOOK_DEFINITION_SUBSTITUTIONS].sort());
  });

  it('is valid ASL, JSONPath and ARN checks on, once the substitutions are filled in', () => {
    // Prepare
    const filled = definitionText().replaceAll(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
      '${RunbookFunctionArn}',
      'arn:aws:lambda:eu-west-1:111111111111:function:firebreak-runbooks',
    );

    // Act
    const result = validateAsl(JSON.parse(filled), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });
});

describe('Firebreak: runbooks bound to a shipped and an AWS-owned document', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize(BOUND);
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => stack.resolve(token);
  const remediation = () => synthesized.firebreak.remediation;
  const statementsOfRole = (roleArn: unknown) => statementsOfRoleIn(firebreak, stack, roleArn);
  const withAction = (action: string) =>
    allStatements(synthesized).filter(({ statement }) => asArray(statement.Action).includes(action));

  it('creates every shipped document as an Automation document of fixed name, updated as a new version', () => {
    // Assess
    firebreak.resourceCountIs('AWS::SSM::Document', SHIPPED_DOCUMENTS.length);
    for (const document of SHIPPED_DOCUMENTS) {
      firebreak.hasResourceProperties('AWS::SSM::Document', {
        Name: document.name,
        DocumentType: 'Automation',
        DocumentFormat: 'JSON',
        UpdateMethod: 'NewVersion',
        Content: JSON.parse(readFileSync(fromRepoRoot(document.file), 'utf8')),
      });
      expect(documentContent(document).schemaVersion).toBe('0.3');
    }
  });

  it('lets the runbook function start the bound documents only, each at the version its binding pins', () => {
    // Act
    const starts = withAction('ssm:StartAutomationExecution');

    // Assess: the Firebreak document of this account at version 1; the AWS-owned one (no account in its ARN)
    // at any version, as the binding runs $DEFAULT.
    expect(starts).toHaveLength(1);
    expect(starts[0]?.statement).toEqual({
      Effect: 'Allow',
      Action: 'ssm:StartAutomationExecution',
      Resource: [
        ssmArn('automation-definition/Firebreak-RestartEC2Instance:1'),
        ssmArn('automation-definition/AWS-RestartEC2Instance:*', { account: false }),
      ],
    });
    expect(statementsOfRole(remediation().function.role?.roleArn)).toContainEqual(starts[0]?.statement);
  });

  it('lets it read automation executions of this account and region, nothing more of SSM', () => {
    // Act
    const ssm = allStatements(synthesized).filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('ssm:')),
    );

    // Assess
    expect(ssm.flatMap(({ statement }) => asArray(statement.Action)).sort()).toEqual([
      'ssm:GetAutomationExecution',
      'ssm:StartAutomationExecution',
    ]);
    expect(withAction('ssm:GetAutomationExecution').map(({ statement }) => statement)).toEqual([
      { Effect: 'Allow', Action: 'ssm:GetAutomationExecution', Resource: ssmArn('automation-execution/*') },
    ]);
  });

  it('grants no ssm:* and no StartAutomationExecution on * or on every document, anywhere', () => {
    // Act
    const overreach = automationOverreach(templatesOf(synthesized));

    // Assess
    expect(overreach).toEqual([]);
  });

  it('lets the runbook function pass the automation role, to SSM only, and no other role', () => {
    // Act
    const passRole = withAction('iam:PassRole');

    // Assess
    expect(passRole.map(({ statement }) => statement)).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: resolve(remediation().automationRole.roleArn),
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
    ]);
    expect(statementsOfRole(remediation().function.role?.roleArn)).toContainEqual(passRole[0]?.statement);
  });

  it('has SSM Automation alone assume the automation role, for automations of this account and region', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'ssm.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': ssmArn('automation-execution/*') },
            },
          },
        ],
      },
    });
  });

  it('gives the automation role the bound documents’ named permissions only, never AmazonSSMAutomationRole', () => {
    // Prepare
    const roleId = (resolve(remediation().automationRole.roleArn) as { 'Fn::GetAtt': [string] })[
      'Fn::GetAtt'
    ][0];
    const role = resourcesOfType(firebreak, 'AWS::IAM::Role').find(([id]) => id === roleId)?.[1];

    // Act
    const policies = resourcesOfType(firebreak, 'AWS::IAM::Policy').filter(
      ([, policy]) => JSON.stringify(policy.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    const actionsOf = (name: string) => {
      const document = policies.find(([, policy]) => policy.PolicyName === name)?.[1].PolicyDocument as
        | { Statement: PolicyStatementJson[] }
        | undefined;
      return (document?.Statement ?? []).flatMap((statement) => asArray(statement.Action));
    };

    // Assess
    expect(role?.ManagedPolicyArns).toBeUndefined();
    expect(role?.Policies).toBeUndefined();
    expect(JSON.stringify(firebreak.toJSON())).not.toContain('AmazonSSMAutomationRole');
    expect(policies.map(([, policy]) => policy.PolicyName).sort()).toEqual([
      'AWS-RestartEC2Instance',
      'Firebreak-RestartEC2Instance',
    ]);
    expect(actionsOf('Firebreak-RestartEC2Instance').sort()).toEqual([
      'ec2:DescribeInstanceStatus',
      'ec2:DescribeInstances',
      'ec2:RebootInstances',
      'ec2:StartInstances',
      'ec2:StopInstances',
    ]);
    expect(actionsOf('AWS-RestartEC2Instance').sort()).toEqual([
      'ec2:DescribeInstanceStatus',
      'ec2:StartInstances',
      'ec2:StopInstances',
    ]);
  });

  it('scopes the automation role’s changes to instances of this account and region', () => {
    // Act
    const onStar = identityStatements(firebreak)
      .map(({ statement }) => statement)
      .filter((statement) => asArray(statement.Action).some((action) => action.startsWith('ec2:')));

    // Assess
    for (const statement of onStar) {
      const mutating = asArray(statement.Action).filter((action) => !action.startsWith('ec2:Describe'));
      if (mutating.length === 0) continue;
      expect(statement.Resource).toEqual({
        'Fn::Join': ['', ['arn:', PARTITION, ':ec2:', REGION, ':', ACCOUNT, ':instance/*']],
      });
    }
  });

  it('runs the runbook function with its settings', () => {
    // Prepare
    const fn = remediation().function;
    const runbooks = parseFirebreakConfig(BOUND).runbooks;
    const { customDocuments: _, ...expectedConfig } = runbooks;

    // Assess
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Role: resolve(fn.role?.roleArn),
      Runtime: 'nodejs22.x',
      Timeout: RUNBOOK_STEP_TIMEOUT_SECONDS,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'firebreak-runbooks',
          TABLE_NAME: resolve(synthesized.data.store.table.tableName),
          TOPIC_ARNS: resolve(stack.toJsonString(synthesized.firebreak.notifications.topicArns)),
          OPS_TOPIC_ARN: resolve(synthesized.firebreak.observability.topic.topicArn),
          ESCALATION_CONFIG: JSON.stringify(DEFAULT_ESCALATION_CONFIG),
          INCIDENT_URL,
          RUNBOOK_CONFIG: JSON.stringify(expectedConfig),
          // By name: the run machine's definition names the function, so a reference would be a cycle.
          RUNBOOK_STATE_MACHINE_ARN: stateMachineArnByName(RUNBOOK_STATE_MACHINE_NAME),
          AUTOMATION_ROLE_ARN: resolve(remediation().automationRole.roleArn),
          STATE_MACHINE_ARN: stateMachineArnByName('firebreak-incident-lifecycle'),
          NODE_OPTIONS: Match.absent(),
        },
      },
    });
  });

  it('passes RUNBOOK_CONFIG that the functions’ own schema reads back to the same bindings', () => {
    // Prepare
    const [[, fn]] = resourcesOfType(firebreak, 'AWS::Lambda::Function').filter(
      ([, props]) =>
        JSON.stringify(props.Role) === JSON.stringify(resolve(remediation().function.role?.roleArn)),
    ) as [[string, { Environment: { Variables: { RUNBOOK_CONFIG: string } } }]];

    // Act
    const parsed = RunbookConfigJson.safeParse(fn.Environment.Variables.RUNBOOK_CONFIG);

    // Assess
    expect(parsed.success).toBe(true);
    expect(Object.keys(parsed.data?.bindings ?? {}).sort()).toEqual(['restart-legacy', 'restart-web']);
    expect(parsed.data?.bindings['restart-web']?.mode).toBe('approval');
    expect(parsed.data?.bindings['restart-legacy']?.mode).toBe('auto');
  });

  it('lets the runbook function use the table, notify, start runs, wake the lifecycle and read recent changes', () => {
    // Act
    const statements = statementsOfRole(remediation().function.role?.roleArn);

    // Assess
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      Resource: resolve(synthesized.data.store.table.tableArn),
    });
    const published = statements
      .filter((s) => asArray(s.Action).includes('sns:Publish'))
      .flatMap((s) => asArray(s.Resource));
    expect(published).toEqual(
      expect.arrayContaining([
        ...Object.values(synthesized.firebreak.notifications.topics).map((topic) => resolve(topic.topicArn)),
        resolve(synthesized.firebreak.observability.topic.topicArn),
      ]),
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'states:StartExecution',
      Resource: stateMachineArnByName(RUNBOOK_STATE_MACHINE_NAME),
    });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: '*' });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'cloudformation:DescribeStackEvents',
      Resource: {
        'Fn::Join': ['', ['arn:', PARTITION, ':cloudformation:', REGION, ':', ACCOUNT, ':stack/*/*']],
      },
    });
    // Nothing else on *: X-Ray, the task token, CloudTrail.
    const onStar = statements
      .filter((s) => asArray(s.Resource).includes('*'))
      .flatMap((s) => asArray(s.Action));
    expect(onStar.sort()).toEqual([
      'cloudtrail:LookupEvents',
      'states:SendTaskSuccess',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('runs each run as a Standard execution of its ASL file, logging ALL to an encrypted log group, traced', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: RUNBOOK_STATE_MACHINE_NAME,
      StateMachineType: 'STANDARD',
      DefinitionS3Location: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('\\.json$') },
      DefinitionSubstitutions: { RunbookFunctionArn: resolve(remediation().function.functionArn) },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) } },
        ],
      },
      TracingConfiguration: { Enabled: true },
    });
    firebreak.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/vendedlogs/states/${RUNBOOK_STATE_MACHINE_NAME}`,
      KmsKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
    });
  });

  it('lets the run machine invoke the runbook function and nothing else named', () => {
    // Act
    const statements = statementsOfRole(remediation().stateMachine.role.roleArn);

    // Assess
    expect(statements.filter((s) => !asArray(s.Resource).includes('*'))).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: resolve(remediation().function.functionArn),
      },
    ]);
  });

  it('reports failed, timed-out and aborted runs to the ops topic, with a DLQ and an alarm', () => {
    // Prepare
    const machineArn = resolve(remediation().stateMachine.stateMachineArn);
    const opsTopic = resolve(synthesized.firebreak.observability.topic.topicArn);

    // Assess
    firebreak.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [machineArn] },
      },
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: opsTopic,
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: resolve(remediation().deadLetterQueue.queueArn) },
        },
      ],
    });
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: machineArn }],
      AlarmActions: [opsTopic],
    });
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: resolve(remediation().function.functionName) }],
      AlarmActions: [opsTopic],
    });
  });

  it.each([
    ['ingest', 'firebreak-ingest', () => synthesized.firebreak.ingestion.function],
    ['API', 'firebreak-api', () => synthesized.firebreak.api.function],
  ])(
    'lets the %s function launch runs: the bindings, the run machine and the automation role',
    (_name, service, fn) => {
      // Prepare
      const { customDocuments: _, ...expectedConfig } = parseFirebreakConfig(BOUND).runbooks;
      const machineArn = resolve(remediation().stateMachine.stateMachineArn);

      // Act
      const start = statementsOfRole(fn().role?.roleArn).filter((s) =>
        asArray(s.Action).includes('states:StartExecution'),
      );

      // Assess
      firebreak.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            POWERTOOLS_SERVICE_NAME: service,
            RUNBOOK_CONFIG: JSON.stringify(expectedConfig),
            RUNBOOK_STATE_MACHINE_ARN: machineArn,
            AUTOMATION_ROLE_ARN: resolve(remediation().automationRole.roleArn),
          },
        },
      });
      expect(start.flatMap((s) => asArray(s.Resource))).toContainEqual(machineArn);
    },
  );

  it('lets only the API decide approvals: SendTaskFailure nowhere else', () => {
    // Act
    const failing = withAction('states:SendTaskFailure').map(({ where }) => where);

    // Assess
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatch(/^ApiTaskTokenPolicy/);
  });

  it('has no dependency cycle: both machines name the runbook function, which knows them by name', () => {
    // Assess
    expect(dependencyCycle(firebreak)).toBeUndefined();
  });
});

describe('Firebreak with nothing bound', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize({});
  });
  afterAll(() => synthesized.dispose());

  it('grants no SSM action and passes no role, and the automation role may do nothing', () => {
    // Act
    const actions = allStatements(synthesized).flatMap(({ statement }) => asArray(statement.Action));
    const roleArn = synthesized.firebreak.resolve(synthesized.firebreak.remediation.automationRole.roleArn);
    const roleId = (roleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];

    // Assess
    expect(actions.filter((action) => action.startsWith('ssm:'))).toEqual([]);
    expect(actions).not.toContain('iam:PassRole');
    expect(
      resourcesOfType(synthesized.templates.firebreak, 'AWS::IAM::Policy').filter(
        ([, policy]) => JSON.stringify(policy.Roles) === JSON.stringify([{ Ref: roleId }]),
      ),
    ).toEqual([]);
    expect(automationOverreach(templatesOf(synthesized))).toEqual([]);
  });

  it('still ships the documents and diagnoses recent changes', () => {
    // Assess
    synthesized.templates.firebreak.resourceCountIs('AWS::SSM::Document', SHIPPED_DOCUMENTS.length);
    expect(allStatements(synthesized).map(({ statement }) => statement)).toContainEqual({
      Effect: 'Allow',
      Action: 'cloudtrail:LookupEvents',
      Resource: '*',
    });
  });
});

describe('Firebreak with every part switched on', () => {
  it('grants no ssm:* and no StartAutomationExecution beyond the bound documents', () => {
    // Prepare / Act
    const synthesized = synthesize(FULL_CONFIG);

    // Assess
    try {
      expect(automationOverreach(templatesOf(synthesized))).toEqual([]);
    } finally {
      synthesized.dispose();
    }
  });
});

describe('the check for SSM overreach', () => {
  it('really checks: ssm:*, a wildcard action and StartAutomationExecution on every document are caught', () => {
    // Prepare: a stack outside the app, so that cdk-nag (which refuses these too) does not stop its synthesis.
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-overreach-'));
    const stack = new Stack(new App({ outdir }), 'Careless');
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['ssm:*'], resources: ['*'] }));
    role.addToPolicy(
      new PolicyStatement({
        actions: ['ssm:Start*'],
        resources: ['arn:aws:ssm:eu-west-1:111111111111:automation-definition/*'],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['ssm:StartAutomationExecution'], resources: ['*'] }));
    const template = Template.fromStack(stack);

    try {
      // Act
      const found = automationOverreach([template]);

      // Assess
      expect(found.sort()).toEqual([
        expect.stringMatching(/: StartAutomationExecution on "\*"$/),
        expect.stringMatching(/: StartAutomationExecution on "\*"$/),
        expect.stringMatching(/: StartAutomationExecution on .*automation-definition\/\*"$/),
        expect.stringMatching(/: ssm:\*$/),
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('a document of the account, listed in customDocuments', () => {
  it('is started at its account-local ARN, and the role is warned to need permissions Firebreak does not know', () => {
    // Prepare
    const synthesized = synthesize({
      runbooks: {
        customDocuments: ['Team-RestartWorker'],
        bindings: {
          'restart-worker': {
            match: { service: 'worker' },
            document: { name: 'Team-RestartWorker', version: '3' },
            kind: 'remediation',
            parameters: { Worker: '{label.worker}', AutomationAssumeRole: '{automationRole}' },
          },
        },
      },
    });

    try {
      // Act
      const starts = allStatements(synthesized).filter(({ statement }) =>
        asArray(statement.Action).includes('ssm:StartAutomationExecution'),
      );

      // Assess
      expect(starts.map(({ statement }) => statement.Resource)).toEqual([
        ssmArn('automation-definition/Team-RestartWorker:3'),
      ]);
      Annotations.fromStack(synthesized.firebreak).hasWarning(
        '/Firebreak/Remediation',
        Match.stringLikeRegexp(
          'firebreak\\.runbooks\\.bindings\\.restart-worker: Firebreak does not know what Team-RestartWorker needs',
        ),
      );
    } finally {
      synthesized.dispose();
    }
  });
});

describe('an AWS-owned document bound without the automation role', () => {
  it('is warned about, and brings the automation role nothing', () => {
    // Prepare / Act
    const synthesized = synthesize({
      runbooks: {
        bindings: {
          'restart-legacy': {
            match: { service: 'legacy' },
            document: { name: 'AWS-RestartEC2Instance', version: '$DEFAULT' },
            kind: 'remediation',
            parameters: { InstanceId: '{dimension.InstanceId}' },
          },
        },
      },
    });

    try {
      // Assess
      Annotations.fromStack(synthesized.firebreak).hasWarning(
        '/Firebreak/Remediation',
        Match.stringLikeRegexp(
          'bindings\\.restart-legacy: gives AWS-RestartEC2Instance no AutomationAssumeRole',
        ),
      );
      const policyNames = resourcesOfType(synthesized.templates.firebreak, 'AWS::IAM::Policy').map(
        ([, policy]) => policy.PolicyName,
      );
      expect(policyNames).not.toContain('AWS-RestartEC2Instance');
    } finally {
      synthesized.dispose();
    }
  });
});

describe('cdk-nag with a known account and region', () => {
  it('accepts the acknowledgements of wildcard resources when the ARNs hold literal values', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-remediation-'));
    try {
      const { app } = buildApp({
        context: appContext(FULL_CONFIG),
        outdir,
        env: { account: '111111111111', region: 'eu-west-1' },
      });

      // Act
      const synth = () => app.synth();

      // Assess
      expect(synth).not.toThrow();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('firebreak.runbooks checked at synth', () => {
  const binding = (overrides: Record<string, unknown> = {}) => ({
    match: { alarmName: 'web-*-cpu' },
    document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
    kind: 'remediation',
    parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
    ...overrides,
  });

  it('accepts shipped documents pinned or at $DEFAULT, AWS-owned ones at any version, and listed ones', () => {
    // Prepare / Act
    const config = parseFirebreakConfig({
      runbooks: {
        customDocuments: ['Team-Check'],
        bindings: {
          pinned: binding(),
          latest: binding({ document: { name: 'Firebreak-RestartEC2Instance', version: '$DEFAULT' } }),
          owned: binding({ document: { name: 'AWS-RestartEC2Instance', version: '$LATEST' } }),
          support: binding({
            document: { name: 'AWSSupport-TroubleshootSSH', version: '$DEFAULT' },
            parameters: {},
          }),
          team: binding({
            document: { name: 'Team-Check', version: '2' },
            kind: 'diagnostic',
            parameters: {},
          }),
        },
      },
    });

    // Assess
    expect(Object.keys(config.runbooks.bindings).sort()).toEqual([
      'latest',
      'owned',
      'pinned',
      'support',
      'team',
    ]);
    expect(config.runbooks.bindings.pinned?.mode).toBe('approval');
  });

  it.each([
    [
      'a document neither shipped, AWS-owned nor listed',
      { bindings: { x: binding({ document: { name: 'Team-RestartWorker', version: '1' } }) } },
      'firebreak.runbooks.bindings.x.document.name: "Team-RestartWorker" is neither a document Firebreak ships',
    ],
    [
      'a Firebreak document that is not shipped',
      { bindings: { x: binding({ document: { name: 'Firebreak-DeleteEverything', version: '1' } }) } },
      'firebreak.runbooks.bindings.x.document.name: "Firebreak-DeleteEverything" is neither a document Firebreak ships (Firebreak-Diagnose',
    ],
    [
      'a shipped document at $LATEST',
      {
        bindings: { x: binding({ document: { name: 'Firebreak-RestartEC2Instance', version: '$LATEST' } }) },
      },
      'firebreak.runbooks.bindings.x.document.version: must pin a version number or $DEFAULT for Firebreak-RestartEC2Instance',
    ],
    [
      'a shipped remediation bound as a diagnostic',
      { bindings: { x: binding({ kind: 'diagnostic' }) } },
      'firebreak.runbooks.bindings.x.kind: must be remediation: Firebreak-RestartEC2Instance changes resources',
    ],
    [
      'a parameter the shipped document does not take',
      {
        bindings: {
          x: binding({
            parameters: {
              InstanceId: '{dimension.InstanceId}',
              Force: 'true',
              AutomationAssumeRole: '{automationRole}',
            },
          }),
        },
      },
      'firebreak.runbooks.bindings.x.parameters.Force: Firebreak-RestartEC2Instance has no such parameter',
    ],
    [
      'a required parameter left out',
      { bindings: { x: binding({ parameters: { AutomationAssumeRole: '{automationRole}' } }) } },
      'firebreak.runbooks.bindings.x.parameters: Firebreak-RestartEC2Instance needs InstanceId',
    ],
    [
      'a role other than the automation role',
      {
        bindings: {
          x: binding({
            document: { name: 'AWS-RestartEC2Instance', version: '$DEFAULT' },
            parameters: { InstanceId: 'i-1', AutomationAssumeRole: 'arn:aws:iam::111111111111:role/Admin' },
          }),
        },
      },
      'firebreak.runbooks.bindings.x.parameters.AutomationAssumeRole: must be {automationRole}',
    ],
    [
      'the reserved binding name',
      { bindings: { changes: binding() } },
      'firebreak.runbooks.bindings.changes: "changes" is reserved for the built-in diagnosis of recent changes',
    ],
    [
      'a binding name with capitals and spaces',
      { bindings: { 'Restart Web': binding() } },
      'firebreak.runbooks.bindings.Restart Web: must be 1-40 lower-case letters, digits or "-"',
    ],
    [
      'an unknown placeholder',
      {
        bindings: {
          x: binding({
            parameters: { InstanceId: '{dimensions.InstanceId}', AutomationAssumeRole: '{automationRole}' },
          }),
        },
      },
      'firebreak.runbooks.bindings.x.parameters.InstanceId: unknown placeholder {dimensions.InstanceId}',
    ],
    [
      'a shipped document listed as the account’s own',
      { customDocuments: ['Firebreak-Diagnose'] },
      'firebreak.runbooks.customDocuments[0]: "Firebreak-Diagnose" is not a document of the account',
    ],
    [
      'an AWS-owned document listed as the account’s own',
      { customDocuments: ['Team-Check', 'AWS-RestartEC2Instance'] },
      'firebreak.runbooks.customDocuments[1]: "AWS-RestartEC2Instance" is not a document of the account',
    ],
    ['an unknown key', { bindigns: {} }, 'firebreak.runbooks.bindigns: unknown key'],
  ])('rejects %s with a message naming the key', (_case, runbooks, message) => {
    // Prepare / Act
    const parse = () => parseFirebreakConfig({ runbooks });

    // Assess
    expect(parse).toThrow(message);
  });
});

describe('runbook bindings too large for a Lambda environment', () => {
  it('stop the build, naming firebreak.runbooks, rather than failing the deployment', () => {
    // Prepare: 12 bindings of about 400 bytes of JSON each, with the default escalation's 700 or so.
    const bindings = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [
        `restart-web-${i}`,
        {
          description: `Restarts a web instance of fleet ${i} stuck at full CPU`.padEnd(120, '.'),
          match: { alarmName: `web-fleet-${i}-*-cpu-high`, namespace: 'AWS/EC2', metric: 'CPUUtilization' },
          document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
          kind: 'remediation',
          parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
        },
      ]),
    );
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-runbooks-'));

    try {
      // Act
      const build = () => buildApp({ context: appContext({ runbooks: { bindings } }), outdir });

      // Assess
      expect(build).toThrow(
        /firebreak\.runbooks: too large for the runbook function's environment together with firebreak\.escalation/,
      );
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
