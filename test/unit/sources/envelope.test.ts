import { describe, expect, it } from 'vitest';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { fixture, rejectionOf } from './support';

describe('normalizeEventBridgeEvent on hostile envelopes', () => {
  it.each([
    ['null', null],
    ['a string', 'CloudWatch Alarm State Change'],
    ['an array', [{ source: 'aws.cloudwatch' }]],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects %s as input, naming the event', (_, input) => {
    // Act
    const result = normalizeEventBridgeEvent(input);

    // Assess
    const rejection = rejectionOf(result);
    expect(rejection.field).toBeUndefined();
    expect(rejection.reason).toMatch(/^event: .*expected an object/);
  });

  it('rejects an event without detail', () => {
    // Prepare
    const event = fixture('01');
    delete event.detail;

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection).toEqual({ field: 'detail', reason: 'detail: is missing (expected an object)' });
  });

  it('rejects a detail that is not an object', () => {
    // Prepare
    const event = { ...fixture('01'), detail: 'ALARM' };

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection.field).toBe('detail');
    expect(rejection.reason).toBe('detail: expected an object, got "ALARM"');
  });

  it.each([
    ['id', 42, 'id: expected a string, got number 42'],
    ['time', 'yesterday', 'time: expected a timestamp with a zone (ISO 8601 or RFC 1123), got "yesterday"'],
    ['resources', 'arn:aws:cloudwatch', 'resources: expected an array, got "arn:aws:cloudwatch"'],
    ['source', '', 'source: must not be empty'],
  ])('rejects a bad %s', (field, value, reason) => {
    // Prepare
    const event = { ...fixture('01'), [field]: value };

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection).toEqual({ field, reason });
  });

  it('ignores a well-formed event from a source it does not handle, naming it', () => {
    // Prepare
    const event = { ...fixture('01'), source: 'aws.s3', 'detail-type': 'Object Created', detail: {} };

    // Act
    const result = normalizeEventBridgeEvent(event);

    // Assess
    expect(result.kind).toBe('ignored');
    expect(result.kind === 'ignored' && result.reason).toContain('aws.s3');
    expect(result.kind === 'ignored' && result.reason).toContain('Object Created');
  });

  it('ignores a known source with a detail-type it does not handle', () => {
    // Prepare
    const event = { ...fixture('01'), 'detail-type': 'CloudWatch Alarm Configuration Change' };

    // Act
    const result = normalizeEventBridgeEvent(event);

    // Assess
    expect(result).toEqual({
      kind: 'ignored',
      reason:
        'no normalizer for source aws.cloudwatch with detail-type "CloudWatch Alarm Configuration Change"',
    });
  });

  it('tolerates unknown envelope fields', () => {
    // Prepare
    const event = { ...fixture('01'), 'replay-name': 'replay-2026-03', extra: { nested: true } };

    // Act
    const result = normalizeEventBridgeEvent(event);

    // Assess
    expect(result.kind).toBe('signals');
  });
});
