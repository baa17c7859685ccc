import type { ContactWithState } from './people';
import { readEscalationTarget } from './targets';

/**
 * The delivery target of Firebreak's own ops topic: paged when a level's schedule or person reaches
 * nobody and the level names no fallback. It has a ":" so it never clashes with a configured topic name.
 */
export const OPS_DELIVERY = 'firebreak:ops';

/**
 * Deliveries to a chat channel start with this (`slack:<channel id>`): posted by the chat integration, never
 * published to SNS, and never a person. No escalation target reads as one, so none resolves to it.
 */
export const CHAT_DELIVERY_PREFIX = 'slack:';

export function isChatDelivery(delivery: string): boolean {
  return delivery.startsWith(CHAT_DELIVERY_PREFIX);
}

/** What paging needs to know of a person. */
export interface PagePerson {
  id: string;
  contacts: ReadonlyArray<Pick<ContactWithState, 'type' | 'state'>>;
}

/** The facts at the moment of a page: the people named, and who is on call in each schedule named. */
export interface TargetFacts {
  people: ReadonlyMap<string, PagePerson>;
  /** Schedule id → the person on call then (null: nobody); a schedule that does not exist is absent. */
  onCall: ReadonlyMap<string, string | null>;
}

/** One configured target and what it became at the moment of the page. */
export interface ResolvedTarget {
  /** As the level names it: `schedule:primary`, `person:alice`, `orders-primary`. */
  target: string;
  /** The person paged for it, when it reached one. */
  person?: string;
  /** What is published to: topic names, `person:<id>` (the people topic), OPS_DELIVERY. */
  deliverTo: string[];
  /** Why the fallback was paged too or instead. */
  problem?: string;
}

export interface TargetResolution {
  /** Every delivery target, each once, in the order the level names its targets. */
  deliveries: string[];
  resolved: ResolvedTarget[];
}

/** The contact methods a page reaches through SNS (chat handles are for chat integrations). */
const PAGEABLE: ReadonlySet<string> = new Set(['email', 'sms']);

/** Whether a page to the person reaches anyone: at least one confirmed email or SMS subscription. */
export function reachable(person: PagePerson): boolean {
  return person.contacts.some((contact) => PAGEABLE.has(contact.type) && contact.state === 'confirmed');
}

/**
 * Which people and topics a level's targets page at one moment. A schedule pages whoever is on call; a
 * person (named, or on call) who does not exist pages the fallback instead, and one with no confirmed email
 * or SMS contact is paged and the fallback too; a schedule with nobody on call, or that does not exist,
 * pages the fallback. The fallback is the level's, else the ops topic: a page is never silent.
 */
export function resolveTargets(
  targets: readonly string[],
  fallback: string | undefined,
  facts: TargetFacts,
): TargetResolution {
  const instead = fallback ?? OPS_DELIVERY;
  const resolved = targets.map((target): ResolvedTarget => {
    const parsed = readEscalationTarget(target);
    if ('problem' in parsed) return { target, deliverTo: [instead], problem: `${target} ${parsed.problem}` };
    if (parsed.kind === 'topic') return { target, deliverTo: [parsed.name] };
    if (parsed.kind === 'person') return { target, ...personPage(parsed.id, facts, instead) };
    const onCall = facts.onCall.get(parsed.id);
    if (onCall === undefined)
      return { target, deliverTo: [instead], problem: `schedule ${parsed.id} does not exist` };
    if (onCall === null)
      return { target, deliverTo: [instead], problem: `nobody is on call in schedule ${parsed.id}` };
    return { target, ...personPage(onCall, facts, instead) };
  });
  return { deliveries: [...new Set(resolved.flatMap((one) => one.deliverTo))], resolved };
}

function personPage(id: string, facts: TargetFacts, instead: string): Omit<ResolvedTarget, 'target'> {
  const person = facts.people.get(id);
  if (!person) return { deliverTo: [instead], problem: `person ${id} does not exist` };
  const delivery = `person:${id}`;
  if (!reachable(person))
    return {
      person: id,
      deliverTo: [delivery, instead],
      problem: `${id} has no confirmed email or SMS contact`,
    };
  return { person: id, deliverTo: [delivery] };
}

/** How a delivery target reads in a message: `alice`, `orders-primary`, `the ops topic`. */
export function deliveryName(delivery: string): string {
  if (delivery === OPS_DELIVERY) return 'the ops topic';
  return delivery.startsWith('person:') ? delivery.slice('person:'.length) : delivery;
}

/**
 * The targets as the timeline says them: a topic by its name, a resolved target with what it paged
 * (`schedule:primary → alice`), and a fallback with its reason (`schedule:primary → the ops topic (nobody
 * is on call in schedule primary)`).
 */
export function describeResolution(resolution: TargetResolution): string {
  return resolution.resolved
    .map(({ target, deliverTo, problem }) => {
      if (deliverTo.length === 1 && deliverTo[0] === target) return target;
      const paged = deliverTo.map(deliveryName).join(' and ');
      return `${target} → ${paged}${problem ? ` (${problem})` : ''}`;
    })
    .join(', ');
}
