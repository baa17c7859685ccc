import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { type CloudTrailClient, type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { Change, ChangeQuery, ChangeSource } from '../runbooks/ports';

/** Resources looked up in CloudTrail per diagnosis (LookupEvents allows two requests a second). */
export const MAX_LOOKUP_RESOURCES = 5;
/** Events asked for per resource. */
export const LOOKUP_MAX_RESULTS = 50;
/** Pages of stack events read at most (newest first, so the window is usually in the first). */
const MAX_STACK_EVENT_PAGES = 3;
/** Changes returned at most, newest first. */
export const MAX_CHANGES = 20;

/**
 * Recent changes to an alert's resources and service, from the account's own records: CloudTrail
 * management events naming each resource (read-only calls left out) and the CloudFormation events of the
 * service's stack, newest first.
 */
export class AwsChangeFinder implements ChangeSource {
  constructor(
    private readonly cloudtrail: Pick<CloudTrailClient, 'send'>,
    private readonly cloudformation: Pick<CloudFormationClient, 'send'>,
  ) {}

  async find(query: ChangeQuery): Promise<Change[]> {
    const resources = [...new Set([...query.resources, ...(query.stackName ? [query.stackName] : [])])].slice(
      0,
      MAX_LOOKUP_RESOURCES,
    );
    const found: Change[] = [];
    const seen = new Set<string>();
    // One lookup after the other: CloudTrail throttles parallel lookups from one account.
    for (const resource of resources) {
      for (const change of await this.cloudTrailChanges(resource, query)) {
        if (seen.has(change.key)) continue;
        seen.add(change.key);
        found.push(change.change);
      }
    }
    if (query.stackName) found.push(...(await this.stackChanges(query.stackName, query)));
    return found.sort((a, b) => b.at.localeCompare(a.at)).slice(0, MAX_CHANGES);
  }

  private async cloudTrailChanges(
    resource: string,
    query: ChangeQuery,
  ): Promise<Array<{ key: string; change: Change }>> {
    const result = await this.cloudtrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: resource }],
        StartTime: query.from,
        EndTime: query.to,
        MaxResults: LOOKUP_MAX_RESULTS,
      }),
    );
    return (result.Events ?? [])
      .filter((event) => event.ReadOnly !== 'true' && event.EventTime && event.EventName)
      .map((event) => ({
        key: event.EventId ?? `${event.EventTime?.toISOString()}:${event.EventName}:${resource}`,
        change: {
          at: (event.EventTime as Date).toISOString(),
          source: 'cloudtrail' as const,
          actor: actorOf(event),
          what: event.EventName as string,
          resource,
          service: query.service,
        },
      }));
  }

  private async stackChanges(stackName: string, query: ChangeQuery): Promise<Change[]> {
    const changes: Change[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_STACK_EVENT_PAGES; page++) {
      let result: { StackEvents?: StackEvent[]; NextToken?: string };
      try {
        result = await this.cloudformation.send(
          new DescribeStackEventsCommand({
            StackName: stackName,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (error) {
        // The service is not a stack's name (or the stack is gone): nothing to find there.
        if (
          error instanceof Error &&
          error.name === 'ValidationError' &&
          /does not exist/i.test(error.message)
        )
          return [];
        throw error;
      }
      const events = result.StackEvents ?? [];
      for (const event of events) {
        const at = event.Timestamp;
        if (!at || at < query.from || at > query.to || !isChange(event, stackName)) continue;
        changes.push({
          at: at.toISOString(),
          source: 'cloudformation',
          actor: 'CloudFormation',
          what: stackLevel(event, stackName)
            ? `${event.ResourceStatus}`
            : `${event.LogicalResourceId} ${event.ResourceStatus}`,
          resource: stackName,
          service: query.service,
        });
      }
      const oldest = events.at(-1)?.Timestamp;
      nextToken = result.NextToken;
      if (!nextToken || (oldest && oldest < query.from)) break;
    }
    return changes;
  }
}

function actorOf(event: Event): string {
  if (event.Username) return event.Username;
  try {
    const detail = JSON.parse(event.CloudTrailEvent ?? '{}') as { userIdentity?: { arn?: string } };
    return detail.userIdentity?.arn ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function stackLevel(event: StackEvent, stackName: string): boolean {
  return event.ResourceType === 'AWS::CloudFormation::Stack' && event.LogicalResourceId === stackName;
}

/** The stack's own completed or failed operations, and any resource that failed in them. */
function isChange(event: StackEvent, stackName: string): boolean {
  const status = event.ResourceStatus ?? '';
  if (stackLevel(event, stackName)) return status.endsWith('_COMPLETE') || status.endsWith('_FAILED');
  return status.endsWith('_FAILED');
}
