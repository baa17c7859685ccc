import * as z from 'zod';
import { personText, TEXT_LIMITS } from '#core/limits';
import { ApiError } from './errors';
import type { ApiRequest, Routes } from './http';
import { idOf, requestKey } from './incident-routes';
import { parseInput } from './input';
import type { RunbookCommands } from './runbook-commands';

/** `POST /incidents/{id}/runbooks`: the binding to run (see `GET /runbooks`). */
export const RunRunbookBody = z.strictObject({
  runbook: personText(TEXT_LIMITS.name).meta({ description: 'The name of a bound runbook' }),
});

/** `POST /incidents/{id}/runbooks/{runId}/approve` and `/reject`: why, optionally. */
export const DecisionBody = z.strictObject({ reason: personText(TEXT_LIMITS.reason).optional() });

/** Run ids, `<binding>-<hash>` (see runIdOf). */
const RUN_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;

function runIdOf(request: ApiRequest): string {
  const runId = request.pathParameters.runId ?? '';
  if (!RUN_ID.test(runId)) throw new ApiError(404, 'not_found', `no runbook run ${runId}`, 'runId');
  return runId;
}

/** The runbook routes: what is bound, an incident's runs, a run on request, and approvals. */
export function createRunbookRoutes(commands: RunbookCommands): Routes {
  const decide = (decision: 'approve' | 'reject') => async (request: ApiRequest) => {
    const { reason } = parseInput(DecisionBody, request.body);
    const run = await commands.decide(idOf(request), runIdOf(request), decision, {
      actor: request.principal.id,
      reason,
    });
    return { status: 200, body: { run } };
  };
  return {
    'GET /runbooks': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { runbooks: commands.bound() } }),
    },
    'GET /incidents/{id}/runbooks': {
      scope: 'incidents:read',
      handler: async (request) => ({ status: 200, body: { runs: await commands.list(idOf(request)) } }),
    },
    'POST /incidents/{id}/runbooks': {
      scope: 'incidents:write',
      handler: async (request) => {
        const { runbook } = parseInput(RunRunbookBody, request.body);
        const run = await commands.request(idOf(request), runbook, {
          actor: request.principal.id,
          key: requestKey(request),
          at: request.receivedAt,
        });
        return { status: 202, body: { run } };
      },
    },
    'POST /incidents/{id}/runbooks/{runId}/approve': { scope: 'incidents:write', handler: decide('approve') },
    'POST /incidents/{id}/runbooks/{runId}/reject': { scope: 'incidents:write', handler: decide('reject') },
  };
}
