import { createHash } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { CORS_ALLOWED_HEADERS } from '../../lib/api';
import { consoleContentSecurityPolicy } from '../../lib/console-hosting';
import { LOCAL_CORS_HEADERS, type LocalRuntime } from '../../local/runtime';
import { apiCall, startConsole, stopConsole, watchPage } from '../support/console-browser';
import { type ConsoleOrigin, startConsoleOrigin } from '../support/console-origin';
import { jwtVerifier } from '../support/jwt-verifier';

// The deployed console's sign-in, with no AWS account: the console's files on an origin of their own (as
// CloudFront serves them) with a config.json in oidc mode; an OpenID Connect issuer from npm
// (oauth2-mock-server) in place of the Cognito user pool; local mode as the API on a third origin, with
// CORS for the console's origin and the issuer's JWTs verified as API Gateway's JWT authorizer verifies
// them. All three listen on 127.0.0.1 and are stopped here.

const TOKEN = 'signin-test-local-token';
const CLIENT_ID = 'firebreak-console';
const SCOPE_PREFIX = 'firebreak/';
/** What the console asks for, as the stack's config.json lists it for the user pool's web client. */
const SCOPES = [
  'openid',
  'email',
  'firebreak/incidents:read',
  'firebreak/incidents:write',
  'firebreak/admin',
];

/** The people the issuer signs in, and the scopes it grants each (the pool's groups would decide). */
const WRITER = { sub: 'alice', scope: 'openid email firebreak/incidents:read firebreak/incidents:write' };
const READER = { sub: 'rita', scope: 'openid email firebreak/incidents:read' };

let issuer: OAuth2Server | undefined;
let local: LocalRuntime | undefined;
let browser: Browser | undefined;
let consoleOrigin: ConsoleOrigin | undefined;
/** Who signs in at the issuer next (it has no sign-in page: it answers at once for this person). */
let person = WRITER;
/** `expires_in` of the issuer's next token answers, in seconds, one each; an hour once none is left. */
const lifetimes: number[] = [];
/** Access tokens the API refuses from now on (as if revoked), and whether the issuer refuses refreshes. */
const revoked = new Set<string>();
let refusingRefresh = false;

function issuerUrl(): string {
  if (!issuer?.issuer.url) throw new Error('the issuer is not running');
  return issuer.issuer.url;
}

function consoleUrl(): string {
  if (!consoleOrigin) throw new Error('the console origin is not running');
  return consoleOrigin.url;
}

beforeAll(async () => {
  issuer = new OAuth2Server();
  await issuer.issuer.keys.generate('RS256');
  await issuer.start(0, '127.0.0.1');
  // Named by its address, not `localhost`: nothing here may resolve to another interface.
  issuer.issuer.url = `http://127.0.0.1:${issuer.address().port}`;
  issuer.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    token.payload.sub = person.sub;
    // The access token (the one with a scope): for this console's client, with what the person may do.
    if ('scope' in token.payload) Object.assign(token.payload, { scope: person.scope, aud: CLIENT_ID });
  });
  issuer.service.on(
    'beforeResponse',
    (response: { body: Record<string, unknown> | ''; statusCode: number }, request: { body: unknown }) => {
      const grant = (request.body as { grant_type?: string }).grant_type;
      if (refusingRefresh && grant === 'refresh_token') {
        response.statusCode = 400;
        response.body = { error: 'invalid_grant', error_description: 'refresh token revoked' };
      }
      if (response.body === '' || response.statusCode !== 200) return;
      Object.assign(response.body, { scope: person.scope, expires_in: lifetimes.shift() ?? 3600 });
    },
  );

  consoleOrigin = await startConsoleOrigin({
    config: () => ({
      mode: 'oidc',
      apiUrl: local?.url,
      oidc: {
        issuer: issuerUrl(),
        clientId: CLIENT_ID,
        endSessionStyle: 'oidc',
        scopes: SCOPES,
        scopePrefix: SCOPE_PREFIX,
        redirectPath: '/',
      },
    }),
    // The distribution's response-headers policy, made by the same function the stack makes it with: the
    // API and the issuer are the only other origins.
    csp: () =>
      consoleContentSecurityPolicy({
        api: local?.url ?? '',
        signIn: [issuerUrl()],
        formActions: [issuerUrl()],
      }),
  });

  const verifyJwt = jwtVerifier({ issuer: issuerUrl(), audience: [CLIENT_ID] });
  ({ local, browser } = await startConsole({
    timeScale: 1,
    token: TOKEN,
    integrationKey: '0123456789abcdef0123456789abcdef',
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    verifyBearer: async (bearer) => {
      if (revoked.has(bearer)) return undefined;
      return verifyJwt(bearer);
    },
    scopePrefix: SCOPE_PREFIX,
    corsOrigins: [consoleUrl()],
  }));
});

afterAll(async () => {
  await stopConsole({ local, browser });
  await consoleOrigin?.stop();
  if (issuer?.listening) await issuer.stop();
});

/** Every request the page makes, in order. */
function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  return requests;
}

function tokenRequests(requests: Request[]): URLSearchParams[] {
  return requests
    .filter((request) => request.method() === 'POST' && request.url() === `${issuerUrl()}/token`)
    .map((request) => new URLSearchParams(request.postData() ?? ''));
}

/** The bearer tokens of the page's calls to the API (the preflights carry none). */
function apiBearers(requests: Request[]): string[] {
  return requests
    .filter((request) => request.url().startsWith(`${local?.url}/`) && request.method() !== 'OPTIONS')
    .map((request) => request.headers().authorization ?? '(none)');
}

/** The access tokens the issuer answered to the page. */
function recordAccessTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('response', async (response) => {
    if (response.url() !== `${issuerUrl()}/token` || response.request().method() !== 'POST') return;
    const body = (await response.json()) as { access_token?: string };
    if (body.access_token) tokens.push(body.access_token);
  });
  return tokens;
}

async function storedKeys(page: Page): Promise<{ session: string[]; local: number }> {
  return page.evaluate(() => {
    const storage = globalThis as unknown as {
      sessionStorage: { length: number; key(index: number): string | null };
      localStorage: { length: number };
    };
    const session = Array.from({ length: storage.sessionStorage.length }, (_, index) =>
      String(storage.sessionStorage.key(index)),
    );
    return { session, local: storage.localStorage.length };
  });
}

/**
 * A new page, watched (script errors, CSP violations, requests, the issuer's access tokens), signed in from
 * `hash` with the Sign in button, and `ready` on screen.
 */
async function signedInPage(hash: string, ready: string) {
  if (!browser) throw new Error('setup failed');
  const page = await browser.newPage();
  const watched = await watchPage(page);
  const requests = recordRequests(page);
  const accessTokens = recordAccessTokens(page);
  await page.goto(`${consoleUrl()}/${hash}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator(ready).first().waitFor();
  return { page, ...watched, requests, accessTokens };
}

async function report(title: string): Promise<string> {
  const created = await apiCall<{ id: string }>(local, TOKEN, 'POST', '/incidents', {
    title,
    service: 'checkout',
    impact: 'high',
    urgency: 'high',
  });
  return created.id;
}

describe('the deployed console’s sign-in, against a local OpenID Connect issuer', () => {
  it('signs in with PKCE, calls the API with the access token, acts as the person, and signs out', async () => {
    if (!browser || !local) throw new Error('setup failed');
    person = WRITER;
    const id = await report('Checkout returns 502');
    const page = await browser.newPage();
    const { errors, violations } = await watchPage(page);
    const requests = recordRequests(page);
    const accessTokens = recordAccessTokens(page);

    // Nobody signed in: the sign-in screen, in place of the token form; the incident's address is kept.
    await page.goto(`${consoleUrl()}/#/incidents/${id}`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('Token').count()).toBe(0);
    expect(await page.locator('#forget-token').isHidden()).toBe(true);

    // To the issuer and back: the code flow with an S256 challenge, state and nonce.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#incident-title', { hasText: 'Checkout returns 502' }).waitFor();
    const authorize = requests.find((request) => request.url().startsWith(`${issuerUrl()}/authorize?`));
    const asked = new URL(authorize?.url() ?? 'http://missing').searchParams;
    expect(Object.fromEntries(asked)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${consoleUrl()}/`,
      scope: SCOPES.join(' '),
      code_challenge_method: 'S256',
    });
    expect(asked.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(asked.get('nonce')).toMatch(/^[\w-]{20,}$/);

    // The code exchange sends the verifier whose SHA-256 is the challenge (the issuer checks it too).
    const [exchange] = tokenRequests(requests);
    expect(exchange?.get('grant_type')).toBe('authorization_code');
    expect(exchange?.get('client_id')).toBe(CLIENT_ID);
    expect(exchange?.get('redirect_uri')).toBe(`${consoleUrl()}/`);
    const verifier = exchange?.get('code_verifier') ?? '';
    expect(verifier).toMatch(/^[\w-]{43,128}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(asked.get('code_challenge'));

    // Back on the page it was on, with the code and state gone from the address bar.
    expect(page.url()).toBe(`${consoleUrl()}/#/incidents/${id}`);

    // Every API call (on the API's own origin) carries the access token, and the API acts as the person.
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    const ackRow = page.locator('#timeline tbody tr', {
      has: page.locator('td.kind', { hasText: /^acknowledged$/ }),
    });
    await ackRow.waitFor();
    expect(await ackRow.locator('td.actor').textContent()).toBe('alice');
    expect(accessTokens).toHaveLength(1);
    const bearers = apiBearers(requests);
    expect(bearers.length).toBeGreaterThan(3);
    expect(new Set(bearers)).toEqual(new Set([`Bearer ${accessTokens[0]}`]));

    // Tokens never reach localStorage; only the refresh token is in this tab's sessionStorage.
    expect(await storedKeys(page)).toEqual({ session: ['firebreak.refresh'], local: 0 });
    expect(await page.locator('html').getAttribute('data-read-only')).toBeNull();

    // Sign out: the issuer's end-session endpoint with the ID token as a hint, back to the sign-in screen.
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await signOut.click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const endSession = requests.find((request) => request.url().startsWith(`${issuerUrl()}/endsession?`));
    const ended = new URL(endSession?.url() ?? 'http://missing').searchParams;
    expect(ended.get('client_id')).toBe(CLIENT_ID);
    expect(ended.get('post_logout_redirect_uri')).toBe(`${consoleUrl()}/`);
    expect(ended.get('id_token_hint')?.split('.')).toHaveLength(3);
    expect(await storedKeys(page)).toEqual({ session: [], local: 0 });
    expect(await signOut.isHidden()).toBe(true);

    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('refreshes the access token before it expires, and a reload goes on without a new sign-in', async () => {
    if (!browser || !local) throw new Error('setup failed');
    person = WRITER;
    // A four-second token first: the console refreshes it at half its life (the next one lasts an hour).
    lifetimes.push(4);
    await report('Search degraded');
    const { page, errors, violations, requests, accessTokens } = await signedInPage(
      '',
      '#open-incidents tbody tr',
    );

    // Silent refresh: the refresh_token grant with the refresh token of the first answer; from then on the
    // API calls carry the new access token.
    await expect
      .poll(
        () => tokenRequests(requests).filter((form) => form.get('grant_type') === 'refresh_token').length,
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(0);
    const refresh = tokenRequests(requests).find((form) => form.get('grant_type') === 'refresh_token');
    expect(refresh?.get('client_id')).toBe(CLIENT_ID);
    expect(refresh?.get('refresh_token')).toMatch(/^[\w-]+$/);
    await expect.poll(() => accessTokens.length).toBeGreaterThan(1);
    await expect
      .poll(() => apiBearers(requests).includes(`Bearer ${accessTokens[1]}`), { timeout: 15_000 })
      .toBe(true);

    // A reload: the access token was in memory only; the refresh token in sessionStorage gets a new one.
    const authorizeBefore = requests.filter((r) => r.url().startsWith(`${issuerUrl()}/authorize`)).length;
    const refreshesBefore = tokenRequests(requests).length;
    await page.reload();
    await page.locator('#open-incidents tbody tr').first().waitFor();
    expect(requests.filter((r) => r.url().startsWith(`${issuerUrl()}/authorize`)).length).toBe(
      authorizeBefore,
    );
    expect(
      tokenRequests(requests)
        .slice(refreshesBefore)
        .map((form) => form.get('grant_type')),
    ).toContain('refresh_token');
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);

    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('answers a 401 with one refresh and a retry; when the issuer refuses the refresh, asks to sign in', async () => {
    if (!browser || !local) throw new Error('setup failed');
    person = WRITER;
    refusingRefresh = false;
    await report('Thumbnails slow');
    const { page, errors, violations, requests, accessTokens } = await signedInPage(
      '',
      '#open-incidents tbody tr',
    );

    // The API stops taking the token: the next call is refused, the token refreshed, the call made again.
    revoked.add(accessTokens[0] ?? '');
    await expect.poll(() => accessTokens.length, { timeout: 15_000 }).toBe(2);
    await expect
      .poll(() => apiBearers(requests).at(-1), { timeout: 15_000 })
      .toBe(`Bearer ${accessTokens[1]}`);
    expect(tokenRequests(requests).map((form) => form.get('grant_type'))).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);

    // Refused again and the issuer will not refresh: the sign-in screen says why; nothing is kept.
    refusingRefresh = true;
    revoked.add(accessTokens[1] ?? '');
    await page.getByText('The API refused the session (401). Sign in again.').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await storedKeys(page)).toEqual({ session: [], local: 0 });
    refusingRefresh = false;

    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('shows a read-only person no action buttons, and the API refuses their writes', async () => {
    if (!browser || !local) throw new Error('setup failed');
    person = READER;
    const id = await report('Payments slow');
    await apiCall(local, TOKEN, 'PUT', '/people/bob', {
      name: 'Bob Example',
      timeZone: 'Europe/Berlin',
      contacts: [{ type: 'chat', address: '@bob' }],
    });
    const { page, errors, violations, accessTokens } = await signedInPage(
      `#/incidents/${id}`,
      '#timeline td.kind:text-is("opened")',
    );

    // The incident page: its fields and timeline, and not one button that acts on it.
    expect(await page.locator('html').getAttribute('data-read-only')).toBe('');
    expect(await page.locator('#incident-fields dd').first().textContent()).toBe('triggered');
    expect(await page.getByRole('button', { name: 'Acknowledge' }).isVisible()).toBe(false);
    expect(await page.locator('main button:visible').allTextContents()).toEqual([]);
    expect(await page.locator('main form:visible').count()).toBe(0);

    // The people on the on-call page: listed, with no Edit and no form to add one.
    await page.goto(`${consoleUrl()}/#/oncall`);
    await page.locator('#people tr[data-person-id="bob"]').waitFor();
    expect(await page.locator('main button:visible').allTextContents()).toEqual([]);
    expect(await page.locator('main form:visible').count()).toBe(0);

    // Hidden is not the only guard: the API answers the reader's token 403 for a write.
    const refused = await fetch(`${local.url}/incidents/${id}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessTokens.at(-1)}` },
    });
    expect(refused.status).toBe(403);

    expect(errors).toEqual([]);
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('loads every page under the deployed Content-Security-Policy with no violation', async () => {
    if (!browser || !local) throw new Error('setup failed');
    person = WRITER;
    const id = await report('Checkout latency high');
    await apiCall(local, TOKEN, 'POST', `/incidents/${id}/resolve`, { resolution: 'Scaled out' });
    const { page, errors, violations, failed } = await signedInPage('#/', '#open-count');
    // Each route of the console, its data loaded: the list, an incident, its review, on call, the reports
    // (uPlot, loaded on demand), problems, action items.
    const pages: Array<[string, string]> = [
      [`#/incidents/${id}`, '#incident-fields dd'],
      [`#/incidents/${id}/review`, 'h1'],
      ['#/oncall', 'h1'],
      ['#/reports', '.chart .uplot'],
      ['#/problems', 'h1'],
      ['#/action-items', 'h1'],
      ['#/', '#open-count'],
    ];
    for (const [hash, ready] of pages) {
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await page.locator(ready).first().waitFor();
      await page.locator('#refreshed', { hasText: /^Updated / }).waitFor();
    }
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(failed.filter((line) => !line.endsWith('/review'))).toEqual([]);
    await page.close();
  });

  it('refuses a sign-in answer that this tab did not ask for', async () => {
    if (!browser) throw new Error('setup failed');
    const page = await browser.newPage();
    const requests = recordRequests(page);
    await page.goto(`${consoleUrl()}/?code=stolen-code&state=forged-state`);
    await page
      .getByText('The sign-in answer does not match the request made from this tab (state).')
      .waitFor();
    expect(tokenRequests(requests)).toEqual([]);
    expect(page.url()).toBe(`${consoleUrl()}/`);
    await page.close();
  });

  it('leaves local mode on its pasted token: token mode, the full CSP header, CORS as deployed', async () => {
    if (!local) throw new Error('setup failed');
    const config = await fetch(`${local.url}/console/config.json`);
    expect(await config.json()).toEqual({ mode: 'token' });
    const page = await fetch(`${local.url}/`);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(LOCAL_CORS_HEADERS).toEqual(CORS_ALLOWED_HEADERS);
    const preflight = await fetch(`${local.url}/incidents`, {
      method: 'OPTIONS',
      headers: {
        origin: consoleUrl(),
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(consoleUrl());
    const elsewhere = await fetch(`${local.url}/incidents`, {
      headers: { origin: 'http://127.0.0.1:9', authorization: `Bearer ${TOKEN}` },
    });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});
