import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, resourcesOfType, type Synthesized, synthesize } from './support';

describe('FirebreakData: the incidents table and its key', () => {
  let synthesized: Synthesized;
  let data: Template;
  let keyId: string;

  beforeAll(() => {
    synthesized = synthesize({});
    data = synthesized.templates.data;
    keyId = logicalIdOf(data, 'AWS::KMS::Key', () => true);
  });
  afterAll(() => synthesized.dispose());

  it('holds exactly one table and one key, and nothing stateless', () => {
    // Assess
    const types = Object.values(data.toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => r.Type,
    );
    expect(types.filter((type) => type !== 'AWS::CDK::Metadata').sort()).toEqual([
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
    ]);
  });

  it('keys items by PK/SK strings, on demand', () => {
    // Assess
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it.each([
    ['open-by-priority', 'gsi1pk', 'gsi1sk'],
    ['by-service', 'gsi2pk', 'gsi2sk'],
    ['by-created', 'gsi3pk', 'gsi3sk'],
  ])('has the %s index on %s/%s (strings), projecting all attributes', (indexName, partition, sort) => {
    // Assess
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: indexName,
          KeySchema: [
            { AttributeName: partition, KeyType: 'HASH' },
            { AttributeName: sort, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: partition, AttributeType: 'S' },
        { AttributeName: sort, AttributeType: 'S' },
      ]),
    });
  });

  it('has exactly four indexes', () => {
    // Assess
    const [[, table]] = resourcesOfType(data, 'AWS::DynamoDB::Table') as [
      [string, Record<string, unknown[]>],
    ];
    expect(table.GlobalSecondaryIndexes).toHaveLength(4);
  });

  it('encrypts with the customer-managed key, keeps point-in-time recovery and expires on expiresAt', () => {
    // Assess
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('survives stack deletion and refuses table deletion', () => {
    // Assess
    data.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    data.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('rotates the key', () => {
    // Assess
    data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('gives no service but the account a say in the table key policy', () => {
    // Assess
    data.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: [Match.objectLike({ Principal: { AWS: Match.anyValue() }, Action: 'kms:*' })],
      },
    });
  });
});
