import { readFileSync } from 'node:fs';
import { GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { StateMachine } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from '#core/escalation';
import type { Signal } from '#core/model';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { LifecycleActions } from '../../lambdas/lifecycle/actions';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { parseLifecycleInput } from '../../lambdas/lifecycle/inputs';
import { allStates, type States } from '../../local/local-workflow';
import type { DynamoServer } from './dynamo-server';

export const ASL_PATH = new URL('../../statemachines/incident-lifecycle.asl.json', import.meta.url);
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:111122223333:function:firebreak-lifecycle';
const OPS_TOPIC = 'arn:aws:sns:us-east-1:111122223333:firebreak-ops';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder, replaced below.
const LAMBDA_RESOURCE = '${LifecycleFunctionArn}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the ASL's substitution placeholder, replaced below.
const TABLE_RESOURCE = '${TableName}';

export interface Published {
  topic: string;
  target: string;
  kind: string;
  subject: string;
  text: string;
}

export type TaskHook = (
  state: string,
  input: Record<string, unknown>,
  output: unknown,
) => Promise<void> | void;

export interface HarnessOptions {
  escalation?: EscalationConfig;
  /** Milliseconds per Wait state name; any Wait not named waits 0 ms. */
  waits?: Record<string, number>;
  /** Runs after each lifecycle Task with its input and output: where a test acknowledges or resolves. */
  afterTask?: TaskHook;
  /** Stands in front of the lifecycle handler of one Task state (fault injection); `real` runs the handler. */
  faults?: Record<string, (input: Record<string, unknown>, real: () => Promise<unknown>) => Promise<unknown>>;
}

/**
 * Executes statemachines/incident-lifecycle.asl.json itself with aws-local-stepfunctions: Lambda Tasks go
 * to the real lifecycle actions, DynamoDB reads to the local DynamoDB-protocol server, and SNS is captured
 * at the SDK client. The clock is the test's to move.
 */
export function lifecycleHarness(server: DynamoServer, table: string, options: HarnessOptions = {}) {
  const escalation = options.escalation ?? DEFAULT_ESCALATION_CONFIG;
  const definitionText = readFileSync(ASL_PATH, 'utf8')
    .replaceAll(LAMBDA_RESOURCE, FUNCTION_ARN)
    .replaceAll(TABLE_RESOURCE, table);
  const definition = JSON.parse(definitionText) as { States: States };

  const topicArns = Object.fromEntries(
    targetsOf(escalation).map((target) => [target, `arn:aws:sns:us-east-1:111122223333:firebreak-${target}`]),
  );
  const targetOfTopic = new Map<string, string>([
    ...Object.entries(topicArns).map(([target, arn]): [string, string] => [arn, target]),
    [OPS_TOPIC, 'ops'],
  ]);
  const published: Published[] = [];
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    published.push({
      topic: input.TopicArn ?? '',
      target: targetOfTopic.get(input.TopicArn ?? '') ?? 'unknown',
      kind: input.MessageAttributes?.kind?.StringValue ?? '',
      subject: input.Subject ?? '',
      text: input.Message ?? '',
    });
    return { MessageId: `msg-${published.length}` };
  });

  const clock = { now: new Date('2026-11-27T10:00:00.000Z') };
  const store = new IncidentStore(server.doc, table);
  const metrics: Array<{ name: string; dimensions: Record<string, string> }> = [];
  const actions = new LifecycleActions({
    store,
    notifier: new SnsNotifier(new SNSClient({ region: 'us-east-1' }), topicArns),
    clock: () => clock.now,
    escalation,
    opsTopicArn: OPS_TOPIC,
    incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    metric: (name, dimensions) => metrics.push({ name, dimensions }),
  });

  // The token the AwaitResolution state parks; ingestion sends it back when it resolves the incident.
  const parked = new Map<string, (output: unknown) => void>();
  const workflow = {
    started: [] as string[],
    async start(incidentId: string) {
      workflow.started.push(incidentId);
      return 'started';
    },
    async signalResolved(token: string) {
      parked.get(token)?.({ resolved: true });
      return parked.delete(token) ? 'signalled' : 'not-waiting';
    },
  };
  const ids = new IncidentIdAllocator(store);

  const calls: Array<{ state: string; action: string }> = [];
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of allStates(definition.States)) {
    if (state.Type !== 'Task') continue;
    if (state.Resource === FUNCTION_ARN) {
      handlers[name] = async (raw) => {
        const input = raw as Record<string, unknown>;
        calls.push({ state: name, action: String(input.action) });
        const fault = options.faults?.[name];
        const real = () => actions.run(parseLifecycleInput(input));
        const output = fault ? await fault(input, real) : await real();
        await options.afterTask?.(name, input, output);
        return output;
      };
    } else if (state.Resource === 'arn:aws:states:::dynamodb:getItem') {
      handlers[name] = (input) => {
        calls.push({ state: name, action: 'getItem' });
        return server.client.send(new GetItemCommand(input as GetItemCommandInput));
      };
    } else if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      handlers[name] = async (raw) => {
        const payload = (raw as { Payload: Record<string, unknown> }).Payload;
        calls.push({ state: name, action: String(payload.action) });
        await actions.run(parseLifecycleInput(payload));
        return new Promise((resolve) => parked.set(String(payload.token), resolve));
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

  return {
    store,
    published,
    metrics,
    calls,
    clock,
    workflow,
    /** Opens an incident through the real ingest path (which starts no real execution here). */
    async open(signal: Signal) {
      const result = await applySignal({ store, ids, workflow, clock: () => clock.now }, signal);
      if (result.outcome !== 'opened') throw new Error(`expected an incident to open, got ${result.outcome}`);
      return result.incidentId;
    },
    /** Resolves through the real ingest path: the parked token is sent back as ingestion would. */
    async recover(signal: Signal) {
      return applySignal({ store, ids, workflow, clock: () => clock.now }, signal);
    },
    run(incidentId: string) {
      const execution = machine.run(
        { incidentId },
        {
          overrides: {
            taskResourceLocalHandlers: handlers as never,
            waitTimeOverrides: waitOverrides,
            retryIntervalOverrides: retryOverrides,
          },
          context: {
            Execution: { Id: `arn:aws:states:us-east-1:111122223333:execution:lifecycle:${incidentId}` },
            Task: { Token: `token-${incidentId}` },
          } as never,
        },
      );
      return execution;
    },
    restore() {
      sns.restore();
    },
  };
}
