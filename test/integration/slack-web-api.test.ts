import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackApiError, SlackWebApi } from '#adapters/slack-api';

const TOKEN = 'xoxb-0000-test-token';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Plays Slack on 127.0.0.1: records each request and answers as the test says. */
let server: Server;
let baseUrl: string;
const received: Received[] = [];
let answer: (request: Received, response: ServerResponse) => void;

const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const one = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(one);
      answer(one, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  // A request left hanging by the timeout test must not keep the server open.
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});
beforeEach(() => {
  received.length = 0;
  answer = (_request, response) => json(response, 200, { ok: true });
});

const slack = (options: ConstructorParameters<typeof SlackWebApi>[1] = {}) =>
  new SlackWebApi(async () => TOKEN, { baseUrl: `${baseUrl}/api`, ...options });
const failure = async (promise: Promise<unknown>): Promise<SlackApiError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SlackApiError)) throw new Error(`expected a SlackApiError, got ${String(error)}`);
  return error;
};

describe('SlackWebApi.call', () => {
  it('POSTs the method as JSON with the bot token in the Authorization header, and answers the result', async () => {
    // Prepare
    answer = (_request, response) => json(response, 200, { ok: true, channel: 'C0123ABCD', ts: '1.000100' });

    // Act
    const result = await slack().call('chat.postMessage', { channel: 'C0123ABCD', text: 'Hello' });

    // Assess
    expect(result).toEqual({ ok: true, channel: 'C0123ABCD', ts: '1.000100' });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/chat.postMessage');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(request?.body ?? '')).toEqual({ channel: 'C0123ABCD', text: 'Hello' });
  });

  it('sends a read method its arguments as a form, which Slack reads for it', async () => {
    // Act
    await slack().call('conversations.list', { limit: 200, cursor: 'abc=', exclude_archived: false });

    // Assess
    const [request] = received;
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      limit: '200',
      cursor: 'abc=',
      exclude_archived: 'false',
    });
  });

  it("throws Slack's refusal as Slack.<error>, without the token", async () => {
    // Prepare
    answer = (_request, response) => json(response, 200, { ok: false, error: 'name_taken' });

    // Act
    const error = await failure(slack().call('conversations.create', { name: 'inc-20261127-0001' }));

    // Assess
    expect(error.name).toBe('Slack.name_taken');
    expect(error.error).toBe('name_taken');
    expect(error.message).toBe('Slack refused conversations.create: name_taken');
    expect(`${error.message} ${error.stack}`).not.toContain(TOKEN);
  });

  it('tells how long to wait when rate-limited (HTTP 429)', async () => {
    // Prepare
    answer = (_request, response) =>
      json(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' });

    // Act
    const error = await failure(slack().call('chat.postMessage', { channel: 'C0123ABCD', text: 'x' }));

    // Assess
    expect(error.name).toBe('Slack.ratelimited');
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.message).toBe('Slack rate-limited chat.postMessage: retry after 30 s');
  });

  it('gives up on a call Slack does not answer in time', async () => {
    // Prepare: the request is held open, never answered.
    answer = () => {};

    // Act
    const error = await failure(slack({ timeoutMs: 50 }).call('chat.postMessage', { channel: 'C0123ABCD' }));

    // Assess
    expect(error.name).toBe('Slack.timeout');
    expect(error.message).toBe('Slack did not answer chat.postMessage within 50 ms');
  });

  it('names HTTP failures, unreadable answers and unreachable servers', async () => {
    // Prepare
    answer = (_request, response) => {
      response.writeHead(502);
      response.end('<html>Bad gateway</html>');
    };
    const http = await failure(slack().call('chat.postMessage', {}));
    answer = (_request, response) => {
      response.writeHead(200);
      response.end('not json');
    };
    const unreadable = await failure(slack().call('chat.postMessage', {}));
    const unreachable = await failure(
      new SlackWebApi(async () => TOKEN, { baseUrl: 'http://127.0.0.1:1/api' }).call('chat.postMessage', {}),
    );

    // Assess
    expect(http.name).toBe('Slack.http_error');
    expect(http.message).toBe('Slack answered chat.postMessage with HTTP 502 (http_error)');
    expect(unreadable.name).toBe('Slack.invalid_response');
    expect(unreachable.name).toBe('Slack.request_failed');
    expect(unreachable.message).not.toContain(TOKEN);
  });

  it('refuses a method name that could reach another path, before reading the token', async () => {
    // Prepare
    let tokenRead = false;
    const api = new SlackWebApi(
      async () => {
        tokenRead = true;
        return TOKEN;
      },
      { baseUrl: `${baseUrl}/api` },
    );

    // Act
    const error = await failure(api.call('../admin', {}));

    // Assess
    expect(error.name).toBe('Slack.unknown_method');
    expect(tokenRead).toBe(false);
    expect(received).toHaveLength(0);
  });
});

describe('SlackWebApi.respond', () => {
  // The local server plays Slack's hooks host (known once it listens).
  const local = () => ({ responseUrlBase: `${baseUrl}/commands/` });

  it('POSTs the reply as JSON to the response_url, with no token', async () => {
    // Act
    await slack(local()).respond(`${baseUrl}/commands/T0001/1234/secret`, {
      response_type: 'in_channel',
      text: 'INC-20261127-0001 acknowledged by alice',
    });

    // Assess
    const [request] = received;
    expect(request?.path).toBe('/commands/T0001/1234/secret');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      response_type: 'in_channel',
      text: 'INC-20261127-0001 acknowledged by alice',
    });
  });

  it("names Slack's refusal of a spent response_url, without the URL", async () => {
    // Prepare
    answer = (_request, response) => {
      response.writeHead(404);
      response.end('expired_url');
    };

    // Act
    const error = await failure(
      slack(local()).respond(`${baseUrl}/commands/T0001/1234/secret`, { text: 'x' }),
    );

    // Assess
    expect(error.name).toBe('Slack.expired_url');
    expect(error.message).not.toContain('secret');
  });

  it("posts only to Slack's hooks over https by default", async () => {
    // Act
    const plain = await failure(slack().respond('http://hooks.slack.com/commands/T0001/1/x', { text: 'x' }));
    const other = await failure(slack().respond(`${baseUrl}/commands/T0001/1/x`, { text: 'x' }));
    const garbage = await failure(slack().respond('not a url', { text: 'x' }));

    // Assess
    expect(plain.name).toBe('Slack.invalid_response_url');
    expect(other.name).toBe('Slack.invalid_response_url');
    expect(garbage.name).toBe('Slack.invalid_response_url');
    expect(received).toHaveLength(0);
  });
});
