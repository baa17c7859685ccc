/** The API's own view of a request and a response, independent of API Gateway's event shape. */
export type Scope = 'incidents:read' | 'incidents:write' | 'admin';

export interface Principal {
  /** `user`: a JWT from the configured issuer; `integration`: an integration key (webhook routes only). */
  kind: 'user' | 'integration' | 'anonymous';
  /** Who acts: the token's subject (or username), or the integration id. Recorded on the timeline. */
  id: string;
  scopes: ReadonlySet<Scope>;
}

export interface ApiRequest {
  /** API Gateway's route key, e.g. `POST /incidents/{id}/acknowledge`. */
  routeKey: string;
  method: string;
  path: string;
  pathParameters: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string>>;
  /** The JSON body, parsed; undefined when there is none. */
  body: unknown;
  requestId: string;
  principal: Principal;
  /** When the request arrived (ISO 8601). */
  receivedAt: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResponse>;

/** Route key → handler, plus which scope the route needs (`none`: the handler authenticates itself). */
export interface Route {
  handler: RouteHandler;
  scope: Scope | 'none';
}
export type Routes = Record<string, Route>;
