import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A route key template (`GET /incidents/{id}`) as a matcher of method and path. */
export function routeMatcher(routeKeys: string[]) {
  const compiled = routeKeys.map((routeKey) => {
    const [method, template = ''] = routeKey.split(' ');
    const names: string[] = [];
    const pattern = template
      .split('/')
      .map((part) => {
        const param = /^\{(\w+)\}$/.exec(part);
        if (!param?.[1]) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(param[1]);
        return '([^/]+)';
      })
      .join('/');
    return { routeKey, method, regex: new RegExp(`^${pattern}$`), names };
  });
  return (method: string, path: string) => {
    for (const route of compiled) {
      if (route.method !== method) continue;
      const match = route.regex.exec(path);
      if (!match) continue;
      const pathParameters = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
      );
      return { routeKey: route.routeKey, pathParameters };
    }
    return undefined;
  };
}

/**
 * Reads a request body, keeping no more than the first chunk past `limit` bytes: enough for the router to
 * see that the body is too large and answer 413, as it does deployed, without holding all of it.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      if (size <= limit) chunks.push(chunk);
      size += chunk.length;
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The API Gateway HTTP API (payload 2.0) event for a local request, with the local token's claims. */
export function toApiGatewayEvent(input: {
  routeKey: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  pathParameters: Record<string, string>;
  body: string;
  requestId: string;
  principal?: { sub: string; scope: string };
}) {
  const headers = Object.fromEntries(
    Object.entries(input.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(',') : (value ?? ''),
    ]),
  );
  const query = Object.fromEntries(input.query.entries());
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.path,
    rawQueryString: input.query.toString(),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(input.principal
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: input.principal, scopes: null },
            },
          }
        : {}),
    },
    ...(input.body === '' ? {} : { body: input.body }),
    isBase64Encoded: false,
  };
}

export function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  const structured = result as APIGatewayProxyStructuredResultV2;
  response.writeHead(structured.statusCode ?? 200, (structured.headers ?? {}) as Record<string, string>);
  response.end(structured.body ?? '');
}
