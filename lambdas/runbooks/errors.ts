import type { RunState } from '#core/runbook-run';

/**
 * The errors the runbook function throws to the runbook-run state machine, by name: its Retry and Catch
 * fields route on them (statemachines/runbook-run.asl.json).
 */

export class IncidentNotFound extends Error {
  constructor(id: string) {
    super(`incident ${id} does not exist`);
    this.name = 'Incident.NotFound';
  }
}

export class RunNotFound extends Error {
  constructor(incidentId: string, runId: string) {
    super(`run ${runId} of incident ${incidentId} does not exist`);
    this.name = 'Runbook.RunNotFound';
  }
}

/** SSM (or CloudTrail) asked to slow down: the step is retried with back-off. */
export class Throttled extends Error {
  constructor(cause: Error) {
    super(`${cause.name}: ${cause.message}`);
    this.name = 'Runbook.Throttled';
  }
}

/** The run was approved before the approval wait could park its token: it goes on to start. */
export class AlreadyApproved extends Error {
  constructor(runId: string, by: string | undefined) {
    super(`run ${runId} was approved by ${by ?? 'someone'} before its approval wait began`);
    this.name = 'Runbook.AlreadyApproved';
  }
}

/** The run was rejected before the approval wait could park its token: it ends. */
export class AlreadyRejected extends Error {
  constructor(runId: string, by: string | undefined) {
    super(`run ${runId} was rejected by ${by ?? 'someone'} before its approval wait began`);
    this.name = 'Runbook.AlreadyRejected';
  }
}

/** The run no longer awaits approval (it expired, or was skipped): nothing to wait for. */
export class NotAwaitingApproval extends Error {
  constructor(runId: string, state: RunState) {
    super(`run ${runId} is ${state}; it does not await approval`);
    this.name = 'Runbook.NotAwaitingApproval';
  }
}

const THROTTLES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
  // SSM refuses a start while the account runs its maximum of concurrent automations.
  'AutomationExecutionLimitExceededException',
]);

/** Runs a call to SSM or CloudTrail, its throttling turned into Runbook.Throttled for the state machine. */
export async function unlessThrottled<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && THROTTLES.has(error.name)) throw new Throttled(error);
    throw error;
  }
}
