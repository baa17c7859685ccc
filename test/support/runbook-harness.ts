import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmAutomation } from '#adapters/automation';
import { AwsChangeFinder } from '#adapters/change-finder';
import { IncidentIdAllocator } from '#adapters/incident-ids';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { RunbookRuns } from '#adapters/runbook-runs';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import type { Signal, TimelineEntry } from '#core/model';
import { executionNameOf } from '#core/runbook-run';
import { parseRunbookConfig } from '#core/runbooks';
import { RunbookCommands } from '../../lambdas/api/runbook-commands';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { RunbookActions } from '../../lambdas/runbooks/actions';
import type { RunbookInput } from '../../lambdas/runbooks/inputs';
import { RunbookLauncher } from '../../lambdas/runbooks/launch';
import type { ReplyPoster } from '../../lambdas/runbooks/ports';
import { LocalRunbookWorkflow } from '../../local/local-runbooks';
import type { DynamoServer } from './dynamo-server';
import type { Published } from './lifecycle-harness';
import { SimulatedTime } from './simulated-time';
import { protocolMessages } from './sns-messages';

export const AUTOMATION_ROLE = 'arn:aws:iam::111122223333:role/firebreak-automation';
const OPS_TOPIC = 'arn:aws:sns:us-east-1:111122223333:firebreak-ops';

export interface RunbookHarnessOptions {
  /** `firebreak.runbooks`, as a deployment gives it. */
  runbooks?: unknown;
  /** Runs after each runbook action with its input and output: where a test decides meanwhile. */
  afterAction?: (input: RunbookInput, output: unknown) => Promise<void> | void;
  /** Where a person's runs answer when they end (a Slack command's response_url). */
  replies?: ReplyPoster;
}

/**
 * Executes statemachines/runbook-run.asl.json through local mode's LocalRunbookWorkflow, in simulated time:
 * the real runbook actions, runs store and launcher on the local DynamoDB-protocol server; SSM, CloudTrail,
 * CloudFormation and SNS mocked at their SDK clients. Incidents open (and alarms recover) through the real
 * ingest path.
 */
export function runbookHarness(server: DynamoServer, table: string, options: RunbookHarnessOptions = {}) {
  const escalation = DEFAULT_ESCALATION_CONFIG;
  const runbooks = parseRunbookConfig(options.runbooks ?? {});
  const topicArns = Object.fromEntries(
    targetsOf(escalation).map((target) => [target, `arn:aws:sns:us-east-1:111122223333:firebreak-${target}`]),
  );
  const targetOfTopic = new Map<string, string>([
    ...Object.entries(topicArns).map(([target, arn]): [string, string] => [arn, target]),
    [OPS_TOPIC, 'ops'],
  ]);
  const clock = { now: new Date('2026-11-27T10:00:00.000Z') };
  const time = new SimulatedTime(clock);
  const published: Published[] = [];
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    const topic = input.TopicArn ?? '';
    const messages = protocolMessages(input);
    published.push({
      topic,
      target: targetOfTopic.get(topic) ?? 'unknown',
      kind: input.MessageAttributes?.kind?.StringValue ?? '',
      subject: input.Subject ?? '',
      text: messages.default,
      ...(messages.card ? { card: messages.card } : {}),
      at: clock.now.toISOString(),
    });
    return { MessageId: `msg-${published.length}` };
  });
  const ssm = mockClient(SSMClient);
  const cloudtrail = mockClient(CloudTrailClient);
  const cloudformation = mockClient(CloudFormationClient);

  const store = new IncidentStore(server.doc, table);
  const runs = new RunbookRuns(server.doc, table);
  const lifecycle = {
    signalled: [] as string[],
    async signalResolved(token: string) {
      lifecycle.signalled.push(token);
      return 'signalled' as const;
    },
  };
  const errors: unknown[] = [];
  const workflow: LocalRunbookWorkflow = new LocalRunbookWorkflow({
    actions: {
      async run(input) {
        const output = await actions.run(input);
        await options.afterAction?.(input, output);
        return output;
      },
    },
    // Retry back-offs pass at once (the waits of the definition pass on the simulated clock).
    timeScale: 1_000_000,
    onError: (_execution, error) => errors.push(error),
    clock: {
      now: () => clock.now,
      sleep: (seconds, signal) => time.until(clock.now.getTime() + seconds * 1000, signal),
      busy: (work) => time.busyWhile(work),
    },
  });
  const launcher = new RunbookLauncher({
    runs,
    starter: workflow,
    config: runbooks,
    automationRoleArn: AUTOMATION_ROLE,
    clock: () => clock.now,
  });
  const actions: RunbookActions = new RunbookActions({
    store,
    runs,
    claims: store.claims,
    launcher,
    automation: new SsmAutomation(new SSMClient({ region: 'us-east-1' })),
    changes: new AwsChangeFinder(
      new CloudTrailClient({ region: 'us-east-1' }),
      new CloudFormationClient({ region: 'us-east-1' }),
    ),
    lifecycle,
    notifier: new SnsNotifier(new SNSClient({ region: 'us-east-1' }), topicArns, {
      incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    }),
    escalation,
    runbooks,
    opsTopicArn: OPS_TOPIC,
    incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
    clock: () => clock.now,
    ...(options.replies ? { replies: options.replies } : {}),
  });
  // What the API (and Slack's `/incident diag`) does with a person's request for a runbook.
  const commands = new RunbookCommands({
    store,
    runs,
    launcher,
    approvals: workflow,
    config: runbooks,
    clock: () => clock.now,
  });
  const ingestDeps = {
    store,
    ids: new IncidentIdAllocator(store),
    workflow: {
      async start() {
        return 'started';
      },
      signalResolved: (token: string) => lifecycle.signalResolved(token),
      async signalPriorityRaised() {
        return 'not-waiting';
      },
    },
    clock: () => clock.now,
  };

  return {
    store,
    runs,
    clock,
    published,
    ssm,
    cloudtrail,
    cloudformation,
    lifecycle,
    workflow,
    actions,
    launcher,
    errors,
    /** Opens an incident through the real ingest path. */
    async open(signal: Signal) {
      const result = await applySignal(ingestDeps, signal);
      if (result.outcome !== 'opened') throw new Error(`expected an incident to open, got ${result.outcome}`);
      return result.incidentId;
    },
    /** Any signal through the real ingest path (an alarm's OK, for one). */
    ingest(signal: Signal) {
      return applySignal(ingestDeps, signal);
    },
    /** What the lifecycle's LaunchRunbooks task does as the incident opens. */
    launch(incidentId: string) {
      return time.busyWhile(() => actions.run({ action: 'launch', incidentId, trigger: 'opened' }));
    },
    /** A person asks for a bound runbook through the API's path (RunbookCommands.request). */
    request(incidentId: string, name: string, by: { actor: string; key: string; replyTo?: string }) {
      return time.busyWhile(() => commands.request(incidentId, name, { ...by, at: clock.now.toISOString() }));
    },
    /** Runs `work` when the simulated clock reaches `at`: where a person approves, or an alarm recovers. */
    at(at: string, work: () => Promise<unknown>) {
      return time.until(Date.parse(at)).then(() => time.busyWhile(work));
    },
    /** A person's decision through the API's path: the run is decided, then its parked token sent back. */
    async decide(
      incidentId: string,
      runId: string,
      decision: { approved: boolean; by: string; reason?: string },
    ) {
      const decided = await runs.decide(incidentId, runId, decision, clock.now);
      if (!decided?.token) return decided;
      if (decision.approved) await workflow.approve(decided.token);
      else await workflow.reject(decided.token, decision.reason ?? 'rejected');
      return decided;
    },
    /** Waits until every execution started has ended. */
    async settled() {
      await workflow.drain();
    },
    /** The states one run's execution entered, in order. */
    statesOf(incidentId: string, runId: string): string[] {
      return workflow.executions.get(executionNameOf(incidentId, runId))?.states ?? [];
    },
    async timeline(incidentId: string): Promise<TimelineEntry[]> {
      return store.listTimeline(incidentId);
    },
    restore() {
      time.stop();
      sns.restore();
      ssm.restore();
      cloudtrail.restore();
      cloudformation.restore();
    },
  };
}
