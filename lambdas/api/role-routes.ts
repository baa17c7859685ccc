import type { PeopleStore } from '#adapters/people-store';
import { IncidentRole, RolesBody } from '#core/incident-roles';
import type { IncidentCommands } from './commands';
import { ApiError } from './errors';
import type { Routes } from './http';
import { idOf, requestKey } from './incident-routes';
import { parseInput } from './input';

export interface RoleRouteDeps {
  people: PeopleStore;
  commands: IncidentCommands;
}

/** `PUT /incidents/{id}/roles`: who leads the response, writes the updates, takes notes. */
export function createRoleRoutes(deps: RoleRouteDeps): Routes {
  return {
    'PUT /incidents/{id}/roles': {
      scope: 'incidents:write',
      handler: async (request) => {
        const id = idOf(request);
        const body = parseInput(RolesBody, request.body);
        await requireRolePeople(deps.people, body);
        const incident = await deps.commands.setRoles(id, body, {
          actor: request.principal.id,
          requestKey: requestKey(request),
        });
        return { status: 200, body: incident };
      },
    },
  };
}

/** Everyone given a role must exist: 400 naming the first role (in the body's role order) whose person does not. */
async function requireRolePeople(people: PeopleStore, body: RolesBody): Promise<void> {
  const named = IncidentRole.options.flatMap((role) => {
    const personId = body[role];
    return typeof personId === 'string' ? [{ role, personId }] : [];
  });
  const found = await Promise.all(named.map(({ personId }) => people.get(personId)));
  const missing = named.find((_, index) => found[index] === undefined);
  if (missing) {
    throw new ApiError(
      400,
      'invalid_request',
      `${missing.role}: person ${missing.personId} does not exist; PUT /people/${missing.personId} first`,
      missing.role,
    );
  }
}
