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
  /** The JSON body, parsed; undefined when there is none (and on routes that take the raw body). */
  body: unknown;
  /** The body exactly as sent (decoded from base64 when API Gateway encoded it): routes with `rawBody` only. */
  rawBody?: string;
  requestId: string;
  principal: Principal;
  /** When the request arrived (ISO 8601). */
  receivedAt: string;
}

export interface ApiResponse {
  status: number;
  /** Sent as JSON (`application/json`). */
  body?: unknown;
  /** Sent as it is instead of `body`, with its own content type: the HTML pages of the acknowledgement links. */
  text?: { contentType: string; content: string };
  headers?: Record<string, string>;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResponse>;

/** An error the router answers for a route: a 500, or a refusal before the handler ran. */
export interface RouteError {
  status: number;
  code: string;
  message: string;
}

/** Route key → handler, plus which scope the route needs (`none`: the handler authenticates itself). */
export interface Route {
  handler: RouteHandler;
  scope: Scope | 'none';
  /**
   * The route reads no body: whatever is sent (a browser form's `application/x-www-form-urlencoded`, empty or
   * not) is ignored, never parsed or refused. The JSON routes leave this unset.
   */
  ignoresBody?: true;
  /**
   * The route reads the body as sent, whatever its type (Slack's form posts, whose signature is computed over
   * the exact bytes): `rawBody` carries it, unparsed; the size limit still applies.
   */
  rawBody?: true;
  /** How the route's errors are answered, when not as the API's JSON error (a page for a browser). */
  renderError?: (error: RouteError) => ApiResponse;
}
export type Routes = Record<string, Route>;
