import * as z from 'zod';
import { Category, type Incident, type Priority } from '#core/model';
import { readEscalationTarget } from '#core/targets';

/**
 * A logical notification target ("orders-primary", "engineering-manager"). CDK maps each one to an SNS
 * topic, so the name is kept to what a topic name and a CloudFormation logical id can carry.
 */
const TargetName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
  error: 'must be 1-64 letters, digits, "-" or "_" (it names an SNS topic)',
});

/**
 * What a level pages: `schedule:<id>` (whoever is on call when the page goes out), `person:<id>`, or a
 * notification target (a topic) as above. Kept as text, so plans and records carry it as written.
 */
const LevelTarget = z.string().superRefine((text, ctx) => {
  const target = readEscalationTarget(text);
  if ('problem' in target) ctx.addIssue({ code: 'custom', message: target.problem });
});

const Minutes = z.number().int({ error: 'must be a whole number of minutes' });

export const EscalationLevel = z.strictObject({
  name: z.string().min(1, { error: 'must not be empty' }),
  /**
   * Minutes after the previous level was paged (for level 1: after escalation starts) before this level is
   * paged. Relative, not cumulative: delays 0 / 15 / 15 page at minutes 0, 15 and 30.
   */
  delayMinutes: Minutes.min(0, { error: 'must be 0 or more minutes' }),
  targets: z.array(LevelTarget).min(1, { error: 'must name at least one target' }),
  /**
   * The topic paged instead when a `schedule:` target has nobody on call, or a `person:` target does not
   * exist or has no confirmed contact method; without it, the ops topic is paged. Never silent either way.
   */
  fallback: TargetName.optional(),
});
export type EscalationLevel = z.infer<typeof EscalationLevel>;

/** Minutes an acknowledgement may stand without a resolution before paging starts again, per priority. */
export const AckTimeout = z.strictObject({
  P1: Minutes.positive({ error: 'must be at least 1 minute' }),
  P2: Minutes.positive({ error: 'must be at least 1 minute' }),
  P3: Minutes.positive({ error: 'must be at least 1 minute' }),
  P4: Minutes.positive({ error: 'must be at least 1 minute' }),
});
export type AckTimeout = z.infer<typeof AckTimeout>;

/** Minutes between status-update reminders while open, per priority; a missing priority gets none. */
export const ReminderInterval = z.strictObject({
  P1: Minutes.positive({ error: 'must be at least 1 minute' }).optional(),
  P2: Minutes.positive({ error: 'must be at least 1 minute' }).optional(),
  P3: Minutes.positive({ error: 'must be at least 1 minute' }).optional(),
  P4: Minutes.positive({ error: 'must be at least 1 minute' }).optional(),
});
export type ReminderInterval = z.infer<typeof ReminderInterval>;

export const EscalationPolicy = z.strictObject({
  /** For people (messages, dashboards); routes refer to a policy by its key in `policies`. */
  name: z.string().min(1, { error: 'must not be empty' }),
  levels: z.array(EscalationLevel).min(1, { error: 'must have at least one level' }),
  /** How many times the whole chain runs again after its last level; 0 = once through. */
  repeat: z
    .number()
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be between 0 and 9' })
    .max(9, { error: 'must be between 0 and 9' }),
  ackTimeoutMinutes: AckTimeout,
  reminderMinutes: ReminderInterval,
  /** Who gets reminders, updates and resolution notices. Required so a configured reminder goes somewhere. */
  stakeholders: z.array(TargetName).min(1, { error: 'must name at least one target' }),
  /** Paged when escalation is exhausted or a response SLA is breached. */
  management: TargetName,
});
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;

/** Routes to a policy when every field it gives matches the incident. */
export const EscalationRoute = z
  .strictObject({
    team: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
    category: Category.optional(),
    policy: z.string().min(1, { error: 'must name a policy' }),
  })
  .refine(
    (route) => route.team !== undefined || route.service !== undefined || route.category !== undefined,
    {
      // A route without criteria would never match (see selectPolicy): almost certainly a mistake.
      error: 'must give at least one of team, service or category',
    },
  );
export type EscalationRoute = z.infer<typeof EscalationRoute>;

export const EscalationConfig = z
  .strictObject({
    policies: z.record(z.string().min(1), EscalationPolicy),
    routes: z.array(EscalationRoute),
    defaultPolicy: z.string().min(1, { error: 'must name a policy' }),
  })
  .superRefine((config, ctx) => {
    const known = new Set(Object.keys(config.policies));
    config.routes.forEach((route, index) => {
      if (!known.has(route.policy)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', index, 'policy'],
          message: `no policy named "${route.policy}"`,
        });
      }
    });
    if (!known.has(config.defaultPolicy)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultPolicy'],
        message: `no policy named "${config.defaultPolicy}"`,
      });
    }
  });
export type EscalationConfig = z.infer<typeof EscalationConfig>;

/**
 * The common three-level chain. Delays are relative to the previous level, so 0 / 15 / 15 pages the primary
 * on-call at minute 0, the secondary at minute 15 and the engineering manager at minute 30; the chain then
 * runs once more (repeat 1) before escalation is exhausted and management is paged.
 */
export const DEFAULT_ESCALATION_CONFIG: EscalationConfig = {
  policies: {
    default: {
      name: 'default',
      levels: [
        { name: 'primary on-call', delayMinutes: 0, targets: ['primary-on-call'] },
        { name: 'secondary on-call', delayMinutes: 15, targets: ['secondary-on-call'] },
        { name: 'engineering manager', delayMinutes: 15, targets: ['engineering-manager'] },
      ],
      repeat: 1,
      ackTimeoutMinutes: { P1: 30, P2: 60, P3: 240, P4: 1440 },
      reminderMinutes: { P1: 30, P2: 30 },
      stakeholders: ['stakeholders'],
      management: 'management',
    },
  },
  routes: [],
  defaultPolicy: 'default',
};

/**
 * Parses the `escalation` context of cdk.json, failing with every problem at once, each as
 * `escalation.<path>: <message>`, so a bad policy stops the synth rather than a page at 3 a.m.
 */
export function parseEscalationConfig(raw: unknown): EscalationConfig {
  const result = EscalationConfig.safeParse(raw, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
  });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) =>
    // One line per unknown key, at the key's own path, so the line points at what to delete.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `escalation${formatPath([...issue.path, key])}: unknown key`)
      : [`escalation${formatPath(issue.path)}: ${issue.message}`],
  );
  throw new Error(`Invalid escalation configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
}

/**
 * The policy for an incident: the first route whose given fields (team, service, category) all match,
 * else the default policy. A route that gives none of the fields never matches (the schema rejects it too).
 */
export function selectPolicy(
  config: EscalationConfig,
  incident: Pick<Incident, 'team' | 'service' | 'category'>,
): { name: string; policy: EscalationPolicy } {
  const route = config.routes.find(
    (r) =>
      (r.team !== undefined || r.service !== undefined || r.category !== undefined) &&
      (r.team === undefined || r.team === incident.team) &&
      (r.service === undefined || r.service === incident.service) &&
      (r.category === undefined || r.category === incident.category),
  );
  const name = route?.policy ?? config.defaultPolicy;
  const policy = config.policies[name];
  // Only reachable with a config that skipped parseEscalationConfig.
  if (!policy) throw new Error(`No escalation policy named "${name}"`);
  return { name, policy };
}

/** The policies, by key, whose levels page `person:<id>` by name (a schedule naming them is another matter). */
export function policiesNaming(config: EscalationConfig, personId: string): string[] {
  const target = `person:${personId}`;
  return Object.entries(config.policies)
    .filter(([, policy]) => policy.levels.some((level) => level.targets.includes(target)))
    .map(([key]) => key);
}

/** A position in the chain: round 1 is the first pass; level 0 means nothing of the round is paged yet. */
export type EscalationPosition = { round: number; level: number };

/** The next page to send: which level of which round, to whom, and how many minutes to wait first. */
export type EscalationStep = {
  exhausted: false;
  round: number;
  level: number;
  levelName: string;
  delayMinutes: number;
  targets: string[];
  fallback?: string;
};

export type NextEscalation = EscalationStep | { exhausted: true };

/**
 * What to page after `current` (the last level paged) and how many minutes to wait first. Within a round the
 * wait is the next level's delay; the first level of a repeated round waits its own delay but at least one
 * minute, so a repeat is never instantaneous. After the last level of the last round: exhausted.
 */
export function nextEscalation(policy: EscalationPolicy, current: EscalationPosition): NextEscalation {
  const rounds = policy.repeat + 1;
  const { round, level } = current;
  if (!Number.isInteger(round) || round < 1 || round > rounds) {
    throw new RangeError(`Escalation round ${round} is outside 1..${rounds} of policy "${policy.name}"`);
  }
  if (!Number.isInteger(level) || level < 0 || level > policy.levels.length) {
    throw new RangeError(
      `Escalation level ${level} is outside 0..${policy.levels.length} of policy "${policy.name}"`,
    );
  }
  if (level < policy.levels.length) {
    return page(policy, round, level + 1, levelAt(policy, level + 1).delayMinutes);
  }
  if (round < rounds) {
    return page(policy, round + 1, 1, Math.max(1, levelAt(policy, 1).delayMinutes));
  }
  return { exhausted: true };
}

function page(policy: EscalationPolicy, round: number, level: number, delayMinutes: number): EscalationStep {
  const { name, targets, fallback } = levelAt(policy, level);
  return {
    exhausted: false,
    round,
    level,
    levelName: name,
    delayMinutes,
    targets,
    ...(fallback ? { fallback } : {}),
  };
}

function levelAt(policy: EscalationPolicy, level: number): EscalationLevel {
  const found = policy.levels[level - 1];
  if (!found) throw new RangeError(`Policy "${policy.name}" has no level ${level}`);
  return found;
}

export type ScheduledPage = {
  round: number;
  level: number;
  levelName: string;
  atMinute: number;
  targets: string[];
  fallback?: string;
};

/**
 * The full paging plan if nobody acknowledges: every level of every round (repeat + 1 rounds), each with
 * its cumulative minute offset from the start. Minute 0 is when escalation starts (with `startLevel`, when
 * the level before it was paged); each page follows the previous one by the step nextEscalation gives, so
 * the plan and a step-by-step walk always agree. Repeated rounds always start again at level 1.
 */
export function escalationSchedule(
  policy: EscalationPolicy,
  options: { startLevel?: number } = {},
): ScheduledPage[] {
  const startLevel = options.startLevel ?? 1;
  if (!Number.isInteger(startLevel) || startLevel < 1 || startLevel > policy.levels.length) {
    throw new RangeError(
      `Start level ${startLevel} is outside 1..${policy.levels.length} of policy "${policy.name}"`,
    );
  }
  const plan: ScheduledPage[] = [];
  let atMinute = 0;
  let next = nextEscalation(policy, { round: 1, level: startLevel - 1 });
  while (!next.exhausted) {
    atMinute += next.delayMinutes;
    plan.push({
      round: next.round,
      level: next.level,
      levelName: next.levelName,
      atMinute,
      targets: next.targets,
      ...(next.fallback ? { fallback: next.fallback } : {}),
    });
    next = nextEscalation(policy, next);
  }
  return plan;
}

/** When an acknowledgement at `acknowledgedAt` times out and paging restarts at level 1 (ISO 8601). */
export function ackTimeoutAt(policy: EscalationPolicy, priority: Priority, acknowledgedAt: string): string {
  return addMinutes(acknowledgedAt, policy.ackTimeoutMinutes[priority]);
}

/** When the next status-update reminder is due after the last update, or undefined when this priority gets none. */
export function reminderAt(
  policy: EscalationPolicy,
  priority: Priority,
  lastUpdateAt: string,
): string | undefined {
  const interval = policy.reminderMinutes[priority];
  return interval === undefined ? undefined : addMinutes(lastUpdateAt, interval);
}

/** Whether stakeholders are owed a reminder at `now`: the priority's interval has passed since the last update. */
export function reminderDue(
  policy: EscalationPolicy,
  priority: Priority,
  lastUpdateAt: string,
  now: string,
): boolean {
  const due = reminderAt(policy, priority, lastUpdateAt);
  return due !== undefined && epochMs(now) >= epochMs(due);
}

function addMinutes(iso: string, minutes: number): string {
  return new Date(epochMs(iso) + minutes * 60_000).toISOString();
}

function epochMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`Not an ISO 8601 time: "${iso}"`);
  return ms;
}
