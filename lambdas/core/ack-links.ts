/**
 * Signed acknowledgement links: every page to a person carries a token that lets exactly that person
 * acknowledge exactly that incident until it expires, with no sign-in (the person is on a phone at 3 a.m.).
 *
 * A token is `<version>.<payload>.<mac>`, all URL-safe (base64url and dots):
 * - payload: base64url of the UTF-8 text `<incidentId> <personId> <expiry, seconds since 1970, base 36>`;
 * - mac: HMAC-SHA256 over `firebreak-ack.<version>.<payload>` with the deployment's key, so a MAC made for one
 *   version never verifies under the other.
 * Two versions exist, differing only in the MAC's length:
 * - `1`, the full form (email, chat): the whole 256-bit MAC, 43 characters; about 86 characters in all;
 * - `2`, the short form for SMS, where every character counts: the MAC cut to its first 96 bits, 16
 *   characters; about 59 characters in all. Forging one still means guessing 96 bits online, one request
 *   per guess, against a token that expires: out of reach (2^95 tries on average), while the shorter text
 *   keeps a page and its link within one SMS. RFC 2104 asks for at least 80 bits (its "half the hash" bound
 *   is about collisions, which do not help forge a tag for a chosen payload); 96 bits is the usual floor
 *   (IPsec's HMAC-SHA1-96), so no shorter form is offered.
 * Verification checks the MAC (in constant time) before it trusts anything in the payload, and only then
 * the expiry: an `expired` answer is only ever given for a token this deployment signed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PersonId } from './people';

export interface AckLinkClaims {
  incidentId: string;
  personId: string;
  /** ISO 8601 instant; kept to the second (a fraction is cut, so the link expires no later than asked). */
  expiresAt: string;
}

export type AckLinkForm = 'full' | 'short';

export type AckLinkCheck =
  | ({ ok: true; form: AckLinkForm } & AckLinkClaims)
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

/** The signing key: at least 256 bits of randomness. */
export type AckLinkKey = Uint8Array;

export const MIN_ACK_KEY_BYTES = 32;

const VERSIONS = {
  '1': { form: 'full', macBytes: 32 },
  '2': { form: 'short', macBytes: 12 },
} as const;
type Version = keyof typeof VERSIONS;
const VERSION_OF: Record<AckLinkForm, Version> = { full: '1', short: '2' };

/** Incident ids as the store makes them (`INC-20261127-0042`), and anything similar without a space. */
const INCIDENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Longer than any token this module signs: refused before any decoding or hashing. */
const MAX_TOKEN_LENGTH = 512;
const TOKEN = /^([0-9])\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** Signs a link for `claims`; `form: 'short'` for SMS (see above for the tradeoff). */
export function signAckLink(claims: AckLinkClaims, key: AckLinkKey, form: AckLinkForm = 'full'): string {
  checkKey(key);
  if (!INCIDENT_ID.test(claims.incidentId))
    throw new RangeError(`Cannot sign an acknowledgement link for incident id "${claims.incidentId}"`);
  if (!PersonId.safeParse(claims.personId).success)
    throw new RangeError(`Cannot sign an acknowledgement link for person id "${claims.personId}"`);
  const expiresMs = Date.parse(claims.expiresAt);
  if (Number.isNaN(expiresMs) || expiresMs < 1000)
    throw new RangeError(`Cannot sign an acknowledgement link expiring at "${claims.expiresAt}"`);
  const seconds = Math.floor(expiresMs / 1000);
  const version = VERSION_OF[form];
  const payload = Buffer.from(
    `${claims.incidentId} ${claims.personId} ${seconds.toString(36)}`,
    'utf8',
  ).toString('base64url');
  return `${version}.${payload}.${mac(key, version, payload)}`;
}

/**
 * Checks a token at `now`. Several keys may be given while a key is being replaced: the token is good when
 * any of them signed it.
 */
export function verifyAckLink(
  token: string,
  keys: AckLinkKey | readonly AckLinkKey[],
  now: string,
): AckLinkCheck {
  const keyList = keys instanceof Uint8Array ? [keys] : keys;
  for (const key of keyList) checkKey(key);
  const nowMs = Date.parse(now);
  if (Number.isNaN(nowMs)) throw new RangeError(`Not an ISO 8601 time: "${now}"`);

  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, versionText, payload, given] = match as unknown as [string, string, string, string];
  if (!(versionText in VERSIONS)) return { ok: false, reason: 'malformed' };
  const version = versionText as Version;
  const { form, macBytes } = VERSIONS[version];
  if (given.length !== base64urlLength(macBytes)) return { ok: false, reason: 'malformed' };

  // Compare the encoded MACs: equal text means equal bytes, and the encoding has no second spelling.
  const givenBytes = Buffer.from(given, 'ascii');
  const signed = keyList.some((key) =>
    timingSafeEqual(Buffer.from(mac(key, version, payload), 'ascii'), givenBytes),
  );
  if (!signed) return { ok: false, reason: 'bad-signature' };

  const claims = readPayload(payload);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (nowMs >= Date.parse(claims.expiresAt)) return { ok: false, reason: 'expired' };
  return { ok: true, form, ...claims };
}

/**
 * The key from its stored form (a Secrets Manager secret or SSM SecureString): base64 or base64url of at
 * least 32 random bytes, e.g. from `openssl rand -base64 32`.
 */
export function ackKeyFromSecret(secret: string): AckLinkKey {
  const text = secret.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text))
    throw new RangeError('The acknowledgement-link key must be base64 (e.g. from `openssl rand -base64 32`)');
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  checkKey(key);
  return key;
}

function checkKey(key: AckLinkKey): void {
  if (!(key instanceof Uint8Array) || key.length < MIN_ACK_KEY_BYTES)
    throw new RangeError(`The acknowledgement-link key must be at least ${MIN_ACK_KEY_BYTES} bytes`);
}

function mac(key: AckLinkKey, version: Version, payload: string): string {
  const digest = createHmac('sha256', key).update(`firebreak-ack.${version}.${payload}`).digest();
  return digest.subarray(0, VERSIONS[version].macBytes).toString('base64url');
}

function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

function readPayload(payload: string): AckLinkClaims | undefined {
  const parts = Buffer.from(payload, 'base64url').toString('utf8').split(' ');
  if (parts.length !== 3) return undefined;
  const [incidentId, personId, expiry] = parts as [string, string, string];
  if (!INCIDENT_ID.test(incidentId) || !PersonId.safeParse(personId).success) return undefined;
  if (!/^[0-9a-z]{1,8}$/.test(expiry)) return undefined;
  return { incidentId, personId, expiresAt: new Date(Number.parseInt(expiry, 36) * 1000).toISOString() };
}
