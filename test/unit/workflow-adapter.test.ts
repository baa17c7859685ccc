import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { IncidentWorkflow } from '#adapters/workflow';

const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:firebreak-incident-lifecycle';
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const named = (name: string) => Object.assign(new Error(name), { name });

describe('IncidentWorkflow (Step Functions at the SDK client)', () => {
  it('starts one execution named by the incident id, and treats a second start as already running', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'x' })
      .rejects(named('ExecutionAlreadyExists'));
    const workflow = new IncidentWorkflow(new SFNClient({ region: 'us-east-1' }), ARN);

    const first = await workflow.start('INC-20261127-0001');
    const second = await workflow.start('INC-20261127-0001');

    expect([first, second]).toEqual(['started', 'already-running']);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: ARN,
      name: 'INC-20261127-0001',
      input: JSON.stringify({ incidentId: 'INC-20261127-0001' }),
    });
  });

  it('lets other start failures through, so the ingest invocation is retried', async () => {
    sfn.on(StartExecutionCommand).rejects(named('ThrottlingException'));
    const workflow = new IncidentWorkflow(new SFNClient({ region: 'us-east-1' }), ARN);

    await expect(workflow.start('INC-20261127-0001')).rejects.toThrow('ThrottlingException');
  });

  it('wakes a parked lifecycle, and accepts a token nobody waits on any more', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .resolvesOnce({})
      .rejectsOnce(named('TaskTimedOut'))
      .rejectsOnce(named('InvalidToken'));
    const workflow = new IncidentWorkflow(new SFNClient({ region: 'us-east-1' }), ARN);

    const results = [
      await workflow.signalResolved('t1'),
      await workflow.signalResolved('t2'),
      await workflow.signalResolved('t3'),
    ];

    expect(results).toEqual(['signalled', 'not-waiting', 'not-waiting']);
  });

  it('wakes a parked lifecycle to re-plan for a raised priority, and accepts a token nobody waits on any more', async () => {
    sfn
      .on(SendTaskSuccessCommand)
      .resolvesOnce({})
      .rejectsOnce(named('TaskDoesNotExist'))
      .rejectsOnce(named('TaskTimedOut'));
    const workflow = new IncidentWorkflow(new SFNClient({ region: 'us-east-1' }), ARN);

    const results = [
      await workflow.signalPriorityRaised('t1'),
      await workflow.signalPriorityRaised('t2'),
      await workflow.signalPriorityRaised('t3'),
    ];

    expect(results).toEqual(['signalled', 'not-waiting', 'not-waiting']);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 't1',
      output: JSON.stringify({ priorityRaised: true }),
    });
  });

  it('lets other signal failures through, so the ingest invocation is retried', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(named('ThrottlingException'));
    const workflow = new IncidentWorkflow(new SFNClient({ region: 'us-east-1' }), ARN);

    await expect(workflow.signalPriorityRaised('t1')).rejects.toThrow('ThrottlingException');
    await expect(workflow.signalResolved('t1')).rejects.toThrow('ThrottlingException');
  });
});
