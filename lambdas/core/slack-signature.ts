/**
 * Slack's request signing (version `v0`): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed with
 * the app's signing secret, of `v0:<X-Slack-Request-Timestamp>:<raw body>`. A request is taken only when the
 * signature matches (compared in constant time) and its timestamp is within five minutes of now, either way:
 * a captured request cannot be replayed later, nor one stamped in the future kept for later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, in either direction. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

export interface SlackRequest {
  /** `X-Slack-Request-Timestamp`: seconds since 1970, as Slack sends it. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<64 hex digits>`. */
  signature: string | undefined;
  /** The body exactly as it arrived: the signature covers these bytes, not a parsed form of them. */
  rawBody: string;
}

export type SlackCheck =
  | { ok: true }
  | {
      ok: false;
      reason: 'missing-timestamp' | 'missing-signature' | 'malformed' | 'stale' | 'bad-signature';
      message: string;
    };

const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/** The `v0=` signature of a request: what Slack sends, and what a test signs with. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * Whether a request comes from Slack: signed with one of `secrets` (the current one, and the previous one
 * while a new secret rolls out) at a time within SLACK_MAX_SKEW_SECONDS of `now`. The timestamp is checked
 * before any hashing, and a refusal says what failed without echoing anything the request sent.
 */
export function verifySlackRequest(request: SlackRequest, secrets: readonly string[], now: Date): SlackCheck {
  const { timestamp, signature, rawBody } = request;
  if (timestamp === undefined || timestamp === '')
    return refuse('missing-timestamp', 'the X-Slack-Request-Timestamp header is missing');
  if (signature === undefined || signature === '')
    return refuse('missing-signature', 'the X-Slack-Signature header is missing');
  if (!TIMESTAMP.test(timestamp))
    return refuse('malformed', 'X-Slack-Request-Timestamp must be whole seconds since 1970');
  if (!SIGNATURE.test(signature))
    return refuse('malformed', 'X-Slack-Signature must be v0= and 64 hexadecimal digits');
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > SLACK_MAX_SKEW_SECONDS)
    return refuse(
      'stale',
      `the request was signed more than ${SLACK_MAX_SKEW_SECONDS / 60} minutes from now`,
    );
  const given = Buffer.from(signature, 'utf8');
  for (const secret of secrets) {
    if (secret === '') continue;
    const expected = Buffer.from(slackSignature(secret, timestamp, rawBody), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return { ok: true };
  }
  return refuse('bad-signature', 'the signature does not match the signing secret');
}

function refuse(reason: Exclude<SlackCheck, { ok: true }>['reason'], message: string): SlackCheck {
  return { ok: false, reason, message };
}
