import * as z from 'zod';
import { MAX_FIGURES_RANGE_DAYS } from '#adapters/incident-figures-source';
import type { IncidentQueries } from '#adapters/incident-queries';
import { summarize, trend, weekOf } from '#core/figures';
import { ApiError } from './errors';
import type { Routes } from './http';
import { parseInput } from './input';

export interface MetricsRouteDeps {
  queries: Pick<IncidentQueries, 'incidentsCreatedBetween'>;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** The summary's range when the query names none: the last 30 days. */
export const DEFAULT_SUMMARY_DAYS = 30;
export const DEFAULT_TREND_WEEKS = 12;
/** A year of weeks: the trend's range stays inside MAX_FIGURES_RANGE_DAYS. */
export const MAX_TREND_WEEKS = 52;

const Instant = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 instant with Z or an offset, like 2026-11-01T00:00:00Z',
  })
  .transform((text) => new Date(Date.parse(text)));

/** `GET /metrics/summary`: incidents created in `[from, to)`, grouped. */
export const SummaryQuery = z.strictObject({
  from: Instant.optional().describe(
    `Start of the range, included (default: ${DEFAULT_SUMMARY_DAYS} days before to)`,
  ),
  to: Instant.optional().describe('End of the range, excluded (default: now)'),
  groupBy: z.enum(['priority', 'service', 'team']).default('priority'),
});

/** `GET /metrics/trend`: the last `weeks` weeks, this one included. */
export const TrendQuery = z.strictObject({
  weeks: z.coerce.number().int().min(1).max(MAX_TREND_WEEKS).default(DEFAULT_TREND_WEEKS),
});

/** The figures of the incidents (lambdas/core/figures.ts), read from the by-created index, never a Scan. */
export function createMetricsRoutes(deps: MetricsRouteDeps): Routes {
  return {
    'GET /metrics/summary': {
      scope: 'incidents:read',
      handler: async (request) => {
        const query = parseInput(SummaryQuery, request.query);
        const to = query.to ?? new Date(request.receivedAt);
        const from = query.from ?? new Date(to.getTime() - DEFAULT_SUMMARY_DAYS * DAY_MS);
        checkRange(from, to);
        const incidents = await deps.queries.incidentsCreatedBetween(from, to);
        return {
          status: 200,
          body: {
            from: from.toISOString(),
            to: to.toISOString(),
            groups: summarize(incidents, query.groupBy),
          },
        };
      },
    },
    'GET /metrics/trend': {
      scope: 'incidents:read',
      handler: async (request) => {
        const { weeks } = parseInput(TrendQuery, request.query);
        const now = new Date(request.receivedAt);
        // Whole weeks: from the first week's Monday to the Monday after this one (nothing is created later).
        const thisWeek = Date.parse(`${weekOf(now)}T00:00:00.000Z`);
        const from = new Date(thisWeek - (weeks - 1) * WEEK_MS);
        const to = new Date(thisWeek + WEEK_MS);
        const incidents = await deps.queries.incidentsCreatedBetween(from, to);
        return { status: 200, body: { weeks: trend(incidents, weeks, now) } };
      },
    },
  };
}

/** from before to, at most MAX_FIGURES_RANGE_DAYS apart: 400 naming `from` otherwise. */
function checkRange(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime())
    throw new ApiError(400, 'invalid_request', 'from: must be before to', 'from');
  if (to.getTime() - from.getTime() > MAX_FIGURES_RANGE_DAYS * DAY_MS)
    throw new ApiError(
      400,
      'invalid_request',
      `from: must be at most ${MAX_FIGURES_RANGE_DAYS} days before to`,
      'from',
    );
}
