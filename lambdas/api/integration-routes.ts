import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import {
  INTEGRATION_KEY_LENGTH,
  INTEGRATION_KINDS,
  type Integration,
  type IntegrationKeys,
  type IntegrationKind,
} from '#adapters/integration-keys';
import type { Signal } from '#core/model';
import { normalizeAlertmanagerWebhook } from '#core/sources/alertmanager';
import { normalizePagerDutyEvent } from '#core/sources/pagerduty';
import { parseAt } from '#core/sources/parse';
import { type ApplySignalDeps, applySignal, type SignalOutcome } from '../ingest/apply-signal';
import { ApiError } from './errors';
import type { ApiRequest, ApiResponse, Routes } from './http';
import { NoBody, parseInput } from './input';

export interface IntegrationRouteDeps {
  keys: IntegrationKeys;
  ingest: Omit<ApplySignalDeps, 'clock'> & { clock: () => Date };
  /** A key for a PagerDuty trigger that brings none; PagerDuty answers with the one it generated. */
  newDedupKey: () => string;
  /** New integration keys; tests pass a deterministic one. */
  newKey?: () => string;
}

const randomIntegrationKey = () => randomBytes(INTEGRATION_KEY_LENGTH / 2).toString('hex');

export const CreateKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(INTEGRATION_KINDS),
});

const INTEGRATION_ID = /^int-[0-9a-f]{12}$/;

/** Only the routing key is read before the integration is known; the normalizer checks the rest. */
const RoutingKeyEnvelope = z.object({ routing_key: z.string() });

/**
 * The integration routes. `/v2/enqueue` and `/integrations/alertmanager` are `scope: 'none'` for the
 * router: senders present an integration key instead of a JWT, and the handlers check it themselves.
 * They are also the exception to the API's unknown-field rule: they take the sender's documented format and
 * ignore fields Firebreak does not use, because senders add fields over time (Alertmanager added
 * `truncatedAlerts`) and refusing them would drop real alerts. The key routes refuse unknown fields.
 * A store failure is thrown, never answered as success: the router turns it into a 5xx, which both
 * Alertmanager and PagerDuty senders retry, and the deterministic event ids make the retry safe.
 */
export function createIntegrationRoutes(deps: IntegrationRouteDeps): Routes {
  return {
    'POST /v2/enqueue': { scope: 'none', handler: (request) => enqueue(deps, request) },
    'POST /integrations/alertmanager': { scope: 'none', handler: (request) => alertmanager(deps, request) },
    'POST /integrations/keys': { scope: 'admin', handler: (request) => createKey(deps, request) },
    'GET /integrations/keys': {
      scope: 'admin',
      handler: async () => ({ status: 200, body: { items: await deps.keys.list() } }),
    },
    'DELETE /integrations/keys/{id}': { scope: 'admin', handler: (request) => revokeKey(deps, request) },
  };
}

/** PagerDuty's own 400 shape: senders written for PagerDuty read `errors`, not the API's error object. */
function invalidEvent(error: string): ApiResponse {
  return {
    status: 400,
    body: { status: 'invalid event', message: 'Event object is invalid', errors: [error] },
  };
}

/**
 * Events API v2. An unknown, revoked or non-PagerDuty routing key is a 400 "Invalid routing key", as
 * PagerDuty answers it (not 401): senders treat a 4xx as final and do not retry, and the body says why.
 */
async function enqueue(deps: IntegrationRouteDeps, request: ApiRequest): Promise<ApiResponse> {
  const envelope = parseAt(RoutingKeyEnvelope, request.body);
  if (!envelope.ok) return invalidEvent(envelope.rejection.reason);
  const routingKey = envelope.value.routing_key;
  // The length is no secret (PagerDuty names it too); the key itself is never echoed.
  if (routingKey.length !== INTEGRATION_KEY_LENGTH) {
    return invalidEvent(
      `routing_key: must be ${INTEGRATION_KEY_LENGTH} characters long, got ${routingKey.length}`,
    );
  }
  const integration = await authenticate(deps, routingKey, 'pagerduty');
  if (!integration) return invalidEvent('Invalid routing key');

  const result = normalizePagerDutyEvent(request.body, {
    integration: { id: integration.integrationId, name: integration.name },
    receivedAt: request.receivedAt,
    requestId: request.requestId,
    newDedupKey: deps.newDedupKey,
  });
  if (result.kind === 'rejected') return invalidEvent(result.rejection.reason);
  await applyAll(deps, result.signals);
  // PagerDuty answers 202 for an acknowledge or resolve of an unknown key too: the event was processed.
  return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: result.dedupKey } };
}

/** Alertmanager's `http_config.authorization` sends `Authorization: Bearer <credentials>`. */
const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

async function alertmanager(deps: IntegrationRouteDeps, request: ApiRequest): Promise<ApiResponse> {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined) {
    throw new ApiError(
      401,
      'unauthorized',
      'send the integration key as a bearer token (Authorization: Bearer <key>)',
    );
  }
  const integration = await authenticate(deps, token, 'alertmanager');
  // One answer for unknown, revoked and wrong-kind keys: which one it is helps only someone guessing.
  if (!integration)
    throw new ApiError(401, 'unauthorized', 'the bearer token is not a valid Alertmanager integration key');

  const result = normalizeAlertmanagerWebhook(request.body, {
    integration: { id: integration.integrationId, name: integration.name },
    receivedAt: request.receivedAt,
  });
  if (result.kind === 'rejected') {
    throw new ApiError(400, 'invalid_request', result.rejection.reason, result.rejection.field ?? 'body');
  }
  const outcomes = await applyAll(deps, result.signals);
  const results = result.signals.map((signal, index) => describeOutcome(signal, outcomes[index]));
  return { status: 200, body: { results, rejected: result.rejected } };
}

function describeOutcome(signal: Signal, outcome: SignalOutcome | undefined) {
  const incidentId = outcome && 'incidentId' in outcome ? outcome.incidentId : undefined;
  return {
    fingerprint: signal.source.ref,
    outcome: outcome?.outcome ?? 'ignored',
    ...(incidentId ? { incidentId } : {}),
  };
}

/** The integration of `kind` a presented key belongs to; a key of another kind does not authenticate. */
async function authenticate(
  deps: IntegrationRouteDeps,
  key: string,
  kind: IntegrationKind,
): Promise<Integration | undefined> {
  const integration = await deps.keys.findByKey(key);
  return integration?.kind === kind || integration?.kind === 'any' ? integration : undefined;
}

/** One at a time, in the sender's order: a failure part way stops there and the retry completes the rest. */
async function applyAll(deps: IntegrationRouteDeps, signals: Signal[]): Promise<SignalOutcome[]> {
  const outcomes: SignalOutcome[] = [];
  for (const signal of signals) outcomes.push(await applySignal(deps.ingest, signal));
  return outcomes;
}

async function createKey(deps: IntegrationRouteDeps, request: ApiRequest): Promise<ApiResponse> {
  const body = parseInput(CreateKeyBody, request.body);
  const created = await deps.keys.create(
    { ...body, createdBy: request.principal.id },
    deps.ingest.clock(),
    deps.newKey ?? randomIntegrationKey,
  );
  // The key is in this answer and nowhere else: no cache may keep a copy.
  return { status: 201, body: created, headers: { 'cache-control': 'no-store' } };
}

async function revokeKey(deps: IntegrationRouteDeps, request: ApiRequest): Promise<ApiResponse> {
  parseInput(NoBody, request.body);
  const id = request.pathParameters.id ?? '';
  // Anything not shaped like an id is unknown without a read (and an empty or huge key would not be one).
  const revoked = INTEGRATION_ID.test(id)
    ? await deps.keys.revoke(id, request.principal.id, deps.ingest.clock())
    : undefined;
  if (!revoked) throw new ApiError(404, 'not_found', `integration ${id} does not exist`);
  return { status: 200, body: revoked };
}
