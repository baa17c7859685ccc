import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  postReply,
  ReplyFailed,
  ReplyRefused,
  ResponseUrlPoster,
  responseUrlSchema,
  SLACK_RESPONSE_URL_BASE,
} from '#adapters/response-url';

/**
 * postReply against a real HTTP server on 127.0.0.1 playing Slack's response_url (the allowed base is
 * overridden to reach it), and its refusal of every URL outside Slack's base, before anything is sent.
 */

interface Received {
  method: string;
  path: string;
  contentType: string;
  body: unknown;
}

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let base: string;
let received: Received[];
let answer: Answer;

beforeEach(async () => {
  received = [];
  answer = (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: body ? JSON.parse(body) : undefined,
      });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  // A request held open (the timeout case) must not keep the server alive.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const reply = {
  response_type: 'in_channel' as const,
  text: 'Diagnostic describe-web on INC-20261127-0001 finished.',
};
const SECRET_PATH = 'commands/T0001/1234567890/s3cr3tT0k3n';

describe('postReply to a response_url', () => {
  it('POSTs the reply as JSON to the URL, and resolves when Slack answers ok', async () => {
    // Act
    await postReply(`${base}${SECRET_PATH}`, reply, { allowedBase: base });

    // Assess
    expect(received).toEqual([
      {
        method: 'POST',
        path: `/${SECRET_PATH}`,
        contentType: 'application/json; charset=utf-8',
        body: reply,
      },
    ]);
  });

  it("fails with Slack's refusal named, never the URL's secret path", async () => {
    // Prepare: the URL was used up or is older than 30 minutes.
    answer = (_request, response) => response.writeHead(404).end('expired_url');

    // Act
    const failure = await postReply(`${base}${SECRET_PATH}`, reply, { allowedBase: base }).catch((e) => e);

    // Assess
    expect(failure).toBeInstanceOf(ReplyFailed);
    expect(failure.name).toBe('Reply.Failed');
    expect(failure.message).toBe('the reply to the response_url failed: HTTP 404: expired_url');
    expect(failure.message).not.toContain('s3cr3tT0k3n');
  });

  it('gives up when no answer comes within the timeout', async () => {
    // Prepare: the server takes the request and never answers.
    answer = () => undefined;

    // Act
    const failure = await postReply(`${base}${SECRET_PATH}`, reply, {
      allowedBase: base,
      timeoutMs: 50,
    }).catch((e) => e);

    // Assess
    expect(failure).toBeInstanceOf(ReplyFailed);
    expect(failure.message).toBe('the reply to the response_url failed: no answer within 50 ms');
  });

  it('does not follow a redirect, which could lead anywhere', async () => {
    // Prepare
    answer = (_request, response) => response.writeHead(302, { location: `${base}elsewhere` }).end();

    // Act
    const failure = await postReply(`${base}${SECRET_PATH}`, reply, { allowedBase: base }).catch((e) => e);

    // Assess
    expect(failure.message).toBe('the reply to the response_url failed: HTTP 302');
    expect(received.map((r) => r.path)).toEqual([`/${SECRET_PATH}`]);
  });

  it('fails naming the host only when nothing listens there', async () => {
    // Prepare: a port that was just free.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const failure = await postReply(`${free}${SECRET_PATH}`, reply, { allowedBase: free }).catch((e) => e);

    // Assess
    expect(failure).toBeInstanceOf(ReplyFailed);
    expect(failure.message).toBe(
      `the reply to the response_url failed: could not reach ${free.slice(0, -1)} (ECONNREFUSED)`,
    );
  });

  it('posts through ResponseUrlPoster, the runbook function’s ReplyPoster, with its options', async () => {
    await new ResponseUrlPoster({ allowedBase: base }).respond(`${base}${SECRET_PATH}`, reply);

    expect(received.map((r) => r.body)).toEqual([reply]);
  });
});

describe('postReply refuses URLs outside Slack’s base', () => {
  const refusals: Array<[string, string]> = [
    ['http://hooks.slack.com/commands/T1/2/x', 'http://hooks.slack.com'],
    ['https://hooks.slack.com.evil.example/commands/T1/2/x', 'https://hooks.slack.com.evil.example'],
    ['https://evil.example/https://hooks.slack.com/commands/T1/2/x', 'https://evil.example'],
    ['https://user:pass@hooks.slack.com/commands/T1/2/x', 'https://hooks.slack.com'],
    ['https://hooks.slack.com:8443/commands/T1/2/x', 'https://hooks.slack.com:8443'],
    ['https://hooks.slack.com/', 'https://hooks.slack.com'],
    ['https://127.0.0.1/commands/T1/2/x', 'https://127.0.0.1'],
  ];

  it.each(refusals)('refuses %s before sending anything, naming the allowed base', async (url, origin) => {
    // Prepare
    const fetch = vi.fn<typeof globalThis.fetch>();

    // Act
    const refusal = await postReply(url, reply, { fetch }).catch((e) => e);

    // Assess
    expect(refusal).toBeInstanceOf(ReplyRefused);
    expect(refusal.name).toBe('Reply.Refused');
    expect(refusal.message).toBe(
      `refused to post a reply: the response_url must be under https://hooks.slack.com/ (got ${origin})`,
    );
    expect(refusal.message).not.toContain('/commands/');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refuses what is not a URL', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();

    await expect(postReply('hooks.slack.com/commands/T1/2/x', reply, { fetch })).rejects.toThrow(
      'refused to post a reply: the response_url is not a URL',
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refuses the local server without the override: nothing reaches it', async () => {
    await expect(postReply(`${base}${SECRET_PATH}`, reply)).rejects.toBeInstanceOf(ReplyRefused);

    expect(received).toEqual([]);
  });

  it("posts to Slack's own response_urls by default", async () => {
    // Prepare
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response('ok', { status: 200 }));
    const url = 'https://hooks.slack.com/commands/T0001/1234567890/s3cr3tT0k3n';

    // Act
    await postReply(url, reply, { fetch });

    // Assess
    expect(SLACK_RESPONSE_URL_BASE).toBe('https://hooks.slack.com/');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toBe(url);
    expect(fetch.mock.calls[0]?.[1]).toMatchObject({
      method: 'POST',
      redirect: 'manual',
      body: JSON.stringify(reply),
    });
  });

  it('takes only a base that is a URL ending with /', () => {
    expect(() => responseUrlSchema('https://hooks.slack.com')).toThrow(/must be a URL ending with \//);
    expect(() => responseUrlSchema('hooks.slack.com/')).toThrow(/must be a URL ending with \//);
  });
});
