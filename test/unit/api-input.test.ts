import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../../lambdas/api/errors';
import { ResolveBody } from '../../lambdas/api/incident-routes';
import { invalidRequest, NoBody, parseInput } from '../../lambdas/api/input';
import { createRouter } from '../../lambdas/api/router';

const Nested = z.strictObject({
  title: z.string(),
  links: z.strictObject({ runbook: z.string().optional(), dashboard: z.string().optional() }).optional(),
});

/** The ApiError parseInput throws for `input`, as the router would answer it. */
function refusal(schema: z.ZodType, input: unknown) {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof ApiError)
      return { status: error.status, code: error.code, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('parsed without an error');
}

describe('parseInput: unknown keys are named by their own path', () => {
  it('names a top-level key and lists what the route accepts', () => {
    expect(refusal(ResolveBody, { resolution: 'rolled back', by: 'a' })).toEqual({
      status: 400,
      code: 'invalid_request',
      field: 'by',
      message: 'by: unknown field; this route accepts resolution, rootCause',
    });
  });

  it('names a nested key by its dotted path and lists what that object accepts', () => {
    expect(refusal(Nested, { title: 't', links: { runbook: 'r', wiki: 'w' } })).toEqual({
      status: 400,
      code: 'invalid_request',
      field: 'links.wiki',
      message: 'links.wiki: unknown field; links accepts runbook, dashboard',
    });
  });

  it('names the first of several unknown keys as the field and all of them in the message', () => {
    expect(refusal(Nested, { title: 't', tags: [], owner: 'x' })).toMatchObject({
      field: 'tags',
      message: 'tags, owner: unknown fields; this route accepts title, links',
    });
  });

  it('prefers the unknown key to the required field it misspells', () => {
    expect(refusal(ResolveBody, { resolutoin: 'rolled back' })).toMatchObject({ field: 'resolutoin' });
  });

  it('reads a missing body as {}; a route without a body takes nothing or {} and refuses any key', () => {
    expect(parseInput(NoBody, undefined)).toEqual({});
    expect(parseInput(NoBody, {})).toEqual({});
    expect(refusal(NoBody, { by: 'a' })).toMatchObject({
      field: 'by',
      message: 'by: unknown field; this route accepts no fields',
    });
  });

  it('keeps other issues as they were: the field is the path, the whole body when there is none', () => {
    expect(refusal(ResolveBody, { resolution: '' })).toMatchObject({ field: 'resolution' });
    expect(refusal(ResolveBody, 'rolled back')).toMatchObject({ field: 'body' });
  });
});

describe('invalidRequest: the one mapping, also for a zod error no route message was set on', () => {
  it('names the unknown key of a plain zod error', () => {
    const result = Nested.safeParse({ title: 't', links: { wiki: 'w' } });
    if (result.success) throw new Error('expected a failure');

    const error = invalidRequest(result.error);

    expect([error.status, error.code, error.field]).toEqual([400, 'invalid_request', 'links.wiki']);
    expect(error.message).toMatch(/^links\.wiki: /);
  });

  it('is what the router answers when a handler parsed with zod itself', async () => {
    const route = createRouter(
      {
        'POST /things': {
          scope: 'none',
          handler: async (request) => ({ status: 200, body: Nested.parse(request.body) }),
        },
      },
      { scopePrefix: '', logger: new Logger({ logLevel: 'SILENT' }), clock: () => new Date(0) },
    );
    const event = {
      routeKey: 'POST /things',
      rawPath: '/things',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 't', links: { wiki: 'w' } }),
      isBase64Encoded: false,
      requestContext: { requestId: 'req-1', http: { method: 'POST' } },
    };

    const answer = await route(event as never);

    expect(answer).toMatchObject({ statusCode: 400 });
    expect(JSON.parse(String((answer as { body?: string }).body))).toMatchObject({
      error: { code: 'invalid_request', field: 'links.wiki' },
    });
  });
});
