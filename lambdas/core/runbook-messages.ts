import type { Incident } from './model';
import type { RunbookRun, RunStep } from './runbook-run';
import { escapeMrkdwn } from './slack-text';
import {
  formatDuration,
  formatTime,
  headline,
  type NotificationMessage,
  oneLine,
  subject,
  trimLink,
  truncate,
} from './templates';

/**
 * What runbook runs say on the timeline and to the on-call level. Pure: every time and duration comes from
 * the run or the caller, so a retried step writes the identical entry (put-if-absent makes it a no-op).
 */

/** Who a run's timeline entries name. */
export function runActor(binding: string): string {
  return `firebreak:runbook:${binding}`;
}

/** A run's timeline entry id: one per thing the run records (`started`, `step:1`, `failed`, …). */
export function runEntryId(runId: string, what: string): string {
  return `runbook:${runId}:${what}`;
}

/** Where a person approves or rejects a run through the API. */
export function decisionPaths(incidentId: string, runId: string): { approve: string; reject: string } {
  const base = `/incidents/${encodeURIComponent(incidentId)}/runbooks/${encodeURIComponent(runId)}`;
  return { approve: `${base}/approve`, reject: `${base}/reject` };
}

type Run = Pick<
  RunbookRun,
  | 'binding'
  | 'kind'
  | 'document'
  | 'parameters'
  | 'resource'
  | 'reason'
  | 'approvedBy'
  | 'rejectedBy'
  | 'decisionReason'
  | 'mode'
  | 'outputs'
>;

/** `AWS-RestartEC2Instance v3` (a number) or `AWS-RestartEC2Instance $DEFAULT`. */
export function documentLabel(document: { name: string; version: string }): string {
  return /^\d+$/.test(document.version)
    ? `${document.name} v${document.version}`
    : `${document.name} ${document.version}`;
}

/** `Remediation restart-web (AWS-RestartEC2Instance v1)`: what ran, for every message about a run. */
export function runLabel(run: Pick<Run, 'binding' | 'kind' | 'document'>): string {
  const kind =
    run.kind === 'remediation'
      ? 'Remediation'
      : run.kind === 'diagnostic'
        ? 'Diagnostic'
        : 'Diagnosis of recent changes';
  if (run.kind === 'changes') return kind;
  return `${kind} ${run.binding}${run.document ? ` (${documentLabel(run.document)})` : ''}`;
}

/** `InstanceId=i-0abc, Reason=cpu`, or `no parameters`. */
export function parametersLabel(parameters: Record<string, string>): string {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return 'no parameters';
  return entries.map(([name, value]) => `${name}=${oneLine(value)}`).join(', ');
}

function outputsLabel(outputs: Record<string, string[]> | undefined): string {
  const entries = Object.entries(outputs ?? {});
  if (entries.length === 0) return 'no outputs';
  return entries.map(([name, values]) => `${name}=${oneLine(values.join(', ')).slice(0, 300)}`).join('; ');
}

/** The messages of a run's timeline entries. */
export const runEntries = {
  refused: (run: Run) =>
    `${runLabel(run)} refused: ${run.reason ?? 'no reason recorded'}` +
    `${run.kind === 'remediation' ? '; escalation continues' : ''}`,

  awaitingApproval: (
    run: Run,
    context: { minutes: number; targets: string[]; incidentId: string; runId: string },
  ) => {
    const paths = decisionPaths(context.incidentId, context.runId);
    const asked = context.targets.length > 0 ? context.targets.join(', ') : 'nobody';
    return (
      `${runLabel(run)} awaits approval for ${context.minutes} min (asked ${asked}): ` +
      `POST ${paths.approve} or ${paths.reject}`
    );
  },

  approvalExpired: (run: Run, minutes: number) =>
    `${runLabel(run)} skipped: nobody approved within ${minutes} min`,

  rejected: (run: Run) =>
    `${runLabel(run)} rejected by ${run.rejectedBy ?? 'someone'}` +
    `${run.decisionReason ? `: ${oneLine(run.decisionReason)}` : ''}; not run`,

  skipped: (run: Run, reason: string) => `${runLabel(run)} skipped: ${reason}`,

  started: (run: Run) => {
    const document = run.document ? documentLabel(run.document) : run.binding;
    const how = run.approvedBy
      ? `approved by ${run.approvedBy}`
      : run.mode === 'auto'
        ? 'automatic'
        : 'approved';
    return `Started ${document} with ${parametersLabel(run.parameters)} (${run.binding}, ${how})`;
  },

  step: (step: RunStep) =>
    `Step ${oneLine(step.name)}${step.action ? ` (${step.action})` : ''}: ${step.status}` +
    `${step.failure ? `: ${oneLine(step.failure)}` : ''}`,

  succeeded: (run: Run, settleMinutes?: number) =>
    run.kind === 'remediation'
      ? `${runLabel(run)} succeeded; the alarm is checked again in ${settleMinutes ?? 0} min`
      : `${runLabel(run)} finished: ${outputsLabel(run.outputs)}`,

  failed: (run: Run, failure: string, timedOut: boolean) =>
    `${runLabel(run)} ${timedOut ? 'timed out' : 'failed'}: ${oneLine(failure)}` +
    `${run.kind === 'remediation' ? '; escalation continues' : ''}`,

  /** The incident's resolution text when a remediation's alarm came back to OK. */
  resolution: (run: Run, alarm: string) =>
    `Auto-remediated by ${run.binding}${run.document ? ` (${documentLabel(run.document)})` : ''}: ` +
    `${oneLine(alarm)} back to OK`,

  verifiedAlreadyResolved: (run: Run, alarm: string) =>
    `Auto-remediated: ${oneLine(alarm)} back to OK after ${runLabel(run).toLowerCase()}; ` +
    'the incident was resolved by its recovery',

  verifiedStillOpen: (run: Run, alarm: string, firing: number) =>
    `${oneLine(alarm)} back to OK after ${runLabel(run).toLowerCase()}; the incident stays open: ` +
    `${firing} other alert(s) still firing`,

  notSettled: (run: Run, alarm: string, settleMinutes: number) =>
    `${runLabel(run)} succeeded but ${oneLine(alarm)} is still firing after ${settleMinutes} min; ` +
    `circuit breaker tripped for ${run.resource ?? run.binding}; escalation continues`,

  closedBeforeCheck: (run: Run, status: string) =>
    `${runLabel(run)} succeeded; the incident was ${status} before the alarm was back to OK`,

  /** The `notified` entry of a notice to the on-call level about a run. */
  noticeSent: (run: Run, what: string, targets: readonly string[]) =>
    `${targets.join(', ')} told that ${runLabel(run).toLowerCase()} ${what}`,
};

/** One change found before an incident (see lambdas/runbooks/ports.ts `Change`). */
export interface ChangeFact {
  at: string;
  source: 'cloudtrail' | 'cloudformation' | 'local';
  actor: string;
  what: string;
  resource: string;
}

const SOURCE_NAMES: Record<ChangeFact['source'], string> = {
  cloudtrail: 'CloudTrail',
  cloudformation: 'CloudFormation',
  local: 'recorded change',
};

/** At most this many changes are spelled out in the entry's message; all of them are in its details. */
export const CHANGES_IN_MESSAGE = 5;

/** `4 min before the alarm`, `30 s after the alarm`. */
export function relativeToAlarm(at: string, alarmAt: string): string {
  const ms = Date.parse(alarmAt) - Date.parse(at);
  if (Number.isNaN(ms)) return `at ${formatTime(at)}`;
  return ms >= 0 ? `${formatDuration(ms)} before the alarm` : `${formatDuration(-ms)} after the alarm`;
}

export function changeLabel(change: ChangeFact, alarmAt: string): string {
  return (
    `${oneLine(change.what)} on ${oneLine(change.resource)} by ${oneLine(change.actor)} ` +
    `(${SOURCE_NAMES[change.source]}) ${relativeToAlarm(change.at, alarmAt)}`
  );
}

/**
 * The diagnosis entry: what changed (newest first), or that nothing did in the window looked at, then the
 * alarm's datapoints when the alert has them.
 */
export function changesDiagnosis(context: {
  changes: readonly ChangeFact[];
  alarmAt: string;
  lookbackHours: number;
  looked: string[];
  datapoints?: { recent: number[]; threshold?: number | undefined } | undefined;
}): string {
  const { changes } = context;
  const looked = context.looked.length > 0 ? context.looked.map(oneLine).join(', ') : 'the service';
  const found =
    changes.length === 0
      ? `No recent changes found to ${looked} in the ${context.lookbackHours} h before the alarm.`
      : `Recent changes: ${changes
          .slice(0, CHANGES_IN_MESSAGE)
          .map((change) => changeLabel(change, context.alarmAt))
          .join('; ')}${
          changes.length > CHANGES_IN_MESSAGE ? `; and ${changes.length - CHANGES_IN_MESSAGE} more` : ''
        }.`;
  const points = context.datapoints;
  if (!points || points.recent.length === 0) return found;
  const threshold = points.threshold !== undefined ? ` (threshold ${points.threshold})` : '';
  return `${found} Recent datapoints: ${points.recent.join(', ')}${threshold}.`;
}

/** The incident's opening context every runbook notice carries. */
function incidentLines(incident: Incident, link: string): string[] {
  return [`Open: ${trimLink(link)}`, '', `Incident: ${incident.id}`, `Service: ${oneLine(incident.service)}`];
}

function runLines(run: Run): string[] {
  return [
    ...(run.document ? [`Document: ${documentLabel(run.document)}`] : []),
    `Parameters: ${parametersLabel(run.parameters)}`,
    ...(run.resource ? [`Resource: ${oneLine(run.resource)}`] : []),
  ];
}

/** Notices to the incident's on-call level. */
export const runNotices = {
  approvalRequest: (
    incident: Incident,
    run: Run,
    context: { link: string; minutes: number; incidentId: string; runId: string },
  ): NotificationMessage => {
    const paths = decisionPaths(context.incidentId, context.runId);
    return {
      subject: subject(incident, 'APPROVAL NEEDED'),
      text: [
        `Approval needed: ${runLabel(run)} on ${headline(incident)}`,
        `Approve: POST ${paths.approve}`,
        `Reject: POST ${paths.reject} (optional body {"reason": "…"})`,
        `It is skipped if nobody approves within ${context.minutes} min.`,
        ...runLines(run),
        ...incidentLines(incident, context.link),
      ].join('\n'),
    };
  },

  refused: (incident: Incident, run: Run, context: { link: string }): NotificationMessage => ({
    subject: subject(incident, 'RUNBOOK REFUSED'),
    text: [
      `${runLabel(run)} was not started on ${headline(incident)}: ${oneLine(run.reason ?? 'refused')}.`,
      'Escalation continues: fix it by hand, or run the runbook by hand once it is safe.',
      ...runLines(run),
      ...incidentLines(incident, context.link),
    ].join('\n'),
  }),

  failed: (
    incident: Incident,
    run: Run,
    context: { link: string; failure: string; timedOut: boolean },
  ): NotificationMessage => ({
    subject: subject(incident, context.timedOut ? 'RUNBOOK TIMED OUT' : 'RUNBOOK FAILED'),
    text: [
      `${runLabel(run)} ${context.timedOut ? 'timed out' : 'failed'} on ${headline(incident)}: ` +
        `${oneLine(context.failure)}; escalation continues.`,
      `Automatic remediation of ${oneLine(run.resource ?? run.binding)} is held by the circuit breaker.`,
      ...runLines(run),
      ...incidentLines(incident, context.link),
    ].join('\n'),
  }),

  notSettled: (
    incident: Incident,
    run: Run,
    context: { link: string; alarm: string; settleMinutes: number },
  ): NotificationMessage => ({
    subject: subject(incident, 'NOT REMEDIATED'),
    text: [
      `${runLabel(run)} succeeded but ${oneLine(context.alarm)} is still firing after ` +
        `${context.settleMinutes} min on ${headline(incident)}; escalation continues.`,
      `Automatic remediation of ${oneLine(run.resource ?? run.binding)} is held by the circuit breaker.`,
      ...runLines(run),
      ...incidentLines(incident, context.link),
    ].join('\n'),
  }),
};

/** At most this much of a run's outputs goes into its reply (Slack shows about 4,000 characters of text). */
export const REPLY_OUTPUT_LENGTH = 2_500;

/** Slack reads `&`, `<` and `>` as markup (`<!channel>` would notify everyone): they are escaped. */

type ReplyRun = Run & Pick<RunbookRun, 'incidentId' | 'state' | 'failure'>;

/** What became of the run, after its label: `finished`, `failed: …`, `rejected by alice: …`. */
function replyOutcome(run: ReplyRun): string {
  const why = (fallback: string) => oneLine(run.reason ?? fallback);
  switch (run.state) {
    case 'succeeded':
      return run.kind === 'remediation' ? 'succeeded; its alarm is being checked' : 'finished';
    case 'verified':
      return `succeeded: ${why('its alarm is back to OK')}`;
    case 'not-settled':
      return `succeeded but did not settle the alarm: ${why('still firing')}; escalation continues`;
    case 'failed':
      return `failed: ${oneLine(run.failure ?? run.reason ?? 'unknown failure')}`;
    case 'timed-out':
      return `timed out: ${oneLine(run.failure ?? run.reason ?? 'no answer in time')}`;
    case 'rejected':
      return (
        `rejected by ${run.rejectedBy ?? 'someone'}` +
        `${run.decisionReason ? `: ${oneLine(run.decisionReason)}` : ''}; not run`
      );
    case 'approval-expired':
      return `not run: ${why('nobody approved in time')}`;
    case 'refused':
      return `refused: ${why('no reason recorded')}`;
    case 'skipped':
      return `skipped: ${why('no reason recorded')}`;
    default:
      return run.state;
  }
}

/**
 * The one message a person's run answers with when it ends (Slack's response_url, `/incident diag`): what
 * ran on which incident, how it ended, its outputs when it has some, and the incident's link. Plain text with
 * Slack's markup characters escaped.
 */
export function runReply(run: ReplyRun, context: { link: string }): string {
  const outputs = Object.entries(run.outputs ?? {}).map(
    ([name, values]) => `• ${oneLine(name)}: ${oneLine(values.join(', '))}`,
  );
  const lines = [
    `${runLabel(run)} on ${run.incidentId} ${replyOutcome(run)}.`,
    ...(outputs.length > 0 ? ['Output:', truncate(outputs.join('\n'), REPLY_OUTPUT_LENGTH)] : []),
    `Incident: ${trimLink(context.link)}`,
  ];
  return escapeMrkdwn(lines.join('\n'));
}
