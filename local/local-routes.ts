import * as z from 'zod';
import { PersonId } from '#core/people';
import { ApiError } from '../lambdas/api/errors';
import type { Routes } from '../lambdas/api/http';
import { parseInput } from '../lambdas/api/input';
import type { SignalOutcome } from '../lambdas/ingest/apply-signal';
import type { IngestReport } from '../lambdas/ingest/ingest-events';
import { INGEST_SOURCES } from '../lib/event-sources';
import type { LocalAutomation } from './local-automation';
import { LocalChangeInput, type LocalChanges } from './local-changes';
import type { LocalWorkflow } from './local-workflow';
import type { RecordingSns } from './recording-sns';

type Outcome = 'opened' | 'joined' | 'deduplicated' | 'resolved' | 'ignored' | 'rejected';

/** The ingest outcomes, as the local API names them (the precise one stays in `detail`). */
const OUTCOME: Record<SignalOutcome['outcome'] | 'rejected', Outcome> = {
  opened: 'opened',
  joined: 'joined',
  refired: 'deduplicated',
  recovered: 'resolved',
  deduplicated: 'deduplicated',
  duplicate: 'deduplicated',
  acknowledged: 'deduplicated',
  noted: 'deduplicated',
  resolved: 'resolved',
  stale: 'ignored',
  ignored: 'ignored',
  rejected: 'rejected',
};

/** `POST /local/subscriptions/confirm`: whose email subscription to confirm, as its confirmation link would. */
const Confirmation = z.strictObject({
  person: PersonId,
  address: z.string().min(1, { error: 'must be the email address the person subscribed' }),
});

/** EventBridge refuses an event over 256 KB at PutEvents, so no target ever receives one. */
export const EVENTBRIDGE_MAX_EVENT_BYTES = 256 * 1024;

function matchesRule(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return true; // let the ingest path reject it, with why
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  return INGEST_SOURCES.some(
    ({ pattern }) =>
      (pattern.source ?? []).includes(String(source)) &&
      (pattern.detailType ?? []).includes(String(detailType)),
  );
}

function eventIdOf(event: unknown): string {
  const id = typeof event === 'object' && event !== null ? (event as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? id : 'unknown';
}

/**
 * Routes only local mode has: replaying AWS events, what would have been sent and run, and recording a change
 * (a deploy) that the diagnosis of recent changes then finds as it finds CloudTrail events when deployed.
 */
export function createLocalRoutes(deps: {
  ingest: (event: unknown) => Promise<IngestReport>;
  sns: RecordingSns;
  workflow: LocalWorkflow;
  automation: LocalAutomation;
  changes: LocalChanges;
}): Routes {
  return {
    'POST /local/events': {
      scope: 'incidents:write',
      handler: async (request) => {
        const events = Array.isArray(request.body) ? request.body : [request.body];
        const results = [];
        for (const event of events) {
          // Measured as its JSON text, close to (and never under) what EventBridge counts.
          const size = Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');
          if (size > EVENTBRIDGE_MAX_EVENT_BYTES) {
            results.push({
              eventId: eventIdOf(event),
              outcome: 'rejected' as Outcome,
              reason: `the event is ${size} bytes; EventBridge delivers no event over ${EVENTBRIDGE_MAX_EVENT_BYTES} bytes (256 KB)`,
            });
            continue;
          }
          if (!matchesRule(event)) {
            const { source, 'detail-type': detailType } = event as Record<string, unknown>;
            results.push({
              outcome: 'ignored' as Outcome,
              reason: `no Firebreak rule matches source ${String(source)}, detail-type ${String(detailType)}`,
            });
            continue;
          }
          const report = await deps.ingest(event);
          for (const result of report.results) {
            if ('result' in result) {
              const detail = result.result.outcome;
              results.push({
                eventId: result.eventId,
                outcome: OUTCOME[detail] ?? 'ignored',
                detail,
                ...('incidentId' in result.result && result.result.incidentId
                  ? { incidentId: result.result.incidentId }
                  : {}),
                ...('reason' in result.result ? { reason: result.result.reason } : {}),
                ...(detail === 'stale'
                  ? { reason: 'older than a change already applied for this alarm' }
                  : {}),
              });
            } else {
              results.push({ ...result, outcome: OUTCOME[result.outcome] ?? 'ignored' });
            }
          }
        }
        return { status: 200, body: { results } };
      },
    },
    'GET /local/notifications': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { items: deps.sns.published } }),
    },
    'GET /local/subscriptions': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { items: deps.sns.list() } }),
    },
    'POST /local/subscriptions/confirm': {
      scope: 'incidents:write',
      handler: async (request) => {
        const { person, address } = parseInput(Confirmation, request.body);
        const confirmed = deps.sns.confirm(person, address);
        if (confirmed.length === 0)
          throw new ApiError(
            404,
            'not_found',
            `no email subscription of ${address} for person ${person} is waiting for confirmation`,
            'address',
          );
        return { status: 200, body: { confirmed } };
      },
    },
    'GET /local/automations': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { items: deps.automation.list() } }),
    },
    'POST /local/changes': {
      scope: 'incidents:write',
      handler: async (request) => ({
        status: 201,
        body: deps.changes.record(parseInput(LocalChangeInput, request.body)),
      }),
    },
    'GET /local/executions': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { items: [...deps.workflow.executions.values()] } }),
    },
  };
}
