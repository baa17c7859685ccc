import * as z from 'zod';
import { LifecyclePlan } from '#core/lifecycle-plan';
import { Priority } from '#core/model';

const Base = {
  incidentId: z.string().regex(/^INC-\d{8}-\d{4,}$/, 'must be an incident id like INC-20261127-0042'),
  execution: z.string().optional(),
};
/** Which escalation cycle (restarts after an acknowledgement timed out) a step belongs to: keys its notices. */
const Cycle = z.number().int().min(0);
const Step = z.number().int().min(0);
/**
 * Which plan a step runs: 0 for the lifecycle's first, one more each time it re-planned for a raised
 * priority. It keys the plan's notices apart from the earlier plans' (a re-plan pages level 1 again, once).
 * Optional so that executions started by an older definition, which did not send it, keep their keys.
 */
const Generation = z.number().int().min(0).optional();
/**
 * When an escalation step was due ($$.State.EnteredTime as the cycle started, then each step's `nextAt`).
 * Optional so that executions started by an older definition, which did not send it, keep paging.
 */
const DueAt = z.iso.datetime({ offset: true }).optional();

/** What a Catch puts in the state's output: the error name, and its cause (JSON from Lambda). */
export const TaskError = z
  .object({ Error: z.string().optional(), Cause: z.string().optional() })
  .passthrough();
export type TaskError = z.infer<typeof TaskError>;

/** The state that failed, as the definition names it. */
const StateName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,79}$/, 'must be a state name');
/** Identifies one failed step of one execution (e.g. `reminder-3`): the failure is recorded once under it. */
const FailureKey = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'must be a failure key like reminder-3');

/** What the state machine sends each task, one shape per action (see statemachines/incident-lifecycle.asl.json). */
export const LifecycleInput = z.discriminatedUnion('action', [
  /** Plans the lifecycle from the incident; a generation above 0 is a re-plan, recorded on the timeline. */
  z.object({ action: z.literal('prepare'), ...Base, generation: Generation }),
  z.object({
    action: z.literal('page'),
    ...Base,
    step: Step,
    dueAt: DueAt,
    cycle: Cycle,
    generation: Generation,
    plan: LifecyclePlan,
  }),
  z.object({
    action: z.literal('exhausted'),
    ...Base,
    cycle: Cycle,
    generation: Generation,
    plan: LifecyclePlan,
  }),
  z.object({
    action: z.literal('retrigger'),
    ...Base,
    cycle: Cycle,
    generation: Generation,
    plan: LifecyclePlan,
  }),
  z.object({ action: z.literal('sla-breach'), ...Base, plan: LifecyclePlan }),
  z.object({
    action: z.literal('remind'),
    ...Base,
    count: z.number().int().min(0),
    generation: Generation,
    plan: LifecyclePlan,
  }),
  z.object({ action: z.literal('resolution'), ...Base, plan: LifecyclePlan }),
  z.object({
    action: z.literal('await-resolution'),
    incidentId: Base.incidentId,
    execution: Base.execution,
    token: z.string().min(1),
    /**
     * The priority the plan in hand was made for: if the incident outranks it once the token is parked, a
     * raise landed before there was a token to send back, and the lifecycle re-plans. Older definitions
     * do not send it.
     */
    plannedFor: Priority.optional(),
    /**
     * False when a re-plan failed and the lifecycle goes on with the plan it had: then a raise it could not
     * plan for does not send it round again.
     */
    planned: z.boolean().optional(),
  }),
  /** The lifecycle itself stopped (no plan, or the parallel part failed): page by hand from here. */
  z.object({ action: z.literal('failure'), ...Base, error: TaskError }),
  /** One step failed after its retries; the lifecycle carries on without it. */
  z.object({
    action: z.literal('step-failed'),
    ...Base,
    state: StateName,
    key: FailureKey,
    generation: Generation,
    error: TaskError,
  }),
  /** A page failed after its retries: recorded like any step, and the escalation moves on on schedule. */
  z.object({
    action: z.literal('page-failed'),
    ...Base,
    state: StateName,
    step: Step,
    dueAt: DueAt,
    cycle: Cycle,
    generation: Generation,
    plan: LifecyclePlan,
    error: TaskError,
  }),
]);
export type LifecycleInput = z.infer<typeof LifecycleInput>;

export class InvalidLifecycleInput extends Error {
  constructor(issues: string) {
    super(`lifecycle task input is invalid: ${issues}`);
    this.name = 'Lifecycle.InvalidInput';
  }
}

export function parseLifecycleInput(raw: unknown): LifecycleInput {
  const parsed = LifecycleInput.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new InvalidLifecycleInput(
    parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; '),
  );
}

/** The longest cause kept on the timeline and in the ops message. */
const MAX_CAUSE_LENGTH = 1000;
/** The Cause Step Functions gives for an error a Lambda function threw. */
const LambdaErrorCause = z.object({ errorMessage: z.string(), errorType: z.string().optional() });

/** A caught error made readable: Lambda's JSON cause is reduced to its message. */
export function describeTaskError(error: TaskError): { error: string; cause: string } {
  const cause = error.Cause ?? '';
  const fromLambda = LambdaErrorCause.safeParse(parseJson(cause));
  return {
    error: error.Error ?? 'unknown error',
    cause: (fromLambda.success ? fromLambda.data.errorMessage : cause).slice(0, MAX_CAUSE_LENGTH),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
