import * as z from 'zod';
import type { IncidentQueries } from '#adapters/incident-queries';
import { PROBLEM_ID, type Problem, type ProblemStore } from '#adapters/problem-store';
import { incidentFigures } from '#core/figures';
import type { Incident } from '#core/model';
import { ApiError, cursorPage } from './errors';
import type { Routes } from './http';
import { parseInput } from './input';

export interface ProblemRouteDeps {
  problems: ProblemStore;
  queries: IncidentQueries;
  clock: () => Date;
}

const ProblemListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).optional(),
});

/** A problem in the list: what it is and how many incidents it holds. */
function summary(problem: Problem) {
  return {
    id: problem.id,
    title: problem.title,
    basis: problem.basis,
    status: problem.status,
    incidentCount: problem.incidentIds.length,
    createdAt: problem.createdAt,
    updatedAt: problem.updatedAt,
  };
}

/**
 * One incident of a problem with its downtime: from when Firebreak detected it (`createdAt`) to its
 * resolution, as the figures measure time to resolve; for one still open, up to now, flagged `ongoing`.
 */
function incidentDowntime(incident: Incident, now: Date) {
  const ttr = incidentFigures(incident).ttr;
  const ongoing = ttr === null;
  const seconds = ongoing ? Math.max(0, (now.getTime() - Date.parse(incident.createdAt)) / 1000) : ttr;
  return {
    id: incident.id,
    title: incident.title,
    priority: incident.priority,
    status: incident.status,
    createdAt: incident.createdAt,
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    downtimeSeconds: Math.round(seconds),
    ...(ongoing ? { ongoing: true } : {}),
  };
}

/** Problem records (recurring incidents, see #core/problems): read only; detection writes them. */
export function createProblemRoutes(deps: ProblemRouteDeps): Routes {
  return {
    'GET /problems': {
      scope: 'incidents:read',
      handler: async (request) => {
        const { limit, cursor } = parseInput(ProblemListQuery, request.query);
        const page = await cursorPage(() => deps.problems.list({ limit, ...(cursor ? { cursor } : {}) }));
        return {
          status: 200,
          body: {
            items: page.items.map(summary),
            ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
          },
        };
      },
    },
    'GET /problems/{id}': {
      scope: 'incidents:read',
      handler: async (request) => {
        const id = request.pathParameters.id ?? '';
        const problem = PROBLEM_ID.test(id) ? await deps.problems.get(id) : undefined;
        if (!problem) throw new ApiError(404, 'not_found', `problem ${id} does not exist`, 'id');
        const now = deps.clock();
        const found = await Promise.all(
          problem.incidentIds.map((incidentId) => deps.queries.getIncident(incidentId)),
        );
        const incidents = found
          .filter((incident): incident is Incident => incident !== undefined)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
          .map((incident) => incidentDowntime(incident, now));
        const actionItems = await Promise.all(
          incidents.map((incident) => deps.problems.openActionItems(incident.id)),
        );
        return {
          status: 200,
          body: {
            ...summary(problem),
            incidentIds: problem.incidentIds,
            version: problem.version,
            incidents,
            totalDowntimeSeconds: incidents.reduce((total, incident) => total + incident.downtimeSeconds, 0),
            openActionItems: actionItems
              .flat()
              .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.incidentId.localeCompare(b.incidentId)),
          },
        };
      },
    },
  };
}
