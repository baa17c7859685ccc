import { readFileSync } from 'node:fs';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LAMBDA_CONTEXT } from '../support/ingest-handler';

/** The repository's V2_0 event: a member of firebreak-viewers signing in with the web client's scopes. */
function viewerEvent(): PreTokenGenerationV2TriggerEvent {
  return JSON.parse(
    readFileSync(new URL('../fixtures/cognito/pre-token-generation-v2-viewer.json', import.meta.url), 'utf8'),
  ) as PreTokenGenerationV2TriggerEvent;
}

type Handler = (event: unknown) => Promise<unknown>;

describe('pre token generation handler (V2_0)', () => {
  let invoke: Handler;

  beforeAll(async () => {
    vi.stubEnv('SCOPE_PREFIX', 'firebreak/');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const module = await import('../../lambdas/auth/pre-token-handler');
    invoke = (event) => module.handler(event, LAMBDA_CONTEXT) as Promise<unknown>;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('suppresses the write and admin scopes in the access token of a viewer, and returns the rest of the event', async () => {
    // Prepare
    const event = viewerEvent();

    // Act
    const result = (await invoke(event)) as PreTokenGenerationV2TriggerEvent;

    // Assess
    expect(result.response).toEqual({
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: { scopesToSuppress: ['firebreak/incidents:write', 'firebreak/admin'] },
      },
    });
    expect({ ...result, response: event.response }).toEqual(event);
  });

  it('changes nothing for a member of other groups only', async () => {
    // Prepare
    const event = viewerEvent();
    event.request.groupConfiguration.groupsToOverride = ['on-call'];

    // Act
    const result = await invoke(structuredClone(event));

    // Assess
    expect(result).toEqual(event);
  });

  it.each([
    ['an empty list', { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null }],
    ['no list', { iamRolesToOverride: [] }],
    ['null groups', { groupsToOverride: null, iamRolesToOverride: null, preferredRole: null }],
  ])('changes nothing for a user in no group (%s)', async (_, groupConfiguration) => {
    // Prepare
    const event = { ...viewerEvent(), request: { ...viewerEvent().request, groupConfiguration } };

    // Act
    const result = await invoke(structuredClone(event));

    // Assess
    expect(result).toEqual(event);
  });

  it('suppresses every write scope for a viewer whose event names no scopes (no OAuth sign-in)', async () => {
    // Prepare
    const event = viewerEvent();
    event.triggerSource = 'TokenGeneration_RefreshTokens';
    delete event.request.scopes;

    // Act
    const result = (await invoke(event)) as PreTokenGenerationV2TriggerEvent;

    // Assess
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToSuppress).toEqual([
      'firebreak/incidents:write',
      'firebreak/admin',
    ]);
  });

  it.each([
    ['no request', (event: Record<string, unknown>) => delete event.request, /request/],
    [
      'groups that are not a list',
      (event: Record<string, unknown>) => {
        (event.request as Record<string, unknown>).groupConfiguration = {
          groupsToOverride: 'firebreak-viewers',
        };
      },
      /request\.groupConfiguration\.groupsToOverride/,
    ],
    [
      'scopes that are not a list',
      (event: Record<string, unknown>) => {
        (event.request as Record<string, unknown>).scopes = 'firebreak/incidents:write';
      },
      /request\.scopes/,
    ],
    [
      'another trigger',
      (event: Record<string, unknown>) => (event.triggerSource = 'PreSignUp_SignUp'),
      /triggerSource/,
    ],
  ])('fails the sign-in on an event it cannot read (%s), granting nothing', async (_, spoil, message) => {
    // Prepare
    const event = viewerEvent() as unknown as Record<string, unknown>;
    spoil(event);

    // Act and assess
    await expect(invoke(event)).rejects.toThrow(message);
    await expect(invoke(event)).rejects.toThrow(/pre token generation event is malformed/);
  });

  it('fails on something that is not an event at all', async () => {
    // Act and assess
    await expect(invoke('TokenGeneration_HostedAuth')).rejects.toThrow(
      /pre token generation event is malformed: event:/,
    );
  });
});

describe('pre token generation handler configuration', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('refuses to start without the scope prefix, naming the variable', async () => {
    // Prepare
    vi.resetModules();
    vi.stubEnv('SCOPE_PREFIX', '');

    // Act and assess
    await expect(import('../../lambdas/auth/pre-token-handler')).rejects.toThrow(
      /pre token generation configuration is invalid: SCOPE_PREFIX: must be the scope prefix/,
    );
  });
});
