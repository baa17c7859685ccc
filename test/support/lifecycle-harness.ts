import { readFileSync } from 'node:fs';
import { GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { StateMachine } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { SignedAckLinks } from '#adapters/ack-linker';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { PageLog } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import { ScheduleStore } from '#adapters/schedule-store';
import type { ChatbotNotification } from '#core/chatbot';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import type { GroupingConfig } from '#core/grouping';
import type { MetricDatum } from '#core/metric-names';
import type { Signal } from '#core/model';
import type { RunTrigger } from '#core/runbook-run';
import { DEFAULT_RUNBOOK_CONFIG, type RunbookAlert } from '#core/runbooks';
import { DirectoryTargetResolver } from '../../lambdas/incidents/target-resolver';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { type AfterResolution, LifecycleActions } from '../../lambdas/lifecycle/actions';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { parseLifecycleInput } from '../../lambdas/lifecycle/inputs';
import type { ChatDelivery } from '../../lambdas/lifecycle/notify-once';
import { RunbookActions } from '../../lambdas/runbooks/actions';
import { parseRunbookInput, type RunbookInput } from '../../lambdas/runbooks/inputs';
import type { LaunchOptions } from '../../lambdas/runbooks/ports';
import {
  allStates,
  executionContext,
  type State,
  type States,
  type WaitInput,
  waitsAsTasks,
} from '../../local/local-workflow';
import type { DynamoServer } from './dynamo-server';
import { SimulatedTime } from './simulated-time';
import { protocolMessages } from './sns-messages';

export const ASL_PATH = new URL('../../statemachines/incident-lifecycle.asl.json', import.meta.url);
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:firebreak-lifecycle';
const OPS_TOPIC = 'arn:aws:sns:us-east-1:111122223333:firebreak-ops';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder, replaced below.
const LAMBDA_RESOURCE = '${LifecycleFunctionArn}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder, replaced below.
const TABLE_RESOURCE = '${TableName}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder, replaced below.
const RUNBOOK_RESOURCE = '${RunbookFunctionArn}';
const RUNBOOK_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:firebreak-runbooks';
/** The key the harness signs acknowledgement links with, and where they point. */
export const HARNESS_ACK_KEY = new Uint8Array(32).fill(7);
export const ACK_BASE_URL = 'https://api.firebreak.example.com';
/** The Task that stands in for a Wait in simulated time. */
const SIMULATED_WAIT = 'arn:aws:lambda:us-east-1:111122223333:function:simulated-wait';

export interface Published {
  topic: string;
  /** The topic's target name; `person:<id>` for the people topic (its `person` attribute). */
  target: string;
  kind: string;
  subject: string;
  text: string;
  /** The SMS form of a message structured per protocol. */
  sms?: string;
  /** The AWS Chatbot card of a topic's message (its HTTPS form). */
  card?: ChatbotNotification;
  /** The harness clock when it was published (ISO 8601). */
  at: string;
}

export interface FailedPublish extends Omit<Published, 'subject' | 'text'> {
  error: string;
}

export type TaskHook = (
  state: string,
  input: Record<string, unknown>,
  output: unknown,
) => Promise<void> | void;

export interface HarnessOptions {
  escalation?: EscalationConfig;
  /**
   * Real milliseconds per Wait state name (aws-local-stepfunctions' own override). Any Wait not named waits
   * 0 ms with the clock standing still, or, with `simulatedTime`, as long as the definition says on the clock.
   */
  waits?: Record<string, number>;
  /**
   * The clock moves as the execution would see it: a Wait not named in `waits` ends when the clock reaches its
   * end (the clock jumps there once nothing else is running), and each retry waits its back-off (the upper
   * bound of the definition's interval, no jitter) on the clock before the task runs again.
   */
  simulatedTime?: boolean;
  /** Records the name of every state entered, in `entered` (reads the execution's event log). */
  trace?: boolean;
  /** Runs after each lifecycle Task with its input and output: where a test acknowledges or resolves. */
  afterTask?: TaskHook;
  /**
   * Stands in front of the handler of one Task state (fault injection): lifecycle functions, the status
   * reads and the resolution wait; `real` runs the handler.
   */
  faults?: Record<string, (input: Record<string, unknown>, real: () => Promise<unknown>) => Promise<unknown>>;
  /** How ingestion groups alerts into incidents (none by default: each alert opens its own). */
  grouping?: GroupingConfig;
  /** Decides whether one SNS publish fails, by returning the error the SNS client throws. */
  publishFault?: (publish: { target: string; kind: string; at: Date }) => Error | undefined;
  /** Chat channels (Slack) the lifecycle's notices go to as well, built on the harness's stores and clock. */
  chat?: (deps: { store: IncidentStore; people: PeopleStore; clock: () => Date }) => ChatDelivery;
  /**
   * The runbook function's actions the LaunchRunbooks task calls. By default, the real actions with a
   * launcher that records each launch (`launches`) and starts nothing.
   */
  runbooks?: { run(input: RunbookInput): Promise<unknown> };
  /** The steps after the resolution notice (problem detection, review drafts), built on the harness's store. */
  afterResolution?: (deps: { store: IncidentStore; clock: () => Date }) => AfterResolution[];
}

/** One launch of an incident's runbooks, as the recording launcher saw it. */
export interface RecordedLaunch {
  incidentId: string;
  alert: RunbookAlert | undefined;
  trigger: RunTrigger;
  options: LaunchOptions;
}

function unavailable(what: string): never {
  throw new Error(`${what} is not part of the lifecycle harness: give it runbook actions that have it`);
}

/**
 * Executes statemachines/incident-lifecycle.asl.json itself with aws-local-stepfunctions: Lambda Tasks go
 * to the real lifecycle actions, DynamoDB reads to the local DynamoDB-protocol server, and SNS is captured
 * at the SDK client. The clock is the test's to move, or, with `simulatedTime`, moves as the execution's
 * waits and retries say.
 */
export function lifecycleHarness(server: DynamoServer, table: string, options: HarnessOptions = {}) {
  const escalation = options.escalation ?? DEFAULT_ESCALATION_CONFIG;
  const definitionText = readFileSync(ASL_PATH, 'utf8')
    .replaceAll(LAMBDA_RESOURCE, FUNCTION_ARN)
    .replaceAll(TABLE_RESOURCE, table)
    .replaceAll(RUNBOOK_RESOURCE, RUNBOOK_FUNCTION_ARN);
  const definition = JSON.parse(definitionText) as { States: States };
  // In simulated time the Waits not given a real duration become tasks that wait on the harness clock.
  if (options.simulatedTime)
    waitsAsTasks(definition.States, SIMULATED_WAIT, (name) => !(name in (options.waits ?? {})));

  const topicArns = Object.fromEntries(
    targetsOf(escalation).map((target) => [target, `arn:aws:sns:us-east-1:111122223333:firebreak-${target}`]),
  );
  const targetOfTopic = new Map<string, string>([
    ...Object.entries(topicArns).map(([target, arn]): [string, string] => [arn, target]),
    [OPS_TOPIC, 'ops'],
  ]);
  const peopleTopic = 'arn:aws:sns:us-east-1:111122223333:firebreak-people';
  const clock = { now: new Date('2026-11-27T10:00:00.000Z') };
  const published: Published[] = [];
  const unpublished: FailedPublish[] = [];
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    const topic = input.TopicArn ?? '';
    const person = input.MessageAttributes?.person?.StringValue;
    const target = topic === peopleTopic ? `person:${person}` : (targetOfTopic.get(topic) ?? 'unknown');
    const kind = input.MessageAttributes?.kind?.StringValue ?? '';
    const at = clock.now.toISOString();
    const fault = options.publishFault?.({ target, kind, at: clock.now });
    if (fault) {
      unpublished.push({ topic, target, kind, at, error: fault.name });
      throw fault;
    }
    const messages = protocolMessages(input);
    published.push({
      topic,
      target,
      kind,
      subject: input.Subject ?? '',
      text: messages.default,
      ...(messages.sms ? { sms: messages.sms } : {}),
      ...(messages.card ? { card: messages.card } : {}),
      at,
    });
    return { MessageId: `msg-${published.length}` };
  });

  const time = options.simulatedTime ? new SimulatedTime(clock) : undefined;
  const store = new IncidentStore(server.doc, table);
  const people = new PeopleStore(server.doc, table);
  const schedules = new ScheduleStore(server.doc, table);
  const pages = new PageLog(server.doc, table);
  const targets = new DirectoryTargetResolver(people, schedules);
  const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }), topicArns, {
    peopleTopicArn: peopleTopic,
    opsTopicArn: OPS_TOPIC,
    incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    ackLinks: new SignedAckLinks(
      { keys: async () => ({ current: HARNESS_ACK_KEY }) },
      ACK_BASE_URL,
      () => clock.now,
    ),
  });
  const metrics: MetricDatum[] = [];
  const actions = new LifecycleActions({
    store,
    notifier,
    targets,
    pages,
    clock: () => clock.now,
    escalation,
    opsTopicArn: OPS_TOPIC,
    incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    metric: (datum) => {
      metrics.push(datum);
    },
    ...(options.chat ? { chat: options.chat({ store, people, clock: () => clock.now }) } : {}),
    ...(options.afterResolution
      ? { afterResolution: options.afterResolution({ store, clock: () => clock.now }) }
      : {}),
  });

  // The lifecycle launches the incident's runbooks: by default the real launch action, recorded.
  const launches: RecordedLaunch[] = [];
  const runbooks =
    options.runbooks ??
    new RunbookActions({
      store,
      runs: new RunbookRuns(server.doc, table),
      claims: store.claims,
      launcher: {
        async launch(incidentId, alert, trigger, launchOptions) {
          launches.push({ incidentId, alert, trigger, options: launchOptions });
          return [];
        },
      },
      automation: { start: () => unavailable('SSM'), status: () => unavailable('SSM') },
      changes: { find: () => unavailable('CloudTrail') },
      lifecycle: { signalResolved: async () => 'not-waiting' },
      notifier,
      targets,
      escalation,
      runbooks: DEFAULT_RUNBOOK_CONFIG,
      opsTopicArn: OPS_TOPIC,
      incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
      clock: () => clock.now,
    });

  // The token the AwaitResolution state parks; ingestion sends it back when it resolves the incident.
  const parked = new Map<string, (output: unknown) => void>();
  const wake = (token: string, output: unknown) => {
    parked.get(token)?.(output);
    return parked.delete(token) ? 'signalled' : 'not-waiting';
  };
  const workflow = {
    started: [] as string[],
    /** What each priority-raised signal found: the lifecycle waiting on the token, or not. */
    raised: [] as Array<{ token: string; result: 'signalled' | 'not-waiting' }>,
    async start(incidentId: string) {
      workflow.started.push(incidentId);
      return 'started';
    },
    async signalResolved(token: string) {
      return wake(token, { resolved: true });
    },
    async signalPriorityRaised(token: string) {
      const result = wake(token, { priorityRaised: true });
      workflow.raised.push({ token, result });
      return result;
    },
  };
  const ids = new IncidentIdAllocator(store);
  const ingestDeps = {
    store,
    ids,
    workflow,
    clock: () => clock.now,
    ...(options.grouping ? { grouping: options.grouping } : {}),
  };

  const calls: Array<{ state: string; action: string; at: string }> = [];
  const call = (state: string, action: string) => calls.push({ state, action, at: clock.now.toISOString() });
  const retrying = new Map<string, { attempts: number[]; backoffMs?: number }>();
  /** Runs one Task attempt: its fault if any, and in simulated time its retry back-off first. */
  const attempt = async (
    name: string,
    state: State,
    action: string,
    input: unknown,
    real: () => Promise<unknown>,
    after?: (output: unknown) => Promise<void> | void,
  ) => {
    const fault = options.faults?.[name];
    // What the test does after a task (`after`) happens before the clock moves on.
    const work = async () => {
      const output = await (fault ? fault(input as Record<string, unknown>, real) : real());
      await after?.(output);
      return output;
    };
    if (!time) {
      call(name, action);
      return work();
    }
    return time.busyWhile(async () => {
      const memo = retrying.get(name) ?? { attempts: [] };
      if (memo.backoffMs !== undefined) await time.pause(memo.backoffMs);
      memo.backoffMs = undefined;
      call(name, action);
      try {
        const output = await work();
        retrying.delete(name);
        return output;
      } catch (error) {
        const retry = nextRetry(state, error, memo.attempts);
        if (retry === undefined) retrying.delete(name);
        else retrying.set(name, { attempts: memo.attempts, backoffMs: retry });
        throw error;
      }
    });
  };

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of allStates(definition.States)) {
    if (state.Type !== 'Task') continue;
    if (state.Resource === FUNCTION_ARN) {
      handlers[name] = async (raw) => {
        const input = raw as Record<string, unknown>;
        return attempt(
          name,
          state,
          String(input.action),
          input,
          () => actions.run(parseLifecycleInput(input)),
          (output) => options.afterTask?.(name, input, output),
        );
      };
    } else if (state.Resource === RUNBOOK_FUNCTION_ARN) {
      handlers[name] = async (raw) => {
        const input = raw as Record<string, unknown>;
        return attempt(name, state, String(input.action), input, () =>
          runbooks.run(parseRunbookInput(input)),
        );
      };
    } else if (state.Resource === 'arn:aws:states:::dynamodb:getItem') {
      handlers[name] = (input) => {
        return attempt(name, state, 'getItem', input, () =>
          server.client.send(new GetItemCommand(input as GetItemCommandInput)),
        );
      };
    } else if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      handlers[name] = async (raw) => {
        const payload = (raw as { Payload: Record<string, unknown> }).Payload;
        await attempt(name, state, String(payload.action), payload, () =>
          actions.run(parseLifecycleInput(payload)),
        );
        return new Promise((resolve) => parked.set(String(payload.token), resolve));
      };
    } else if (state.Resource === SIMULATED_WAIT && time) {
      handlers[name] = async (raw) => {
        const wait = raw as WaitInput;
        const end =
          'timestamp' in wait ? Date.parse(wait.timestamp) : clock.now.getTime() + wait.seconds * 1000;
        await time.until(end);
        return null;
      };
    }
  }
  const waitOverrides = Object.fromEntries(
    allStates(definition.States)
      .filter(([, state]) => state.Type === 'Wait')
      .map(([name]) => [name, options.waits?.[name] ?? 0]),
  );
  const retryOverrides = Object.fromEntries(
    allStates(definition.States)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name]) => [name, 0]),
  );

  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });

  const entered: string[] = [];

  return {
    store,
    people,
    schedules,
    pages,
    published,
    unpublished,
    metrics,
    calls,
    clock,
    workflow,
    /** Each launch of runbooks the default recording launcher saw. */
    launches,
    /** Opens an incident through the real ingest path (which starts no real execution here). */
    async open(signal: Signal) {
      const result = await applySignal(ingestDeps, signal);
      if (result.outcome !== 'opened') throw new Error(`expected an incident to open, got ${result.outcome}`);
      return result.incidentId;
    },
    /** Resolves through the real ingest path: the parked token is sent back as ingestion would. */
    async recover(signal: Signal) {
      return applySignal(ingestDeps, signal);
    },
    /**
     * Any signal through the real ingest path, grouped as `grouping` says: an alert that joins and outranks
     * the incident raises its priority and sends the parked token back as ingestion would.
     */
    async ingest(signal: Signal) {
      return applySignal(ingestDeps, signal);
    },
    /** Runs `work` when the simulated clock reaches `at` (simulated time only): where a test resolves. */
    at(at: string, work: () => Promise<unknown>) {
      if (!time) throw new Error('h.at needs simulatedTime');
      const when = Date.parse(at);
      if (Number.isNaN(when)) throw new RangeError(`h.at needs an ISO 8601 time, not "${at}"`);
      return time.until(when).then(() => time.busyWhile(work));
    },
    /** Lets `ms` of simulated time pass inside a fault (a call that hangs until it times out). */
    sleep(ms: number) {
      if (!time) throw new Error('h.sleep needs simulatedTime');
      return time.pause(ms);
    },
    /** Every state entered, in order (with `trace`). */
    entered,
    run(incidentId: string) {
      const execution = machine.run(
        { incidentId },
        {
          overrides: {
            taskResourceLocalHandlers: handlers as never,
            waitTimeOverrides: waitOverrides,
            retryIntervalOverrides: retryOverrides,
          },
          context: executionContext(
            `arn:aws:states:us-east-1:111122223333:execution:lifecycle:${incidentId}`,
            `token-${incidentId}`,
            () => clock.now,
          ) as never,
        },
      );
      const traced = options.trace
        ? (async () => {
            for await (const event of execution.eventLogs) {
              if (event.type === 'StateEntered') entered.push(event.state.name);
            }
          })()
        : Promise.resolve();
      const result = (async () => {
        try {
          return await execution.result;
        } finally {
          time?.stop();
          await traced;
        }
      })();
      return { ...execution, result };
    },
    restore() {
      sns.restore();
    },
  };
}

/**
 * The back-off before the next attempt when a task attempt fails with `error`, as aws-local-stepfunctions
 * picks the retrier (first whose ErrorEquals matches) and counts its attempts; undefined when the error is
 * not retried (it is caught, or fails the state).
 */
function nextRetry(state: State, error: unknown, attempts: number[]): number | undefined {
  const name = error instanceof Error ? error.name : '';
  const retriers = (state.Retry ?? []) as Array<{
    ErrorEquals: string[];
    IntervalSeconds?: number;
    MaxAttempts?: number;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
  }>;
  const index = retriers.findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (match) =>
        match === name ||
        match === 'States.ALL' ||
        (match === 'States.TaskFailed' && name !== 'States.Timeout'),
    ),
  );
  const retrier = retriers[index];
  if (!retrier) return undefined;
  const done = attempts[index] ?? 0;
  if (done >= (retrier.MaxAttempts ?? 3)) return undefined;
  attempts[index] = done + 1;
  const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done;
  return Math.min(seconds, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY) * 1000;
}
