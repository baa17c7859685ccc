// Firebreak console: sign-in through an OpenID Connect issuer when the console is deployed (the stack's
// Cognito user pool or another configured issuer), as `/console/config.json` says; local mode's config says
// `token` and the console keeps its pasted token.
//
// Authorization code flow with PKCE (S256). The verifier, `state` and `nonce` stay in sessionStorage for the
// round trip to the issuer only; the access and ID tokens live in memory; the refresh token is kept in
// sessionStorage (this tab only, never localStorage) so that a reload does not ask again. The access token
// is refreshed shortly before it expires, and once more when the API answers 401.

const CONFIG_PATH = '/console/config.json';
/** `{ state, nonce, verifier, hash }` while the browser is at the issuer; removed when it comes back. */
const ROUND_TRIP_KEY = 'firebreak.signin';
const REFRESH_TOKEN_KEY = 'firebreak.refresh';
/** Refresh this long before the access token expires (or at half its life when that is shorter). */
const REFRESH_AHEAD_S = 60;
/** The scopes that let a person act (`admin` includes `incidents:write`, as in the API). */
const WRITE_SCOPES = ['incidents:write', 'admin'];

/**
 * Reads the console's configuration: in `oidc` mode, the signed-in session (finishing a sign-in when the
 * issuer has just sent the browser back); null in `token` mode, or when there is no config.json (404).
 * `onEnded(message)` is called when the session ends by itself (the refresh token no longer works).
 */
export async function openSignIn({ onEnded }) {
  const response = await fetch(CONFIG_PATH, { cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${CONFIG_PATH} answered ${response.status}`);
  const config = await response.json();
  if (config?.mode === 'token') return null;
  if (config?.mode !== 'oidc') throw new Error(`${CONFIG_PATH}: mode must be "token" or "oidc"`);
  const session = new OidcSession(config, onEnded);
  await session.start();
  return session;
}

class OidcSession {
  constructor(config, onEnded) {
    const { apiUrl, oidc } = config;
    if (typeof apiUrl !== 'string' || typeof oidc?.issuer !== 'string' || typeof oidc.clientId !== 'string') {
      throw new Error(`${CONFIG_PATH}: oidc mode needs apiUrl, oidc.issuer and oidc.clientId`);
    }
    /** Where the API calls go: `apiUrl + path`. */
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.oidc = oidc;
    this.onEnded = onEnded;
    this.redirectUri = new URL(oidc.redirectPath ?? '/', location.origin).href;
    /** Why the last sign-in did not work, for the sign-in screen. */
    this.problem = undefined;
    this.tokens = undefined;
    this.timer = undefined;
    this.refreshing = undefined;
  }

  /** Finishes a sign-in coming back from the issuer, or picks the session up again from the refresh token. */
  async start() {
    this.endpoints = await this.discover();
    const params = new URLSearchParams(location.search);
    if (params.has('code') || params.has('error')) await this.completeSignIn(params);
    else if (sessionStorage.getItem(REFRESH_TOKEN_KEY)) await this.refresh();
  }

  /** The issuer's endpoints: from config.json (Cognito), else from its discovery document. */
  async discover() {
    const { issuer, authorizationEndpoint, tokenEndpoint, endSessionEndpoint } = this.oidc;
    if (authorizationEndpoint && tokenEndpoint) {
      return { authorization: authorizationEndpoint, token: tokenEndpoint, endSession: endSessionEndpoint };
    }
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const found = await response.json();
    if (found.issuer !== issuer) throw new Error(`${url} names issuer ${found.issuer}, not ${issuer}`);
    return {
      authorization: found.authorization_endpoint,
      token: found.token_endpoint,
      endSession: found.end_session_endpoint,
    };
  }

  /** The access token for the API, or null when nobody is signed in. */
  accessToken() {
    return this.tokens?.accessToken ?? null;
  }

  /** Sends the browser to the issuer; it comes back to the redirect URI with a code. */
  async signIn() {
    const verifier = randomText(32);
    const state = randomText(16);
    const nonce = randomText(16);
    const hash = location.hash;
    sessionStorage.setItem(ROUND_TRIP_KEY, JSON.stringify({ state, nonce, verifier, hash }));
    const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', ascii(verifier))));
    const url = new URL(this.endpoints.authorization);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.oidc.clientId,
      redirect_uri: this.redirectUri,
      scope: (this.oidc.scopes ?? ['openid']).join(' '),
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    location.assign(url.href);
  }

  /** The issuer sent the browser back: check `state`, trade the code and the verifier for tokens. */
  async completeSignIn(params) {
    const roundTrip = parseJson(sessionStorage.getItem(ROUND_TRIP_KEY));
    sessionStorage.removeItem(ROUND_TRIP_KEY);
    // The code and state leave the address bar and the history; the page the person was on comes back.
    history.replaceState(null, '', `${new URL(this.redirectUri).pathname}${roundTrip?.hash ?? ''}`);
    if (params.has('error')) {
      this.problem = `The sign-in did not complete: ${params.get('error_description') ?? params.get('error')}`;
      return;
    }
    if (!roundTrip || params.get('state') !== roundTrip.state) {
      this.problem =
        'The sign-in answer does not match the request made from this tab (state). Sign in again.';
      return;
    }
    const answer = await this.tokenRequest({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: this.redirectUri,
      code_verifier: roundTrip.verifier,
    });
    if (!answer.ok) {
      this.problem = `The sign-in did not complete: ${answer.error}`;
      return;
    }
    const claims = jwtClaims(answer.body.id_token);
    const audiences = [claims?.aud].flat();
    if (!claims || claims.iss !== this.oidc.issuer || !audiences.includes(this.oidc.clientId)) {
      this.problem = 'The issuer’s ID token is not for this console (iss or aud). Sign in again.';
      return;
    }
    if (claims.nonce !== roundTrip.nonce) {
      this.problem = 'The issuer’s ID token does not answer this sign-in (nonce). Sign in again.';
      return;
    }
    this.keep(answer.body);
  }

  /**
   * A new access token from the refresh token (one request at a time); false, with the session forgotten,
   * when there is none or the issuer refuses it.
   */
  refresh() {
    this.refreshing ??= (async () => {
      const refreshToken = this.tokens?.refreshToken ?? sessionStorage.getItem(REFRESH_TOKEN_KEY);
      if (!refreshToken) return false;
      const answer = await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
      if (!answer.ok) {
        this.forget();
        return false;
      }
      // Cognito sends no new refresh token and no new ID token: the ones held stay valid.
      this.keep({
        refresh_token: refreshToken,
        id_token: this.tokens?.idToken,
        ...answer.body,
      });
      return true;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Signs out: forgets every token, then the issuer ends its own session and sends the browser back. */
  signOut() {
    const idToken = this.tokens?.idToken;
    this.forget();
    const back = new URL(this.redirectUri).href;
    if (!this.endpoints.endSession) return void this.onEnded('Signed out.');
    const url = new URL(this.endpoints.endSession);
    url.search = new URLSearchParams(
      this.oidc.endSessionStyle === 'cognito'
        ? { client_id: this.oidc.clientId, logout_uri: back }
        : {
            client_id: this.oidc.clientId,
            post_logout_redirect_uri: back,
            ...(idToken ? { id_token_hint: idToken } : {}),
          },
    ).toString();
    location.assign(url.href);
  }

  /** Forgets the tokens here, without going to the issuer (the API refused them). */
  forget() {
    clearTimeout(this.timer);
    this.tokens = undefined;
    sessionStorage.removeItem(REFRESH_TOKEN_KEY);
    sessionStorage.removeItem(ROUND_TRIP_KEY);
    delete document.documentElement.dataset.readOnly;
  }

  /** Holds a token answer; shows only what the granted scopes allow; plans the next refresh. */
  keep(body) {
    this.problem = undefined;
    this.tokens = {
      accessToken: body.access_token,
      idToken: body.id_token,
      refreshToken: body.refresh_token,
    };
    if (body.refresh_token) sessionStorage.setItem(REFRESH_TOKEN_KEY, body.refresh_token);
    const granted = String(body.scope ?? jwtClaims(body.access_token)?.scope ?? '').split(/\s+/);
    const prefix = this.oidc.scopePrefix ?? '';
    const canWrite = WRITE_SCOPES.some((scope) => granted.includes(`${prefix}${scope}`));
    if (canWrite) delete document.documentElement.dataset.readOnly;
    else document.documentElement.dataset.readOnly = '';
    clearTimeout(this.timer);
    const lifetime = Number(body.expires_in);
    if (!(lifetime > 0)) return;
    const ahead = Math.min(REFRESH_AHEAD_S, lifetime / 2);
    this.timer = setTimeout(
      async () => {
        if (!(await this.refresh())) this.onEnded('The session ended. Sign in again.');
      },
      (lifetime - ahead) * 1000,
    );
  }

  /** One form-encoded POST to the token endpoint (a public client: the client id, no secret). */
  async tokenRequest(fields) {
    let response;
    try {
      response = await fetch(this.endpoints.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: this.oidc.clientId, ...fields }),
      });
    } catch (error) {
      return { ok: false, error: `the issuer cannot be reached (${error.message})` };
    }
    const body = parseJson(await response.text());
    if (!response.ok || typeof body?.access_token !== 'string') {
      const why = body?.error_description ?? body?.error ?? `${response.status}`;
      return { ok: false, error: `the token endpoint refused: ${why}` };
    }
    return { ok: true, body };
  }
}

/** The sign-in screen (oidc mode, nobody signed in), in place of local mode's token form. */
export function signInView(el, session, message) {
  const problem = message ?? session.problem;
  const button = el('button', { type: 'submit' }, 'Sign in');
  const form = el(
    'form',
    { className: 'card narrow', id: 'sign-in' },
    el('h1', {}, 'Sign in'),
    el(
      'p',
      {},
      `Firebreak signs you in at ${new URL(session.oidc.issuer).host}. The session lasts for this tab.`,
    ),
    problem && el('p', { className: 'error', role: 'alert' }, problem),
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    session.signIn();
  });
  return { node: form, refresh: async () => {} };
}

/** `bytes` random bytes as base64url text: the verifier, the state, the nonce. */
function randomText(bytes) {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function ascii(text) {
  return new TextEncoder().encode(text);
}

/**
 * A JWT's claims, unverified: the ID token comes straight from the token endpoint over TLS (OpenID Connect
 * Core 3.1.3.7 lets that stand for its signature), and the API verifies the access token itself.
 */
function jwtClaims(jwt) {
  const payload = typeof jwt === 'string' ? jwt.split('.')[1] : undefined;
  if (!payload) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
