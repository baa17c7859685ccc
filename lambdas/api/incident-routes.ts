import * as z from 'zod';
import type { IncidentQueries } from '#adapters/incident-queries';
import { personText, TEXT_LIMITS } from '#core/limits';
import { ManualIncident, manualSignal } from '#core/manual';
import { Category, Priority, Status } from '#core/model';
import { IncidentPatch, PatchRequest } from '#core/patch';
import { type ApplySignalDeps, applySignal } from '../ingest/apply-signal';
import type { IncidentCommands } from './commands';
import { ApiError, cursorPage, notFound } from './errors';
import type { ApiRequest, Routes } from './http';
import { NoBody, parseInput } from './input';
import { type ManualPaging, StatusUpdate } from './paging';

export const ListQuery = z.strictObject({
  status: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(Status).min(1))
    .optional(),
  priority: Priority.optional(),
  service: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  category: Category.optional(),
  since: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).optional(),
});

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).optional(),
});

/** Incident ids, `INC-<yyyymmdd>-<number>`, as the path and the merge body spell them. */
const INCIDENT_ID = /^INC-\d{8}-\d{4,}$/;

/** `POST /incidents/{id}/merge`: the incident to merge `{id}` into. */
export const MergeBody = z.strictObject({
  into: z.string().regex(INCIDENT_ID, { error: 'must be an incident id, like INC-20261127-0042' }),
});

export const ResolveBody = z.strictObject({
  resolution: personText(TEXT_LIMITS.note),
  rootCause: personText(TEXT_LIMITS.note).optional(),
});
export const NoteBody = z.strictObject({ message: personText(TEXT_LIMITS.note) });

export interface IncidentRouteDeps {
  queries: IncidentQueries;
  commands: IncidentCommands;
  paging: ManualPaging;
  ingest: ApplySignalDeps;
}

/** The routes people, dashboards and chat tools use. */
export function createIncidentRoutes(deps: IncidentRouteDeps): Routes {
  const { queries, commands, paging } = deps;
  return {
    'GET /incidents': {
      scope: 'incidents:read',
      handler: async (request) => {
        const { limit, cursor, ...filter } = parseInput(ListQuery, request.query);
        return {
          status: 200,
          body: await cursorPage(() =>
            queries.listIncidents(filter, { limit, ...(cursor ? { cursor } : {}) }),
          ),
        };
      },
    },
    'POST /incidents': {
      scope: 'incidents:write',
      handler: async (request) => {
        const report = parseInput(ManualIncident, request.body);
        const signal = manualSignal(report, {
          requestKey: requestKey(request),
          actor: request.principal.id,
          now: request.receivedAt,
        });
        const result = await applySignal(deps.ingest, signal);
        const id = 'incidentId' in result ? result.incidentId : undefined;
        if (!id) throw new Error(`reporting an incident ended ${result.outcome}`);
        return { status: 201, body: await incident(queries, id), headers: { location: `/incidents/${id}` } };
      },
    },
    'GET /incidents/{id}': {
      scope: 'incidents:read',
      handler: async (request) => ({ status: 200, body: await incident(queries, idOf(request)) }),
    },
    'GET /incidents/{id}/timeline': {
      scope: 'incidents:read',
      handler: async (request) => {
        const id = idOf(request);
        await incident(queries, id);
        const { limit, cursor } = parseInput(PageQuery, request.query);
        return {
          status: 200,
          body: await cursorPage(() => queries.listTimeline(id, { limit, ...(cursor ? { cursor } : {}) })),
        };
      },
    },
    'GET /incidents/{id}/alerts': {
      scope: 'incidents:read',
      handler: async (request) => {
        const id = idOf(request);
        const { limit, cursor } = parseInput(PageQuery, request.query);
        const alerts = await cursorPage(() =>
          queries.listAlerts(id, { limit, ...(cursor ? { cursor } : {}) }),
        );
        if (!alerts) throw notFound(id);
        return { status: 200, body: alerts };
      },
    },
    'POST /incidents/{id}/merge': {
      scope: 'incidents:write',
      handler: async (request) => {
        const { into } = parseInput(MergeBody, request.body);
        return { status: 200, body: await commands.merge(idOf(request), into, request.principal.id) };
      },
    },
    'POST /incidents/{id}/acknowledge': {
      scope: 'incidents:write',
      handler: async (request) => {
        parseInput(NoBody, request.body);
        return { status: 200, body: await commands.acknowledge(idOf(request), request.principal.id) };
      },
    },
    'POST /incidents/{id}/resolve': {
      scope: 'incidents:write',
      handler: async (request) => {
        const body = parseInput(ResolveBody, request.body);
        return {
          status: 200,
          body: await commands.resolve(idOf(request), request.principal.id, body.resolution, body.rootCause),
        };
      },
    },
    'POST /incidents/{id}/close': {
      scope: 'incidents:write',
      handler: async (request) => {
        parseInput(NoBody, request.body);
        return { status: 200, body: await commands.close(idOf(request), request.principal.id) };
      },
    },
    'POST /incidents/{id}/notes': {
      scope: 'incidents:write',
      handler: async (request) => {
        const body = parseInput(NoteBody, request.body);
        const entry = await commands.addNote(
          idOf(request),
          request.principal.id,
          body.message,
          requestKey(request),
        );
        return { status: 201, body: entry };
      },
    },
    // `"public": true` also puts the update on the public status page: its message shown to anyone,
    // verbatim, so a person should write it for customers (the OpenAPI description says so too).
    'POST /incidents/{id}/updates': {
      scope: 'incidents:write',
      handler: async (request) => {
        const update = parseInput(StatusUpdate, request.body);
        return {
          status: 200,
          body: await paging.postUpdate(idOf(request), update, request.principal.id, requestKey(request)),
        };
      },
    },
    'POST /incidents/{id}/escalate': {
      scope: 'incidents:write',
      handler: async (request) => {
        parseInput(NoBody, request.body);
        return {
          status: 200,
          body: await paging.escalateNow(idOf(request), request.principal.id, requestKey(request)),
        };
      },
    },
    'PATCH /incidents/{id}': {
      scope: 'incidents:write',
      handler: async (request) => {
        const { reason, ...patch } = parseInput(PatchRequest, request.body);
        const expectedVersion = ifMatch(request);
        return {
          status: 200,
          body: await commands.patch(idOf(request), IncidentPatch.parse(patch), {
            actor: request.principal.id,
            reason,
            ...(expectedVersion === undefined ? {} : { expectedVersion }),
          }),
        };
      },
    },
  };
}

export function idOf(request: ApiRequest): string {
  const id = request.pathParameters.id ?? '';
  if (!INCIDENT_ID.test(id)) throw new ApiError(404, 'not_found', `no incident ${id}`, 'id');
  return id;
}

async function incident(queries: IncidentQueries, id: string) {
  const found = await queries.getIncident(id);
  if (!found) throw notFound(id);
  return found;
}

/** The client's Idempotency-Key, else the request id: what makes a retried write a no-op. */
export function requestKey(request: ApiRequest): string {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return request.requestId;
  if (!/^[\w.:-]{1,128}$/.test(key)) {
    throw new ApiError(
      400,
      'invalid_request',
      'Idempotency-Key: 1-128 letters, digits, ".", ":", "-" or "_"',
      'idempotency-key',
    );
  }
  return key;
}

/** `If-Match: 3` (or `"3"`): the version the change was made against. */
function ifMatch(request: ApiRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const version = Number(raw.replaceAll('"', ''));
  if (!Number.isInteger(version) || version < 1) {
    throw new ApiError(400, 'invalid_request', 'If-Match: the incident version, a whole number', 'if-match');
  }
  return version;
}
