import { describe, expect, it } from 'vitest';
import { boundDetails, boundSignal } from '#core/bound-signal';
import {
  DETAILS_LIMITS,
  LABEL_LIMITS,
  personText,
  prefixWithin,
  RELATED_LIMITS,
  TEXT_LIMITS,
  trimText,
  utf8Bytes,
} from '#core/limits';
import { Signal } from '#core/model';
import { alarmSignal } from '../support/signals';

const AT = '2026-11-30T10:00:00.000Z';

describe('trimText', () => {
  it('leaves text within its limit alone', () => {
    // Prepare
    const text = 'CPU above 80%';

    // Act
    const result = trimText(text, 64);

    // Assess
    expect(result).toEqual({ text });
  });

  it('cuts at a character boundary, ends with the marker and reports the bytes sent', () => {
    // Prepare: each 🔥 is 4 bytes, so an odd budget cannot split one
    const text = '🔥'.repeat(1000);

    // Act
    const result = trimText(text, 203);

    // Assess
    expect(result.originalBytes).toBe(4000);
    expect(result.text.endsWith(' …[trimmed by Firebreak: 4000 bytes in all]')).toBe(true);
    expect(utf8Bytes(result.text)).toBeLessThanOrEqual(203);
    expect(result.text).not.toContain('\uFFFD');
    expect(result.text.startsWith('🔥🔥')).toBe(true);
  });

  it('prefixWithin never exceeds the budget with mixed widths', () => {
    // Prepare
    const text = 'aé€🔥'.repeat(50);

    // Act / Assess
    for (let budget = 0; budget < 60; budget++) {
      const prefix = prefixWithin(text, budget);
      expect(utf8Bytes(prefix)).toBeLessThanOrEqual(budget);
      expect(text.startsWith(prefix)).toBe(true);
    }
  });
});

describe('boundSignal', () => {
  it('returns a signal within every limit unchanged', () => {
    // Prepare
    const signal = alarmSignal({ at: AT });

    // Act
    const bounded = boundSignal(signal);

    // Assess
    expect(bounded).toBe(signal);
  });

  it('trims every long text field, records what the source sent, and stays a valid signal', () => {
    // Prepare
    const signal = alarmSignal({
      at: AT,
      title: 't'.repeat(5000),
      description: 'd'.repeat(420_000),
      summary: 's'.repeat(3000),
      service: 'v'.repeat(400),
      team: 'm'.repeat(300),
      subcategory: 'c'.repeat(300),
    });

    // Act
    const bounded = boundSignal(signal);

    // Assess
    expect(Signal.safeParse(bounded).success).toBe(true);
    expect(utf8Bytes(bounded.title)).toBeLessThanOrEqual(TEXT_LIMITS.title);
    expect(utf8Bytes(bounded.description)).toBeLessThanOrEqual(TEXT_LIMITS.description);
    expect(bounded.description).toMatch(/^d+ …\[trimmed by Firebreak: 420000 bytes in all\]$/);
    expect(utf8Bytes(bounded.summary)).toBeLessThanOrEqual(TEXT_LIMITS.summary);
    expect(utf8Bytes(bounded.service)).toBeLessThanOrEqual(TEXT_LIMITS.name);
    expect(bounded.details.trimmed).toEqual({
      title: 5000,
      description: 420_000,
      summary: 3000,
      service: 400,
      team: 300,
      subcategory: 300,
    });
    // The facts the source sent are kept beside the record of what was trimmed.
    expect(bounded.details.metric).toBe('CPUUtilization');
  });

  it('keeps labels within their count, key, value and total bounds, recording how many were sent', () => {
    // Prepare
    const labels = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`label-${i}`, i === 0 ? 'x'.repeat(1000) : `value-${i}`]),
    );
    labels['k'.repeat(200)] = 'too long a key';
    const signal = alarmSignal({ at: AT, labels });

    // Act
    const bounded = boundSignal(signal);

    // Assess
    const kept = Object.entries(bounded.labels);
    expect(kept.length).toBeLessThanOrEqual(LABEL_LIMITS.entries);
    expect(kept.reduce((sum, [k, v]) => sum + utf8Bytes(k) + utf8Bytes(v), 0)).toBeLessThanOrEqual(
      LABEL_LIMITS.total,
    );
    expect(utf8Bytes(bounded.labels['label-0'] ?? '')).toBeLessThanOrEqual(LABEL_LIMITS.value);
    expect(bounded.labels['k'.repeat(200)]).toBeUndefined();
    expect(bounded.labels['label-1']).toBe('value-1');
    expect(bounded.details.trimmed).toMatchObject({ labels: 121, 'labels.label-0': 1000 });
  });

  it('keeps the first related keys within their bounds', () => {
    // Prepare
    const related = Array.from(
      { length: 60 },
      (_, i) => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:child-${i}`,
    );

    // Act
    const bounded = boundSignal(alarmSignal({ at: AT, related }));

    // Assess
    expect(bounded.related).toEqual(related.slice(0, RELATED_LIMITS.entries));
    expect(bounded.details.trimmed).toEqual({ related: 60 });
  });
});

describe('boundDetails', () => {
  it('shortens long strings and arrays where they stand when that is enough', () => {
    // Prepare
    const details = {
      metric: 'CPUUtilization',
      reason: 'r'.repeat(20_000),
      datapoints: Array.from({ length: 500 }, (_, i) => i),
    };

    // Act
    const { value, originalBytes } = boundDetails(details);

    // Assess
    expect(originalBytes).toBe(utf8Bytes(JSON.stringify(details)));
    expect(value.metric).toBe('CPUUtilization');
    expect(utf8Bytes(String(value.reason))).toBeLessThanOrEqual(DETAILS_LIMITS.string);
    const points = value.datapoints as unknown[];
    expect(points).toHaveLength(DETAILS_LIMITS.arrayItems + 1);
    expect(points.at(-1)).toBe('…[trimmed by Firebreak: 500 items in all]');
    expect(utf8Bytes(JSON.stringify(value))).toBeLessThanOrEqual(DETAILS_LIMITS.total);
  });

  it('falls back to a preview of the JSON when the structure itself is too large', () => {
    // Prepare: many short keys, each within the string limit
    const details = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`key-${i}`, `"quoted\\value-${i}"`]),
    );

    // Act
    const { value, originalBytes } = boundDetails(details);

    // Assess
    expect(Object.keys(value)).toEqual(['preview']);
    expect(String(value.preview)).toMatch(/^\{"key-0":/);
    expect(String(value.preview)).toContain(`…[trimmed by Firebreak: ${originalBytes} bytes in all]`);
    expect(utf8Bytes(JSON.stringify(value))).toBeLessThanOrEqual(DETAILS_LIMITS.total);
  });
});

describe('personText', () => {
  it('refuses text over its limit in bytes, naming the limit', () => {
    // Prepare
    const schema = personText(8);

    // Act
    const accepted = schema.safeParse('  €€  ');
    const refused = schema.safeParse('€€€');

    // Assess
    expect(accepted.success && accepted.data).toBe('€€');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('must be at most 8 bytes (UTF-8)');
  });
});
