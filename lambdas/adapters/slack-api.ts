import { responseUrlSchema, SLACK_RESPONSE_URL_BASE } from './response-url';

/** A reply to a slash command or a button, posted to the response_url Slack gave with it. */
export interface SlackReply {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks?: unknown[];
}

/**
 * Slack's Web API as Firebreak uses it. Throws SlackApiError (name `Slack.<error>`, e.g. `Slack.name_taken`)
 * when Slack answers ok:false or the HTTP call fails; never logs the token.
 */
export interface SlackApi {
  call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** POSTs a reply to a command's or an action's response_url (https://hooks.slack.com/...). */
  respond(responseUrl: string, reply: SlackReply): Promise<void>;
}

/**
 * Slack said no, or could not be asked. `error` is Slack's own code (`channel_not_found`, `name_taken`), or
 * one of ours for the transport: `ratelimited` (HTTP 429), `timeout`, `request_failed`, `http_error`,
 * `invalid_response`. The name carries it, so a state machine's Retry or a caller can match on it.
 */
export class SlackApiError extends Error {
  constructor(
    readonly error: string,
    message: string,
    /** From a 429's Retry-After: how long Slack asks to wait before the next call. */
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = `Slack.${error}`;
  }
}

export interface SlackWebApiOptions {
  /** Where the methods are served; Slack's own by default (a test gives a local server). */
  baseUrl?: string;
  /** How long one call may take, answer included; 5 s by default, well within a Lambda's time. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The base respond() posts under: Slack's own (SLACK_RESPONSE_URL_BASE) by default; a test gives a local one. */
  responseUrlBase?: string;
}

const DEFAULT_BASE_URL = 'https://slack.com/api';
const DEFAULT_TIMEOUT_MS = 5_000;
const METHOD_NAME = /^[a-zA-Z]+(\.[a-zA-Z]+)+$/;
/** Slack's error codes are snake case; anything else is not put into an error's name. */
const ERROR_CODE = /^[a-z0-9_]{1,64}$/;
/**
 * Read methods take their arguments as a form, not as JSON ("most write methods" accept JSON, reads do not:
 * a JSON body's cursor would be ignored and paging would never end).
 */
const FORM_METHODS: ReadonlySet<string> = new Set(['conversations.list', 'conversations.info', 'users.info']);

/**
 * The Web API over fetch: every method is a POST with the bot token in the Authorization header (never in
 * the body or a URL, so it stays out of logs), a JSON body (a form for read methods), and a deadline.
 */
export class SlackWebApi implements SlackApi {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  /** What a response_url may be: the same check the runbook replies use (responseUrlSchema). */
  private readonly responseUrl: ReturnType<typeof responseUrlSchema>;

  constructor(
    /** The bot token (xoxb-…), read when the first call needs it; the caller caches it. */
    private readonly token: () => Promise<string>,
    options: SlackWebApiOptions = {},
  ) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.responseUrl = responseUrlSchema(options.responseUrlBase ?? SLACK_RESPONSE_URL_BASE);
  }

  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (!METHOD_NAME.test(method))
      throw new SlackApiError('unknown_method', `"${method}" is not a Slack Web API method name`);
    const token = await this.token();
    const form = FORM_METHODS.has(method);
    const answer = await this.post(method, `${this.baseUrl}/${method}`, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8',
      },
      body: form ? formOf(body) : JSON.stringify(body),
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer);
    } catch {
      throw new SlackApiError('invalid_response', `Slack answered ${method} with something other than JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new SlackApiError('invalid_response', `Slack answered ${method} with no object`);
    const result = parsed as Record<string, unknown>;
    if (result.ok !== true) {
      const code =
        typeof result.error === 'string' && ERROR_CODE.test(result.error) ? result.error : 'unknown';
      throw new SlackApiError(code, `Slack refused ${method}: ${code}`);
    }
    return result;
  }

  async respond(responseUrl: string, reply: SlackReply): Promise<void> {
    // The URL itself is a credential for 30 minutes: it is never put in an error (the check names its origin).
    const checked = this.responseUrl.safeParse(responseUrl);
    if (!checked.success)
      throw new SlackApiError(
        'invalid_response_url',
        `the response_url ${checked.error.issues[0]?.message ?? 'is not allowed'}`,
      );
    await this.post('the response_url', new URL(checked.data).href, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(reply),
    });
  }

  /** One POST within the deadline: the answer's text, or a SlackApiError saying what went wrong. */
  private async post(what: string, url: string, init: { headers: Record<string, string>; body: string }) {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        ...init,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The deadline covers reading the answer too.
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
        throw new SlackApiError('timeout', `Slack did not answer ${what} within ${this.timeoutMs} ms`);
      const reason = error instanceof Error ? error.message : String(error);
      throw new SlackApiError('request_failed', `calling ${what} failed: ${reason}`, undefined, {
        cause: error,
      });
    }
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      const seconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
      throw new SlackApiError(
        'ratelimited',
        `Slack rate-limited ${what}: ${seconds === undefined ? 'retry later' : `retry after ${seconds} s`}`,
        seconds,
      );
    }
    if (!response.ok) {
      // A response_url answers its errors as a word in the body (`expired_url`, `used_url`).
      const word = text.trim();
      const code = ERROR_CODE.test(word) ? word : 'http_error';
      throw new SlackApiError(code, `Slack answered ${what} with HTTP ${response.status} (${code})`);
    }
    return text;
  }
}

/** A form body of the arguments given: objects as JSON (as Slack reads them), nothing for undefined. */
function formOf(body: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    form.set(name, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  }
  return form.toString();
}
