import * as z from 'zod';
import { TaskError } from '../lifecycle/inputs';

const IncidentId = z.string().regex(/^INC-\d{8}-\d{4,}$/, 'must be an incident id like INC-20261127-0042');
/** A run id: the binding's name and a hash (see runIdOf in #core/runbook-run). */
const RunId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}-[0-9a-f]{10}$/, 'must be a run id like restart-web-0123456789');

const Run = {
  incidentId: IncidentId,
  runId: RunId,
  execution: z.string().optional(),
};

/**
 * What the runbook function is asked to do, one shape per action: the lifecycle's launch of an incident's
 * runbooks, and the Tasks of the runbook-run state machine (statemachines/runbook-run.asl.json).
 */
export const RunbookInput = z.discriminatedUnion('action', [
  /** The lifecycle's branch as the incident opens: every binding its opening alert matches, and the changes. */
  z.object({
    action: z.literal('launch'),
    incidentId: IncidentId,
    execution: z.string().optional(),
    trigger: z.literal('opened'),
  }),
  /** Reads the run and decides its way: end, diagnose the changes, ask for approval, or start. */
  z.object({ action: z.literal('prepare'), ...Run }),
  /** Parks the approval wait's task token on the run, for a person's decision to send back. */
  z.object({ action: z.literal('park-approval'), ...Run, token: z.string().min(1) }),
  /** Nobody decided within the binding's approval timeout. */
  z.object({ action: z.literal('approval-expired'), ...Run }),
  /** A person rejected the run (before or while it waited). */
  z.object({ action: z.literal('approval-rejected'), ...Run }),
  /** Starts the SSM automation (a remediation takes the incident's remediation lock first). */
  z.object({ action: z.literal('start'), ...Run }),
  /** Reads the automation's status; `polls` counts the polls before this one (it sets the back-off). */
  z.object({ action: z.literal('poll'), ...Run, polls: z.number().int().min(0) }),
  /** After the settle wait: is the run's alarm back to OK? */
  z.object({ action: z.literal('verify'), ...Run }),
  /** The built-in diagnosis of recent changes. */
  z.object({ action: z.literal('diagnose-changes'), ...Run }),
  /** A step failed after its retries: the run fails, recorded once. */
  z.object({ action: z.literal('run-failed'), ...Run, error: TaskError }),
]);
export type RunbookInput = z.infer<typeof RunbookInput>;

export class InvalidRunbookInput extends Error {
  constructor(issues: string) {
    super(`runbook task input is invalid: ${issues}`);
    this.name = 'Runbook.InvalidInput';
  }
}

export function parseRunbookInput(raw: unknown): RunbookInput {
  const parsed = RunbookInput.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new InvalidRunbookInput(
    parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; '),
  );
}
