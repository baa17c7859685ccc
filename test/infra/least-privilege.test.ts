import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asArray,
  FULL_CONFIG,
  identityStatements,
  outputPublishing,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './support';

/** Actions AWS defines on no resource type, so `Resource: '*'` is the only way to grant them. */
const ACTIONS_ONLY_ON_STAR = new Set([
  // Lambda and Step Functions tracing.
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  // Step Functions log delivery (logging level ALL), as CDK grants it.
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // Take a task token, which no IAM resource type describes (only activities are): SendTaskFailure rejects a
  // runbook run waiting for approval.
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  // The diagnosis of recent changes: CloudTrail defines no resource type for LookupEvents.
  'cloudtrail:LookupEvents',
  // The automation role, for the bound EC2 documents: EC2 defines no resource type for its Describe actions.
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstances',
]);

/**
 * Who may do what on the table and on which index, by the logical id prefix of the role whose policy grants
 * it. Indexes are queried each by name: never `index/*`, never Scan.
 */
const TABLE_ACCESS: Array<{ role: string; actions: string[]; on: string[] }> = [
  {
    role: 'ApiFunctionRole',
    actions: [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    on: ['table'],
  },
  {
    role: 'ApiFunctionRole',
    actions: ['dynamodb:Query'],
    on: ['index/alerts-by-incident', 'index/by-created', 'index/by-service', 'index/open-by-priority'],
  },
  {
    role: 'IngestionFunctionRole',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    on: ['table'],
  },
  // Releasing a resolved incident's alerts finds them by this index.
  { role: 'IngestionFunctionRole', actions: ['dynamodb:Query'], on: ['index/alerts-by-incident'] },
  {
    role: 'LifecycleFunctionRole',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    on: ['table'],
  },
  // Problem detection reads the resolved incident's service's recent incidents on by-service.
  {
    role: 'LifecycleFunctionRole',
    actions: ['dynamodb:Query'],
    on: ['index/alerts-by-incident', 'index/by-service'],
  },
  { role: 'LifecycleStateMachineRole', actions: ['dynamodb:GetItem'], on: ['table'] },
  // Runs, locks and breakers; DeleteItem releases a remediation lock. Verifying an auto-remediated incident
  // releases its alerts through this index.
  {
    role: 'RemediationFunctionRole',
    actions: [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    on: ['table'],
  },
  { role: 'RemediationFunctionRole', actions: ['dynamodb:Query'], on: ['index/alerts-by-incident'] },
  // Review reminders: claims put and marked sent, incidents and owners read by key; the overdue reviews and
  // action items on by-service.
  {
    role: 'ReviewsReminderFunctionRole',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    on: ['table'],
  },
  { role: 'ReviewsReminderFunctionRole', actions: ['dynamodb:Query'], on: ['index/by-service'] },
];

/** Who may use the table's key for what, the same way. */
const TABLE_KEY_ACCESS: Array<[string, string[]]> = [
  ['ApiFunctionRole', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']],
  ['IngestionFunctionRole', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']],
  ['LifecycleFunctionRole', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']],
  ['LifecycleStateMachineRole', ['kms:Decrypt']],
  ['RemediationFunctionRole', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']],
  ['ReviewsReminderFunctionRole', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']],
];

describe('least privilege across all three stacks', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
  });
  afterAll(() => synthesized.dispose());

  const allTemplates = () => {
    const { data, firebreak, forwarder } = synthesized.templates;
    return { data, firebreak, ...(forwarder ? { forwarder } : {}) };
  };

  it('grants Resource * only for actions that exist only on *', () => {
    // Act
    const offenders = Object.entries(allTemplates()).flatMap(([stack, template]) =>
      identityStatements(template)
        .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
        .flatMap(({ where, statement }) =>
          asArray(statement.Action)
            .filter((action) => !ACTIONS_ONLY_ON_STAR.has(action))
            .map((action) => `${stack}/${where}: ${action}`),
        ),
    );

    // Assess
    expect(offenders).toEqual([]);
  });

  it('grants no wildcard actions', () => {
    // Act
    const wildcards = Object.entries(allTemplates()).flatMap(([stack, template]) =>
      identityStatements(template).flatMap(({ where, statement }) =>
        asArray(statement.Action)
          .filter((action) => action.includes('*'))
          .map((action) => `${stack}/${where}: ${action}`),
      ),
    );

    // Assess
    expect(wildcards).toEqual([]);
  });

  it('attaches no managed policies to any role', () => {
    // Assess
    for (const template of Object.values(allTemplates())) {
      for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
        expect({ id, managed: role.ManagedPolicyArns }).toEqual({ id, managed: undefined });
      }
    }
  });

  it('grants Secrets Manager only GetSecretValue on secrets it names, and the key through Secrets Manager only for one secret', () => {
    // Prepare: every secret of every stack (the ack-link key, and with Slack on its two secrets).
    const secretRefs = Object.values(allTemplates()).flatMap((template) =>
      resourcesOfType(template, 'AWS::SecretsManager::Secret').map(([id]) => JSON.stringify({ Ref: id })),
    );
    const statements = Object.values(allTemplates()).flatMap((template) => identityStatements(template));

    // Act
    const onSecrets = statements.filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    const viaSecretsManager = statements.filter(({ statement }) =>
      JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService'),
    );

    // Assess
    expect(secretRefs).toHaveLength(3);
    expect(onSecrets.length).toBeGreaterThan(0);
    for (const { where, statement } of onSecrets) {
      expect({ where, action: statement.Action }).toEqual({ where, action: 'secretsmanager:GetSecretValue' });
      for (const resource of asArray(statement.Resource))
        expect(secretRefs).toContain(JSON.stringify(resource));
    }
    for (const { where, statement } of viaSecretsManager) {
      const bound = (statement.Condition as { StringEquals: Record<string, unknown> }).StringEquals;
      expect({ where, action: statement.Action }).toEqual({ where, action: 'kms:Decrypt' });
      expect(secretRefs).toContain(JSON.stringify(bound['kms:EncryptionContext:SecretARN']));
    }
  });

  it('grants table actions only to the API, ingest, the lifecycle and runbook functions and the lifecycle machine, named', () => {
    // Prepare
    const { data } = synthesized;
    const tableArnOutput = outputPublishing(
      synthesized.templates.data,
      data.resolve(data.store.table.tableArn),
    );
    /** `table`, `index/<name>`, or the resource itself when it is neither. */
    const placeOf = (resource: unknown): string => {
      const text = JSON.stringify(resource);
      if (!text.includes(tableArnOutput)) return text;
      const index = /"\/index\/([^"]*)"/.exec(text);
      return index ? `index/${index[1]}` : text.includes('/index') ? text : 'table';
    };

    // Act
    const dynamo = identityStatements(synthesized.templates.firebreak)
      .filter(({ statement }) => asArray(statement.Action).some((action) => action.startsWith('dynamodb:')))
      .map(({ where, statement }) => ({
        where,
        role: where.replace(/DefaultPolicy.*$/, ''),
        actions: asArray(statement.Action).sort(),
        on: asArray(statement.Resource).map(placeOf).sort(),
      }));

    // Assess
    for (const { where } of dynamo) expect(where).toMatch(/^[A-Za-z]+RoleDefaultPolicy/);
    const byText = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(dynamo.map(({ role, actions, on }) => ({ role, actions, on })).sort(byText)).toEqual(
      [...TABLE_ACCESS].sort(byText),
    );
  });

  it('lets each of them use the table key for the actions it needs only', () => {
    // Prepare
    const { data } = synthesized;
    const keyArnOutput = outputPublishing(synthesized.templates.data, data.resolve(data.store.key.keyArn));

    // Act
    const onTableKey = identityStatements(synthesized.templates.firebreak).filter(({ statement }) =>
      JSON.stringify(statement.Resource).includes(keyArnOutput),
    );

    // Assess
    expect(onTableKey).toHaveLength(TABLE_KEY_ACCESS.length);
    for (const [prefix, actions] of TABLE_KEY_ACCESS) {
      const { statement } = onTableKey.find(({ where }) =>
        where.startsWith(prefix),
      ) as (typeof onTableKey)[number];
      expect(asArray(statement.Action).sort()).toEqual(actions);
    }
  });
});
