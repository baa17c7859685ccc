import type { PeopleStore, StoredPerson } from '#adapters/people-store';
import type { ScheduleStore } from '#adapters/schedule-store';
import { type EscalationConfig, policiesNaming } from '#core/escalation';
import { PersonBody, PersonId } from '#core/people';
import { ApiError, conflict } from './errors';
import type { ApiRequest, Routes } from './http';
import { NoBody, parseInput } from './input';
import type { PeopleContacts } from './people-contacts';

export interface PeopleRouteDeps {
  people: PeopleStore;
  schedules: ScheduleStore;
  /** The contact methods' subscriptions on the people topic. */
  contacts: PeopleContacts;
  /** The deployed policies: a person a level pages by name cannot be deleted. */
  escalation: EscalationConfig;
  clock: () => Date;
}

/**
 * The people routes. Each email and SMS contact method is subscribed to the people topic (filtered on the
 * person's id) when it is added and unsubscribed when it is removed or the person deleted; reading people
 * asks SNS whether the methods waiting for confirmation have been confirmed.
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
        // Subscribing happens before the one write of the person (see PeopleStore.put): a 409 after it leaves
        // subscriptions that the retried PUT finds again, as SNS answers the same one for the same contact.
        const result = await deps.people.put(id.data, body, deps.clock(), deps.contacts.settle);
        if (result.outcome === 'conflict')
          throw conflict(`person ${id.data} is being changed by someone else; try again`);
        return { status: result.outcome === 'created' ? 201 : 200, body: result.person };
      },
    },
    'GET /people': {
      scope: 'incidents:read',
      handler: async () => {
        const people = await deps.people.list();
        return { status: 200, body: { items: await Promise.all(people.map((p) => refreshed(deps, p))) } };
      },
    },
    'GET /people/{id}': {
      scope: 'incidents:read',
      handler: async (request) => ({ status: 200, body: await refreshed(deps, await person(deps, request)) }),
    },
    'DELETE /people/{id}': {
      scope: 'incidents:write',
      handler: async (request) => {
        parseInput(NoBody, request.body);
        let found = await person(deps, request);
        const policies = policiesNaming(deps.escalation, found.id);
        if (policies.length > 0)
          throw conflict(
            `person ${found.id} is paged by name by escalation policy ${policies.join(', ')}: take person:${found.id} out of its levels (firebreak.escalation) and deploy first`,
          );
        const naming = await schedulesNaming(deps.schedules, found.id, deps.clock());
        if (naming.length > 0)
          throw conflict(
            `person ${found.id} is named by schedule ${naming.join(', ')}: take them out of its layers and overrides first`,
          );
        for (let attempt = 1; ; attempt++) {
          // Unsubscribed first: a person is never deleted while a subscription could still page their old
          // addresses. When one cannot be removed, the person stays, with that method `failed`.
          const { contacts, failures } = await deps.contacts.unsubscribeAll(found.contacts);
          if (failures.length > 0) {
            await deps.people.replaceContacts(found, contacts, deps.clock());
            throw new ApiError(
              502,
              'subscription_failed',
              `person ${found.id} is not deleted: unsubscribing ${failures
                .map(({ contact }) => `${contact.type} ${contact.address}`)
                .join(', ')} failed at SNS; try again`,
            );
          }
          if (await deps.people.delete(found)) return { status: 200, body: found };
          // Changed in between (a method added, say): its subscriptions are removed too before trying again;
          // the ones already removed answer as gone.
          if (attempt === MAX_DELETE_ATTEMPTS)
            throw conflict(`person ${found.id} was changed while being deleted; try again`);
          found = await person(deps, request);
        }
      },
    },
  };
}

/** A few writers at once on one person is rare: a few tries, then 409. */
const MAX_DELETE_ATTEMPTS = 3;

export const personNotFound = (id: string) =>
  new ApiError(404, 'not_found', `person ${id} does not exist`, 'id');

/**
 * The person with the states of their methods waiting for confirmation asked of SNS (no call at all when
 * none waits). A change is stored with one conditional write, so every reader sees it; when the person
 * changed in between, the stored person is the answer and the next read refreshes it.
 */
async function refreshed(deps: PeopleRouteDeps, found: StoredPerson): Promise<StoredPerson> {
  const contacts = await deps.contacts.refresh(found.contacts);
  if (!contacts) return found;
  return (
    (await deps.people.replaceContacts(found, contacts, deps.clock())) ??
    (await deps.people.get(found.id)) ??
    found
  );
}

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
