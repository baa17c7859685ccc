import { readFileSync } from 'node:fs';
import './promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import { executionNameOf } from '../lambdas/core/runbook-run';
import { parseRunbookInput, type RunbookInput } from '../lambdas/runbooks/inputs';
import type { ApprovalSignals, RunbookStarter } from '../lambdas/runbooks/ports';
import { allStates, executionContext, type States, type WaitInput, waitsAsTasks } from './local-workflow';

const ASL = new URL('../statemachines/runbook-run.asl.json', import.meta.url);
const FUNCTION_ARN = 'arn:aws:lambda:local:000000000000:function:firebreak-runbooks';
const WAIT_ARN = 'arn:aws:lambda:local:000000000000:function:firebreak-local-runbook-wait';
const APPROVAL_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** Node cannot set a timer longer than about 24.8 days. */
const MAX_TIMER_SECONDS = 2_000_000;

/**
 * The deployed runbook-run definition with its substitution filled in, each Wait turned into a locally
 * handled task, and the approval wait's timeout (TimeoutSecondsPath) handed to the local handler, which
 * keeps it on the local clock. Only local runtimes run this copy; the file is the one CDK deploys.
 */
export function localRunbookDefinition(): { States: States; StartAt: string } {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
  const text = readFileSync(ASL, 'utf8').replaceAll('${RunbookFunctionArn}', FUNCTION_ARN);
  const definition = JSON.parse(text) as { States: States; StartAt: string; TimeoutSeconds?: number };
  // The execution's own timeout would run on the wall clock, not the local one.
  delete definition.TimeoutSeconds;
  waitsAsTasks(definition.States, WAIT_ARN, () => true);
  for (const [, state] of allStates(definition.States)) {
    if (state.Type !== 'Task' || typeof state.TimeoutSecondsPath !== 'string') continue;
    state.Parameters = {
      ...(state.Parameters as Record<string, unknown>),
      'timeoutSeconds.$': state.TimeoutSecondsPath,
    };
    delete state.TimeoutSecondsPath;
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  }
  return definition;
}

/** How time passes for the runs: by default the wall clock divided by the time scale; tests simulate it. */
export interface RunbookClock {
  /** The state machine's clock (`$$.State.EnteredTime`). */
  now(): Date;
  /** Resolves once `seconds` of the state machine's time have passed, or at once when `signal` aborts. */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
  /** Runs a task's work: a simulated clock stands still while it runs. */
  busy<T>(work: () => Promise<T>): Promise<T>;
}

export interface LocalRunbookExecution {
  name: string;
  incidentId: string;
  runId: string;
  startedAt: string;
  status: 'running' | 'succeeded' | 'failed' | 'aborted';
  error?: string;
  /** Every state entered, in order. */
  states: string[];
}

export interface LocalRunbookWorkflowDeps {
  /**
   * The runbook function's actions. The launcher they use starts runs here, so pass a wrapper that reaches
   * the actions once they exist: `{ run: (input) => actions.run(input) }`.
   */
  actions: { run(input: RunbookInput): Promise<unknown> };
  /** Divides every wait and retry back-off: 60 turns a 10-minute settle wait into 10 seconds. */
  timeScale: number;
  onError: (execution: LocalRunbookExecution, error: unknown) => void;
  /** Replaces the scaled wall clock (tests pass simulated time). */
  clock?: RunbookClock;
}

type Parked = { resolve: (output: unknown) => void; reject: (error: Error) => void };

function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/**
 * Runs statemachines/runbook-run.asl.json in this process, one execution per run named as in AWS
 * (`<incidentId>_<runId>`, a second start is refused by name): Lambda tasks call the runbook actions, the
 * approval wait parks one token per execution that `approve` or `reject` (the API's decisions) send back,
 * and waits pass on the local clock.
 */
export class LocalRunbookWorkflow implements RunbookStarter, ApprovalSignals {
  readonly executions = new Map<string, LocalRunbookExecution>();
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly aborts = new Map<string, () => void>();
  private readonly parked = new Map<string, Parked>();
  private readonly sleeps = new Set<() => void>();
  private readonly machine: StateMachine;
  private readonly handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  private readonly retryOverrides: Record<string, number[]> = {};
  private readonly clock: RunbookClock;
  private readonly origin = Date.now();
  /** Actions under way: an aborted execution does not stop the step it was in, so stop() waits for them. */
  private readonly working = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly deps: LocalRunbookWorkflowDeps) {
    if (!(deps.timeScale > 0)) throw new RangeError('FIREBREAK_TIME_SCALE must be a number above 0');
    this.clock = deps.clock ?? {
      now: () => new Date(this.origin + (Date.now() - this.origin) * deps.timeScale),
      sleep: (seconds, signal) => this.wallSleep((seconds * 1000) / deps.timeScale, signal),
      busy: (work) => work(),
    };
    const definition = localRunbookDefinition();
    this.machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type !== 'Task') continue;
      // Each retrier's interval, scaled (the back-off's growth is not kept locally).
      const retriers = (state.Retry ?? []) as Array<{ IntervalSeconds?: number }>;
      this.retryOverrides[name] = retriers.map(
        (retrier) => ((retrier.IntervalSeconds ?? 1) * 1000) / deps.timeScale,
      );
      if (state.Resource === FUNCTION_ARN) {
        this.handlers[name] = (input) =>
          this.track(this.clock.busy(() => deps.actions.run(parseRunbookInput(input))));
      } else if (state.Resource === WAIT_ARN) {
        this.handlers[name] = async (input) => {
          await this.clock.sleep(this.secondsOf(input as WaitInput));
          return null;
        };
      } else if (state.Resource === APPROVAL_RESOURCE) {
        this.handlers[name] = (input) =>
          this.awaitDecision(input as { Payload: Record<string, unknown>; timeoutSeconds?: number });
      }
    }
  }

  async start(incidentId: string, runId: string): Promise<'started' | 'already-running'> {
    const name = executionNameOf(incidentId, runId);
    if (this.executions.has(name)) return 'already-running';
    if (this.stopped) throw new Error(`local runbooks are stopped: run ${name} not started`);
    const record: LocalRunbookExecution = {
      name,
      incidentId,
      runId,
      startedAt: this.clock.now().toISOString(),
      status: 'running',
      states: [],
    };
    this.executions.set(name, record);
    const execution = this.machine.run(
      { incidentId, runId },
      {
        overrides: {
          taskResourceLocalHandlers: this.handlers as never,
          retryIntervalOverrides: this.retryOverrides,
        },
        noThrowOnAbort: true,
        context: executionContext(
          `arn:aws:states:local:000000000000:execution:firebreak-runbook-run:${name}`,
          tokenOf(name),
          () => this.clock.now(),
        ) as never,
      },
    );
    this.aborts.set(name, execution.abort);
    const traced = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') record.states.push(event.state.name);
      }
    })();
    const done = execution.result.then(
      async () => {
        await traced;
        if (record.status === 'running') record.status = 'succeeded';
      },
      async (error: unknown) => {
        await traced.catch(() => undefined);
        record.status = 'failed';
        record.error = error instanceof Error ? error.message : String(error);
        this.deps.onError(record, error);
      },
    );
    this.running.set(name, done);
    void done.finally(() => this.running.delete(name));
    return 'started';
  }

  /** Sends the approval back to the run waiting for it, as SendTaskSuccess does in AWS. */
  async approve(token: string): Promise<'signalled' | 'not-waiting'> {
    const parked = this.parked.get(token);
    if (!parked) return 'not-waiting';
    this.parked.delete(token);
    parked.resolve({ approved: true });
    return 'signalled';
  }

  /** Fails the run's approval wait with `Runbook.Rejected`, as SendTaskFailure does in AWS. */
  async reject(token: string, reason: string): Promise<'signalled' | 'not-waiting'> {
    const parked = this.parked.get(token);
    if (!parked) return 'not-waiting';
    this.parked.delete(token);
    parked.reject(namedError('Runbook.Rejected', reason));
    return 'signalled';
  }

  /** Resolves once every execution started (including those started meanwhile) has ended. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Ends every running execution (shutdown) and lets the actions under way finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [name, abort] of this.aborts) {
      const record = this.executions.get(name);
      if (record?.status === 'running') record.status = 'aborted';
      abort();
    }
    for (const wake of this.sleeps) wake();
    for (const parked of this.parked.values()) parked.resolve({ stopped: true });
    this.parked.clear();
    await Promise.allSettled([...this.running.values(), ...this.working]);
  }

  /**
   * The approval wait: the park action runs (it may fail by name when the run was decided first), then the
   * token waits for a decision or the timeout, whichever comes first on the local clock.
   */
  private async awaitDecision(input: {
    Payload: Record<string, unknown>;
    timeoutSeconds?: number;
  }): Promise<unknown> {
    const payload = input.Payload;
    const token = String(payload.token);
    await this.clock.busy(() => this.deps.actions.run(parseRunbookInput(payload)));
    const decided = new AbortController();
    const decision = new Promise<unknown>((resolve, reject) => this.parked.set(token, { resolve, reject }));
    const seconds = input.timeoutSeconds ?? MAX_TIMER_SECONDS;
    const timeout = this.clock.sleep(seconds, decided.signal).then(() => {
      if (!this.parked.delete(token)) return new Promise<never>(() => undefined);
      throw namedError('States.Timeout', `no decision within ${seconds} s`);
    });
    try {
      return await Promise.race([decision, timeout]);
    } finally {
      // A decision in time: the timeout's timer goes, so nothing waits on it.
      decided.abort();
    }
  }

  private secondsOf(wait: WaitInput): number {
    if ('seconds' in wait) return wait.seconds;
    return Math.max(0, (Date.parse(wait.timestamp) - this.clock.now().getTime()) / 1000);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.working.add(work);
    const done = () => this.working.delete(work);
    work.then(done, done);
    return work;
  }

  private wallSleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(ms, MAX_TIMER_SECONDS * 1000));
      this.sleeps.add(wake);
      signal?.addEventListener('abort', wake);
    });
  }
}

/** One token per execution: the run's approval wait is its only token wait. */
function tokenOf(executionName: string): string {
  return `local-runbook-token:${executionName}`;
}
