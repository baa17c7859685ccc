import * as z from 'zod';
import { PersonId } from './people';

/** The roles people take in a response. */
export const IncidentRole = z.enum(['commander', 'techLead', 'commsLead', 'scribe']);
export type IncidentRole = z.infer<typeof IncidentRole>;

export const ROLE_NAMES: Record<IncidentRole, string> = {
  commander: 'incident commander',
  techLead: 'tech lead',
  commsLead: 'comms lead',
  scribe: 'scribe',
};

/** Who holds each role on an incident (person ids); a role nobody holds is absent. */
export const IncidentRoles = z.partialRecord(IncidentRole, PersonId);
export type IncidentRoles = z.infer<typeof IncidentRoles>;

/** A role in the body: a person id to give it to someone, null to leave it to nobody, absent to keep it. */
const RoleHolder = PersonId.nullable().optional();

/**
 * `PUT /incidents/{id}/roles`: the roles to change. A role left out keeps its holder; `null` takes the
 * role from whoever held it. That the people exist is for the route to check against the store.
 */
export const RolesBody = z
  .strictObject({ commander: RoleHolder, techLead: RoleHolder, commsLead: RoleHolder, scribe: RoleHolder })
  .refine((body) => Object.values(body).some((holder) => holder !== undefined), {
    error: 'must name at least one role: commander, techLead, commsLead or scribe',
  });
export type RolesBody = z.infer<typeof RolesBody>;

export interface RoleChange {
  role: IncidentRole;
  /** Who held it before; absent when nobody did. */
  from?: string;
  /** Who holds it now; absent when nobody does. */
  to?: string;
}

export interface RolesPlan {
  /** The incident's roles after the change. */
  roles: IncidentRoles;
  /** Only the roles whose holder changed, in the order commander, tech lead, comms lead, scribe. */
  changes: RoleChange[];
  /** One line for the timeline, e.g. "Incident commander: alice (was bob); scribe: nobody (was carol)"; undefined when nothing changed. */
  message: string | undefined;
}

/** What a roles body changes on an incident, and the timeline's line for it. */
export function planRoleChanges(current: IncidentRoles, body: RolesBody): RolesPlan {
  const roles: IncidentRoles = { ...current };
  const changes: RoleChange[] = [];
  for (const role of IncidentRole.options) {
    const wanted = body[role];
    if (wanted === undefined) continue;
    const from = current[role];
    const to = wanted ?? undefined;
    if (from === to) continue;
    if (to === undefined) delete roles[role];
    else roles[role] = to;
    changes.push({ role, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
  }
  return { roles, changes, message: describeRoleChanges(changes) };
}

/** The timeline's line for role changes; undefined for none. */
export function describeRoleChanges(changes: readonly RoleChange[]): string | undefined {
  if (changes.length === 0) return undefined;
  const parts = changes.map(({ role, from, to }) => {
    const was = from === undefined ? '' : ` (was ${from})`;
    return `${ROLE_NAMES[role]}: ${to ?? 'nobody'}${was}`;
  });
  const line = parts.join('; ');
  return line.charAt(0).toUpperCase() + line.slice(1);
}
