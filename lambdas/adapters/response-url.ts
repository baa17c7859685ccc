import * as z from 'zod';
import type { ReplyPoster } from '../runbooks/ports';

/**
 * Posting to a Slack response_url: the URL Slack hands a slash command or a button press for answers given
 * later (up to 30 minutes, a few times). It needs no token: the URL is the capability, so it is never logged
 * nor put in an error message, and Firebreak posts only under Slack's own base, whatever the URL it was
 * handed (one chosen by someone else must not make Firebreak post anywhere else).
 */

/** Where Slack's response_urls live; the only base a deployment posts under. */
export const SLACK_RESPONSE_URL_BASE = 'https://hooks.slack.com/';

/** Slack's answer to a response_url must come within this long; the run goes on without it. */
export const RESPONSE_URL_TIMEOUT_MS = 5_000;

/** A message to a response_url, as Slack takes it (the same shape as SlackApi.respond's reply). */
export interface ResponseUrlReply {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks?: unknown[];
}

export interface PostReplyOptions {
  /** The fetch to post with; the global one otherwise. */
  fetch?: typeof fetch;
  /** Gives up after this many milliseconds (RESPONSE_URL_TIMEOUT_MS by default). */
  timeoutMs?: number;
  /**
   * Replaces SLACK_RESPONSE_URL_BASE: only tests and local mode set it (a server on 127.0.0.1). Must end
   * with `/`.
   */
  allowedBase?: string;
}

/** A URL outside the allowed base: nothing was sent. */
export class ReplyRefused extends Error {
  constructor(reason: string) {
    super(`refused to post a reply: the response_url ${reason}`);
    this.name = 'Reply.Refused';
  }
}

/** The post was tried and failed: no answer in time, unreachable, or Slack said no (its error named). */
export class ReplyFailed extends Error {
  constructor(reason: string) {
    super(`the reply to the response_url failed: ${reason}`);
    this.name = 'Reply.Failed';
  }
}

/** Only the protocol and host of a URL, for a refusal's message: the path is the secret part. */
function originOf(value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value)) return 'something that is not a URL';
  const url = new URL(value);
  return `${url.protocol}//${url.host}`;
}

/**
 * A response_url under `base` (Slack's by default): same protocol, host and port, the path below the
 * base's, and no credentials. The message of a refusal names the allowed base and the URL's origin only.
 */
export function responseUrlSchema(base: string = SLACK_RESPONSE_URL_BASE) {
  if (!URL.canParse(base) || !base.endsWith('/')) {
    throw new RangeError(`the allowed base of response URLs must be a URL ending with /: ${base}`);
  }
  const allowed = new URL(base);
  return z
    .string()
    .refine((value) => URL.canParse(value), { error: 'is not a URL', abort: true })
    .refine(
      (value) => {
        const url = new URL(value);
        return (
          url.protocol === allowed.protocol &&
          url.host === allowed.host &&
          url.username === '' &&
          url.password === '' &&
          url.pathname.startsWith(allowed.pathname) &&
          url.pathname.length > allowed.pathname.length
        );
      },
      { error: (issue) => `must be under ${base} (got ${originOf(issue.input)})` },
    );
}

const SLACK_RESPONSE_URL = responseUrlSchema();

/** What Slack said when it refused (`expired_url`, `used_url`, `invalid_blocks`), kept short. */
async function answerOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  const said = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `HTTP ${response.status}${said ? `: ${said}` : ''}`;
}

/**
 * POSTs `reply` as JSON to `url`, a Slack response_url. Refuses (ReplyRefused, before sending anything) a
 * URL outside Slack's base (or `options.allowedBase`); throws ReplyFailed when the post does not succeed
 * within the timeout. Redirects are not followed: they could lead anywhere.
 */
export async function postReply(
  url: string,
  reply: ResponseUrlReply,
  options: PostReplyOptions = {},
): Promise<void> {
  const schema =
    options.allowedBase === undefined ? SLACK_RESPONSE_URL : responseUrlSchema(options.allowedBase);
  const checked = schema.safeParse(url);
  if (!checked.success) throw new ReplyRefused(checked.error.issues[0]?.message ?? 'is not allowed');
  const timeoutMs = options.timeoutMs ?? RESPONSE_URL_TIMEOUT_MS;
  const post = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await post(new URL(checked.data).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(reply),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new ReplyFailed(`no answer within ${timeoutMs} ms`);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = (cause as { code?: unknown } | undefined)?.code;
    throw new ReplyFailed(`could not reach ${originOf(url)}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  if (response.status < 200 || response.status > 299) throw new ReplyFailed(await answerOf(response));
  // Slack answers `ok`; the body is read so the connection is released.
  await response.text().catch(() => '');
}

/** ReplyPoster over postReply: what the runbook function answers a person's runs with. */
export class ResponseUrlPoster implements ReplyPoster {
  constructor(private readonly options: PostReplyOptions = {}) {}

  respond(responseUrl: string, reply: ResponseUrlReply): Promise<void> {
    return postReply(responseUrl, reply, this.options);
  }
}
