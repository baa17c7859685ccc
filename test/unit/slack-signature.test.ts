import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackRequest } from '#core/slack-signature';

// The worked example of Slack's "Verifying requests from Slack".
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT_DOC_TIME = new Date(Number(DOC_TIMESTAMP) * 1000 + 30_000);

const doc = { timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, rawBody: DOC_BODY };

describe('Slack request signatures', () => {
  it("signs Slack's published example as Slack does, and accepts it", () => {
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    expect(verifySlackRequest(doc, [DOC_SECRET], AT_DOC_TIME)).toEqual({ ok: true });
  });

  it('accepts a request signed with the previous secret while a new one rolls out', () => {
    expect(verifySlackRequest(doc, ['a-new-secret', DOC_SECRET], AT_DOC_TIME)).toEqual({ ok: true });
  });

  it.each([
    ['a changed body', { ...doc, rawBody: DOC_BODY.replace('text=', 'text=resolve') }],
    ['a body with a byte added', { ...doc, rawBody: `${DOC_BODY}&` }],
    ['another signature', { ...doc, signature: DOC_SIGNATURE.replace('a2114', 'a2115') }],
    ['another timestamp', { ...doc, timestamp: '1531420619' }],
  ])('refuses %s', (_case, request) => {
    expect(verifySlackRequest(request, [DOC_SECRET], AT_DOC_TIME)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses the right signature under the wrong secret, and an empty secret', () => {
    expect(verifySlackRequest(doc, ['not-the-secret', ''], AT_DOC_TIME)).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it.each([
    ['more than 5 minutes old', 5 * 60 + 1],
    ['more than 5 minutes ahead', -(5 * 60 + 1)],
  ])('refuses a request signed %s, before checking its signature', (_case, ageSeconds) => {
    const now = new Date((Number(DOC_TIMESTAMP) + ageSeconds) * 1000);
    expect(verifySlackRequest(doc, [DOC_SECRET], now)).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('accepts a request exactly 5 minutes old or ahead', () => {
    for (const skew of [300, -300]) {
      const now = new Date((Number(DOC_TIMESTAMP) + skew) * 1000);
      expect(verifySlackRequest(doc, [DOC_SECRET], now)).toEqual({ ok: true });
    }
  });

  it.each([
    ['no timestamp', { ...doc, timestamp: undefined }, 'missing-timestamp'],
    ['an empty timestamp', { ...doc, timestamp: '' }, 'missing-timestamp'],
    ['no signature', { ...doc, signature: undefined }, 'missing-signature'],
    ['a timestamp that is not seconds', { ...doc, timestamp: '2018-07-12T18:36:58Z' }, 'malformed'],
    [
      'a signature of another version',
      { ...doc, signature: DOC_SIGNATURE.replace('v0=', 'v1=') },
      'malformed',
    ],
    ['a signature in capitals', { ...doc, signature: DOC_SIGNATURE.toUpperCase() }, 'malformed'],
    ['a signature cut short', { ...doc, signature: DOC_SIGNATURE.slice(0, 40) }, 'malformed'],
  ])('refuses %s, naming the header', (_case, request, reason) => {
    const check = verifySlackRequest(request, [DOC_SECRET], AT_DOC_TIME);
    expect(check).toMatchObject({ ok: false, reason });
    if (!check.ok) expect(check.message).toMatch(/X-Slack-(Signature|Request-Timestamp)/);
  });
});
