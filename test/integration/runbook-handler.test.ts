import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { executionNameOf, runIdOf } from '#core/runbook-run';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { LAMBDA_CONTEXT, stubLocalAwsEnv } from '../support/ingest-handler';
import { lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

const RUNBOOK_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-runbook-run';

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await server.stop();
});

/** Loads the real runbook Lambda module (config from its environment, middy, logger) against a table. */
async function loadRunbookHandler(table: string) {
  const topics = Object.fromEntries(
    targetsOf(DEFAULT_ESCALATION_CONFIG).map((t) => [t, `arn:aws:sns:us-east-1:111122223333:firebreak-${t}`]),
  );
  vi.stubEnv('TABLE_NAME', table);
  vi.stubEnv('TOPIC_ARNS', JSON.stringify(topics));
  vi.stubEnv('OPS_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-ops');
  vi.stubEnv('PEOPLE_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-people');
  vi.stubEnv(
    'ACK_KEY_SECRET_ARN',
    'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-ack-key-AbCdEf',
  );
  vi.stubEnv('ACK_LINK_BASE_URL', 'https://abc123.execute-api.us-east-1.amazonaws.com');
  vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(DEFAULT_ESCALATION_CONFIG));
  vi.stubEnv('INCIDENT_URL', 'https://firebreak.example.com/incidents/{id}');
  vi.stubEnv('RUNBOOK_CONFIG', '');
  vi.stubEnv('RUNBOOK_STATE_MACHINE_ARN', RUNBOOK_STATE_MACHINE_ARN);
  vi.stubEnv('AUTOMATION_ROLE_ARN', 'arn:aws:iam::111122223333:role/firebreak-automation');
  stubLocalAwsEnv(server.endpoint);
  vi.resetModules();
  const module = await import('../../lambdas/runbooks/handler');
  return (event: unknown) => module.handler(event, LAMBDA_CONTEXT);
}

describe('the runbook Lambda handler', () => {
  it("launches an opening incident's runbooks: the changes run, written, and its execution started", async () => {
    // Prepare
    const table = await server.createTable('runbook-handler');
    const opener = lifecycleHarness(server, table);
    const incidentId = await opener.open(
      alarmSignal({
        at: '2026-11-27T09:59:30.000Z',
        details: { namespace: 'AWS/EC2', dimensions: { InstanceId: 'i-0abc' } },
      }),
    );
    opener.restore();
    const sfn = mockClient(SFNClient);
    sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: 'arn:aws:states:us-east-1:111122223333:execution:x:y' });
    const handler = await loadRunbookHandler(table);

    // Act
    const result = await handler({ action: 'launch', incidentId, trigger: 'opened' });

    // Assess
    const runId = runIdOf('changes', 'opened', 'i-0abc');
    expect(result).toEqual({ launched: [{ runId, binding: 'changes', state: 'requested' }] });
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input)).toEqual([
      {
        stateMachineArn: RUNBOOK_STATE_MACHINE_ARN,
        name: executionNameOf(incidentId, runId),
        input: JSON.stringify({ incidentId, runId }),
      },
    ]);
    sfn.restore();
  });

  it('refuses malformed input with the field named, so the state machine records a failure', async () => {
    const table = await server.createTable('runbook-handler');
    const handler = await loadRunbookHandler(table);

    await expect(handler({ action: 'poll', incidentId: 'INC-20261127-0001', runId: 'x' })).rejects.toThrow(
      /runbook task input is invalid: runId: must be a run id/,
    );
    await expect(handler({ action: 'detonate', incidentId: 'INC-20261127-0001' })).rejects.toThrow(/action/);
  });
});
