/**
 * Read-only people with the stack's own Cognito user pool. Cognito grants every scope the web client asks
 * for to every user, so a person's role comes from a user-pool group instead: members of VIEWER_GROUP get
 * access tokens without the scopes that change anything, and the console (which hides every write control
 * without them) and the API (which refuses writes without them) both treat them as read-only.
 */

/** The Cognito user-pool group whose members are read-only. The stack creates it (lib/api.ts). */
export const VIEWER_GROUP = 'firebreak-viewers';

/** Scope names (without the issuer's prefix) that let a token change something: writes and administration. */
export const WRITE_SCOPE_NAMES = ['incidents:write', 'admin'] as const;

/**
 * The scopes to take out of a person's access token: for a member of VIEWER_GROUP, every write scope among
 * those requested (all of them when the requested scopes are not known, so a viewer never keeps one by
 * omission); for anyone else, none. `scopePrefix` is what the issuer puts before scope names
 * (`firebreak/` with the stack's pool). Group names are compared exactly, as Cognito's are case-sensitive.
 */
export function viewerScopesToSuppress(
  groups: readonly string[],
  requestedScopes: readonly string[] | undefined,
  scopePrefix: string,
): string[] {
  if (!groups.includes(VIEWER_GROUP)) return [];
  const writeScopes = WRITE_SCOPE_NAMES.map((name) => `${scopePrefix}${name}`);
  if (requestedScopes === undefined) return writeScopes;
  return writeScopes.filter((scope) => requestedScopes.includes(scope));
}
