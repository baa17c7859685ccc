import * as z from 'zod';
import { LifecyclePlan } from '#core/lifecycle-plan';

const Base = {
  incidentId: z.string().regex(/^INC-\d{8}-\d{4,}$/, 'must be an incident id like INC-20261127-0042'),
  execution: z.string().optional(),
};
/** Which escalation cycle (restarts after an acknowledgement timed out) a step belongs to: keys its notices. */
const Cycle = z.number().int().min(0);

/** What the state machine sends each task, one shape per action (see statemachines/incident-lifecycle.asl.json). */
export const LifecycleInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('prepare'), ...Base }),
  z.object({
    action: z.literal('page'),
    ...Base,
    step: z.number().int().min(0),
    cycle: Cycle,
    plan: LifecyclePlan,
  }),
  z.object({ action: z.literal('exhausted'), ...Base, cycle: Cycle, plan: LifecyclePlan }),
  z.object({ action: z.literal('retrigger'), ...Base, cycle: Cycle, plan: LifecyclePlan }),
  z.object({ action: z.literal('sla-breach'), ...Base, plan: LifecyclePlan }),
  z.object({ action: z.literal('remind'), ...Base, count: z.number().int().min(0), plan: LifecyclePlan }),
  z.object({ action: z.literal('resolution'), ...Base, plan: LifecyclePlan }),
  z.object({
    action: z.literal('await-resolution'),
    incidentId: Base.incidentId,
    execution: Base.execution,
    token: z.string().min(1),
  }),
  z.object({
    action: z.literal('failure'),
    ...Base,
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).passthrough(),
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
