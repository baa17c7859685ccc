import { createHash } from 'node:crypto';
import * as z from 'zod';
import { RunbookKind, RunbookMode } from './runbooks';

/**
 * One run of a runbook on an incident, and the rules that move it: where it stands, what SSM's automation
 * statuses mean for it, the circuit breaker, and the ids that make every start idempotent.
 *
 * requested ─► awaiting-approval ─► approved ─► running ─► succeeded ─► verified | not-settled
 *     │               │  └► rejected | approval-expired        └► failed | timed-out
 *     └► refused (a parameter could not be filled, breaker open, not bound) | skipped (mode off, another
 *        remediation in flight, incident closed)
 */
export const RunState = z.enum([
  'requested',
  'awaiting-approval',
  'approved',
  'rejected',
  'approval-expired',
  'refused',
  'skipped',
  'running',
  'succeeded',
  'failed',
  'timed-out',
  'verified',
  'not-settled',
]);
export type RunState = z.infer<typeof RunState>;

/** States a run never leaves. */
export const FINAL_RUN_STATES: readonly RunState[] = [
  'rejected',
  'approval-expired',
  'refused',
  'skipped',
  'failed',
  'timed-out',
  'verified',
  'not-settled',
];

/**
 * Where a person's run answers when it ends: an https URL (a Slack response_url). Which hosts may be posted
 * to is the poster's check (lambdas/adapters/response-url.ts), not the record's.
 */
export const ReplyUrl = z.url({ protocol: /^https$/, error: 'must be an https URL (a Slack response_url)' });

/** What started a run: the incident opening, an alert joining it, or a person asking. */
export const RunTrigger = z.enum(['opened', 'joined', 'requested']);
export type RunTrigger = z.infer<typeof RunTrigger>;

export const RunStep = z.object({
  name: z.string(),
  action: z.string().optional(),
  status: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  failure: z.string().optional(),
});
export type RunStep = z.infer<typeof RunStep>;

export const RunbookRun = z.object({
  incidentId: z.string(),
  runId: z.string(),
  /** The binding's name, or `changes` for the built-in diagnosis of recent changes. */
  binding: z.string(),
  kind: z.union([RunbookKind, z.literal('changes')]),
  mode: RunbookMode,
  trigger: RunTrigger,
  /** The alert the run was started for (none for a person's request on the whole incident). */
  alertId: z.string().optional(),
  /** That alert's dedup key: where its facts (dimensions, datapoints) are read again (its claim). */
  dedupKey: z.string().optional(),
  document: z.object({ name: z.string(), version: z.string() }).optional(),
  parameters: z.record(z.string(), z.string()).default({}),
  /** What the circuit breaker counts this run against. */
  resource: z.string().optional(),
  state: RunState,
  /** Why the run is where it is, in a sentence. */
  reason: z.string().optional(),
  requestedBy: z.string(),
  approvedBy: z.string().optional(),
  rejectedBy: z.string().optional(),
  decisionReason: z.string().optional(),
  /** When the person approved or rejected it: the decision's timeline entry is written at this instant. */
  decidedAt: z.string().optional(),
  /** SSM's automation execution id, once started, and the idempotency token it was started with. */
  automationId: z.string().optional(),
  clientToken: z.string(),
  steps: z.array(RunStep).optional(),
  outputs: z.record(z.string(), z.array(z.string())).optional(),
  failure: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** When a remediation's settle wait ends and the alarm is checked. */
  verifyAt: z.string().optional(),
  /**
   * Where the run's summary goes when it ends: the response_url of the Slack command that asked for it
   * (`/incident diag`). A capability to post into the channel, so it is never logged, never answered by the
   * API, and removed once the reply is settled.
   */
  replyTo: ReplyUrl.optional(),
  /** When the reply to `replyTo` was settled (posted, too old, or failed): a retried step replies no more. */
  repliedAt: z.string().optional(),
  replyOutcome: z.enum(['posted', 'expired', 'failed']).optional(),
  /** Why the reply failed (never the URL). */
  replyFailure: z.string().optional(),
});
export type RunbookRun = z.infer<typeof RunbookRun>;

/** The run as the API answers it: without the reply URL it holds for a Slack command. */
export type PublicRunbookRun = Omit<RunbookRun, 'replyTo'>;

export function publicRun(run: RunbookRun): PublicRunbookRun {
  const { replyTo: _replyTo, ...rest } = run;
  return rest;
}

/**
 * Slack's response_url is good for 30 minutes after the command: a run that ends later is not answered
 * there (its outcome is on the incident's timeline).
 */
export const REPLY_WINDOW_MINUTES = 30;

/** Whether a run has ended: a final state, or a diagnosis (nothing to verify after it) that succeeded. */
export function runSettled(run: Pick<RunbookRun, 'state' | 'kind'>): boolean {
  return FINAL_RUN_STATES.includes(run.state) || (run.state === 'succeeded' && run.kind !== 'remediation');
}

function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * A run's id within its incident: the binding and a hash of what asked for it (the alert for automatic runs,
 * the request's idempotency key for a person's), so the same trigger delivered twice names the same run.
 */
export function runIdOf(binding: string, trigger: RunTrigger, key: string): string {
  return `${binding}-${shortHash(`${trigger}\n${key}`)}`;
}

/** The run's state machine execution name (unique per state machine, at most 80 characters). */
export function executionNameOf(incidentId: string, runId: string): string {
  return `${incidentId}_${runId}`.slice(0, 80);
}

/**
 * SSM's ClientToken for the run: a UUID (SSM insists on the format) derived from the incident and run id,
 * so a retried start finds the automation the first attempt started.
 */
export function clientTokenOf(incidentId: string, runId: string): string {
  const hex = createHash('sha256').update(`${incidentId}\n${runId}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** How Firebreak reads SSM's automation execution statuses. */
export type AutomationProgress = 'in-progress' | 'succeeded' | 'failed' | 'timed-out';

export function automationProgress(status: string): AutomationProgress {
  switch (status) {
    case 'Success':
    case 'CompletedWithSuccess':
      return 'succeeded';
    case 'TimedOut':
      return 'timed-out';
    case 'Failed':
    case 'Cancelled':
    case 'Cancelling':
    case 'CompletedWithFailure':
    case 'Rejected':
    case 'ChangeCalendarOverrideRejected':
    case 'Exited':
      return 'failed';
    default:
      return 'in-progress';
  }
}

/** Seconds before the next status poll: 5, 10, 20, then every 30 s. */
export function pollDelaySeconds(polls: number): number {
  return Math.min(30, 5 * 2 ** Math.max(0, polls));
}

/** Firebreak stops watching an automation after this many minutes and records it as timed out. */
export const MAX_AUTOMATION_MINUTES = 60;

/** The circuit breaker of one resource: the automatic remediation starts of the last hour, and a trip. */
export const BreakerState = z.object({
  resource: z.string(),
  starts: z.array(z.string()).default([]),
  /** Set by a failed (or unsettled) remediation: automatic ones stop until `trippedUntil`. */
  trippedUntil: z.string().optional(),
  trippedBy: z.string().optional(),
  /** Run id → the start counted for it (last hour only): a retried step finds its run counted already. */
  runs: z.record(z.string(), z.string()).default({}),
  version: z.number().int().min(0).default(0),
});
export type BreakerState = z.infer<typeof BreakerState>;

export type BreakerDecision = { allowed: true; starts: string[] } | { allowed: false; reason: string };

/**
 * Whether one more automatic remediation of the resource may start now: not while a failed run's cooldown
 * lasts, and not beyond `maxRunsPerHour` starts in the last hour. When allowed, `starts` is the list to store
 * (the last hour's starts plus this one).
 */
export function breakerDecision(
  state: BreakerState | undefined,
  now: Date,
  limits: { maxRunsPerHour: number },
): BreakerDecision {
  if (state?.trippedUntil && Date.parse(state.trippedUntil) > now.getTime()) {
    return {
      allowed: false,
      reason: `circuit breaker open for ${state.resource} until ${state.trippedUntil}: ${state.trippedBy ?? 'a remediation failed'}`,
    };
  }
  const hourAgo = now.getTime() - 3_600_000;
  const recent = (state?.starts ?? []).filter((at) => Date.parse(at) > hourAgo);
  if (recent.length >= limits.maxRunsPerHour) {
    return {
      allowed: false,
      reason: `circuit breaker open for ${state?.resource}: ${recent.length} automatic remediation(s) in the last hour (limit ${limits.maxRunsPerHour})`,
    };
  }
  return { allowed: true, starts: [...recent, now.toISOString()] };
}

export type BreakerCount =
  | { allowed: true; next?: Omit<BreakerState, 'version'> }
  | { allowed: false; reason: string };

/**
 * Counts one automatic remediation run against its resource's breaker (see breakerDecision), once per run:
 * a run counted already (its step is retried) is allowed without a second count, and nothing is to be
 * written (`next` undefined). Otherwise `next` is the state to store, keeping the last hour's runs only.
 */
export function countBreakerStart(
  state: BreakerState | undefined,
  resource: string,
  runId: string,
  now: Date,
  limits: { maxRunsPerHour: number },
): BreakerCount {
  if (state?.runs[runId] !== undefined) return { allowed: true };
  const decision = breakerDecision(state ?? { resource, starts: [], runs: {}, version: 0 }, now, limits);
  if (!decision.allowed) return decision;
  const hourAgo = now.getTime() - 3_600_000;
  const runs = Object.fromEntries(
    Object.entries(state?.runs ?? {}).filter(([, at]) => Date.parse(at) > hourAgo),
  );
  return {
    allowed: true,
    next: {
      resource,
      starts: decision.starts,
      runs: { ...runs, [runId]: now.toISOString() },
      ...(state?.trippedUntil ? { trippedUntil: state.trippedUntil } : {}),
      ...(state?.trippedBy ? { trippedBy: state.trippedBy } : {}),
    },
  };
}

/**
 * The breaker tripped by a failed (or unsettled) remediation: automatic ones of the resource stop for
 * `cooldownMinutes` from now (never shortening a longer trip already in place).
 */
export function trippedBreaker(
  state: BreakerState | undefined,
  resource: string,
  now: Date,
  cooldownMinutes: number,
  by: string,
): Omit<BreakerState, 'version'> {
  const until = new Date(now.getTime() + cooldownMinutes * 60_000).toISOString();
  const longer = state?.trippedUntil !== undefined && state.trippedUntil > until;
  return {
    resource,
    starts: state?.starts ?? [],
    runs: state?.runs ?? {},
    trippedUntil: longer ? (state?.trippedUntil as string) : until,
    trippedBy: longer ? (state?.trippedBy ?? by) : by,
  };
}
