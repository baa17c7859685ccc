import { describe, expect, it } from 'vitest';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { detailOf, fixture, onlySignal, rejectionOf } from './support';

const ARN =
  'arn:aws:health:eu-west-1::event/RDS/AWS_RDS_OPERATIONAL_ISSUE/AWS_RDS_OPERATIONAL_ISSUE_8D4F2A61C0B7E935';

describe('AWS Health events', () => {
  it('resolves when the event is closed', () => {
    // Prepare
    const event = fixture('12');
    Object.assign(detailOf(event), {
      statusCode: 'closed',
      lastUpdatedTime: 'Sat, 14 Mar 2026 11:40:02 GMT',
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({
      action: 'resolve',
      dedupKey: ARN,
      occurredAt: '2026-03-14T11:40:02.000Z',
    });
  });

  it('triggers on an upcoming scheduled change with low urgency', () => {
    // Prepare
    const event = fixture('12');
    Object.assign(detailOf(event), {
      eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
      service: 'EC2',
      eventTypeCategory: 'scheduledChange',
      eventScopeCode: 'ACCOUNT_SPECIFIC',
      statusCode: 'upcoming',
      affectedEntities: [{ entityValue: 'i-0a7c3e9f2b1d45e68' }],
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({
      action: 'trigger',
      category: 'Cloud Services',
      subcategory: 'Scheduled change',
      severity: 'low',
      impact: 'high',
      urgency: 'low',
      service: 'ec2',
      title: 'AWS Health: EC2 instance retirement scheduled in eu-west-1',
    });
    expect(signal.details.affectedEntities).toEqual(['i-0a7c3e9f2b1d45e68']);
  });

  it('keys an account-specific event per affected account', () => {
    // Prepare
    const first = fixture('12');
    const second = fixture('12');
    Object.assign(detailOf(first), { eventScopeCode: 'ACCOUNT_SPECIFIC', affectedAccount: '111122223333' });
    Object.assign(detailOf(second), { eventScopeCode: 'ACCOUNT_SPECIFIC', affectedAccount: '444455556666' });

    // Act
    const a = onlySignal(normalizeEventBridgeEvent(first));
    const b = onlySignal(normalizeEventBridgeEvent(second));

    // Assess
    expect(a.dedupKey).toBe(`${ARN}#111122223333`);
    expect(b.dedupKey).toBe(`${ARN}#444455556666`);
    expect(a.impact).toBe('high');
  });

  it('keys a public event on its ARN alone, whichever account reports it', () => {
    // Prepare
    const event = { ...fixture('12'), account: '111122223333' };
    delete detailOf(event).affectedAccount;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.dedupKey).toBe(ARN);
    expect(signal.source.account).toBe('111122223333');
  });

  it('files an account notification as info with low urgency', () => {
    // Prepare
    const event = fixture('12');
    Object.assign(detailOf(event), {
      eventTypeCategory: 'accountNotification',
      eventTypeCode: 'AWS_RDS_PLANNED_LIFECYCLE_EVENT',
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({
      subcategory: 'Account notification',
      severity: 'info',
      impact: 'low',
      urgency: 'low',
    });
  });

  it('falls back to the envelope time without lastUpdatedTime', () => {
    // Prepare
    const event = fixture('12');
    delete detailOf(event).lastUpdatedTime;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.occurredAt).toBe('2026-03-14T09:22:31.000Z');
  });

  it.each([
    ['lastUpdatedTime', 'last Saturday', 'detail.lastUpdatedTime: expected a timestamp with a zone'],
    ['statusCode', 'resolved', 'detail.statusCode: expected one of open, upcoming, closed, got "resolved"'],
    ['eventArn', undefined, 'detail.eventArn: is missing (expected a string)'],
    ['eventScopeCode', 'GLOBAL', 'detail.eventScopeCode: expected one of PUBLIC, ACCOUNT_SPECIFIC, NONE'],
  ])('rejects a bad %s', (field, value, reason) => {
    // Prepare
    const event = fixture('12');
    detailOf(event)[field] = value;

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection.field).toBe(`detail.${field}`);
    expect(rejection.reason).toContain(reason);
  });

  it('keeps going with an empty description when eventDescription is malformed', () => {
    // Prepare
    const event = fixture('12');
    detailOf(event).eventDescription = 'elevated errors';

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.description).toBe('');
    expect(signal.details.parseWarnings).toEqual([
      'detail.eventDescription: expected an array, got "elevated errors"',
    ]);
  });
});
