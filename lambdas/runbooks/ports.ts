import type { RunbookRun, RunStep, RunTrigger } from '#core/runbook-run';
import type { RunbookAlert } from '#core/runbooks';

/**
 * What the runbook code needs from the outside, as interfaces: SSM Automation, the sources of recent
 * changes, and the runbook-run state machine. Deployed, each is an AWS adapter (lambdas/adapters); in local
 * mode and tests, a local one.
 */

export interface AutomationStart {
  documentName: string;
  documentVersion: string;
  parameters: Record<string, string[]>;
  /** SSM's idempotency token: a retried start finds the automation the first one started. */
  clientToken: string;
  /** For the record (local mode lists them); SSM is not told. */
  incidentId: string;
  runId: string;
  binding: string;
}

export interface AutomationStatus {
  /** SSM's AutomationExecutionStatus, as is (see automationProgress in #core/runbook-run). */
  status: string;
  steps: RunStep[];
  outputs: Record<string, string[]>;
  failure?: string;
}

export interface AutomationRunner {
  start(request: AutomationStart): Promise<{ automationId: string }>;
  status(automationId: string): Promise<AutomationStatus>;
}

/** One change to a resource or service before an incident: a CloudTrail event, a stack event, a deploy. */
export interface Change {
  at: string;
  source: 'cloudtrail' | 'cloudformation' | 'local';
  /** Who made it: an IAM principal, a person, a pipeline. */
  actor: string;
  /** What was done, in a few words (`UpdateService`, `UPDATE_COMPLETE`, `deployed v142`). */
  what: string;
  resource: string;
  service?: string;
}

export interface ChangeQuery {
  /** Resource ids and ARNs named by the alert (dimension values, ARNs). */
  resources: string[];
  service: string;
  /** The CloudFormation stack behind the service, when the alert names one. */
  stackName?: string;
  from: Date;
  to: Date;
}

export interface ChangeSource {
  find(query: ChangeQuery): Promise<Change[]>;
}

/** Starts one execution of the runbook-run state machine per run, named by incident and run. */
export interface RunbookStarter {
  start(incidentId: string, runId: string): Promise<'started' | 'already-running'>;
}

/** Wakes a run waiting for approval (SendTaskSuccess / SendTaskFailure `Runbook.Rejected`). */
export interface ApprovalSignals {
  approve(token: string): Promise<'signalled' | 'not-waiting'>;
  reject(token: string, reason: string): Promise<'signalled' | 'not-waiting'>;
}

export interface LaunchOptions {
  /** What makes the launch unique: the alert id for automatic runs, the request's key for a person's. */
  key: string;
  requestedBy: string;
  /** Only this binding (a person's request); undefined launches every matching binding and the changes run. */
  only?: string;
  /**
   * Where the runs answer when they end: the response_url of the Slack command that asked (see ReplyPoster).
   * Kept on each run written; a run the launcher writes already ended (a binding that is off) is not started
   * and answers nothing later, so the command's own answer says so.
   */
  replyTo?: string | undefined;
}

/** Writes the runs an incident's alert (or a person) asks for and starts them; see lambdas/runbooks/launch.ts. */
export interface Launcher {
  launch(
    incidentId: string,
    alert: RunbookAlert | undefined,
    trigger: RunTrigger,
    options: LaunchOptions,
  ): Promise<RunbookRun[]>;
}

/** A message to a Slack response_url: the shape of Slack's own (and of SlackApi.respond's reply). */
export interface RunReply {
  response_type: 'in_channel' | 'ephemeral';
  text: string;
}

/**
 * Posts a run's summary to the response_url its request came with (`/incident diag`). Slack's Web API
 * adapter satisfies it as it is (`respond`); lambdas/adapters/response-url.ts is the standalone one. Throws
 * when the post fails: the run records that and goes on.
 */
export interface ReplyPoster {
  respond(responseUrl: string, reply: RunReply): Promise<void>;
}
