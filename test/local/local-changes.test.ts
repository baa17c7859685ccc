import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LocalChanges } from '../../local/local-changes';

const NOW = new Date('2026-03-14T09:30:00.000Z');
const minutesBefore = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

describe('LocalChanges (CloudTrail and CloudFormation in local mode)', () => {
  it('records a change, at now unless it says when', () => {
    const changes = new LocalChanges(() => NOW);

    const now = changes.record({
      resource: 'i-0a7c',
      service: 'web',
      actor: 'ci',
      what: 'deployed web v142',
    });
    const earlier = changes.record({
      resource: 'i-0a7c',
      service: 'web',
      actor: 'alice',
      what: 'resized',
      at: '2026-03-14T10:20:00+01:00',
    });

    expect(now).toEqual({
      at: NOW.toISOString(),
      source: 'local',
      actor: 'ci',
      what: 'deployed web v142',
      resource: 'i-0a7c',
      service: 'web',
    });
    expect(earlier.at).toBe('2026-03-14T09:20:00.000Z');
  });

  it('finds the changes to any of the resources or to the service within the window, oldest first', async () => {
    const changes = new LocalChanges(() => NOW);
    const at = (minutes: number) => minutesBefore(minutes).toISOString();
    changes.record({ resource: 'i-0a7c', service: 'web', actor: 'ci', what: 'deployed web v142', at: at(4) });
    changes.record({ resource: 'lb-1', service: 'web', actor: 'bob', what: 'listener rule', at: at(30) });
    changes.record({ resource: 'i-0a7c', service: 'batch', actor: 'ops', what: 'retagged', at: at(10) });
    changes.record({ resource: 'db-1', service: 'orders', actor: 'dba', what: 'parameter group', at: at(5) });
    changes.record({ resource: 'i-0a7c', service: 'web', actor: 'ci', what: 'too old', at: at(200) });
    changes.record({ resource: 'i-0a7c', service: 'web', actor: 'ci', what: 'after', at: at(-1) });

    const found = await changes.find({
      resources: ['i-0a7c', 'arn:aws:ec2:us-east-1:1:instance/i-0a7c'],
      service: 'web',
      from: minutesBefore(180),
      to: NOW,
    });

    expect(found.map((change) => change.what)).toEqual(['listener rule', 'retagged', 'deployed web v142']);
  });

  it('refuses a change without a field it needs, or with one it does not know, naming it', () => {
    const changes = new LocalChanges(() => NOW);

    const missing = () => changes.record({ resource: 'i-0a7c', actor: 'ci', what: 'deployed' });
    const unknown = () =>
      changes.record({ resource: 'i-0a7c', service: 'web', actor: 'ci', what: 'x', stack: 'web-prod' });
    const badTime = () =>
      changes.record({ resource: 'i-0a7c', service: 'web', actor: 'ci', what: 'x', at: 'yesterday' });

    expect(missing).toThrow(z.ZodError);
    expect(() => missing()).toThrow(/service/);
    expect(unknown).toThrow(/stack/);
    expect(badTime).toThrow(/at/);
    expect(changes.list()).toEqual([]);
  });
});
