import * as z from 'zod';
import { jsonVariable } from './json-variable';
import type { Incident } from './model';

/**
 * What must be true before an incident may be closed (`POST /incidents/{id}/close`), each item named as the
 * 409 lists it:
 * - `resolved`: the incident is resolved;
 * - `resolution-summary`: what was done to resolve it is written down;
 * - `root-cause-or-problem`: the root cause is recorded, or a problem record is linked for the root-cause work;
 * - `stakeholders-notified`: the resolution notice went out;
 * - `review`: the post-incident review is scheduled or completed (a draft alone is not).
 */
export const ChecklistItem = z.enum([
  'resolved',
  'resolution-summary',
  'root-cause-or-problem',
  'stakeholders-notified',
  'review',
]);
export type ChecklistItem = z.infer<typeof ChecklistItem>;

const Items = z.array(ChecklistItem).refine((items) => new Set(items).size === items.length, {
  error: 'must not name an item twice',
});

/** Which items each priority needs (`firebreak.closingChecklist`); `resolved` is always needed. */
export const ClosingChecklistConfig = z.strictObject({ P1: Items, P2: Items, P3: Items, P4: Items });
export type ClosingChecklistConfig = z.infer<typeof ClosingChecklistConfig>;

const EVERY_ITEM = ChecklistItem.options;
const WITHOUT_REVIEW = EVERY_ITEM.filter((item) => item !== 'review');

/** P1 and P2 are reviewed; P3 and P4 need everything else. */
export const DEFAULT_CLOSING_CHECKLIST: ClosingChecklistConfig = {
  P1: [...EVERY_ITEM],
  P2: [...EVERY_ITEM],
  P3: [...WITHOUT_REVIEW],
  P4: [...WITHOUT_REVIEW],
};

/** The API function's CLOSING_CHECKLIST variable; absent, the default checklist. */
export const ClosingChecklistJson = jsonVariable(ClosingChecklistConfig, 'closing checklist').optional();

/** A review's state as far as closing cares. */
export type ReviewState = 'draft' | 'scheduled' | 'completed';

/** What the checklist reads besides the incident: its review and its problem, when there are any. */
export interface ClosingFacts {
  review?: { state: ReviewState };
  problemId?: string;
}

export type ChecklistIncident = Pick<
  Incident,
  'status' | 'priority' | 'resolution' | 'rootCause' | 'notices'
>;

/** The resolution notice's key in `notices`: the lifecycle records it when the notice went out. */
export const RESOLUTION_NOTICE_KEY = 'resolution';

const DONE: Record<ChecklistItem, (incident: ChecklistIncident, facts: ClosingFacts) => boolean> = {
  resolved: (incident) => incident.status === 'resolved' || incident.status === 'closed',
  'resolution-summary': (incident) => (incident.resolution ?? '').trim().length > 0,
  'root-cause-or-problem': (incident, facts) =>
    (incident.rootCause ?? '').trim().length > 0 || facts.problemId !== undefined,
  'stakeholders-notified': (incident) => incident.notices[RESOLUTION_NOTICE_KEY] !== undefined,
  review: (_incident, facts) => facts.review?.state === 'scheduled' || facts.review?.state === 'completed',
};

/** The items still missing for closing `incident`, in the checklist's order; none means it may close. */
export function missingForClose(
  incident: ChecklistIncident,
  facts: ClosingFacts,
  config: ClosingChecklistConfig = DEFAULT_CLOSING_CHECKLIST,
): ChecklistItem[] {
  const needed = new Set<ChecklistItem>(['resolved', ...config[incident.priority]]);
  return EVERY_ITEM.filter((item) => needed.has(item) && !DONE[item](incident, facts));
}

/** The 409's message: what is missing, in words a responder acts on. */
export function checklistMessage(incidentId: string, missing: readonly ChecklistItem[]): string {
  const words: Record<ChecklistItem, string> = {
    resolved: 'resolve it',
    'resolution-summary': 'write the resolution summary',
    'root-cause-or-problem': 'record the root cause or link a problem',
    'stakeholders-notified': 'let the resolution notice reach the stakeholders',
    review: 'schedule or complete the post-incident review',
  };
  return `incident ${incidentId} cannot be closed yet: ${missing.map((item) => words[item]).join('; ')}`;
}
