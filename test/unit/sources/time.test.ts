import { describe, expect, it } from 'vitest';
import { toIsoUtc } from '#core/sources/index';

describe('toIsoUtc', () => {
  it.each([
    ['2026-03-14T09:05:41.218+0000', '2026-03-14T09:05:41.218Z'], // CloudWatch
    ['2026-03-14T09:05:41Z', '2026-03-14T09:05:41.000Z'], // EventBridge time
    ['2026-03-14T09:18:09.874Z', '2026-03-14T09:18:09.874Z'], // GuardDuty, ASFF
    ['Sat, 14 Mar 2026 08:52:00 GMT', '2026-03-14T08:52:00.000Z'], // AWS Health, RFC 1123
    ['2026-03-14T11:05:41.218+02:00', '2026-03-14T09:05:41.218Z'],
    ['2026-03-14T04:05:41.218-0500', '2026-03-14T09:05:41.218Z'],
    ['2026-03-14T00:30:00.000+0100', '2026-03-13T23:30:00.000Z'],
    ['2026-03-14T09:05:41.2189999Z', '2026-03-14T09:05:41.218Z'],
    ['2026-03-14T09:05:41.2Z', '2026-03-14T09:05:41.200Z'],
    ['14 Mar 2026 08:52:00 +0100', '2026-03-14T07:52:00.000Z'],
    ['Sun, 29 Feb 2032 23:59:59 UTC', '2032-02-29T23:59:59.000Z'],
  ])('reads %s as %s', (text, iso) => {
    // Act
    const result = toIsoUtc(text);

    // Assess
    expect(result).toBe(iso);
  });

  it.each([
    ['', 'empty'],
    ['2026-03-14T09:05:41', 'no zone: its instant is a guess'],
    ['2026-02-30T09:05:41Z', 'no such day'],
    ['2026-13-01T09:05:41Z', 'no such month'],
    ['2026-03-14T24:00:00Z', 'no such hour'],
    ['2026-03-14T09:05:41+0075', 'offset minutes above 59'],
    ['Sat, 14 Foo 2026 08:52:00 GMT', 'no such month name'],
    ['1773479141218', 'epoch milliseconds'],
    ['yesterday', 'words'],
  ])('rejects %j (%s)', (text) => {
    // Act
    const result = toIsoUtc(text);

    // Assess
    expect(result).toBeUndefined();
  });

  it('keeps the order of two CloudWatch timestamps a millisecond apart', () => {
    // Act
    const earlier = toIsoUtc('2026-03-14T09:05:41.214+0000') ?? '';
    const later = toIsoUtc('2026-03-14T09:05:41.215+0000') ?? '';

    // Assess
    expect(earlier < later).toBe(true);
  });
});
