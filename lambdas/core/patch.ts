import * as z from 'zod';
import { personText, TEXT_LIMITS } from './limits';
import { Category, type Incident, Level, Priority } from './model';
import { DEFAULT_PRIORITY_POLICY, type PriorityPolicy, prioritize } from './priority';

/** The fields a person may change on an incident, each change recorded with who and why. */
export const IncidentPatchFields = z.strictObject({
  title: personText(TEXT_LIMITS.title).optional(),
  priority: Priority.optional(),
  impact: Level.optional(),
  urgency: Level.optional(),
  assignee: personText(TEXT_LIMITS.name).optional(),
  category: Category.optional(),
  subcategory: personText(TEXT_LIMITS.name).optional(),
});
const changesSomething = (patch: Record<string, unknown>) =>
  Object.entries(patch).some(([field, value]) => field !== 'reason' && value !== undefined);

export const IncidentPatch = IncidentPatchFields.refine(changesSomething, {
  message: 'must change at least one field',
});

/** `PATCH /incidents/{id}`: the changes and why (every change is a timeline entry with who and why). */
export const PatchRequest = IncidentPatchFields.extend({ reason: personText(TEXT_LIMITS.reason) }).refine(
  changesSomething,
  { message: 'must change at least one field' },
);
export type IncidentPatch = z.infer<typeof IncidentPatch>;

export type PatchedField = keyof IncidentPatch;

export interface FieldChange {
  field: PatchedField;
  from: string | undefined;
  to: string;
}

/**
 * What a patch changes: only the fields whose value differs. A new impact or urgency re-derives the priority
 * from the matrix unless the patch sets the priority itself (a person's explicit call wins).
 */
export function planPatch(
  incident: Incident,
  patch: IncidentPatch,
  policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY,
): FieldChange[] {
  const next: Partial<Record<PatchedField, string>> = { ...patch };
  if (patch.priority === undefined && (patch.impact !== undefined || patch.urgency !== undefined)) {
    next.priority = prioritize(patch.impact ?? incident.impact, patch.urgency ?? incident.urgency, policy);
  }
  const changes: FieldChange[] = [];
  for (const field of [
    'title',
    'priority',
    'impact',
    'urgency',
    'assignee',
    'category',
    'subcategory',
  ] as const) {
    const to = next[field];
    if (to !== undefined && to !== incident[field]) changes.push({ field, from: incident[field], to });
  }
  return changes;
}
