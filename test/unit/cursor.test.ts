import { describe, expect, it } from 'vitest';
import { type Cursor, decodeCursor, encodeCursor, InvalidCursorError } from '#core/cursor';

const CURSOR: Cursor = {
  v: 1,
  index: 'by-created',
  month: '2026-03',
  key: {
    PK: 'INC#INC-20260314-0001',
    SK: 'META',
    gsi3pk: 'MONTH#2026-03',
    gsi3sk: '2026-03-14T09:06:00.000Z#INC-20260314-0001',
  },
};

const encodeJson = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function rejection(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('cursor codec', () => {
  it('decodes what it encoded, as an opaque base64url token', () => {
    const token = encodeCursor(CURSOR);

    const decoded = decodeCursor(token, 'by-created');

    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decoded).toEqual(CURSOR);
  });

  it('carries the part of an alert listing', () => {
    const cursor: Cursor = {
      v: 1,
      index: 'alerts',
      part: 'live',
      key: { gsi4pk: 'ALERTS#INC-20260314-0001', gsi4sk: '2026-03-14T09:06:00.000Z#abcdefghijkl' },
    };

    const decoded = decodeCursor(encodeCursor(cursor), 'alerts');

    expect(decoded).toEqual(cursor);
    expect(
      rejection(() => decodeCursor(encodeJson({ ...cursor, part: 'archived' }), 'alerts')),
    ).toBeInstanceOf(InvalidCursorError);
  });

  it('rejects a cursor of another walk, naming the field', () => {
    const token = encodeCursor(CURSOR);

    const error = rejection(() => decodeCursor(token, 'timeline'));

    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(error).toMatchObject({ name: 'InvalidCursor', field: 'cursor' });
    expect((error as Error).message).toMatch(/cursor/);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', 'abc+/='],
    ['base64url that is not JSON', Buffer.from('not json').toString('base64url')],
    ['JSON that is not a cursor', encodeJson({ hello: 'world' })],
    ['another version', encodeJson({ ...CURSOR, v: 2 })],
    ['an unknown index', encodeJson({ ...CURSOR, index: 'by-team' })],
    ['an extra field', encodeJson({ ...CURSOR, extra: true })],
    ['a malformed month', encodeJson({ ...CURSOR, month: '2026-13' })],
    ['a key that is not all strings', encodeJson({ ...CURSOR, key: { ...CURSOR.key, SK: 1 } })],
    ['a key with one attribute', encodeJson({ ...CURSOR, key: { PK: 'INC#x' } })],
    ['a huge token', 'A'.repeat(4096)],
  ])('rejects %s', (_, token) => {
    const error = rejection(() => decodeCursor(token, 'by-created'));

    expect(error).toBeInstanceOf(InvalidCursorError);
  });

  it('rejects a non-canonical spelling of a valid token', () => {
    const cursor: Cursor = { v: 1, index: 'timeline', key: { PK: 'INC#INC-20260314-0001', SK: 'TL#ab' } };
    const token = encodeCursor(cursor);
    // With a byte count not divisible by 3 the last character carries unused bits that Node ignores when
    // decoding: setting one spells the same bytes differently.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1) ?? '');
    const tampered = `${token.slice(0, -1)}${alphabet[last + 1]}`;

    const error = rejection(() => decodeCursor(tampered, 'timeline'));

    expect(Buffer.from(tampered, 'base64url')).toEqual(Buffer.from(token, 'base64url'));
    expect(error).toBeInstanceOf(InvalidCursorError);
  });
});
