import {
  GetAutomationExecutionCommand,
  type SSMClient,
  StartAutomationExecutionCommand,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import type { RunStep } from '#core/runbook-run';
import type { AutomationRunner, AutomationStart, AutomationStatus } from '../runbooks/ports';

/** The longest failure message kept from SSM (a step's message can carry a whole stack trace). */
const MAX_FAILURE_LENGTH = 500;

/**
 * SSM Automation: starts a runbook's document with its pinned version and filled parameters, idempotently
 * (the run's ClientToken makes a retried start find the automation the first one started), and reads its
 * status, steps and outputs.
 */
export class SsmAutomation implements AutomationRunner {
  constructor(private readonly ssm: Pick<SSMClient, 'send'>) {}

  async start(request: AutomationStart): Promise<{ automationId: string }> {
    const result = await this.ssm.send(
      new StartAutomationExecutionCommand({
        DocumentName: request.documentName,
        DocumentVersion: request.documentVersion,
        Parameters: request.parameters,
        ClientToken: request.clientToken,
      }),
    );
    if (!result.AutomationExecutionId) throw new Error('SSM started an automation without an execution id');
    return { automationId: result.AutomationExecutionId };
  }

  async status(automationId: string): Promise<AutomationStatus> {
    const result = await this.ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: automationId }),
    );
    const execution = result.AutomationExecution;
    if (!execution) throw new Error(`SSM knows no automation execution ${automationId}`);
    const failure =
      execution.FailureMessage ?? execution.StepExecutions?.find((s) => s.FailureMessage)?.FailureMessage;
    return {
      status: execution.AutomationExecutionStatus ?? 'Pending',
      steps: (execution.StepExecutions ?? []).map(runStepOf),
      outputs: execution.Outputs ?? {},
      ...(failure ? { failure: failure.slice(0, MAX_FAILURE_LENGTH) } : {}),
    };
  }
}

function runStepOf(step: StepExecution): RunStep {
  return {
    name: step.StepName ?? 'unnamed step',
    ...(step.Action ? { action: step.Action } : {}),
    status: step.StepStatus ?? 'Pending',
    ...(step.ExecutionStartTime ? { startedAt: step.ExecutionStartTime.toISOString() } : {}),
    ...(step.ExecutionEndTime ? { endedAt: step.ExecutionEndTime.toISOString() } : {}),
    ...(step.FailureMessage ? { failure: step.FailureMessage.slice(0, MAX_FAILURE_LENGTH) } : {}),
  };
}
