import * as z from 'zod';
import { type Level, Priority } from './model';

/** Impact (rows) × urgency (columns) → priority. */
export const PriorityMatrix = z.strictObject({
  high: z.strictObject({ high: Priority, medium: Priority, low: Priority }),
  medium: z.strictObject({ high: Priority, medium: Priority, low: Priority }),
  low: z.strictObject({ high: Priority, medium: Priority, low: Priority }),
});
export type PriorityMatrix = z.infer<typeof PriorityMatrix>;

/** Minutes within which someone must respond (acknowledge), per priority. */
export const ResponseSla = z.strictObject({
  P1: z.number().int().positive(),
  P2: z.number().int().positive(),
  P3: z.number().int().positive(),
  P4: z.number().int().positive(),
});
export type ResponseSla = z.infer<typeof ResponseSla>;

export const PriorityPolicy = z.strictObject({ matrix: PriorityMatrix, responseSlaMinutes: ResponseSla });
export type PriorityPolicy = z.infer<typeof PriorityPolicy>;

export const DEFAULT_PRIORITY_POLICY: PriorityPolicy = {
  matrix: {
    high: { high: 'P1', medium: 'P2', low: 'P3' },
    medium: { high: 'P2', medium: 'P3', low: 'P4' },
    low: { high: 'P3', medium: 'P4', low: 'P4' },
  },
  responseSlaMinutes: { P1: 15, P2: 60, P3: 240, P4: 1440 },
};

export function prioritize(
  impact: Level,
  urgency: Level,
  policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY,
): Priority {
  return policy.matrix[impact][urgency];
}

/** The response deadline for an incident of this priority detected at `detectedAt`. */
export function respondBy(
  priority: Priority,
  detectedAt: string,
  policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY,
): string {
  return new Date(Date.parse(detectedAt) + policy.responseSlaMinutes[priority] * 60_000).toISOString();
}

const RANK: Record<Priority, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

/** Whether `candidate` is more urgent than `current` (P1 outranks P2). */
export function outranks(candidate: Priority, current: Priority): boolean {
  return RANK[candidate] < RANK[current];
}

/**
 * The response deadline after an incident's priority was raised at `now`: the new priority's SLA from
 * now, never later than the deadline already standing.
 */
export function raisedRespondBy(
  priority: Priority,
  standing: string,
  now: Date,
  policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY,
): string {
  const fresh = respondBy(priority, now.toISOString(), policy);
  return fresh < standing ? fresh : standing;
}
