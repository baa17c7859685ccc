import { describe, expect, it } from 'vitest';
import { planRoleChanges, RolesBody } from '#core/incident-roles';

const problems = (input: unknown) =>
  RolesBody.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('incident roles', () => {
  it('accepts any roles, at least one, each a person id or null', () => {
    expect(RolesBody.parse({ commander: 'alice', scribe: null })).toEqual({
      commander: 'alice',
      scribe: null,
    });
    expect(problems({})).toEqual([': must name at least one role: commander, techLead, commsLead or scribe']);
    expect(problems({ techLead: 'Bob Smith', lead: 'carol' })).toEqual([
      'techLead: must be 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
      ': Unrecognized key: "lead"',
    ]);
  });

  it('changes only the roles named, and describes what changed for the timeline', () => {
    // Prepare
    const current = { commander: 'bob', scribe: 'carol', commsLead: 'dave' };

    // Act
    const plan = planRoleChanges(current, {
      commander: 'alice',
      techLead: 'erin',
      scribe: null,
      commsLead: 'dave',
    });

    // Assess
    expect(plan.roles).toEqual({ commander: 'alice', techLead: 'erin', commsLead: 'dave' });
    expect(plan.changes).toEqual([
      { role: 'commander', from: 'bob', to: 'alice' },
      { role: 'techLead', to: 'erin' },
      { role: 'scribe', from: 'carol' },
    ]);
    expect(plan.message).toBe(
      'Incident commander: alice (was bob); tech lead: erin; scribe: nobody (was carol)',
    );
  });

  it('has nothing to say when nothing changes', () => {
    expect(planRoleChanges({ commander: 'alice' }, { commander: 'alice', scribe: null })).toEqual({
      roles: { commander: 'alice' },
      changes: [],
      message: undefined,
    });
  });
});
