import { describe, expect, it } from 'vitest';
import { ackKeyFromSecret, signAckLink, verifyAckLink } from '#core/ack-links';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 9);
const CLAIMS = { incidentId: 'INC-20261127-0042', personId: 'alice', expiresAt: '2026-11-27T10:00:00.000Z' };
const BEFORE = '2026-11-27T09:59:59.999Z';

/** The token with one character of its `part` (1 payload, 2 MAC) changed. */
function tamper(token: string, part: 1 | 2): string {
  const parts = token.split('.');
  const text = parts[part] as string;
  const flipped = text[3] === 'A' ? 'B' : 'A';
  parts[part] = `${text.slice(0, 3)}${flipped}${text.slice(4)}`;
  return parts.join('.');
}

describe('acknowledgement links', () => {
  it.each(['full', 'short'] as const)(
    'round trip: a %s link verifies with its claims until it expires',
    (form) => {
      // Prepare
      const token = signAckLink(CLAIMS, KEY, form);

      // Act
      const check = verifyAckLink(token, KEY, BEFORE);

      // Assess
      expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(check).toEqual({ ok: true, form, ...CLAIMS });
    },
  );

  it('keeps the SMS form short: 59 characters against 86 for the full form', () => {
    expect(signAckLink(CLAIMS, KEY, 'full')).toHaveLength(86);
    expect(signAckLink(CLAIMS, KEY, 'short')).toHaveLength(59);
  });

  it('answers expired from the expiry on, and only for a token it signed', () => {
    const token = signAckLink(CLAIMS, KEY);

    expect(verifyAckLink(token, KEY, CLAIMS.expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAckLink(token, KEY, '2027-01-01T00:00:00Z')).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAckLink(token, OTHER_KEY, '2027-01-01T00:00:00Z')).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it.each(['full', 'short'] as const)('refuses a %s link whose payload or MAC was changed', (form) => {
    const token = signAckLink(CLAIMS, KEY, form);

    expect(verifyAckLink(tamper(token, 1), KEY, BEFORE)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyAckLink(tamper(token, 2), KEY, BEFORE)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a payload for another incident or person carrying a genuine MAC', () => {
    const genuine = signAckLink(CLAIMS, KEY).split('.');
    const forged = Buffer.from(`INC-20261127-0043 alice ${(1_800_000_000).toString(36)}`).toString(
      'base64url',
    );

    expect(verifyAckLink(`1.${forged}.${genuine[2]}`, KEY, BEFORE)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses a link signed with another key, and accepts either key while keys are being replaced', () => {
    const token = signAckLink(CLAIMS, OTHER_KEY);

    expect(verifyAckLink(token, KEY, BEFORE)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyAckLink(token, [KEY, OTHER_KEY], BEFORE)).toMatchObject({ ok: true, personId: 'alice' });
  });

  it('never lets a MAC of one form pass for the other', () => {
    const [, payload, fullMac] = signAckLink(CLAIMS, KEY, 'full').split('.');
    const [, , shortMac] = signAckLink(CLAIMS, KEY, 'short').split('.');

    // The full MAC cut short is not the short form's MAC: each version signs its own name.
    expect(verifyAckLink(`2.${payload}.${fullMac?.slice(0, 16)}`, KEY, BEFORE)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyAckLink(`1.${payload}.${shortMac}`, KEY, BEFORE)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it.each([
    ['empty', ''],
    ['one part', 'abc'],
    ['two parts', '1.abc'],
    ['an unknown version', `3.${signAckLink(CLAIMS, KEY).split('.').slice(1).join('.')}`],
    ['characters outside base64url', `1.a+b/c.${'A'.repeat(43)}`],
    ['a MAC of the wrong length', `1.${signAckLink(CLAIMS, KEY).split('.')[1]}.${'A'.repeat(42)}`],
    ['a long token', `1.${'A'.repeat(600)}.${'A'.repeat(43)}`],
  ])('calls %s malformed', (_case, token) => {
    expect(verifyAckLink(token, KEY, BEFORE)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('keeps the expiry to the second, cutting a fraction so the link never lasts longer than asked', () => {
    const token = signAckLink({ ...CLAIMS, expiresAt: '2026-11-27T10:00:00.900+01:00' }, KEY);

    expect(verifyAckLink(token, KEY, '2026-11-27T08:59:59.999Z')).toMatchObject({
      ok: true,
      expiresAt: '2026-11-27T09:00:00.000Z',
    });
    expect(verifyAckLink(token, KEY, '2026-11-27T09:00:00.000Z')).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses to sign with a short key or for ids a link cannot carry', () => {
    expect(() => signAckLink(CLAIMS, Buffer.alloc(16))).toThrow(/at least 32 bytes/);
    expect(() => signAckLink({ ...CLAIMS, personId: 'Alice Smith' }, KEY)).toThrow(/person id/);
    expect(() => signAckLink({ ...CLAIMS, incidentId: 'INC 1' }, KEY)).toThrow(/incident id/);
    expect(() => signAckLink({ ...CLAIMS, expiresAt: 'tomorrow' }, KEY)).toThrow(/expiring at/);
  });

  it('reads the key from its stored base64 form, refusing a short or garbled one', () => {
    const secret = Buffer.alloc(32, 7).toString('base64');

    expect(Buffer.from(ackKeyFromSecret(`${secret}\n`))).toEqual(KEY);
    expect(Buffer.from(ackKeyFromSecret(Buffer.alloc(32, 7).toString('base64url')))).toEqual(KEY);
    expect(() => ackKeyFromSecret(Buffer.alloc(16).toString('base64'))).toThrow(/at least 32 bytes/);
    expect(() => ackKeyFromSecret('not a key!')).toThrow(/must be base64/);
  });
});
