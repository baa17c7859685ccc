import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import * as z from 'zod';

const Header = z.object({ alg: z.literal('RS256'), kid: z.string() });
const Claims = z.object({
  iss: z.string(),
  sub: z.string(),
  exp: z.number(),
  nbf: z.number().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().optional(),
  scope: z.string().optional(),
});
const Discovery = z.object({ issuer: z.string(), jwks_uri: z.url() });
const Jwks = z.object({ keys: z.array(z.looseObject({ kid: z.string() })) });

/**
 * Checks bearer tokens as API Gateway's JWT authorizer does: an RS256 signature by a key of the issuer's
 * JWKS (found through its discovery document), `iss`, `exp`/`nbf`, and `aud` or `client_id` among the
 * audience. Answers the claims local mode builds the principal from, or undefined for a token it refuses.
 */
export function jwtVerifier(options: {
  issuer: string;
  audience: readonly string[];
}): (bearer: string) => Promise<{ sub: string; scope: string } | undefined> {
  let keys: Promise<Map<string, JsonWebKey>> | undefined;
  const loadKeys = async () => {
    const discovery = Discovery.parse(
      await (await fetch(`${options.issuer}/.well-known/openid-configuration`)).json(),
    );
    const jwks = Jwks.parse(await (await fetch(discovery.jwks_uri)).json());
    return new Map(jwks.keys.map((key) => [key.kid, key as JsonWebKey]));
  };
  return async (bearer) => {
    const [header, payload, signature] = bearer.split('.');
    if (!header || !payload || signature === undefined) return undefined;
    const parsedHeader = Header.safeParse(decode(header));
    const claims = Claims.safeParse(decode(payload));
    if (!parsedHeader.success || !claims.success) return undefined;
    keys ??= loadKeys();
    const jwk = (await keys).get(parsedHeader.data.kid);
    if (!jwk) return undefined;
    const signed = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey({ key: jwk, format: 'jwk' }),
      Buffer.from(signature, 'base64url'),
    );
    const { iss, sub, exp, nbf, aud, client_id: clientId, scope } = claims.data;
    const now = Date.now() / 1000;
    const audiences = [aud ?? [], clientId ?? []].flat();
    const accepted =
      signed &&
      iss === options.issuer &&
      exp > now &&
      (nbf === undefined || nbf <= now) &&
      audiences.some((value) => options.audience.includes(value));
    return accepted ? { sub, scope: scope ?? '' } : undefined;
  };
}

function decode(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
