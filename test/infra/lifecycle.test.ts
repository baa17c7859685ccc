import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import { DEFAULT_PROBLEM_RULES } from '#core/problems';
import { buildApp } from '../../lib/app';
import { fromRepoRoot } from '../../lib/function-defaults';
import {
  DEFINITION_SUBSTITUTIONS,
  LIFECYCLE_DEFINITION_FILE,
  LIFECYCLE_STEP_TIMEOUT_SECONDS,
  STATE_MACHINE_NAME,
} from '../../lib/lifecycle';
import { notificationTargets } from '../../lib/notifications';
import {
  appContext,
  asArray,
  FULL_CONFIG,
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

/** Actions AWS defines on `*` only, which CDK grants for logging level ALL and for X-Ray tracing. */
const LOG_DELIVERY_AND_XRAY = [
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

const definitionText = () => readFileSync(fromRepoRoot(LIFECYCLE_DEFINITION_FILE), 'utf8');

describe('the lifecycle definition file', () => {
  it('uses only the substitutions the construct provides, and uses each of them', () => {
    // Act
    const used = new Set([...definitionText().matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]));

    // Assess
    expect([...used].sort()).toEqual([...DEFINITION_SUBSTITUTIONS].sort());
  });

  it('is valid ASL, JSONPath and ARN checks on, once the substitutions are filled in', () => {
    // Prepare: what CloudFormation puts in their place.
    const examples: Record<(typeof DEFINITION_SUBSTITUTIONS)[number], string> = {
      LifecycleFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:firebreak-lifecycle',
      TableName: 'FirebreakData-IncidentStoreTable-ABC123',
      RunbookFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:firebreak-runbooks',
    };
    const filled = definitionText().replace(
      /\$\{([^}]*)\}/g,
      (_whole, name: keyof typeof examples) => examples[name],
    );

    // Act
    const result = validateAsl(JSON.parse(filled), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });
});

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
};
type Catcher = { ErrorEquals: string[]; ResultPath?: string | null; Next: string };
type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Next?: string;
  Error?: string;
  Branches?: Array<{ States: Record<string, AslState> }>;
};
type AslStates = Record<string, AslState>;

// biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
const LIFECYCLE_FUNCTION = '${LifecycleFunctionArn}';
const RECORDING_ACTIONS = ['failure', 'step-failed', 'page-failed'];

/** The top-level States and those of every Parallel branch, each map on its own (a Next stays inside it). */
function stateMaps(states: AslStates): AslStates[] {
  return [
    states,
    ...Object.values(states).flatMap((state) => (state.Branches ?? []).flatMap((b) => stateMaps(b.States))),
  ];
}
const definition = () => JSON.parse(definitionText()) as { States: AslStates };
const tasksOf = (states: AslStates) =>
  stateMaps(states).flatMap((map) =>
    Object.entries(map)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name, state]) => ({ name, state, map })),
  );
/** The action a lifecycle-function Task sends (the token wait sends it in its Payload). */
const actionOf = (state: AslState) =>
  (state.Parameters?.action ?? (state.Parameters?.Payload as { action?: string } | undefined)?.action) as
    | string
    | undefined;

/**
 * The longest a Task can take before its Catch: every attempt running into TimeoutSeconds, and each back-off
 * at its longest (FULL jitter only shortens it), for the retrier with the most attempts.
 */
function worstCaseSeconds(state: AslState): number {
  const timeout = state.TimeoutSeconds ?? Number.POSITIVE_INFINITY;
  return Math.max(
    ...(state.Retry ?? []).map((retrier) => {
      const attempts = retrier.MaxAttempts ?? 3;
      const backoffs = Array.from({ length: attempts }, (_, k) =>
        Math.min(
          (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** k,
          retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
        ),
      );
      return (attempts + 1) * timeout + backoffs.reduce((sum, seconds) => sum + seconds, 0);
    }),
  );
}

describe('the lifecycle definition: failures', () => {
  it('gives every Task its own Retry and a Catch of everything, each leading to a state of its own branch', () => {
    // Act
    const tasks = tasksOf(definition().States);

    // Assess
    expect(tasks.length).toBeGreaterThan(20);
    for (const { name, state, map } of tasks) {
      expect(state.Retry?.length, `${name} has no Retry`).toBeGreaterThan(0);
      expect(state.Catch?.length, `${name} has no Catch`).toBeGreaterThan(0);
      expect(state.Catch?.at(-1)?.ErrorEquals, `${name} does not catch everything`).toEqual(['States.ALL']);
      for (const catcher of state.Catch ?? []) expect(Object.keys(map), name).toContain(catcher.Next);
      expect(state.TimeoutSeconds, `${name} has no TimeoutSeconds`).toBeGreaterThan(0);
    }
  });

  it('calls only the lifecycle and runbook functions, GetItem and the token wait: nothing local-only', () => {
    // Act
    const resources = new Set(tasksOf(definition().States).map(({ state }) => state.Resource));

    // Assess
    expect([...resources].sort()).toEqual(
      [
        LIFECYCLE_FUNCTION,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
        '${RunbookFunctionArn}',
        'arn:aws:states:::dynamodb:getItem',
        'arn:aws:states:::lambda:invoke.waitForTaskToken',
      ].sort(),
    );
  });

  it('sends every failure of a working step to a record of that step, which carries on whether it works or not', () => {
    // Prepare
    const tasks = tasksOf(definition().States);
    const recorders = tasks.filter(({ state }) => RECORDING_ACTIONS.includes(actionOf(state) ?? ''));

    // Act
    const steps = tasks.filter((task) => !recorders.includes(task));

    // Assess: each step's catch-all leads to a record naming it (the plan alone, to the lifecycle's end).
    for (const { name, state, map } of steps) {
      const recorder = map[state.Catch?.at(-1)?.Next ?? ''];
      expect(RECORDING_ACTIONS, name).toContain(actionOf(recorder ?? { Type: '' }));
      if (name !== 'Prepare') expect(recorder?.Parameters?.state, name).toBe(name);
    }
    // A step's record goes on to the same state whether or not it could record; a page's record, which also
    // schedules the next level, falls back to the plan's own delays.
    for (const { name, state, map } of recorders) {
      const fallback = state.Catch?.at(-1)?.Next;
      if (actionOf(state) === 'page-failed') {
        expect(map[fallback ?? '']?.Type, name).toBe('Pass');
      } else {
        expect(fallback, name).toBe(state.Next);
      }
    }
    expect(recorders.map(({ name }) => name)).toContain('RecordPageFailure');
  });

  it('lets only the resolution errors and a raised priority end the parallel part, and no Task catch swallows them', () => {
    // Prepare
    const { States } = definition();
    const lifecycle = States.Lifecycle as AslState;
    const branchFails = stateMaps(States)
      .slice(1)
      .flatMap((map) => Object.values(map).filter((state) => state.Type === 'Fail'));

    // Act
    const tokenWait = tasksOf(States).find(({ name }) => name === 'AwaitResolution');

    // Assess
    expect(lifecycle.Catch?.slice(0, 2)).toMatchObject([
      { ErrorEquals: ['Incident.Resolved', 'Incident.AlreadyResolved'], Next: 'NotifyResolution' },
      { ErrorEquals: ['Incident.PriorityRaised'], Next: 'NextGeneration' },
    ]);
    expect(branchFails.map((state) => state.Error).sort()).toEqual([
      'Incident.PriorityRaised',
      ...branchFails.slice(1).map(() => 'Incident.Resolved'),
    ]);
    expect(tokenWait?.state.Retry?.[0]).toEqual({
      ErrorEquals: ['Incident.AlreadyResolved', 'Incident.PriorityRaised'],
      MaxAttempts: 0,
    });
    const [alreadyResolved, raised] = tokenWait?.state.Catch ?? [];
    expect(alreadyResolved?.ErrorEquals).toEqual(['Incident.AlreadyResolved']);
    expect(tokenWait?.map[alreadyResolved?.Next ?? '']?.Error).toBe('Incident.Resolved');
    expect(raised?.ErrorEquals).toEqual(['Incident.PriorityRaised']);
    expect(tokenWait?.map[raised?.Next ?? '']?.Error).toBe('Incident.PriorityRaised');
  });

  it('re-plans for a raised priority under a new generation and starts the parallel part over, even when the re-plan fails', () => {
    // Prepare
    const { States } = definition();
    const next = (name: string) => States[name]?.Next ?? '';

    // Act
    const replan = States[next('NextGeneration')] as AslState;
    const recorder = States[replan.Catch?.at(-1)?.Next ?? ''] as AslState;

    // Assess: one generation more, a prepare for it, then the parallel part again, whichever way it went.
    expect(States.NextGeneration?.Parameters).toEqual({
      'n.$': 'States.MathAdd($.generation.n, 1)',
      planned: true,
    });
    expect(replan).toMatchObject({
      Resource: LIFECYCLE_FUNCTION,
      Parameters: { action: 'prepare', 'generation.$': '$.generation.n' },
      ResultPath: '$.plan',
      Next: 'Lifecycle',
    });
    expect(recorder.Parameters).toMatchObject({ action: 'step-failed', 'generation.$': '$.generation.n' });
    expect(States[recorder.Next ?? '']).toMatchObject({
      Type: 'Pass',
      Parameters: { 'n.$': '$.generation.n', planned: false },
      Next: 'Lifecycle',
    });
  });

  it('keys every notice and record of the parallel part by the plan generation, the one-off SLA breach aside', () => {
    // Prepare
    const { States } = definition();
    const branches = (States.Lifecycle as AslState).Branches ?? [];

    // Act
    const keyed = branches.flatMap((branch) =>
      tasksOf(branch.States).filter(({ state }) => state.Resource === LIFECYCLE_FUNCTION),
    );

    // Assess
    expect(keyed.length).toBeGreaterThan(10);
    for (const { name, state } of keyed) {
      if (actionOf(state) === 'sla-breach') continue;
      expect(state.Parameters?.['generation.$'], name).toBe('$.generation.n');
    }
    const tokenWait = tasksOf(States).find(({ name }) => name === 'AwaitResolution');
    expect(tokenWait?.state.Parameters?.Payload).toMatchObject({
      'plannedFor.$': '$.plan.priority',
      'planned.$': '$.generation.planned',
    });
  });

  it('fits a page and the record of its failure, retries included, in the shortest gap between levels', () => {
    // Prepare: delays are whole minutes, and a repeated round waits at least one, so the shortest gap that is
    // not zero is 60 s (levels 0 minutes apart are paged one after the other anyway).
    const tasks = tasksOf(definition().States);
    const task = (name: string) => tasks.find((t) => t.name === name)?.state as AslState;

    // Act
    const budget = worstCaseSeconds(task('PageLevel')) + worstCaseSeconds(task('RecordPageFailure'));

    // Assess
    expect(budget).toBeLessThan(60);
    // Each attempt of a lifecycle-function task outlasts the function, so an abandoned attempt has stopped.
    for (const { name, state } of tasks.filter(({ state }) => state.Resource === LIFECYCLE_FUNCTION)) {
      expect(state.TimeoutSeconds, name).toBeGreaterThan(LIFECYCLE_STEP_TIMEOUT_SECONDS);
    }
  });
});

describe('Firebreak: the incident lifecycle', () => {
  let synthesized: Synthesized;
  let firebreak: Template;
  let stack: Stack;

  beforeAll(() => {
    synthesized = synthesize({ ...FULL_CONFIG, incidentUrl: INCIDENT_URL });
    firebreak = synthesized.templates.firebreak;
    stack = synthesized.firebreak;
  });
  afterAll(() => synthesized.dispose());

  const resolve = (token: unknown): unknown => stack.resolve(token);
  const lifecycle = () => synthesized.firebreak.lifecycle;
  const tableArn = () => synthesized.data.store.table.tableArn;

  const statementsOfRole = (roleArn: unknown) => statementsOfRoleIn(firebreak, stack, roleArn);

  it('is one Standard state machine from the ASL file, logging ALL with execution data, traced', () => {
    // Assess: the other machine is the runbook run's (test/infra/remediation.test.ts).
    firebreak.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    firebreak.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: STATE_MACHINE_NAME,
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) } },
        ],
      },
      TracingConfiguration: { Enabled: true },
      // DefinitionBody.fromFile uploads the file as an asset, so the definition is an S3 location.
      DefinitionS3Location: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('\\.json$') },
      DefinitionString: Match.absent(),
    });
  });

  it('fills LifecycleFunctionArn with the lifecycle function, TableName with the table and RunbookFunctionArn with the runbook function', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: {
        LifecycleFunctionArn: resolve(lifecycle().function.functionArn),
        TableName: resolve(synthesized.data.store.table.tableName),
        RunbookFunctionArn: resolve(synthesized.firebreak.remediation.function.functionArn),
      },
    });
  });

  it('logs to an encrypted log group kept for the configured days', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/vendedlogs/states/${STATE_MACHINE_NAME}`,
      RetentionInDays: 90,
      KmsKeyId: resolve(synthesized.firebreak.operationsKey.key.keyArn),
    });
  });

  it('gives the lifecycle function its five settings', () => {
    // Prepare
    const fn = lifecycle().function;

    // Assess
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Role: resolve(fn.role?.roleArn),
      Timeout: LIFECYCLE_STEP_TIMEOUT_SECONDS,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'firebreak-lifecycle',
          TABLE_NAME: resolve(synthesized.data.store.table.tableName),
          TOPIC_ARNS: Match.anyValue(),
          OPS_TOPIC_ARN: resolve(synthesized.firebreak.observability.topic.topicArn),
          ESCALATION_CONFIG: JSON.stringify(DEFAULT_ESCALATION_CONFIG),
          INCIDENT_URL: INCIDENT_URL,
          PROBLEM_RULES: JSON.stringify(DEFAULT_PROBLEM_RULES),
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: Match.absent(),
        },
      },
    });
  });

  it('maps every target of the default policy to its topic in TOPIC_ARNS', () => {
    // Prepare
    const { topics } = synthesized.firebreak.notifications;
    const [[, fn]] = resourcesOfType(firebreak, 'AWS::Lambda::Function').filter(
      ([, props]) =>
        JSON.stringify(props.Role) === JSON.stringify(resolve(lifecycle().function.role?.roleArn)),
    ) as [[string, { Environment: { Variables: { TOPIC_ARNS: { 'Fn::Join': [string, unknown[]] } } } }]];

    // Act: substitute each topic's Ref with a recognisable ARN and parse the JSON the template builds.
    const parts = fn.Environment.Variables.TOPIC_ARNS['Fn::Join'][1];
    const refToTarget = new Map(
      Object.entries(topics).map(([target, topic]) => [JSON.stringify(resolve(topic.topicArn)), target]),
    );
    const json = parts
      .map((part) => (typeof part === 'string' ? part : `arn:topic:${refToTarget.get(JSON.stringify(part))}`))
      .join('');
    const topicArns = JSON.parse(json) as Record<string, string>;

    // Assess
    const targets = notificationTargets(DEFAULT_ESCALATION_CONFIG);
    expect(Object.keys(topicArns).sort()).toEqual([...targets].sort());
    for (const target of targets) expect(topicArns[target]).toBe(`arn:topic:${target}`);
  });

  it('lets the lifecycle function read and write the table, query the alerts index only, use its key, and publish', () => {
    // Act
    const statements = statementsOfRole(lifecycle().function.role?.roleArn);

    // Assess
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(2);
    expect(asArray(dynamo[0]?.Action).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamo[0]?.Resource).toEqual(resolve(tableArn()));
    // Releasing a resolved incident's alerts, and problem detection's read of the service's recent incidents.
    expect(dynamo[1]).toMatchObject({
      Action: 'dynamodb:Query',
      Resource: [
        { 'Fn::Join': ['', [resolve(tableArn()), '/index/alerts-by-incident']] },
        { 'Fn::Join': ['', [resolve(tableArn()), '/index/by-service']] },
      ],
    });

    const publish = statements.filter((s) => asArray(s.Action).includes('sns:Publish'));
    const published = publish.flatMap((s) => asArray(s.Resource));
    const expected = [
      ...Object.values(synthesized.firebreak.notifications.topics).map((t) => resolve(t.topicArn)),
      resolve(synthesized.firebreak.observability.topic.topicArn),
      resolve(synthesized.firebreak.peopleTopic.topic.topicArn),
    ];
    expect(published).toHaveLength(expected.length);
    expect(published).toEqual(expect.arrayContaining(expected));

    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: resolve(synthesized.firebreak.operationsKey.key.keyArn),
      }),
    );
    expect(statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it('lets the state machine invoke the lifecycle and runbook functions and GetItem the table, and nothing else', () => {
    // Act
    const statements = statementsOfRole(lifecycle().stateMachine.role.roleArn);

    // Assess
    const onStar = statements.filter((s) => asArray(s.Resource).includes('*'));
    expect(onStar.flatMap((s) => asArray(s.Action)).sort()).toEqual(LOG_DELIVERY_AND_XRAY);
    const named = statements.filter((s) => !asArray(s.Resource).includes('*'));
    expect(named).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          resolve(lifecycle().function.functionArn),
          resolve(synthesized.firebreak.remediation.function.functionArn),
        ],
      },
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: resolve(tableArn()) },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: resolve(synthesized.data.store.key.keyArn) },
    ]);
  });

  it('reports failed, timed-out and aborted executions of this machine to the ops topic, with a DLQ', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [resolve(lifecycle().stateMachine.stateMachineArn)],
        },
      },
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: resolve(synthesized.firebreak.observability.topic.topicArn),
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: resolve(lifecycle().deadLetterQueue.queueArn) },
        },
      ],
    });
  });

  it('alarms the ops topic on the first failed execution', () => {
    // Assess
    firebreak.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: resolve(lifecycle().stateMachine.stateMachineArn) }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [resolve(synthesized.firebreak.observability.topic.topicArn)],
    });
  });

  it('tells ingest the machine in STATE_MACHINE_ARN and lets it start executions of exactly that machine (and runs)', () => {
    // Prepare
    const ingest = synthesized.firebreak.ingestion.function;
    const machineArn = resolve(lifecycle().stateMachine.stateMachineArn);
    const runMachineArn = resolve(synthesized.firebreak.remediation.stateMachine.stateMachineArn);

    // Act
    const statements = statementsOfRole(ingest.role?.roleArn);

    // Assess
    firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Role: resolve(ingest.role?.roleArn),
      Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: machineArn }) },
    });
    const start = statements.filter((s) => asArray(s.Action).includes('states:StartExecution'));
    // The runbook run's machine too: an alert joining an incident launches its runbooks.
    expect(start).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: [machineArn, runMachineArn] },
    ]);
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: '*' });
  });
});

describe('an escalation config too large for a Lambda environment', () => {
  it('stops the build, naming firebreak.escalation, rather than failing the deployment', () => {
    // Prepare: 40 policies of 3 levels with long target names, far past Lambda's 4 KB of variables.
    const base = DEFAULT_ESCALATION_CONFIG.policies.default as EscalationConfig['policies'][string];
    const policies = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `team-${i}`,
        {
          ...base,
          name: `team-${i}`,
          levels: base.levels.map((level) => ({ ...level, targets: [`team-${i}-${level.targets[0]}`] })),
        },
      ]),
    );
    const context = appContext({ escalation: { policies, routes: [], defaultPolicy: 'team-0' } });

    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-lifecycle-'));

    try {
      // Act
      const build = () => buildApp({ context, outdir });

      // Assess
      expect(build).toThrow(/firebreak\.escalation: too large for the lifecycle function's environment/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
