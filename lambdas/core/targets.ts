import * as z from 'zod';
import { PersonId } from './people';
import { ScheduleId } from './schedules';

/**
 * What an escalation level pages: whoever is on call in a schedule when the page goes out
 * (`schedule:<id>`), one person (`person:<id>`), or a notification topic named as today (`orders-primary`).
 */
export type EscalationTarget =
  | { kind: 'schedule'; id: string }
  | { kind: 'person'; id: string }
  | { kind: 'topic'; name: string };

/**
 * A topic target's name: the rule of TargetName in escalation.ts (it names an SNS topic), repeated here
 * until escalation levels take these targets. A topic name has no ":", so the prefixed forms never clash
 * with a topic that exists today.
 */
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const KINDS = 'schedule:<id>, person:<id> or a topic name (1-64 letters, digits, "-" or "_")';

/** The target a level's text names, or what is wrong with it. */
export function readEscalationTarget(text: string): EscalationTarget | { problem: string } {
  const colon = text.indexOf(':');
  if (colon === -1) {
    return TOPIC_NAME.test(text) ? { kind: 'topic', name: text } : { problem: `must be ${KINDS}` };
  }
  const kind = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (kind === 'schedule' || kind === 'person') {
    const idRule = kind === 'schedule' ? ScheduleId : PersonId;
    const checked = idRule.safeParse(id);
    return checked.success
      ? { kind, id }
      : { problem: `${kind}:<id>: the ${kind} id ${checked.error.issues[0]?.message ?? 'is not valid'}` };
  }
  return { problem: `"${kind}:" is not a kind of target; a target must be ${KINDS}` };
}

/** A level's target as text in, the parsed target out; the message says what the text must be. */
export const EscalationTarget = z.string().transform((text, ctx): EscalationTarget => {
  const target = readEscalationTarget(text);
  if ('problem' in target) {
    ctx.issues.push({ code: 'custom', message: target.problem, input: text });
    return z.NEVER;
  }
  return target;
});

/** The text that names `target`: what readEscalationTarget reads back to the same target. */
export function formatEscalationTarget(target: EscalationTarget): string {
  return target.kind === 'topic' ? target.name : `${target.kind}:${target.id}`;
}
