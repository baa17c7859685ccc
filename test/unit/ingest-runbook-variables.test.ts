import { describe, expect, it } from 'vitest';
import { loadIngestConfig } from '../../lambdas/ingest/config';
import { STATE_MACHINE_ARN } from '../support/ingest-handler';

const INGEST_ENV = { TABLE_NAME: 'incidents', STATE_MACHINE_ARN, GROUPING_CONFIG: '{"rules":[]}' };
const RUNBOOK_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-runbook-run';
const BINDINGS = {
  bindings: {
    'restart-web': {
      match: { namespace: 'AWS/EC2' },
      document: { name: 'AWS-RestartEC2Instance', version: '1' },
      parameters: { InstanceId: '{dimension.InstanceId}' },
      kind: 'remediation',
    },
  },
};

describe('the runbook variables of the ingest function', () => {
  it('launch nothing when they are absent', () => {
    expect(loadIngestConfig(INGEST_ENV).runbooks).toBeUndefined();
  });

  it('are parsed at cold start into the bindings, the state machine and the automation role', () => {
    // Act
    const config = loadIngestConfig({
      ...INGEST_ENV,
      RUNBOOK_STATE_MACHINE_ARN,
      RUNBOOK_CONFIG: JSON.stringify(BINDINGS),
      AUTOMATION_ROLE_ARN: 'arn:aws:iam::111122223333:role/firebreak-automation',
    });

    // Assess
    expect(config.runbooks).toMatchObject({
      stateMachineArn: RUNBOOK_STATE_MACHINE_ARN,
      automationRoleArn: 'arn:aws:iam::111122223333:role/firebreak-automation',
      config: { bindings: { 'restart-web': { mode: 'approval', settleMinutes: 10 } } },
    });
  });

  it.each([
    [
      'one without the other',
      { RUNBOOK_STATE_MACHINE_ARN },
      'RUNBOOK_STATE_MACHINE_ARN and RUNBOOK_CONFIG are set together',
    ],
    [
      'bad bindings',
      { RUNBOOK_STATE_MACHINE_ARN, RUNBOOK_CONFIG: '{"bindings":{"changes":{}}}' },
      'RUNBOOK_CONFIG.bindings.changes',
    ],
    [
      'not JSON',
      { RUNBOOK_STATE_MACHINE_ARN, RUNBOOK_CONFIG: 'bindings: {}' },
      'RUNBOOK_CONFIG: must be the runbook configuration as JSON',
    ],
  ])('stop the function, naming the variable, with %s', (_case, env, message) => {
    expect(() => loadIngestConfig({ ...INGEST_ENV, ...env })).toThrow(message);
  });
});
