import { describe, expect, it } from 'vitest';
import type { Claim } from '#core/dedup';
import { alertId } from '#core/grouping';
import { openIncident } from '#core/incident';
import {
  changeResourcesOf,
  runbookAlertOfClaim,
  runbookAlertOfSignal,
  stackNameOf,
} from '#core/runbook-alert';
import { alarmSignal } from '../support/signals';

const signal = alarmSignal({
  at: '2026-11-27T09:59:30.000Z',
  alarm: 'web-prod-cpu-high',
  team: 'checkout',
  labels: { 'aws:cloudformation:stack-name': 'web-stack' },
  details: {
    namespace: 'AWS/EC2',
    metricNames: ['CPUUtilization'],
    dimensions: { InstanceId: 'i-0abc', AutoScalingGroupName: 'web-asg' },
    threshold: 80,
    recentDatapoints: [91.5, 96.2],
  },
});
const incident = openIncident(signal, 'INC-20261127-0001', new Date('2026-11-27T10:00:00.000Z'));

describe('the facts a runbook sees of an alert', () => {
  it('from its claim: source and details of the live alert, service, team and labels of the incident', () => {
    // Prepare
    const claim: Claim = {
      dedupKey: signal.dedupKey,
      incidentId: incident.id,
      open: true,
      watermark: signal.occurredAt,
      lastEventId: signal.eventId,
      lastAction: 'trigger',
      alertId: alertId(signal.dedupKey),
      firstSeen: '2026-11-27T09:59:30.000Z',
      source: signal.source,
      details: signal.details,
    };

    // Act
    const alert = runbookAlertOfClaim(incident, claim);

    // Assess
    expect(alert).toEqual({
      incidentId: incident.id,
      alertId: alertId(signal.dedupKey),
      dedupKey: signal.dedupKey,
      source: { kind: 'cloudwatch', name: 'web-prod-cpu-high', account: '111122223333', region: 'us-east-1' },
      service: 'web-prod',
      team: 'checkout',
      category: 'Infrastructure',
      labels: { 'aws:cloudformation:stack-name': 'web-stack' },
      firedAt: '2026-11-27T09:59:30.000Z',
      namespace: 'AWS/EC2',
      metricNames: ['CPUUtilization'],
      dimensions: { InstanceId: 'i-0abc', AutoScalingGroupName: 'web-asg' },
      threshold: 80,
      recentDatapoints: [91.5, 96.2],
    });
    expect(runbookAlertOfSignal(incident.id, signal)).toEqual(alert);
  });

  it('without a claim: the incident opening facts, details left out', () => {
    expect(runbookAlertOfClaim(incident, undefined)).toEqual({
      incidentId: incident.id,
      alertId: alertId(signal.dedupKey),
      dedupKey: signal.dedupKey,
      source: { kind: 'cloudwatch', name: 'web-prod-cpu-high', account: '111122223333', region: 'us-east-1' },
      service: 'web-prod',
      team: 'checkout',
      category: 'Infrastructure',
      labels: { 'aws:cloudformation:stack-name': 'web-stack' },
      firedAt: incident.detectedAt,
    });
  });

  it('reads details leniently: a malformed fact is left out, resources of findings are kept', () => {
    const finding = {
      ...signal,
      details: {
        dimensions: 'not a map',
        resources: [{ type: 'AwsEc2Instance', id: 'arn:aws:ec2:us-east-1:1:instance/i-9' }],
      },
    };
    const alert = runbookAlertOfSignal(incident.id, finding);
    expect(alert.dimensions).toBeUndefined();
    expect(alert.resources).toEqual(['arn:aws:ec2:us-east-1:1:instance/i-9']);
  });

  it('looks up changes to its dimension values and resources, each once, at most five', () => {
    const alert = runbookAlertOfSignal(incident.id, {
      ...signal,
      details: {
        dimensions: { A: 'r1', B: 'r2', C: 'r1' },
        resources: ['r3', 'r4', 'r5', 'r6', ' '],
      },
    });
    expect(changeResourcesOf(alert)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(stackNameOf(alert)).toBe('web-stack');
    expect(stackNameOf({ ...alert, labels: {} })).toBe('web-prod');
  });
});
