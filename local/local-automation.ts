import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { RunStep } from '#core/runbook-run';
import type { AutomationRunner, AutomationStart, AutomationStatus } from '../lambdas/runbooks/ports';

/** How a local automation ends: SSM's `Success`, `Failed` or `TimedOut`. */
export const AutomationOutcome = z.enum(['success', 'failure', 'timeout']);
export type AutomationOutcome = z.infer<typeof AutomationOutcome>;

export interface AutomationOutcomes {
  /** `FIREBREAK_AUTOMATION_OUTCOME`, success unless set. */
  default: AutomationOutcome;
  /** `FIREBREAK_AUTOMATION_OUTCOMES`: binding name → outcome, over the default. */
  byBinding: Record<string, AutomationOutcome>;
}

const OutcomesEnv = z.object({
  FIREBREAK_AUTOMATION_OUTCOME: AutomationOutcome.default('success'),
  FIREBREAK_AUTOMATION_OUTCOMES: z
    .string()
    .default('{}')
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON, like {"restart-web":"failure"}' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), AutomationOutcome)),
});

/** Reads the outcome variables; a bad one throws naming it and what it takes. */
export function parseAutomationOutcomes(env: Record<string, string | undefined>): AutomationOutcomes {
  const parsed = OutcomesEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(problems.join('; '));
  }
  return {
    default: parsed.data.FIREBREAK_AUTOMATION_OUTCOME,
    byBinding: parsed.data.FIREBREAK_AUTOMATION_OUTCOMES,
  };
}

/** A step of an Automation document: its name and action (`aws:executeAwsApi`, …). */
export interface DocumentStep {
  name: string;
  action?: string;
}

const AutomationDocument = z.object({
  mainSteps: z.array(z.object({ name: z.string().min(1), action: z.string().optional() })).min(1),
});

const DOCUMENTS = new URL('../runbooks/documents/', import.meta.url);

/**
 * The steps of a document Firebreak ships (`runbooks/documents/<name>.json`); undefined for any other
 * (an AWS-owned one, or your own), which local mode plays as one step `run`.
 */
export function shippedDocumentSteps(name: string, documents: URL = DOCUMENTS): DocumentStep[] | undefined {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(new URL(`${name}.json`, documents), 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = AutomationDocument.safeParse(document);
  return parsed.success
    ? parsed.data.mainSteps.map((step) => ({
        name: step.name,
        ...(step.action ? { action: step.action } : {}),
      }))
    : undefined;
}

/** One automation local mode started instead of SSM, as `GET /local/automations` lists it. */
export interface LocalAutomationRecord {
  automationId: string;
  documentName: string;
  documentVersion: string;
  parameters: Record<string, string[]>;
  clientToken: string;
  incidentId: string;
  runId: string;
  binding: string;
  /** How it ends, chosen when it started. */
  outcome: AutomationOutcome;
  /** SSM's status now: `InProgress`, then `Success`, `Failed` or `TimedOut`. */
  status: string;
  startedAt: string;
  endedAt?: string;
  steps: RunStep[];
  failure?: string;
}

interface Started {
  request: AutomationStart;
  automationId: string;
  outcome: AutomationOutcome;
  steps: DocumentStep[];
  startedAt: number;
}

export interface LocalAutomationOptions {
  /** Divides how long each step takes, as it divides every wait of local mode. */
  timeScale: number;
  outcomes?: AutomationOutcomes;
  /** Seconds one step takes at time scale 1 (a restart's stop, start and wait take a minute or two). */
  secondsPerStep?: number;
  clock?: () => Date;
  steps?: (documentName: string) => DocumentStep[] | undefined;
}

/**
 * SSM Automation in local mode: records every automation a runbook run starts, and plays it out from the
 * clock, with no timer: each step is `InProgress` for `secondsPerStep` (divided by the time scale), then the
 * automation ends as `FIREBREAK_AUTOMATION_OUTCOME` (or the binding's entry in
 * `FIREBREAK_AUTOMATION_OUTCOMES`) says, its last step failed or timed out when it does not succeed.
 * Starting again with the same client token answers the automation the first start began, as SSM does.
 * Nothing leaves the machine.
 */
export class LocalAutomation implements AutomationRunner {
  private readonly started = new Map<string, Started>();
  private readonly byToken = new Map<string, string>();
  private readonly clock: () => Date;
  private readonly stepMs: number;

  constructor(private readonly options: LocalAutomationOptions) {
    if (!(options.timeScale > 0)) throw new RangeError('the time scale must be a number above 0');
    this.clock = options.clock ?? (() => new Date());
    this.stepMs = ((options.secondsPerStep ?? 30) * 1000) / options.timeScale;
  }

  async start(request: AutomationStart): Promise<{ automationId: string }> {
    const existing = this.byToken.get(request.clientToken);
    if (existing) return { automationId: existing };
    const automationId = randomUUID();
    const outcomes = this.options.outcomes;
    this.started.set(automationId, {
      request: structuredClone(request),
      automationId,
      outcome: outcomes?.byBinding[request.binding] ?? outcomes?.default ?? 'success',
      steps: (this.options.steps ?? shippedDocumentSteps)(request.documentName) ?? [{ name: 'run' }],
      startedAt: this.clock().getTime(),
    });
    this.byToken.set(request.clientToken, automationId);
    return { automationId };
  }

  async status(automationId: string): Promise<AutomationStatus> {
    const started = this.started.get(automationId);
    if (!started) {
      throw Object.assign(new Error(`Automation execution ${automationId} not found`), {
        name: 'AutomationExecutionNotFoundException',
      });
    }
    const { status, steps, failure } = this.record(started);
    return { status, steps, outputs: {}, ...(failure ? { failure } : {}) };
  }

  /** Every automation started, newest first, as it stands now. */
  list(): LocalAutomationRecord[] {
    return [...this.started.values()]
      .sort((a, b) => b.startedAt - a.startedAt)
      .map((started) => this.record(started));
  }

  private record(started: Started): LocalAutomationRecord {
    const { request, outcome } = started;
    const elapsed = this.clock().getTime() - started.startedAt;
    const total = this.stepMs * started.steps.length;
    const done = elapsed >= total;
    const at = (ms: number) => new Date(started.startedAt + ms).toISOString();
    const ending = done ? ENDINGS[outcome] : undefined;
    const steps = started.steps.map((step, index): RunStep => {
      const begins = index * this.stepMs;
      const ends = begins + this.stepMs;
      const last = index === started.steps.length - 1;
      const base = { name: step.name, ...(step.action ? { action: step.action } : {}) };
      if (elapsed < begins) return { ...base, status: 'Pending' };
      if (elapsed < ends) return { ...base, status: 'InProgress', startedAt: at(begins) };
      const status = last && ending ? ending.step : 'Success';
      return {
        ...base,
        status,
        startedAt: at(begins),
        endedAt: at(ends),
        ...(status === 'Success'
          ? {}
          : { failure: failureOf(outcome, request.binding, this.options.outcomes) }),
      };
    });
    return {
      automationId: started.automationId,
      documentName: request.documentName,
      documentVersion: request.documentVersion,
      parameters: request.parameters,
      clientToken: request.clientToken,
      incidentId: request.incidentId,
      runId: request.runId,
      binding: request.binding,
      outcome,
      status: ending?.automation ?? 'InProgress',
      startedAt: at(0),
      ...(done ? { endedAt: at(total) } : {}),
      steps,
      ...(ending && outcome !== 'success'
        ? { failure: failureOf(outcome, request.binding, this.options.outcomes) }
        : {}),
    };
  }
}

const ENDINGS: Record<AutomationOutcome, { automation: string; step: string }> = {
  success: { automation: 'Success', step: 'Success' },
  failure: { automation: 'Failed', step: 'Failed' },
  timeout: { automation: 'TimedOut', step: 'TimedOut' },
};

function failureOf(outcome: AutomationOutcome, binding: string, outcomes: AutomationOutcomes | undefined) {
  const why =
    outcomes?.byBinding[binding] !== undefined
      ? `FIREBREAK_AUTOMATION_OUTCOMES gives ${binding} "${outcome}"`
      : `FIREBREAK_AUTOMATION_OUTCOME=${outcome}`;
  return `local mode rehearses ${outcome === 'timeout' ? 'a time-out' : 'a failure'} (${why})`;
}
