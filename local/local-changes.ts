import * as z from 'zod';
import { TEXT_LIMITS } from '#core/limits';
import type { Change, ChangeQuery, ChangeSource } from '../lambdas/runbooks/ports';

/** `POST /local/changes`: a change made to a resource of a service, by someone, at a time (default now). */
export const LocalChangeInput = z.strictObject({
  /** The resource id or ARN an alert would name (an instance id, a load balancer, a function ARN). */
  resource: z.string().trim().min(1).max(TEXT_LIMITS.sourceRef),
  service: z.string().trim().min(1).max(TEXT_LIMITS.name),
  actor: z.string().trim().min(1).max(TEXT_LIMITS.name),
  /** What was done, in a few words: `deployed web v142`. */
  what: z.string().trim().min(1).max(TEXT_LIMITS.title),
  at: z.iso.datetime({ offset: true }).optional(),
});
export type LocalChangeInput = z.infer<typeof LocalChangeInput>;

/**
 * The changes local mode knows of, standing in for CloudTrail and CloudFormation: what `POST /local/changes`
 * recorded, found by the diagnosis of recent changes like the events of those services are.
 */
export class LocalChanges implements ChangeSource {
  private readonly changes: Change[] = [];

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Records a change; throws zod's error, naming the field, for a bad one. */
  record(input: unknown): Change {
    const { resource, service, actor, what, at } = LocalChangeInput.parse(input);
    const change: Change = {
      at: new Date(at ?? this.clock()).toISOString(),
      source: 'local',
      actor,
      what,
      resource,
      service,
    };
    this.changes.push(change);
    return change;
  }

  /** Changes to any of the resources, or to the service, from `from` to `to` (both included), oldest first. */
  async find(query: ChangeQuery): Promise<Change[]> {
    const resources = new Set(query.resources);
    const from = query.from.getTime();
    const to = query.to.getTime();
    return this.changes
      .filter((change) => resources.has(change.resource) || change.service === query.service)
      .filter((change) => {
        const at = Date.parse(change.at);
        return at >= from && at <= to;
      })
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Every recorded change, oldest first. */
  list(): Change[] {
    return [...this.changes].sort((a, b) => a.at.localeCompare(b.at));
  }
}
