import type { PeopleStore } from '#adapters/people-store';
import type { ScheduleStore } from '#adapters/schedule-store';
import { PersonBody, PersonId } from '#core/people';
import { ApiError, conflict } from './errors';
import type { ApiRequest, Routes } from './http';
import { NoBody, parseInput } from './input';

export interface PeopleRouteDeps {
  people: PeopleStore;
  schedules: ScheduleStore;
  clock: () => Date;
}

/**
 * The people routes. Contact methods are stored with their planned state (see planContactChanges); nothing
 * is subscribed at SNS yet, so a method's state is what it will be once paging people is wired.
 */
export function createPeopleRoutes(deps: PeopleRouteDeps): Routes {
  return {
    'PUT /people/{id}': {
      scope: 'incidents:write',
      handler: async (request) => {
        const id = PersonId.safeParse(request.pathParameters.id ?? '');
        if (!id.success)
          throw new ApiError(400, 'invalid_request', `id: ${id.error.issues[0]?.message}`, 'id');
        const body = parseInput(PersonBody, request.body);
        const result = await deps.people.put(id.data, body, deps.clock());
        if (result.outcome === 'conflict')
          throw conflict(`person ${id.data} is being changed by someone else; try again`);
        return { status: result.outcome === 'created' ? 201 : 200, body: result.person };
      },
    },
    'GET /people': {
      scope: 'incidents:read',
      handler: async () => ({ status: 200, body: { items: await deps.people.list() } }),
    },
    'GET /people/{id}': {
      scope: 'incidents:read',
      handler: async (request) => ({ status: 200, body: await person(deps, request) }),
    },
    'DELETE /people/{id}': {
      scope: 'incidents:write',
      handler: async (request) => {
        parseInput(NoBody, request.body);
        const found = await person(deps, request);
        const naming = await schedulesNaming(deps.schedules, found.id, deps.clock());
        if (naming.length > 0)
          throw conflict(
            `person ${found.id} is named by schedule ${naming.join(', ')}: take them out of its layers and overrides first`,
          );
        if (!(await deps.people.delete(found)))
          throw conflict(`person ${found.id} was changed while being deleted; try again`);
        return { status: 200, body: found };
      },
    },
  };
}

export const personNotFound = (id: string) =>
  new ApiError(404, 'not_found', `person ${id} does not exist`, 'id');

async function person(deps: PeopleRouteDeps, request: ApiRequest) {
  const id = request.pathParameters.id ?? '';
  const found = PersonId.safeParse(id).success ? await deps.people.get(id) : undefined;
  if (!found) throw personNotFound(id);
  return found;
}

/**
 * The schedules that name a person: in a layer, or in an override that has not ended (an ended override
 * is history; it keeps the id it was made with). Read without a lock: a schedule written at the same moment
 * as a delete can still name someone just deleted, and the on-call answer then names an unknown id.
 */
export async function schedulesNaming(
  schedules: ScheduleStore,
  personId: string,
  now: Date,
): Promise<string[]> {
  const naming: string[] = [];
  for (const schedule of await schedules.list()) {
    if (schedule.layers.some((layer) => layer.people.includes(personId))) {
      naming.push(schedule.id);
      continue;
    }
    const overrides = await schedules.overrides(schedule.id);
    if (
      overrides.some((override) => override.person === personId && Date.parse(override.end) > now.getTime())
    )
      naming.push(schedule.id);
  }
  return naming;
}
