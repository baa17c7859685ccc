import { describe, expect, it } from 'vitest';
import {
  describeResolution,
  OPS_DELIVERY,
  type PagePerson,
  reachable,
  resolveTargets,
  type TargetFacts,
} from '#core/page-targets';

const confirmedSms: PagePerson['contacts'][number] = { type: 'sms', state: 'confirmed' };
const facts = (people: PagePerson[], onCall: Record<string, string | null>): TargetFacts => ({
  people: new Map(people.map((person) => [person.id, person])),
  onCall: new Map(Object.entries(onCall)),
});
const alice: PagePerson = { id: 'alice', contacts: [confirmedSms] };

describe('resolveTargets', () => {
  it('keeps topics, pages the person on call in a schedule, and a named person', () => {
    const resolution = resolveTargets(
      ['orders-primary', 'schedule:primary', 'person:bob'],
      undefined,
      facts([alice, { id: 'bob', contacts: [{ type: 'email', state: 'confirmed' }] }], { primary: 'alice' }),
    );
    expect(resolution.deliveries).toEqual(['orders-primary', 'person:alice', 'person:bob']);
    expect(resolution.resolved.map((one) => one.person)).toEqual([undefined, 'alice', 'bob']);
    expect(describeResolution(resolution)).toBe('orders-primary, schedule:primary → alice, person:bob');
  });

  it('pages the fallback, or the ops topic, when a schedule has nobody on call or does not exist', () => {
    const empty = facts([], { night: null });
    expect(resolveTargets(['schedule:night'], 'backup', empty)).toMatchObject({
      deliveries: ['backup'],
      resolved: [{ target: 'schedule:night', problem: 'nobody is on call in schedule night' }],
    });
    expect(resolveTargets(['schedule:gone'], undefined, empty)).toMatchObject({
      deliveries: [OPS_DELIVERY],
      resolved: [{ problem: 'schedule gone does not exist' }],
    });
    expect(describeResolution(resolveTargets(['schedule:gone'], undefined, empty))).toBe(
      'schedule:gone → the ops topic (schedule gone does not exist)',
    );
  });

  it('pages the fallback instead of a person who does not exist, and besides one nobody can reach', () => {
    const pending: PagePerson = { id: 'dan', contacts: [{ type: 'email', state: 'pending-confirmation' }] };
    const chatOnly: PagePerson = { id: 'erin', contacts: [{ type: 'chat', state: 'confirmed' }] };
    const resolution = resolveTargets(
      ['person:zed', 'person:dan', 'schedule:primary'],
      'backup',
      facts([pending, chatOnly], { primary: 'erin' }),
    );
    expect(resolution.resolved).toEqual([
      { target: 'person:zed', deliverTo: ['backup'], problem: 'person zed does not exist' },
      {
        target: 'person:dan',
        person: 'dan',
        deliverTo: ['person:dan', 'backup'],
        problem: 'dan has no confirmed email or SMS contact',
      },
      {
        target: 'schedule:primary',
        person: 'erin',
        deliverTo: ['person:erin', 'backup'],
        problem: 'erin has no confirmed email or SMS contact',
      },
    ]);
    // Each delivery once, however many targets lead to it.
    expect(resolution.deliveries).toEqual(['backup', 'person:dan', 'person:erin']);
  });

  it('pages the same person once when a schedule and their name both lead to them', () => {
    const resolution = resolveTargets(
      ['schedule:primary', 'person:alice'],
      undefined,
      facts([alice], { primary: 'alice' }),
    );
    expect(resolution.deliveries).toEqual(['person:alice']);
  });

  it('treats a target it cannot read as nobody reached (the configuration check refuses it first)', () => {
    const resolution = resolveTargets(['team:x'], undefined, facts([], {}));
    expect(resolution.deliveries).toEqual([OPS_DELIVERY]);
    expect(resolution.resolved[0]?.problem).toMatch(/^team:x "team:" is not a kind of target/);
  });
});

describe('reachable', () => {
  it('needs a confirmed email or SMS contact', () => {
    expect(reachable(alice)).toBe(true);
    expect(reachable({ id: 'x', contacts: [] })).toBe(false);
    expect(reachable({ id: 'x', contacts: [{ type: 'sms', state: 'failed' }] })).toBe(false);
    expect(reachable({ id: 'x', contacts: [{ type: 'chat', state: 'confirmed' }] })).toBe(false);
  });
});
