import * as z from 'zod';
import { Category, Priority, Status } from '#core/model';
import { ErrorBody, errors, json } from './openapi';

const READ = [{ jwt: ['incidents:read'] }];

const Basis = z
  .union([
    z.object({
      by: z.literal('alert'),
      alertKey: z.string().describe("The alert's dedup key, or its alert id"),
    }),
    z.object({ by: z.literal('service'), service: z.string(), category: Category }),
  ])
  .describe('Why the incidents are one problem: the same alert, or the same service and category');
const ProblemSummary = z.object({
  id: z.string().describe('`PRB-` and the number of its oldest incident'),
  title: z.string(),
  basis: Basis,
  status: z.literal('open'),
  incidentCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const ProblemPage = z.object({ items: z.array(ProblemSummary), nextCursor: z.string().optional() });
const ProblemIncident = z.object({
  id: z.string(),
  title: z.string(),
  priority: Priority,
  status: Status,
  createdAt: z.string(),
  resolvedAt: z.string().optional(),
  downtimeSeconds: z
    .number()
    .int()
    .describe('From when Firebreak detected it (createdAt) to its resolution; up to now while it is open'),
  ongoing: z.literal(true).optional().describe('Still open: its downtime is counted up to now'),
});
const OpenActionItem = z.object({
  incidentId: z.string(),
  id: z.string(),
  title: z.string(),
  owner: z.string(),
  dueDate: z.string(),
  status: z.literal('open'),
});
const ProblemDetail = ProblemSummary.extend({
  incidentIds: z.array(z.string()),
  version: z.number().int(),
  incidents: z.array(ProblemIncident).describe('Oldest first'),
  totalDowntimeSeconds: z.number().int(),
  openActionItems: z
    .array(OpenActionItem)
    .describe("The open action items of its incidents' reviews, by due date"),
});

/** The problem routes: recurring incidents, read only (the lifecycle's problem detection writes them). */
export function problemPaths() {
  return {
    '/problems': {
      get: {
        summary: 'List problem records (recurring incidents), newest first',
        description:
          'A problem opens when the same alert, or the same service and category, makes `firebreak.problems.threshold` ' +
          'incidents within `windowDays` (3 in 30 by default); later ones extend it. Nobody is paged for it.',
        security: READ,
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: '`nextCursor` of the previous page, unchanged',
            schema: { type: 'string' },
          },
        ],
        responses: { '200': { description: 'A page of problems', ...json(ProblemPage) }, ...errors },
      },
    },
    '/problems/{id}': {
      get: {
        summary: 'One problem, with its incidents, their total downtime and open action items',
        security: READ,
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^PRB-\\d{8}-\\d{4,}$' },
          },
        ],
        responses: {
          '200': { description: 'The problem', ...json(ProblemDetail) },
          ...errors,
          '404': { description: 'No such problem', ...json(ErrorBody) },
        },
      },
    },
  };
}
