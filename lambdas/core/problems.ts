import * as z from 'zod';
import type { Category } from './model';

/**
 * When incidents recur enough to be a problem (`firebreak.problems`): `threshold` incidents, this one
 * included, within `windowDays` of each other, of the same alert or of the same service and category.
 */
export const ProblemRules = z.strictObject({
  threshold: z
    .number()
    .int({ error: 'must be a whole number of incidents' })
    .min(2, { error: 'must be at least 2 incidents' })
    .default(3),
  windowDays: z
    .number()
    .int({ error: 'must be a whole number of days' })
    .min(1, { error: 'must be at least 1 day' })
    .max(365, { error: 'must be at most 365 days' })
    .default(30),
});
export type ProblemRules = z.infer<typeof ProblemRules>;
export const DEFAULT_PROBLEM_RULES: ProblemRules = { threshold: 3, windowDays: 30 };

/** What recurrence reads of an incident. */
export interface RecurrenceCandidate {
  id: string;
  createdAt: string;
  service: string;
  category: Category;
  /** Its alerts' dedup keys. */
  alertKeys: readonly string[];
  /** The problem it is linked to, if any. */
  problemId?: string;
  /** Merged into another incident: its recurrence is the other one's. */
  mergedInto?: string;
}

/** How incidents were found to recur: the same alert, or the same service and category. */
export type RecurrenceBasis =
  | { by: 'alert'; alertKey: string }
  | { by: 'service'; service: string; category: Category };

export type Recurrence =
  | { kind: 'none' }
  /** Open a new problem for these incidents (oldest first, `incident` last). */
  | { kind: 'open'; basis: RecurrenceBasis; incidents: string[] }
  /** Link these incidents to the problem one of them already has. */
  | { kind: 'extend'; problemId: string; basis: RecurrenceBasis; incidents: string[] };

const DAY_MS = 86_400_000;

/**
 * Whether `incident` makes a problem, given incidents created before it (any order; those outside the window,
 * merged ones and itself are ignored). The window is inclusive: an incident exactly `windowDays` earlier
 * counts. The same alert is tried first (the most specific), then the same service and category. When one of
 * the recurring incidents is already linked to a problem, that problem (the newest incident's) is extended
 * instead of opening another.
 */
export function recurrence(
  incident: RecurrenceCandidate,
  earlier: readonly RecurrenceCandidate[],
  rules: ProblemRules = DEFAULT_PROBLEM_RULES,
): Recurrence {
  const end = Date.parse(incident.createdAt);
  const start = end - rules.windowDays * DAY_MS;
  const inWindow = earlier.filter((other) => {
    const at = Date.parse(other.createdAt);
    return other.id !== incident.id && !other.mergedInto && at >= start && at <= end;
  });
  const bases: Array<{ basis: RecurrenceBasis; matches: (other: RecurrenceCandidate) => boolean }> = [
    ...incident.alertKeys.map((alertKey) => ({
      basis: { by: 'alert' as const, alertKey },
      matches: (other: RecurrenceCandidate) => other.alertKeys.includes(alertKey),
    })),
    {
      basis: { by: 'service', service: incident.service, category: incident.category },
      matches: (other) => other.service === incident.service && other.category === incident.category,
    },
  ];
  for (const { basis, matches } of bases) {
    const members = inWindow
      .filter(matches)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    if (members.length + 1 < rules.threshold) continue;
    const incidents = [...members.map((member) => member.id), incident.id];
    const linked = [incident, ...[...members].reverse()].find((member) => member.problemId)?.problemId;
    return linked
      ? { kind: 'extend', problemId: linked, basis, incidents }
      : { kind: 'open', basis, incidents };
  }
  return { kind: 'none' };
}

/** What a problem's title says about why it exists. */
export function problemTitle(basis: RecurrenceBasis, count: number, windowDays: number): string {
  const what = basis.by === 'alert' ? `alert ${basis.alertKey}` : `${basis.service} (${basis.category})`;
  return `Recurring: ${what}, ${count} incidents within ${windowDays} days`;
}
