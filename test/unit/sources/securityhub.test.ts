import { describe, expect, it } from 'vitest';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { detailOf, fixture, type Json, onlySignal, rejectionOf, signalsOf } from './support';

/** Fixture 11 with its finding edited by `edit`, and any more findings appended. */
function findings(...edits: ((finding: Json) => void)[]): Json {
  const event = fixture('11');
  const template = (detailOf(event).findings as Json[])[0] as Json;
  detailOf(event).findings = edits.map((edit, index) => {
    const finding = structuredClone(template);
    finding.Id = `${template.Id as string}-${index}`;
    edit(finding);
    return finding;
  });
  return event;
}

const unchanged = () => {};

describe('Security Hub findings', () => {
  it('gives one signal per finding, each with its own event id', () => {
    // Prepare
    const event = findings(unchanged, unchanged, unchanged);

    // Act
    const signals = signalsOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(signals.map((s) => s.eventId)).toEqual([
      '3c72a112-861d-0e74-0f7a-910faab28916#0',
      '3c72a112-861d-0e74-0f7a-910faab28916#1',
      '3c72a112-861d-0e74-0f7a-910faab28916#2',
    ]);
    expect(new Set(signals.map((s) => s.dedupKey)).size).toBe(3);
  });

  it('rejects one bad finding and still signals the good ones', () => {
    // Prepare
    const event = findings(
      unchanged,
      (f) => {
        (f.Severity as Json).Label = 'SEVERE';
      },
      unchanged,
    );

    // Act
    const result = normalizeEventBridgeEvent(event);

    // Assess
    const signals = signalsOf(result);
    expect(signals.map((s) => s.eventId.split('#')[1])).toEqual(['0', '2']);
    expect(result.kind === 'signals' && result.rejected).toEqual([
      {
        field: 'detail.findings[1].Severity.Label',
        reason:
          'detail.findings[1].Severity.Label: expected one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, got "SEVERE"',
      },
    ]);
  });

  it('rejects a finding that is not an object, by index', () => {
    // Prepare
    const event = fixture('11');
    (detailOf(event).findings as unknown[]).push(null);

    // Act
    const result = normalizeEventBridgeEvent(event);

    // Assess
    expect(signalsOf(result)).toHaveLength(1);
    expect(result.kind === 'signals' && result.rejected[0]?.field).toBe('detail.findings[1]');
  });

  it('rejects the event when every finding is bad', () => {
    // Prepare
    const event = findings((f) => delete f.Id);

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection).toEqual({
      field: 'detail.findings[0].Id',
      reason: 'detail.findings[0].Id: is missing (expected a string)',
    });
  });

  it.each([
    ['an empty findings array', [], 'detail.findings: must have at least 1 item(s)'],
    ['findings as an object', { Id: 'x' }, 'detail.findings: expected an array, got an object'],
    ['no findings', undefined, 'detail.findings: is missing (expected an array)'],
  ])('rejects %s', (_, value, reason) => {
    // Prepare
    const event = fixture('11');
    detailOf(event).findings = value;

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection).toEqual({ field: 'detail.findings', reason });
  });

  it.each([
    ['Workflow.Status RESOLVED', (f: Json) => (f.Workflow = { Status: 'RESOLVED' })],
    ['Workflow.Status SUPPRESSED', (f: Json) => (f.Workflow = { Status: 'SUPPRESSED' })],
    ['RecordState ARCHIVED', (f: Json) => (f.RecordState = 'ARCHIVED')],
    [
      'Compliance.Status PASSED (and INFORMATIONAL, as Security Hub sets it)',
      (f: Json) => {
        f.Compliance = { Status: 'PASSED', SecurityControlId: 'EC2.19' };
        f.Severity = { Label: 'INFORMATIONAL' };
      },
    ],
    [
      'the older WorkflowState RESOLVED',
      (f: Json) => {
        delete f.Workflow;
        f.WorkflowState = 'RESOLVED';
      },
    ],
  ])('resolves on %s', (_, edit) => {
    // Prepare
    const event = findings(edit);

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.action).toBe('resolve');
  });

  it.each([
    [
      'NOTIFIED with WARNING',
      (f: Json) => {
        f.Workflow = { Status: 'NOTIFIED' };
        (f.Compliance as Json).Status = 'WARNING';
      },
    ],
    ['NEW without a Compliance block', (f: Json) => delete f.Compliance],
  ])('triggers on %s', (_, edit) => {
    // Prepare
    const event = findings(edit);

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.action).toBe('trigger');
  });

  it('skips informational findings and ignores the event when nothing is left', () => {
    // Prepare
    const event = findings((f) => (f.Severity = { Label: 'INFORMATIONAL', Normalized: 0 }));

    // Act
    const result = normalizeEventBridgeEvent(event);

    // Assess
    expect(result.kind).toBe('ignored');
    expect(result.kind === 'ignored' && result.reason).toContain('finding 0 is informational');
  });

  it('skips a finding that could not be evaluated', () => {
    // Prepare
    const event = findings(unchanged, (f) => ((f.Compliance as Json).Status = 'NOT_AVAILABLE'));

    // Act
    const signals = signalsOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(signals.map((s) => s.eventId.split('#')[1])).toEqual(['0']);
  });

  it.each([
    ['HIGH', 'high', 'high', 'medium'],
    ['MEDIUM', 'medium', 'medium', 'medium'],
    ['LOW', 'low', 'low', 'low'],
  ])('maps %s to severity %s, impact %s, urgency %s', (label, severity, impact, urgency) => {
    // Prepare
    const event = findings((f) => (f.Severity = { Label: label }));

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({ severity, impact, urgency });
  });

  it('reads the older Normalized score when there is no Label', () => {
    // Prepare
    const event = findings((f) => (f.Severity = { Normalized: 75 }));

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.severity).toBe('high');
  });

  it.each([
    ['a vulnerability', ['Software and Configuration Checks/Vulnerabilities/CVE'], 'Vulnerability'],
    ['a threat', ['TTPs/Command and Control/Backdoor:EC2-C&CActivity.B'], 'Threat detection'],
    ['external access', ['Effects/Data Exposure/External Access Granted'], 'Access'],
  ])('files %s without a Compliance block under %s', (_, types, subcategory) => {
    // Prepare
    const event = findings((f) => {
      delete f.Compliance;
      f.Types = types;
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({ category: 'Security', subcategory });
  });

  it('takes account and region from the finding, falling back to the envelope', () => {
    // Prepare
    const event = findings(
      (f) => {
        f.AwsAccountId = '444455556666';
        f.Region = 'eu-west-1';
      },
      (f) => {
        delete f.AwsAccountId;
        delete f.Region;
      },
    );

    // Act
    const [member, unnamed] = signalsOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(member?.source).toMatchObject({ account: '444455556666', region: 'eu-west-1' });
    expect(unnamed?.source).toMatchObject({ account: '111122223333', region: 'us-east-1' });
  });

  it('names the service after an account resource and after no resource at all', () => {
    // Prepare
    const event = findings(
      (f) => (f.Resources = [{ Type: 'AwsAccount', Id: 'AWS::::Account:111122223333' }]),
      (f) => delete f.Resources,
    );

    // Act
    const [account, none] = signalsOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(account?.service).toBe('111122223333');
    expect(none?.service).toBe('securityhub');
  });
});
