import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { executionNameOf } from '#core/runbook-run';
import type { ApprovalSignals, RunbookStarter } from '../runbooks/ports';
import { sendToWaitingTask } from './workflow';

/** The error a rejected run's approval wait fails with (its Catch routes it). */
export const REJECTED_ERROR = 'Runbook.Rejected';
/** Step Functions keeps at most this much of a task failure's cause. */
const MAX_CAUSE_LENGTH = 32_768;

/**
 * The runbook-run state machine: one execution per run, named by incident and run so that a second start
 * (a retry, a redelivered launch) is refused by name; and the approval wait's task token, sent back by a
 * person's decision.
 */
export class RunbookWorkflow implements RunbookStarter, ApprovalSignals {
  constructor(
    private readonly sfn: Pick<SFNClient, 'send'>,
    private readonly stateMachineArn: string,
  ) {}

  async start(incidentId: string, runId: string): Promise<'started' | 'already-running'> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionNameOf(incidentId, runId),
          input: JSON.stringify({ incidentId, runId }),
        }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return 'already-running';
      throw error;
    }
  }

  approve(token: string): Promise<'signalled' | 'not-waiting'> {
    return sendToWaitingTask(() =>
      this.sfn.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
      ),
    );
  }

  reject(token: string, reason: string): Promise<'signalled' | 'not-waiting'> {
    return sendToWaitingTask(() =>
      this.sfn.send(
        new SendTaskFailureCommand({
          taskToken: token,
          error: REJECTED_ERROR,
          cause: reason.slice(0, MAX_CAUSE_LENGTH),
        }),
      ),
    );
  }
}
