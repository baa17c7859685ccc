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
const ACTIONS_ONLY_ON_STAR = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

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

  it('lets ingest GetItem, PutItem and UpdateItem on the table itself, and no other DynamoDB action', () => {
    // Prepare
    const { data } = synthesized;
    const tableArnOutput = outputPublishing(
      synthesized.templates.data,
      data.resolve(data.store.table.tableArn),
    );

    // Act
    const dynamo = identityStatements(synthesized.templates.firebreak).filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
    );

    // Assess
    expect(dynamo).toHaveLength(1);
    const [{ statement }] = dynamo as [(typeof dynamo)[number]];
    expect(asArray(statement.Action).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(asArray(statement.Resource)).toHaveLength(1);
    expect(JSON.stringify(statement.Resource)).toContain(tableArnOutput);
    expect(JSON.stringify(statement.Resource)).not.toContain('index');
  });

  it('lets ingest use the table key for Decrypt, Encrypt and GenerateDataKey only', () => {
    // Prepare
    const { data } = synthesized;
    const keyArnOutput = outputPublishing(synthesized.templates.data, data.resolve(data.store.key.keyArn));

    // Act
    const onTableKey = identityStatements(synthesized.templates.firebreak).filter(({ statement }) =>
      JSON.stringify(statement.Resource).includes(keyArnOutput),
    );

    // Assess
    expect(onTableKey).toHaveLength(1);
    const [{ statement }] = onTableKey as [(typeof onTableKey)[number]];
    expect(asArray(statement.Action).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });
});
