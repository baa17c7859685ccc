import { AlertClaims } from '#adapters/alert-claims';
import type { IncidentStore } from '#adapters/incident-store';
import type { SnsNotifier } from '#adapters/notifier';
import type { RunbookRuns } from '#adapters/runbook-runs';
import type { DocumentSender } from '#adapters/store-keys';
import type { EscalationConfig } from '#core/escalation';
import type { RunbookConfig } from '#core/runbooks';
import type { TargetResolver } from '../lambdas/incidents/target-resolver';
import type { LifecycleStarter } from '../lambdas/ingest/apply-signal';
import type { ChatDelivery } from '../lambdas/lifecycle/notify-once';
import { RunbookActions } from '../lambdas/runbooks/actions';
import type { RunbookInput } from '../lambdas/runbooks/inputs';
import { RunbookLauncher } from '../lambdas/runbooks/launch';
import type { AutomationRunner, ChangeSource, ReplyPoster } from '../lambdas/runbooks/ports';
import { LocalRunbookWorkflow } from './local-runbooks';

/** What local mode has for running runbooks: its table, stores, stand-ins for SSM and CloudTrail, paging. */
export interface LocalRunbookParts {
  db: DocumentSender;
  tableName: string;
  store: IncidentStore;
  runs: RunbookRuns;
  automation: AutomationRunner;
  changes: ChangeSource;
  /** The incident lifecycles, which a remediation that resolved its incident wakes. */
  lifecycle: Pick<LifecycleStarter, 'signalResolved'>;
  notifier: SnsNotifier;
  opsTopicArn: string;
  /** Who the on-call level's `schedule:` and `person:` targets are now. */
  targets: TargetResolver;
  escalation: EscalationConfig;
  config: RunbookConfig;
  /** What `{automationRole}` fills in: the role a deployment's automations assume (none is assumed here). */
  automationRoleArn: string;
  incidentLink: (id: string) => string;
  timeScale: number;
  clock: () => Date;
  onError: (execution: string, error: unknown) => void;
  /**
   * Where a person's run answers when it ends (its request's response_url): local Slack records it, or a
   * ResponseUrlPoster posts it. None: runs answer nothing.
   */
  replies?: ReplyPoster;
  /** Notices to the on-call level go to the chat channels too (local Slack); SNS only when absent. */
  chat?: ChatDelivery;
}

/**
 * Runbooks as deployed, in this process: the runbook function's actions, the launcher, and the runbook-run
 * state machine (its ASL file) executed by LocalRunbookWorkflow, which also takes the approvals.
 */
export function createLocalRunbookEngine(parts: LocalRunbookParts) {
  // The workflow runs the actions and the actions' launcher starts runs on the workflow: tie the knot lazily.
  let actions: RunbookActions | undefined;
  const run = (input: RunbookInput) => {
    if (!actions) throw new Error('runbook actions are not built yet');
    return actions.run(input);
  };
  const workflow = new LocalRunbookWorkflow({
    actions: { run },
    timeScale: parts.timeScale,
    onError: (execution, error) => parts.onError(execution.name, error),
  });
  const launcher = new RunbookLauncher({
    runs: parts.runs,
    starter: workflow,
    config: parts.config,
    automationRoleArn: parts.automationRoleArn,
    clock: parts.clock,
  });
  actions = new RunbookActions({
    store: parts.store,
    runs: parts.runs,
    claims: new AlertClaims(parts.db, parts.tableName),
    launcher,
    automation: parts.automation,
    changes: parts.changes,
    lifecycle: parts.lifecycle,
    notifier: parts.notifier,
    escalation: parts.escalation,
    runbooks: parts.config,
    opsTopicArn: parts.opsTopicArn,
    targets: parts.targets,
    incidentLink: parts.incidentLink,
    clock: parts.clock,
    ...(parts.replies ? { replies: parts.replies } : {}),
    ...(parts.chat ? { chat: parts.chat } : {}),
  });
  return { actions: { run }, launcher, approvals: workflow, workflow, stop: () => workflow.stop() };
}
