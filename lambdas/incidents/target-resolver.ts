import type { PeopleStore } from '#adapters/people-store';
import { overrideRules, type ScheduleStore } from '#adapters/schedule-store';
import { type PagePerson, resolveTargets, type TargetResolution } from '#core/page-targets';
import { onCallAt } from '#core/schedules';
import { readEscalationTarget } from '#core/targets';

/** Resolves a level's targets at the moment of a page; see resolveTargets. */
export interface TargetResolver {
  resolve(targets: readonly string[], fallback: string | undefined, at: Date): Promise<TargetResolution>;
}

/**
 * Reads the schedules and people a level names (nothing when it names only topics, so a topic-only
 * configuration pays no read), works out who is on call at `at`, and resolves the targets.
 */
export class DirectoryTargetResolver implements TargetResolver {
  constructor(
    private readonly people: Pick<PeopleStore, 'get'>,
    private readonly schedules: Pick<ScheduleStore, 'get' | 'overrides'>,
  ) {}

  async resolve(
    targets: readonly string[],
    fallback: string | undefined,
    at: Date,
  ): Promise<TargetResolution> {
    const scheduleIds = new Set<string>();
    const personIds = new Set<string>();
    for (const target of targets) {
      const parsed = readEscalationTarget(target);
      if ('problem' in parsed || parsed.kind === 'topic') continue;
      (parsed.kind === 'schedule' ? scheduleIds : personIds).add(parsed.id);
    }
    const onCall = new Map<string, string | null>();
    await Promise.all(
      [...scheduleIds].map(async (id) => {
        const [schedule, overrides] = await Promise.all([
          this.schedules.get(id),
          this.schedules.overrides(id),
        ]);
        if (!schedule) return;
        const { person } = onCallAt(schedule, overrideRules(overrides), at.toISOString());
        onCall.set(id, person);
        if (person !== null) personIds.add(person);
      }),
    );
    const people = new Map<string, PagePerson>();
    await Promise.all(
      [...personIds].map(async (id) => {
        const person = await this.people.get(id);
        if (person) people.set(id, { id, contacts: person.contacts });
      }),
    );
    return resolveTargets(targets, fallback, { people, onCall });
  }
}

/** The resolver of a configuration without people: every target is a topic (anything else is refused). */
export const TOPICS_ONLY: TargetResolver = {
  resolve: async (targets, fallback) => {
    const named = targets.find((target) => target.includes(':'));
    if (named)
      throw new Error(
        `target ${named} needs the people and schedules store, which this function was not given`,
      );
    return resolveTargets(targets, fallback, { people: new Map(), onCall: new Map() });
  },
};
