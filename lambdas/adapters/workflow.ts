import { SendTaskSuccessCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/**
 * Wakes a running incident lifecycle by the task token it parked: all a function that never starts one
 * needs (signals go by token, not by state machine).
 */
export class LifecycleSignals {
  constructor(protected readonly sfn: Pick<SFNClient, 'send'>) {}

  /**
   * Wakes the lifecycle waiting for the resolution. A token that is no longer waited on (the execution
   * noticed the resolution itself, or ended) is not an error: the resolution has been seen.
   */
  signalResolved(token: string): Promise<'signalled' | 'not-waiting'> {
    return this.wake(token, { resolved: true });
  }

  /**
   * Wakes the lifecycle to re-plan for the incident's raised priority: it pages the new priority's first
   * level once and takes its timers. A token that is no longer waited on is not an error: a lifecycle that
   * is re-planning already, or parks its next token after the raise, reads the new priority itself.
   */
  signalPriorityRaised(token: string): Promise<'signalled' | 'not-waiting'> {
    return this.wake(token, { priorityRaised: true });
  }

  protected wake(token: string, output: Record<string, true>): Promise<'signalled' | 'not-waiting'> {
    return sendToWaitingTask(() =>
      this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
    );
  }
}

/**
 * Sends a task token back (SendTaskSuccess or SendTaskFailure). A token no longer waited on (the wait timed
 * out, the execution moved on or ended) is not an error: `not-waiting`.
 */
export async function sendToWaitingTask(send: () => Promise<unknown>): Promise<'signalled' | 'not-waiting'> {
  try {
    await send();
    return 'signalled';
  } catch (error) {
    if (error instanceof Error && ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(error.name)) {
      return 'not-waiting';
    }
    throw error;
  }
}

/** Starts and signals the incident lifecycle state machine: one execution per incident, named by its id. */
export class IncidentWorkflow extends LifecycleSignals {
  constructor(
    sfn: Pick<SFNClient, 'send'>,
    private readonly stateMachineArn: string,
  ) {
    super(sfn);
  }

  /** Starts the lifecycle; a second start for the same incident is refused by name and is not an error. */
  async start(incidentId: string): Promise<'started' | 'already-running'> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: incidentId,
          input: JSON.stringify({ incidentId }),
        }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return 'already-running';
      throw error;
    }
  }
}
