import { readFileSync } from 'node:fs';
import { type DynamoDBClient, GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import './promise-with-resolvers';
import { StateMachine } from 'aws-local-stepfunctions';
import type { LifecycleActions } from '../lambdas/lifecycle/actions';
import { parseLifecycleInput } from '../lambdas/lifecycle/inputs';
import { parseRunbookInput, type RunbookInput } from '../lambdas/runbooks/inputs';

const ASL = new URL('../statemachines/incident-lifecycle.asl.json', import.meta.url);
const FUNCTION_ARN = 'arn:aws:lambda:local:000000000000:function:firebreak-lifecycle';
const WAIT_ARN = 'arn:aws:lambda:local:000000000000:function:firebreak-local-wait';
const RUNBOOK_FUNCTION_ARN = 'arn:aws:lambda:local:000000000000:function:firebreak-runbooks';
/** Node cannot set a timer longer than about 24.8 days. */
const MAX_TIMER_SECONDS = 2_000_000;

export type State = Record<string, unknown> & {
  Type: string;
  Resource?: string;
  Branches?: Array<{ States: States }>;
};
export type States = Record<string, State>;

/**
 * The deployed lifecycle definition with its substitutions filled in, and each Wait turned into a locally
 * handled task that sleeps the same duration divided by the time scale. Only local mode runs this copy; the
 * file on disk is the one CDK deploys and the tests execute.
 */
export function localDefinition(tableName: string): { States: States } {
  const text = readFileSync(ASL, 'utf8')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
    .replaceAll('${LifecycleFunctionArn}', FUNCTION_ARN)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
    .replaceAll('${TableName}', tableName)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder.
    .replaceAll('${RunbookFunctionArn}', RUNBOOK_FUNCTION_ARN);
  const definition = JSON.parse(text) as { States: States };
  waitsAsTasks(definition.States, WAIT_ARN, () => true);
  return definition;
}

/** What a Wait turned task receives: its seconds, or the instant it waits for. */
export type WaitInput = { seconds: number } | { timestamp: string };

/**
 * Turns the chosen Wait states (Parallel branches included) into Tasks of `resource` under the same name,
 * given the Wait's duration as `{ seconds }` or its end as `{ timestamp }`, evaluated from the same paths.
 * For runtimes that keep their own time: aws-local-stepfunctions can only override a Wait by a fixed
 * duration.
 */
export function waitsAsTasks(states: States, resource: string, chosen: (name: string) => boolean): void {
  for (const [name, state] of Object.entries(states)) {
    for (const branch of state.Branches ?? []) waitsAsTasks(branch.States, resource, chosen);
    if (state.Type !== 'Wait' || !chosen(name)) continue;
    states[name] = {
      Type: 'Task',
      Comment: `Stand-in for the Wait ${name}.`,
      Resource: resource,
      Parameters: waitParameters(state),
      ResultPath: null,
      TimeoutSeconds: MAX_TIMER_SECONDS,
      Next: state.Next,
    };
  }
}

function waitParameters(state: State): Record<string, unknown> {
  if (typeof state.TimestampPath === 'string') return { 'timestamp.$': state.TimestampPath };
  if (typeof state.Timestamp === 'string') return { timestamp: state.Timestamp };
  if (typeof state.SecondsPath === 'string') return { 'seconds.$': state.SecondsPath };
  return { seconds: typeof state.Seconds === 'number' ? state.Seconds : 0 };
}

/**
 * The context object the interpreter is given. aws-local-stepfunctions fills in only `Execution`; the
 * lifecycle also reads `$$.State.EnteredTime` (when an escalation cycle starts), here the state machine's
 * own clock read as the state is processed (the definition reads it only in Pass states, where the two agree).
 */
export function executionContext(executionId: string, token: string, stateMachineNow: () => Date) {
  return {
    Execution: { Id: executionId },
    Task: { Token: token },
    State: {
      get EnteredTime() {
        return stateMachineNow().toISOString();
      },
    },
  };
}

/** Every state of a definition, the states of Parallel branches included, by name. */
export function allStates(states: States): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch.States)),
  ]);
}

export interface LocalExecution {
  incidentId: string;
  startedAt: string;
  status: 'running' | 'succeeded' | 'failed' | 'aborted';
  error?: string;
}

/**
 * Runs one lifecycle execution per incident, named by its id, in this process: Lambda tasks call the real
 * lifecycle actions, `getItem` tasks the local DynamoDB-protocol server, and the resolution wait parks a
 * token that `signalResolved` or `signalPriorityRaised` (called by ingestion and the API, as in AWS) sends
 * back.
 */
export class LocalWorkflow {
  readonly executions = new Map<string, LocalExecution>();
  private readonly aborts = new Map<string, () => void>();
  private readonly parked = new Map<string, (output: unknown) => void>();
  private readonly sleeps = new Set<() => void>();
  /** Lifecycle actions and status reads under way: stop() lets them finish before the table goes away. */
  private readonly working = new Set<Promise<unknown>>();
  private readonly machine: StateMachine;
  private readonly handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  private readonly origin = Date.now();

  constructor(
    private readonly deps: {
      actions: LifecycleActions;
      dynamo: Pick<DynamoDBClient, 'send'>;
      tableName: string;
      timeScale: number;
      onError: (incidentId: string, error: unknown) => void;
      /** The runbook function's actions (the lifecycle launches an incident's runbooks as it opens). */
      runbooks?: { run(input: RunbookInput): Promise<unknown> };
    },
  ) {
    if (!(deps.timeScale > 0)) throw new RangeError('FIREBREAK_TIME_SCALE must be a number above 0');
    const definition = localDefinition(deps.tableName);
    this.machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    for (const [name, state] of allStates(definition.States).filter(([, state]) => state.Type === 'Task')) {
      if (state.Resource === FUNCTION_ARN) {
        this.handlers[name] = (input) => this.work(() => deps.actions.run(parseLifecycleInput(input)));
      } else if (state.Resource === RUNBOOK_FUNCTION_ARN) {
        const runbooks = deps.runbooks;
        this.handlers[name] = runbooks
          ? (input) => this.work(() => runbooks.run(parseRunbookInput(input)))
          : async () => ({ launched: [], note: 'runbooks are not wired into this local runtime' });
      } else if (state.Resource === WAIT_ARN) {
        this.handlers[name] = (input) => this.sleep(input as WaitInput);
      } else if (state.Resource === 'arn:aws:states:::dynamodb:getItem') {
        this.handlers[name] = (input) =>
          this.work(() => deps.dynamo.send(new GetItemCommand(input as GetItemCommandInput)));
      } else if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        this.handlers[name] = async (input) => {
          const payload = (input as { Payload: Record<string, unknown> }).Payload;
          await this.work(() => deps.actions.run(parseLifecycleInput(payload)));
          return new Promise((resolve) => this.parked.set(String(payload.token), resolve));
        };
      }
    }
  }

  async start(incidentId: string): Promise<'started' | 'already-running'> {
    if (this.executions.has(incidentId)) return 'already-running';
    const record: LocalExecution = { incidentId, startedAt: new Date().toISOString(), status: 'running' };
    this.executions.set(incidentId, record);
    const execution = this.machine.run(
      { incidentId },
      {
        overrides: { taskResourceLocalHandlers: this.handlers as never },
        noThrowOnAbort: true,
        context: executionContext(
          `arn:aws:states:local:000000000000:execution:firebreak-incident-lifecycle:${incidentId}`,
          `local-token-${incidentId}`,
          () => this.stateMachineNow(),
        ) as never,
      },
    );
    this.aborts.set(incidentId, execution.abort);
    execution.result.then(
      () => {
        if (record.status === 'running') record.status = 'succeeded';
      },
      (error: unknown) => {
        record.status = 'failed';
        record.error = error instanceof Error ? error.message : String(error);
        this.deps.onError(incidentId, error);
      },
    );
    return 'started';
  }

  async signalResolved(token: string): Promise<'signalled' | 'not-waiting'> {
    return this.wake(token, { resolved: true });
  }

  /** Wakes the lifecycle to re-plan for a raised priority, as SendTaskSuccess does in AWS. */
  async signalPriorityRaised(token: string): Promise<'signalled' | 'not-waiting'> {
    return this.wake(token, { priorityRaised: true });
  }

  /**
   * Ends every running execution (shutdown), and resolves once the lifecycle actions and reads already under
   * way have finished, so the caller can close the table after them.
   */
  async stop(): Promise<void> {
    for (const [id, abort] of this.aborts) {
      const record = this.executions.get(id);
      if (record?.status === 'running') record.status = 'aborted';
      abort();
    }
    // Settle every pending task so the interpreter clears its task timers and the process can exit.
    for (const wake of this.sleeps) wake();
    for (const resume of this.parked.values()) resume({ stopped: true });
    this.parked.clear();
    await Promise.allSettled([...this.working]);
  }

  private work<T>(run: () => Promise<T>): Promise<T> {
    const running = run();
    this.working.add(running);
    const done = () => this.working.delete(running);
    running.then(done, done);
    return running;
  }

  private wake(token: string, output: Record<string, true>): 'signalled' | 'not-waiting' {
    const resume = this.parked.get(token);
    if (!resume) return 'not-waiting';
    this.parked.delete(token);
    resume(output);
    return 'signalled';
  }

  /**
   * The state machine's clock: it runs `timeScale` times as fast as the wall clock from the moment local mode
   * started. Due times the lifecycle computes from it (`$$.State.EnteredTime` plus the plan's offsets) are
   * turned back into wall-clock sleeps below, so a level due 15 minutes after its cycle started is paged
   * 15 s after it at a scale of 60, however long the pages before it took.
   */
  private stateMachineNow(): Date {
    return new Date(this.origin + (Date.now() - this.origin) * this.deps.timeScale);
  }

  private sleep(wait: WaitInput): Promise<null> {
    const machineMs =
      'timestamp' in wait
        ? Math.max(0, Date.parse(wait.timestamp) - this.stateMachineNow().getTime())
        : wait.seconds * 1000;
    const ms = Math.min(machineMs / this.deps.timeScale, MAX_TIMER_SECONDS * 1000);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve(null);
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }
}
