import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { ApiError } from './errors';
import type { ApiRequest, ApiResponse, Principal, Route, Routes, Scope } from './http';
import { invalidRequest } from './input';

/** Bodies larger than this are refused with 413 before they are parsed: PagerDuty's own event limit. */
export const MAX_BODY_BYTES = 512 * 1024;

const SCOPES: readonly Scope[] = ['incidents:read', 'incidents:write', 'admin'];
/** A broader scope includes the narrower ones. */
const IMPLIED: Record<Scope, readonly Scope[]> = {
  'incidents:read': ['incidents:read'],
  'incidents:write': ['incidents:write', 'incidents:read'],
  admin: ['admin', 'incidents:write', 'incidents:read'],
};

type ApiEvent = Omit<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'> & {
  requestContext: Omit<APIGatewayProxyEventV2WithJWTAuthorizer['requestContext'], 'authorizer'> & {
    authorizer?: Partial<APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']['authorizer']>;
  };
};

/**
 * Turns API Gateway HTTP API events into ApiRequests, checks the route's scope (API Gateway's JWT
 * authorizer checks it first; this is the second line), and every failure into the API's error shape:
 * `{"error": {"code", "message", "field"}}`. Bad input is never a 500.
 */
export function createRouter(
  routes: Routes,
  options: { scopePrefix: string; logger: Logger; clock: () => Date },
) {
  return async function route(event: ApiEvent): Promise<APIGatewayProxyResultV2> {
    const requestId = event.requestContext.requestId;
    const found: Route | undefined = routes[event.routeKey];
    try {
      if (!found) throw new ApiError(404, 'not_found', `no route ${event.routeKey}`);
      const principal = principalOf(event, options.scopePrefix);
      if (found.scope !== 'none') authorize(principal, found.scope);
      const request: ApiRequest = {
        routeKey: event.routeKey,
        method: event.requestContext.http.method,
        path: event.rawPath,
        pathParameters: clean(event.pathParameters),
        query: clean(event.queryStringParameters),
        headers: lowerCase(event.headers),
        body: found.ignoresBody || found.rawBody ? undefined : parseBody(event),
        ...(found.rawBody ? { rawBody: rawBodyOf(event) } : {}),
        requestId,
        principal,
        receivedAt: options.clock().toISOString(),
      };
      return toResult(await found.handler(request));
    } catch (error) {
      return toResult(errorResponse(error, requestId, options.logger, found?.renderError));
    }
  };
}

function principalOf(event: ApiEvent, scopePrefix: string): Principal {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  if (!claims) return { kind: 'anonymous', id: 'anonymous', scopes: new Set() };
  const granted = new Set<Scope>();
  const raw = [String(claims.scope ?? ''), ...(event.requestContext.authorizer?.jwt?.scopes ?? [])].join(' ');
  for (const token of raw.split(/\s+/)) {
    const name = token.startsWith(scopePrefix) ? token.slice(scopePrefix.length) : token;
    const scope = SCOPES.find((s) => s === name);
    if (scope) for (const implied of IMPLIED[scope]) granted.add(implied);
  }
  const id = String(
    claims.username ?? claims['cognito:username'] ?? claims.email ?? claims.sub ?? claims.client_id,
  );
  return { kind: 'user', id, scopes: granted };
}

function authorize(principal: Principal, scope: Scope): void {
  if (principal.kind === 'anonymous') throw new ApiError(401, 'unauthorized', 'credentials are required');
  if (!principal.scopes.has(scope))
    throw new ApiError(403, 'forbidden', `this route needs the ${scope} scope`);
}

/** The body as sent, decoded from base64 when API Gateway encoded it; refused when over the size limit. */
function rawBodyOf(event: ApiEvent): string {
  if (event.body === undefined || event.body === null) return '';
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new ApiError(413, 'payload_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`, 'body');
  }
  return text;
}

function parseBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = rawBodyOf(event);
  const type = lowerCase(event.headers)['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json', 'content-type');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', 'body');
  }
}

function errorResponse(
  thrown: unknown,
  requestId: string,
  logger: Logger,
  render: Route['renderError'],
): ApiResponse {
  // A handler that parsed with zod directly still answers the one 400 shape parseInput gives.
  const error = thrown instanceof z.ZodError ? invalidRequest(thrown) : thrown;
  if (render) {
    if (error instanceof ApiError) return render(error);
    logger.error('request failed', { requestId, error });
    return render({
      status: 500,
      code: 'internal',
      message: `the request failed; it is safe to retry (request ${requestId})`,
    });
  }
  if (error instanceof ApiError) {
    return {
      status: error.status,
      // RFC 6750: a 401 names the scheme the client should use.
      ...(error.status === 401 ? { headers: { 'www-authenticate': 'Bearer' } } : {}),
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
          ...error.extra,
        },
      },
    };
  }
  logger.error('request failed', { requestId, error });
  return {
    status: 500,
    body: {
      error: { code: 'internal', message: `the request failed; it is safe to retry (request ${requestId})` },
    },
  };
}

function toResult(response: ApiResponse): APIGatewayProxyResultV2 {
  if (response.text) {
    return {
      statusCode: response.status,
      headers: { ...response.headers, 'content-type': response.text.contentType },
      body: response.text.content,
    };
  }
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json', ...response.headers },
    ...(response.body === undefined ? {} : { body: JSON.stringify(response.body) }),
  };
}

function clean(values: Record<string, string | undefined> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function lowerCase(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(clean(headers)).map(([name, value]) => [name.toLowerCase(), value]),
  );
}
