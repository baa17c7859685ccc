import { Match } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './support';

/** An account principal as rendered in a partition-agnostic template. */
const accountRoot = (account: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]],
});

describe('Firebreak: the central bus', () => {
  let synthesized: Synthesized | undefined;
  afterEach(() => synthesized?.dispose());

  it('is not created unless configured, and the default bus alone carries the four rules', () => {
    // Act
    synthesized = synthesize({});

    // Assess
    const { firebreak } = synthesized.templates;
    firebreak.resourceCountIs('AWS::Events::EventBus', 0);
    firebreak.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    // The four ingest rules, the failed-execution rules of the lifecycle and the runbook run, and the review
    // reminders' schedule (always on the default bus).
    firebreak.resourceCountIs('AWS::Events::Rule', 7);
    expect(synthesized.firebreak.ingestion.rules).toHaveLength(4);
    firebreak.allResourcesProperties('AWS::Events::Rule', { EventBusName: Match.absent() });
    expect(synthesized.forwarder).toBeUndefined();
  });

  it('lets only the listed accounts put events', () => {
    // Act
    synthesized = synthesize({ centralBus: { sourceAccounts: ['111111111111', '222222222222'] } });

    // Assess
    const { firebreak } = synthesized.templates;
    const bus = synthesized.firebreak.resolve(synthesized.firebreak.centralBus?.bus.eventBusArn);
    firebreak.hasResourceProperties('AWS::Events::EventBus', { Name: 'firebreak-central' });
    firebreak.resourceCountIs('AWS::Events::EventBusPolicy', 1);
    firebreak.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: { AWS: [accountRoot('111111111111'), accountRoot('222222222222')] },
        Resource: bus,
        Sid: Match.anyValue(),
      },
    });
  });

  it('lets only members of the organization put events', () => {
    // Act
    synthesized = synthesize({ centralBus: { organizationId: 'o-a1b2c3d4e5' } });

    // Assess
    const { firebreak } = synthesized.templates;
    const bus = synthesized.firebreak.resolve(synthesized.firebreak.centralBus?.bus.eventBusArn);
    firebreak.resourceCountIs('AWS::Events::EventBusPolicy', 1);
    firebreak.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Resource: bus,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        Sid: Match.anyValue(),
      },
    });
    // Four ingest rules on each bus, the failed-execution rules of the lifecycle and the runbook run, and the
    // review reminders' schedule.
    firebreak.resourceCountIs('AWS::Events::Rule', 11);
    expect(synthesized.firebreak.ingestion.rules).toHaveLength(8);
  });
});
