import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { PageLog } from '#adapters/page-log';
import type { PeopleStore } from '#adapters/people-store';
import { overrideRules, type ScheduleStore } from '#adapters/schedule-store';
import { fairnessReport } from '#core/fairness';
import { MAX_SHIFTS_RANGE_DAYS, Override, onCallAt, ScheduleBody, ScheduleId, shifts } from '#core/schedules';
import { DAY_MS, isoOf } from '#core/wall-clock';
import { ApiError, conflict } from './errors';
import type { ApiRequest, Routes } from './http';
import { requestKey } from './incident-routes';
import { NoBody, parseInput } from './input';

export interface ScheduleRouteDeps {
  people: PeopleStore;
  schedules: ScheduleStore;
  /** Pages to people, for the fairness report's pages received. */
  pages: Pick<PageLog, 'list'>;
  clock: () => Date;
}

const Instant = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 instant with Z or an offset, like 2026-03-29T09:00:00Z',
  })
  .transform((text) => isoOf(Date.parse(text)));

/** `GET /schedules/{id}/oncall`: at an instant, now when not given. */
export const OnCallQuery = z.strictObject({ at: Instant.optional() });

/** `GET /schedules/{id}/shifts`: a range of at most MAX_SHIFTS_RANGE_DAYS. */
export const ShiftsQuery = z
  .strictObject({ from: Instant, to: Instant })
  .refine((range) => Date.parse(range.to) >= Date.parse(range.from), {
    path: ['to'],
    error: 'must not be before from',
  })
  .refine((range) => Date.parse(range.to) - Date.parse(range.from) <= MAX_SHIFTS_RANGE_DAYS * DAY_MS, {
    path: ['to'],
    error: `must be at most ${MAX_SHIFTS_RANGE_DAYS} days after from`,
  });

/** Override ids: `ov-` and 16 hex digits of the schedule and the request's idempotency key. */
const OVERRIDE_ID = /^ov-[0-9a-f]{16}$/;

export function createScheduleRoutes(deps: ScheduleRouteDeps): Routes {
  return {
    'PUT /schedules/{id}': {
      scope: 'incidents:write',
      handler: async (request) => {
        const id = ScheduleId.safeParse(request.pathParameters.id ?? '');
        if (!id.success)
          throw new ApiError(400, 'invalid_request', `id: ${id.error.issues[0]?.message}`, 'id');
        const body = parseInput(ScheduleBody, request.body);
        await requireLayerPeople(deps.people, body);
        const result = await deps.schedules.put(id.data, body, deps.clock());
        if (result.outcome === 'conflict')
          throw conflict(`schedule ${id.data} is being changed by someone else; try again`);
        return { status: result.outcome === 'created' ? 201 : 200, body: result.schedule };
      },
    },
    'GET /schedules': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { items: await deps.schedules.list() } }),
    },
    'GET /schedules/{id}': {
      scope: 'incidents:read',
      handler: async (request) => {
        const found = await schedule(deps, request);
        return { status: 200, body: { ...found, overrides: await deps.schedules.overrides(found.id) } };
      },
    },
    'POST /schedules/{id}/overrides': {
      scope: 'incidents:write',
      handler: async (request) => {
        const body = parseInput(Override, request.body);
        const found = await schedule(deps, request);
        if (!(await deps.people.get(body.person)))
          throw new ApiError(
            400,
            'invalid_request',
            `person: ${body.person} does not exist; PUT /people/${body.person} first`,
            'person',
          );
        const id = `ov-${createHash('sha256')
          .update(`${found.id}\n${requestKey(request)}`)
          .digest('hex')
          .slice(0, 16)}`;
        const { override, created } = await deps.schedules.addOverride(found.id, {
          ...body,
          id,
          createdAt: deps.clock().toISOString(),
          createdBy: request.principal.id,
        });
        return { status: created ? 201 : 200, body: override };
      },
    },
    'DELETE /schedules/{id}/overrides/{overrideId}': {
      scope: 'incidents:write',
      handler: async (request) => {
        parseInput(NoBody, request.body);
        const found = await schedule(deps, request);
        const overrideId = request.pathParameters.overrideId ?? '';
        const deleted = OVERRIDE_ID.test(overrideId)
          ? await deps.schedules.deleteOverride(found.id, overrideId)
          : undefined;
        if (!deleted)
          throw new ApiError(
            404,
            'not_found',
            `schedule ${found.id} has no override ${overrideId}`,
            'overrideId',
          );
        return { status: 200, body: deleted };
      },
    },
    'GET /schedules/{id}/oncall': {
      scope: 'incidents:read',
      handler: async (request) => {
        const { at } = parseInput(OnCallQuery, request.query);
        const { found, overrides } = await scheduleRules(deps, request);
        return { status: 200, body: onCallAt(found, overrides, at ?? request.receivedAt) };
      },
    },
    'GET /schedules/{id}/shifts': {
      scope: 'incidents:read',
      handler: async (request) => {
        const { from, to } = parseInput(ShiftsQuery, request.query);
        const { found, overrides } = await scheduleRules(deps, request);
        return { status: 200, body: { from, to, shifts: shifts(found, overrides, from, to) } };
      },
    },
    'GET /schedules/{id}/report': {
      scope: 'incidents:read',
      handler: async (request) => {
        const { from, to } = parseInput(ShiftsQuery, request.query);
        const { found, overrides } = await scheduleRules(deps, request);
        const list = shifts(found, overrides, from, to);
        // Everyone who was on call in the range; their pages count whichever schedule paged them.
        const onCall = [...new Set(list.flatMap((shift) => (shift.person === null ? [] : [shift.person])))];
        const [people, pages] = await Promise.all([
          deps.people.list(),
          Promise.all(onCall.map((person) => deps.pages.list(person, from, to))),
        ]);
        const rows = fairnessReport(list, people, pages.flat(), from, to, found.timeZone);
        return { status: 200, body: { from, to, timeZone: found.timeZone, people: rows } };
      },
    },
  };
}

async function schedule(deps: ScheduleRouteDeps, request: ApiRequest) {
  const id = request.pathParameters.id ?? '';
  const found = ScheduleId.safeParse(id).success ? await deps.schedules.get(id) : undefined;
  if (!found) throw new ApiError(404, 'not_found', `schedule ${id} does not exist`, 'id');
  return found;
}

/**
 * A schedule and its overrides, as the on-call arithmetic reads them: both read at once (one round trip),
 * 404 when there is no such schedule.
 */
async function scheduleRules(deps: ScheduleRouteDeps, request: ApiRequest) {
  const id = request.pathParameters.id ?? '';
  const valid = ScheduleId.safeParse(id).success;
  const [found, overrides] = valid
    ? await Promise.all([deps.schedules.get(id), deps.schedules.overrides(id)])
    : [undefined, []];
  if (!found) throw new ApiError(404, 'not_found', `schedule ${id} does not exist`, 'id');
  return { found, overrides: overrideRules(overrides) };
}

/** Every person a layer names must exist: 400 naming the first who does not, by its place in the body. */
async function requireLayerPeople(people: PeopleStore, body: ScheduleBody): Promise<void> {
  if (body.layers.every((layer) => layer.people.length === 0)) return;
  const known = new Set((await people.list()).map((person) => person.id));
  body.layers.forEach((layer, layerIndex) => {
    layer.people.forEach((personId, index) => {
      if (!known.has(personId)) {
        const field = `layers[${layerIndex}].people[${index}]`;
        throw new ApiError(
          400,
          'invalid_request',
          `${field}: ${personId} does not exist; PUT /people/${personId} first`,
          field,
        );
      }
    });
  });
}
