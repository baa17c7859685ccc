import * as z from 'zod';
import { MAX_FIGURES_RANGE_DAYS } from '#adapters/incident-figures-source';
import { NO_TEAM } from '#core/figures';
import { DEFAULT_SUMMARY_DAYS, DEFAULT_TREND_WEEKS, MAX_TREND_WEEKS } from './metrics-routes';
import { errors, json } from './openapi';

const READ = [{ jwt: ['incidents:read'] }];

const Seconds = z.number().nullable();
const FigureStats = z
  .object({ mean: Seconds, p50: Seconds, p90: Seconds })
  .describe('Seconds; each null when no incident of the group has the figure. Percentiles are nearest-rank');
const FIGURES =
  'TTD = detection (createdAt) − the first signal’s own time; TTA = first acknowledgement − detection; ' +
  'TTR = resolution − detection (resolved or closed incidents only). An incident merged into another is ' +
  'not counted. The SLA is breached when the lifecycle marked it, or the first acknowledgement came after ' +
  'respondBy. See lambdas/core/figures.ts.';

const Summary = z.object({
  from: z.string().describe('Start of the range, included (ISO 8601)'),
  to: z.string().describe('End of the range, excluded (ISO 8601)'),
  groups: z
    .array(
      z.object({
        key: z.string().describe(`The priority, service or team (incidents with none: "${NO_TEAM}")`),
        count: z.number().int(),
        mttd: FigureStats,
        mtta: FigureStats,
        mttr: FigureStats,
        slaBreached: z.number().int().describe('Incidents of the group whose response SLA was breached'),
      }),
    )
    .describe('In key order (P1 first); a group only when it has incidents'),
});

const Trend = z.object({
  weeks: z
    .array(
      z.object({
        week: z.string().describe('The week’s Monday (UTC), yyyy-mm-dd'),
        count: z.number().int(),
        byPriority: z.object({
          P1: z.number().int(),
          P2: z.number().int(),
          P3: z.number().int(),
          P4: z.number().int(),
        }),
        mtta: FigureStats,
        mttr: FigureStats,
        slaBreached: z.number().int(),
      }),
    )
    .describe('Oldest first, this week last; a week with no incidents is listed with zero counts'),
});

const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

/** `GET /metrics/summary` and `GET /metrics/trend`: the response figures, for reports and charts. */
export function metricsPaths() {
  return {
    '/metrics/summary': {
      get: {
        summary: 'MTTD, MTTA, MTTR and SLA breaches of the incidents created in a range, grouped',
        description: `${FIGURES} The range is at most ${MAX_FIGURES_RANGE_DAYS} days.`,
        security: READ,
        parameters: [
          query('from', `Start of the range, included (default: ${DEFAULT_SUMMARY_DAYS} days before to)`, {
            type: 'string',
            format: 'date-time',
          }),
          query('to', 'End of the range, excluded (default: now)', { type: 'string', format: 'date-time' }),
          query('groupBy', 'What the groups are (default: priority)', {
            type: 'string',
            enum: ['priority', 'service', 'team'],
          }),
        ],
        responses: {
          '200': { description: 'The figures per group', ...json(Summary) },
          ...errors,
          '400': {
            description: `Invalid query: \`error.field\` names it (from not before to, or more than ${MAX_FIGURES_RANGE_DAYS} days before it: \`from\`)`,
            content: errors['400'].content,
          },
        },
      },
    },
    '/metrics/trend': {
      get: {
        summary: 'Incidents, MTTA, MTTR and SLA breaches per week, for charts',
        description: `Weeks start Monday 00:00 UTC; each holds the incidents created in it. ${FIGURES}`,
        security: READ,
        parameters: [
          query('weeks', `How many weeks, this one included (default: ${DEFAULT_TREND_WEEKS})`, {
            type: 'integer',
            minimum: 1,
            maximum: MAX_TREND_WEEKS,
          }),
        ],
        responses: { '200': { description: 'One entry per week', ...json(Trend) }, ...errors },
      },
    },
  };
}
