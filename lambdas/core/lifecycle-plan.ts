import * as z from 'zod';
import { type EscalationConfig, escalationSchedule, selectPolicy } from './escalation';
import type { Incident } from './model';
import { Priority } from './model';

/** How long the lifecycle keeps watching an incident nobody acknowledged after escalation ran out. */
const WATCH_INTERVAL_SECONDS = 3600;
const WATCH_DAYS = 7;
/** Reminders are bounded too, so no execution nears the history limit. */
const REMINDER_DAYS = 7;

export const PlannedPage = z.object({
  round: z.number().int().min(1),
  level: z.number().int().min(1),
  levelName: z.string(),
  targets: z.array(z.string()).min(1),
  /** The topic paged when a schedule or person target reaches nobody (the ops topic when absent). */
  fallback: z.string().optional(),
  /** Seconds to wait after the previous page before this one (0 for the first). */
  delaySeconds: z.number().int().min(0),
});
export type PlannedPage = z.infer<typeof PlannedPage>;

/** Everything the state machine needs to walk an incident's timers; computed once when it starts. */
export const LifecyclePlan = z.object({
  policy: z.string(),
  priority: Priority,
  steps: z.array(PlannedPage).min(1),
  ackTimeoutSeconds: z.number().int().positive(),
  /** Seconds until the response deadline (0 if it has passed already). */
  slaSeconds: z.number().int().min(0),
  /** 0 when this priority gets no reminders. */
  reminderSeconds: z.number().int().min(0),
  reminderLimit: z.number().int().min(0),
  watchSeconds: z.number().int().positive(),
  watchLimit: z.number().int().positive(),
});
export type LifecyclePlan = z.infer<typeof LifecyclePlan>;

/**
 * The lifecycle plan for an incident: its escalation policy's paging steps (with the delay before each),
 * the acknowledgement timeout and reminder interval for its priority, and the seconds left to its response
 * deadline at `now`.
 */
export function planLifecycle(config: EscalationConfig, incident: Incident, now: Date): LifecyclePlan {
  const { name, policy } = selectPolicy(config, incident);
  const schedule = escalationSchedule(policy);
  const steps = schedule.map((page, index) => ({
    round: page.round,
    level: page.level,
    levelName: page.levelName,
    targets: page.targets,
    ...(page.fallback ? { fallback: page.fallback } : {}),
    delaySeconds: index === 0 ? 0 : (page.atMinute - (schedule[index - 1]?.atMinute ?? 0)) * 60,
  }));
  const reminderMinutes = policy.reminderMinutes[incident.priority];
  const reminderSeconds = reminderMinutes === undefined ? 0 : reminderMinutes * 60;
  return {
    policy: name,
    priority: incident.priority,
    steps,
    ackTimeoutSeconds: policy.ackTimeoutMinutes[incident.priority] * 60,
    slaSeconds: Math.max(0, Math.ceil((Date.parse(incident.respondBy) - now.getTime()) / 1000)),
    reminderSeconds,
    reminderLimit: reminderSeconds === 0 ? 0 : Math.ceil((REMINDER_DAYS * 86_400) / reminderSeconds),
    watchSeconds: WATCH_INTERVAL_SECONDS,
    watchLimit: Math.ceil((WATCH_DAYS * 86_400) / WATCH_INTERVAL_SECONDS),
  };
}

/** Where the escalation goes after one step of a cycle, and when. */
export type EscalationProgress = {
  nextIndex: number;
  hasNext: boolean;
  /** Seconds the plan puts between this step and the next (0 when there is none). */
  delaySeconds: number;
  /** When the next step is due (ISO 8601): this step's due time plus that delay. */
  nextAt: string;
};

/**
 * The step after `step`, due a fixed delay after `dueAt` (when `step` itself was due, not when it was
 * done): time spent paging, retrying or recording a failure never pushes the rest of the chain back.
 */
export function escalationProgress(plan: LifecyclePlan, step: number, dueAt: Date): EscalationProgress {
  if (Number.isNaN(dueAt.getTime())) throw new RangeError('the due time of an escalation step is not a time');
  const next = plan.steps[step + 1];
  const delaySeconds = next?.delaySeconds ?? 0;
  return {
    nextIndex: step + 1,
    hasNext: next !== undefined,
    delaySeconds,
    nextAt: new Date(dueAt.getTime() + delaySeconds * 1000).toISOString(),
  };
}
