import { Stack } from 'aws-cdk-lib';
import type { Api, ApiScope } from './api';
import type { ConsoleConfig } from './config';

/**
 * What the deployed console reads from `/console/config.json` before anything else: where the API is, and the
 * OpenID Connect client it signs people in with (authorization code with PKCE). Local mode has no such file
 * (or `{"mode":"token"}`) and keeps its pasted token.
 */
export interface ConsoleRuntimeConfig {
  readonly mode: 'oidc';
  /** The API's endpoint, no trailing slash: every call goes to `apiUrl + path`. */
  readonly apiUrl: string;
  readonly oidc: {
    readonly issuer: string;
    readonly clientId: string;
    /** Given for the stack's user pool; absent, the console reads `<issuer>/.well-known/openid-configuration`. */
    readonly authorizationEndpoint?: string;
    readonly tokenEndpoint?: string;
    readonly endSessionEndpoint?: string;
    /** `cognito`: `/logout?client_id=&logout_uri=`; `oidc`: RP-initiated logout with `id_token_hint`. */
    readonly endSessionStyle: 'cognito' | 'oidc';
    readonly scopes: readonly string[];
    /** What the issuer puts before the API's scope names in granted scopes: `firebreak/` or nothing. */
    readonly scopePrefix: string;
    /** Where the issuer sends people back to, on the console's origin: the web client's callback URL. */
    readonly redirectPath: string;
  };
}

/**
 * The API scopes the console asks for: reading and acting on incidents. Not `admin`: the console manages no
 * integration keys, so its tokens do not carry the right to.
 */
const CONSOLE_SCOPES: readonly ApiScope[] = ['incidents:read', 'incidents:write'];
export const CONSOLE_REDIRECT_PATH = '/';

/** The console's config.json for this API: the stack's user pool and its web client, or the configured issuer. */
export function consoleRuntimeConfig(api: Api, console: ConsoleConfig): ConsoleRuntimeConfig {
  const apiScopes = CONSOLE_SCOPES.map((scope) => `${api.scopePrefix}${scope}`);
  if (api.cognito) {
    const base = api.cognito.domain.baseUrl();
    return {
      mode: 'oidc',
      apiUrl: api.httpApi.apiEndpoint,
      oidc: {
        issuer: api.issuer,
        clientId: api.cognito.webClient.userPoolClientId,
        authorizationEndpoint: `${base}/oauth2/authorize`,
        tokenEndpoint: `${base}/oauth2/token`,
        endSessionEndpoint: `${base}/logout`,
        endSessionStyle: 'cognito',
        scopes: ['openid', 'email', ...apiScopes],
        scopePrefix: api.scopePrefix,
        redirectPath: CONSOLE_REDIRECT_PATH,
      },
    };
  }
  if (console.clientId === undefined) {
    // parseFirebreakConfig refuses an issuer without it; this guards a config built another way.
    throw new Error('Invalid CDK context: firebreak.console.clientId: is required with api.auth.issuer');
  }
  return {
    mode: 'oidc',
    apiUrl: api.httpApi.apiEndpoint,
    oidc: {
      issuer: api.issuer,
      clientId: console.clientId,
      endSessionStyle: 'oidc',
      scopes: ['openid', 'email', ...apiScopes],
      scopePrefix: api.scopePrefix,
      redirectPath: CONSOLE_REDIRECT_PATH,
    },
  };
}

/**
 * The issuer's origins the console's page talks to (connect-src) and is sent to for sign-in (form-action).
 * The user pool: its token endpoint and sign-out on the Cognito domain, and the issuer itself. Another
 * issuer: its origin, where its discovery document is; its endpoints are expected on that origin too.
 */
export function signInOrigins(api: Api): {
  readonly connect: readonly string[];
  readonly formActions: readonly string[];
} {
  if (api.cognito) {
    const hostedUi = api.cognito.domain.baseUrl();
    const issuer = `https://cognito-idp.${Stack.of(api).region}.amazonaws.com`;
    return { connect: [hostedUi, issuer], formActions: [hostedUi] };
  }
  const issuer = new URL(api.issuer).origin;
  return { connect: [issuer], formActions: [issuer] };
}
