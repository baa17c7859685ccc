import { describe, expect, it } from 'vitest';
import { openIncident } from '#core/incident';
import {
  changesDiagnosis,
  decisionPaths,
  documentLabel,
  REPLY_OUTPUT_LENGTH,
  relativeToAlarm,
  runActor,
  runEntries,
  runEntryId,
  runLabel,
  runNotices,
  runReply,
} from '#core/runbook-messages';
import { publicRun, type RunbookRun, runSettled } from '#core/runbook-run';
import { MAX_SUBJECT_LENGTH } from '#core/templates';
import { alarmSignal } from '../support/signals';

const incident = openIncident(
  alarmSignal({
    at: '2026-11-27T09:59:30.000Z',
    alarm: 'web-prod-cpu-high',
    impact: 'high',
    urgency: 'high',
  }),
  'INC-20261127-0001',
  new Date('2026-11-27T10:00:00.000Z'),
);
const run: RunbookRun = {
  incidentId: incident.id,
  runId: 'restart-web-0123456789',
  binding: 'restart-web',
  kind: 'remediation',
  mode: 'approval',
  trigger: 'opened',
  document: { name: 'AWS-RestartEC2Instance', version: '3' },
  parameters: { InstanceId: 'i-0abc' },
  resource: 'i-0abc',
  state: 'awaiting-approval',
  requestedBy: 'firebreak',
  clientToken: '00000000-0000-5000-8000-000000000000',
  createdAt: '2026-11-27T10:00:00.000Z',
  updatedAt: '2026-11-27T10:00:00.000Z',
};

describe('runbook timeline messages', () => {
  it('name the run, its document and version', () => {
    expect(runActor('restart-web')).toBe('firebreak:runbook:restart-web');
    expect(runEntryId(run.runId, 'step:2')).toBe('runbook:restart-web-0123456789:step:2');
    expect(runLabel(run)).toBe('Remediation restart-web (AWS-RestartEC2Instance v3)');
    expect(runLabel({ ...run, kind: 'changes', binding: 'changes' })).toBe('Diagnosis of recent changes');
    expect(documentLabel({ name: 'AWS-RestartEC2Instance', version: '$DEFAULT' })).toBe(
      'AWS-RestartEC2Instance $DEFAULT',
    );
  });

  it('say what happened to the run, and that escalation continues when a remediation does not help', () => {
    expect(runEntries.started({ ...run, approvedBy: 'alice' })).toBe(
      'Started AWS-RestartEC2Instance v3 with InstanceId=i-0abc (restart-web, approved by alice)',
    );
    expect(
      runEntries.refused({
        ...run,
        reason: 'could not fill InstanceId (from {dimension.InstanceId}) from the alert',
      }),
    ).toBe(
      'Remediation restart-web (AWS-RestartEC2Instance v3) refused: could not fill InstanceId (from {dimension.InstanceId}) from the alert; escalation continues',
    );
    expect(runEntries.failed({ ...run, kind: 'diagnostic' }, 'boom', false)).toBe(
      'Diagnostic restart-web (AWS-RestartEC2Instance v3) failed: boom',
    );
    expect(runEntries.failed(run, 'no answer', true)).toBe(
      'Remediation restart-web (AWS-RestartEC2Instance v3) timed out: no answer; escalation continues',
    );
    expect(runEntries.notSettled(run, 'web-prod-cpu-high', 10)).toBe(
      'Remediation restart-web (AWS-RestartEC2Instance v3) succeeded but web-prod-cpu-high is still firing after 10 min; circuit breaker tripped for i-0abc; escalation continues',
    );
    expect(runEntries.resolution(run, 'web-prod-cpu-high')).toBe(
      'Auto-remediated by restart-web (AWS-RestartEC2Instance v3): web-prod-cpu-high back to OK',
    );
    expect(
      runEntries.step({
        name: 'stop\ninstance',
        action: 'aws:changeInstanceState',
        status: 'Failed',
        failure: 'denied',
      }),
    ).toBe('Step stop instance (aws:changeInstanceState): Failed: denied');
    expect(
      runEntries.awaitingApproval(run, {
        minutes: 30,
        targets: ['primary-on-call'],
        incidentId: run.incidentId,
        runId: run.runId,
      }),
    ).toBe(
      'Remediation restart-web (AWS-RestartEC2Instance v3) awaits approval for 30 min (asked primary-on-call): ' +
        'POST /incidents/INC-20261127-0001/runbooks/restart-web-0123456789/approve or ' +
        '/incidents/INC-20261127-0001/runbooks/restart-web-0123456789/reject',
    );
  });
});

describe('the diagnosis of recent changes', () => {
  const change = (at: string, what: string, actor = 'alice') => ({
    at,
    source: 'cloudformation' as const,
    actor,
    what,
    resource: 'checkout-api',
  });

  it('lists the newest changes relative to the alarm, then the datapoints', () => {
    expect(
      changesDiagnosis({
        changes: [
          change('2026-11-27T09:55:30.000Z', 'UPDATE_COMPLETE'),
          change('2026-11-27T10:01:00.000Z', 'deployed v2'),
        ],
        alarmAt: '2026-11-27T09:59:30.000Z',
        lookbackHours: 3,
        looked: ['i-0abc'],
        datapoints: { recent: [91.5], threshold: 80 },
      }),
    ).toBe(
      'Recent changes: UPDATE_COMPLETE on checkout-api by alice (CloudFormation) 4 min before the alarm; ' +
        'deployed v2 on checkout-api by alice (CloudFormation) 1 min after the alarm. Recent datapoints: 91.5 (threshold 80).',
    );
  });

  it('says when nothing changed, and spells out at most five changes', () => {
    expect(
      changesDiagnosis({
        changes: [],
        alarmAt: '2026-11-27T09:59:30.000Z',
        lookbackHours: 3,
        looked: ['i-0abc', 'web'],
      }),
    ).toBe('No recent changes found to i-0abc, web in the 3 h before the alarm.');
    const many = Array.from({ length: 7 }, (_, i) => change(`2026-11-27T09:5${i}:00.000Z`, `change ${i}`));
    expect(
      changesDiagnosis({ changes: many, alarmAt: '2026-11-27T10:00:00.000Z', lookbackHours: 3, looked: [] }),
    ).toMatch(/; and 2 more\.$/);
    expect(relativeToAlarm('2026-11-27T10:00:00.000Z', 'not a time')).toBe('at 2026-11-27 10:00 UTC');
  });
});

describe('runbook notices to the on-call level', () => {
  it('ask for approval with both API paths and the deadline, within SNS subject limits', () => {
    const notice = runNotices.approvalRequest(incident, run, {
      link: 'https://firebreak.example.com/incidents/INC-20261127-0001/',
      minutes: 30,
      incidentId: run.incidentId,
      runId: run.runId,
    });
    expect(notice.subject).toMatch(/^\[P1\] APPROVAL NEEDED INC-20261127-0001 web-prod: /);
    expect(notice.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    const paths = decisionPaths(run.incidentId, run.runId);
    expect(notice.text.split('\n').slice(0, 4)).toEqual([
      `Approval needed: Remediation restart-web (AWS-RestartEC2Instance v3) on P1 CRITICAL incident ${incident.id} on web-prod`,
      `Approve: POST ${paths.approve}`,
      `Reject: POST ${paths.reject} (optional body {"reason": "…"})`,
      'It is skipped if nobody approves within 30 min.',
    ]);
    expect(notice.text).toContain('Open: https://firebreak.example.com/incidents/INC-20261127-0001\n');
  });

  it('say that escalation continues when a remediation fails or does not settle', () => {
    const link = 'https://firebreak.example.com/incidents/INC-20261127-0001';
    expect(runNotices.failed(incident, run, { link, failure: 'denied', timedOut: false }).text).toContain(
      'failed on P1 CRITICAL incident INC-20261127-0001 on web-prod: denied; escalation continues.',
    );
    expect(
      runNotices.notSettled(incident, run, { link, alarm: 'web-prod-cpu-high', settleMinutes: 10 }).subject,
    ).toContain('NOT REMEDIATED');
    expect(runNotices.refused(incident, { ...run, reason: 'circuit breaker open' }, { link }).text).toContain(
      'was not started on P1 CRITICAL incident INC-20261127-0001 on web-prod: circuit breaker open.',
    );
  });
});

describe('the reply to a person who asked for a run (Slack response_url)', () => {
  const link = 'https://firebreak.example.com/incidents/INC-20261127-0001/';
  const diagnostic: RunbookRun = {
    ...run,
    binding: 'describe-web',
    kind: 'diagnostic',
    mode: 'auto',
    trigger: 'requested',
    document: { name: 'Firebreak-Diagnose', version: '2' },
    requestedBy: 'slack:U024BE7LH',
    state: 'succeeded',
    outputs: { 'describe.State': ['running'], 'describe.Status': ['impaired', 'degraded'] },
  };

  it('names the runbook, the incident and the outcome, then the outputs and the link', () => {
    expect(runReply(diagnostic, { link }).split('\n')).toEqual([
      'Diagnostic describe-web (Firebreak-Diagnose v2) on INC-20261127-0001 finished.',
      'Output:',
      '• describe.State: running',
      '• describe.Status: impaired, degraded',
      'Incident: https://firebreak.example.com/incidents/INC-20261127-0001',
    ]);
  });

  it('says how every ending went', () => {
    const first = (changes: Partial<RunbookRun>) =>
      runReply({ ...diagnostic, outputs: {}, ...changes }, { link }).split('\n')[0];
    expect(first({ state: 'failed', failure: 'AccessDeniedException: not authorized' })).toBe(
      'Diagnostic describe-web (Firebreak-Diagnose v2) on INC-20261127-0001 failed: AccessDeniedException: not authorized.',
    );
    expect(first({ state: 'timed-out', failure: 'Firebreak stopped watching it after 60 min' })).toContain(
      'timed out: Firebreak stopped watching it after 60 min.',
    );
    expect(first({ state: 'rejected', rejectedBy: 'bob', decisionReason: 'not now' })).toContain(
      'rejected by bob: not now; not run.',
    );
    expect(first({ state: 'approval-expired', reason: 'nobody approved within 30 min' })).toContain(
      'not run: nobody approved within 30 min.',
    );
    expect(first({ state: 'refused', reason: 'could not fill InstanceId' })).toContain(
      'refused: could not fill InstanceId.',
    );
    expect(first({ state: 'skipped', reason: 'the incident was resolved before it started' })).toContain(
      'skipped: the incident was resolved before it started.',
    );
    expect(first({ kind: 'remediation', state: 'verified', reason: 'web back to OK after 10 min' })).toBe(
      'Remediation describe-web (Firebreak-Diagnose v2) on INC-20261127-0001 succeeded: web back to OK after 10 min.',
    );
    expect(first({ kind: 'remediation', state: 'not-settled', reason: 'web still firing' })).toContain(
      'succeeded but did not settle the alarm: web still firing; escalation continues.',
    );
  });

  it("escapes Slack's markup, so an output cannot mention @channel or forge a link", () => {
    const text = runReply(
      { ...diagnostic, outputs: { note: ['<!channel> see <https://evil.example|here> & more'] } },
      { link },
    );
    expect(text).toContain('• note: &lt;!channel&gt; see &lt;https://evil.example|here&gt; &amp; more');
    expect(text).not.toMatch(/<|>/);
  });

  it('cuts long outputs, keeping the link', () => {
    const text = runReply({ ...diagnostic, outputs: { dump: ['x'.repeat(10_000)] } }, { link });
    expect(text.length).toBeLessThan(REPLY_OUTPUT_LENGTH + 300);
    expect(text).toContain('…\nIncident: https://firebreak.example.com/incidents/INC-20261127-0001');
  });

  it('counts a run as ended in a final state, or a diagnosis that succeeded; the API view drops the URL', () => {
    expect(runSettled(diagnostic)).toBe(true);
    expect(runSettled({ ...diagnostic, kind: 'changes' })).toBe(true);
    expect(runSettled({ ...diagnostic, kind: 'remediation' })).toBe(false);
    expect(runSettled({ ...diagnostic, state: 'running' })).toBe(false);
    expect(runSettled({ ...diagnostic, state: 'awaiting-approval' })).toBe(false);
    expect(runSettled({ ...diagnostic, kind: 'remediation', state: 'not-settled' })).toBe(true);
    const withUrl = { ...diagnostic, replyTo: 'https://hooks.slack.com/commands/T1/2/abc' };
    expect(publicRun(withUrl)).toEqual(diagnostic);
  });
});
