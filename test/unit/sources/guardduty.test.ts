import { describe, expect, it } from 'vitest';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { detailOf, fixture, onlySignal, rejectionOf } from './support';

describe('GuardDuty findings', () => {
  it.each([
    [10, 'critical', 'high', 'high'],
    [9, 'critical', 'high', 'high'],
    [8.9, 'high', 'high', 'high'],
    [7, 'high', 'high', 'high'],
    [6.9, 'medium', 'medium', 'medium'],
    [4, 'medium', 'medium', 'medium'],
    [3.9, 'low', 'low', 'low'],
    [1, 'low', 'low', 'low'],
  ])('severity %d → %s, impact %s, urgency %s', (score, severity, impact, urgency) => {
    // Prepare
    const event = fixture('10');
    detailOf(event).severity = score;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({ severity, impact, urgency });
    expect(signal.details.severityScore).toBe(score);
  });

  it('resolves an archived finding', () => {
    // Prepare
    const event = fixture('10');
    (detailOf(event).service as Record<string, unknown>).archived = true;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.action).toBe('resolve');
    expect(signal.dedupKey).toBe('06808b53de662784aff0a9e123144074');
  });

  it('names an access key finding after the IAM user', () => {
    // Prepare
    const event = fixture('10');
    Object.assign(detailOf(event), {
      type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: { accessKeyId: 'ASIAEXAMPLE', userName: 'deploy-bot' },
      },
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.service).toBe('deploy-bot');
    expect(signal.summary).toBe(
      'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS on deploy-bot',
    );
  });

  it('falls back to guardduty as service when the resource names nothing, and warns when it is malformed', () => {
    // Prepare
    const event = fixture('10');
    detailOf(event).resource = { resourceType: 'Instance', instanceDetails: 'i-0d41e7b9c2a35f816' };

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.service).toBe('guardduty');
    expect(signal.summary).toBe('Backdoor:EC2/C&CActivity.B on an unknown resource');
    expect(signal.details.parseWarnings).toEqual([
      'detail.resource.instanceDetails: expected an object, got "i-0d41e7b9c2a35f816"',
    ]);
  });

  it('uses the finding type as title when the title is missing', () => {
    // Prepare
    const event = fixture('10');
    delete detailOf(event).title;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.title).toBe('Backdoor:EC2/C&CActivity.B');
  });

  it.each([
    ['id', undefined, 'detail.id: is missing (expected a string)'],
    ['severity', 'HIGH', 'detail.severity: expected a number, got "HIGH"'],
    ['severity', 11, 'detail.severity: must be at most 10, got number 11'],
    ['updatedAt', 'Sat 14 March', 'detail.updatedAt: expected a timestamp with a zone'],
    ['service', { archived: 'yes' }, 'detail.service.archived: expected true or false, got "yes"'],
  ])('rejects a bad %s', (field, value, reason) => {
    // Prepare
    const event = fixture('10');
    detailOf(event)[field] = value;

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection.reason).toContain(reason);
    expect(rejection.field).toBe(reason.slice(0, reason.indexOf(':')));
  });

  it('rejects a finding whose id is too long to be a dedup key, rather than emit a signal the model refuses', () => {
    // Prepare
    const event = fixture('10');
    detailOf(event).id = 'f'.repeat(1025);

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection.reason).toContain('breaks the model: dedupKey: must be at most 1024 characters long');
  });
});
