import type { IncidentStore } from '#adapters/incident-store';
import { alertKeysOf, type ProblemStore, problemIdFor } from '#adapters/problem-store';
import type { Incident } from '#core/model';
import {
  type ProblemRules,
  problemTitle,
  type RecurrenceBasis,
  type RecurrenceCandidate,
  recurrence,
} from '#core/problems';
import type { AfterResolution } from '../lifecycle/actions';

export interface ProblemDetectionDeps {
  store: IncidentStore;
  problems: ProblemStore;
  rules: ProblemRules;
  clock: () => Date;
}

export type DetectionResult =
  | { kind: 'none' }
  /** The problem opened (or found opened by a concurrent detection) or extended, and the incidents linked. */
  | { kind: 'open' | 'extend'; problemId: string; linked: string[] };

const DAY_MS = 86_400_000;

/** Problem detection as a step after the resolution notice (see LifecycleDeps.afterResolution). */
export function problemDetection(deps: ProblemDetectionDeps): AfterResolution {
  return async (incident) => {
    await detectProblem(deps, incident);
  };
}

/**
 * Whether a resolved incident makes a problem (see #core/problems recurrence): the incidents of its service
 * created within the window before it are read from the `by-service` index. So the same alert is found
 * recurring only within one service: an alert's incidents all carry the service its source names, and one
 * that moves between services is a service-level change people see anyway.
 *
 * Opening puts the problem first (id from the oldest incident, put only if absent, so two incidents
 * resolving at once converge on one record), then links each incident (problemId set only where none is).
 * Extending adds the incidents to the problem's set, then links them. Every write is conditional, so a
 * retried resolution step repeats nothing; nobody is paged or notified: a problem is for root-cause work.
 */
export async function detectProblem(
  deps: ProblemDetectionDeps,
  incident: Incident,
): Promise<DetectionResult> {
  if (incident.mergedInto) return { kind: 'none' };
  const { rules } = deps;
  const from = new Date(Date.parse(incident.createdAt) - rules.windowDays * DAY_MS).toISOString();
  const earlier = await deps.problems.candidates(incident.service, from, incident.createdAt);
  const self: RecurrenceCandidate = {
    id: incident.id,
    createdAt: incident.createdAt,
    service: incident.service,
    category: incident.category,
    alertKeys: alertKeysOf(incident),
    ...(incident.problemId ? { problemId: incident.problemId } : {}),
  };
  const found = recurrence(self, earlier, rules);
  if (found.kind === 'none') return found;

  const now = deps.clock();
  const linkedTo = new Map([...earlier, self].map((c): [string, string | undefined] => [c.id, c.problemId]));
  let problemId: string;
  let members: string[];
  if (found.kind === 'open') {
    problemId = problemIdFor(found.incidents[0] as string);
    members = found.incidents;
    const title = problemTitle(found.basis, members.length, rules.windowDays);
    const created = await deps.problems.putIfAbsent(
      { id: problemId, title, basis: found.basis, incidentIds: members },
      now,
    );
    // Opened meanwhile by another detection (or by this one before a retry): these incidents join it.
    if (!created) await deps.problems.addIncidents(problemId, members, now);
  } else {
    problemId = found.problemId;
    // An incident already linked to another problem stays with it.
    members = found.incidents.filter((id) => {
      const other = linkedTo.get(id);
      return other === undefined || other === problemId;
    });
    await deps.problems.addIncidents(problemId, members, now);
  }
  const linked: string[] = [];
  for (const id of members) {
    if (await link(deps, id, problemId, found.basis, now)) linked.push(id);
  }
  return { kind: found.kind, problemId, linked };
}

/**
 * Links one incident to the problem and writes the timeline entry saying so, at the time the link was
 * written (kept on the incident), so a retry writes the same entry, not a second one. An incident linked
 * to another problem in the meantime leaves this one. True when the incident is linked to `problemId`.
 */
async function link(
  deps: ProblemDetectionDeps,
  incidentId: string,
  problemId: string,
  basis: RecurrenceBasis,
  now: Date,
): Promise<boolean> {
  const linked = await deps.store.linkProblem(incidentId, problemId, now);
  if (!linked) return false;
  if (linked.problemId !== problemId) {
    await deps.problems.removeIncident(problemId, incidentId, now);
    return false;
  }
  await deps.store.appendTimeline({
    incidentId,
    entryId: `problem-${problemId}`,
    at: linked.linkedAt,
    kind: 'problem',
    actor: 'firebreak:lifecycle',
    message: `Linked to problem ${problemId}: ${basisText(basis)}`,
    details: { problemId, basis },
  });
  return true;
}

function basisText(basis: RecurrenceBasis): string {
  return basis.by === 'alert'
    ? `the same alert (${basis.alertKey}) keeps recurring`
    : `${basis.service} (${basis.category}) keeps having incidents`;
}
