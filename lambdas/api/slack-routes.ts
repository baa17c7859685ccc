import * as z from 'zod';
import type { Incident } from '#core/model';
import { type SlackAction, SlackActionPayload, slackActions } from '#core/slack-actions';
import { formFields, parseSlackCommand, SlackCommandPayload } from '#core/slack-commands';
import { type SlackUser, slackActor } from '#core/slack-replies';
import { verifySlackRequest } from '#core/slack-signature';
import type { IncidentCommands } from './commands';
import { ApiError } from './errors';
import type { ApiRequest, ApiResponse, Routes } from './http';
import { parseInput } from './input';
import type { SlackCommandRunner } from './slack-command-runner';

/** The signing secrets Slack requests are verified with (Secrets Manager deployed, the environment locally). */
export interface SlackSigningSecrets {
  signingSecrets(): Promise<string[]>;
  /** Read again after a request failed verification: the secret may have been rotated since it was cached. */
  refreshSigningSecrets?(): Promise<string[]>;
}

/** A message Slack shows, as posted to a response_url (`replace_original` swaps the message with the buttons). */
export interface SlackReplyBody {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks?: unknown[];
}

/** Posts to a response_url: how a button click's result replaces the message that carried the button. */
export interface SlackResponder {
  respond(responseUrl: string, reply: SlackReplyBody): Promise<void>;
}

export interface SlackRouteDeps {
  secrets: SlackSigningSecrets;
  runner: SlackCommandRunner;
  commands: IncidentCommands;
  people: { list(): Promise<Parameters<typeof slackActor>[0]> };
  /** The incident as a Slack message with the buttons its state allows (none once resolved). */
  message: (incident: Incident) => { text: string; blocks: unknown[] };
  responder: SlackResponder;
  clock: () => Date;
  /** Failures of a response_url post: the click took effect all the same, so they are logged, not answered. */
  onReplyError: (error: unknown, context: Record<string, string>) => void;
}

/**
 * Slack's two request URLs. Both are `scope: 'none'` for the router: Slack signs its requests instead of
 * sending a JWT, and every request is verified here (v0 HMAC-SHA256 over the raw body with the signing
 * secret, 5 minutes either way) before any field of it is read. A request that does not verify is a 401.
 */
export function createSlackRoutes(deps: SlackRouteDeps): Routes {
  return {
    'POST /integrations/slack/commands': {
      scope: 'none',
      rawBody: true,
      handler: (request) => command(deps, request),
    },
    'POST /integrations/slack/actions': {
      scope: 'none',
      rawBody: true,
      handler: (request) => action(deps, request),
    },
  };
}

async function command(deps: SlackRouteDeps, request: ApiRequest): Promise<ApiResponse> {
  const rawBody = await verified(deps, request);
  const payload = parseInput(SlackCommandPayload, formFields(rawBody));
  const parsed = parseSlackCommand(payload.text);
  if (!parsed.ok) return { status: 200, body: { response_type: 'ephemeral', text: parsed.message } };
  const reply = await deps.runner.run({
    payload,
    command: parsed.command,
    key: payload.trigger_id ?? request.headers['x-slack-signature'] ?? request.requestId,
    receivedAt: request.receivedAt,
  });
  return { status: 200, body: reply };
}

const ActionForm = z.object({ payload: z.string({ error: 'must be the interaction payload (JSON)' }) });

/**
 * A button click. Slack wants a 200 within 3 seconds and shows nothing of the body; the message that carried
 * the button is replaced through the response_url with the incident as it is now (or, when the click was
 * refused, a note only the clicker sees is added).
 */
async function action(deps: SlackRouteDeps, request: ApiRequest): Promise<ApiResponse> {
  const rawBody = await verified(deps, request);
  const form = parseInput(ActionForm, formFields(rawBody));
  let json: unknown;
  try {
    json = JSON.parse(form.payload);
  } catch {
    throw new ApiError(400, 'invalid_request', 'payload: is not JSON', 'payload');
  }
  const payload = parseInput(SlackActionPayload, json);
  const user: SlackUser = { id: payload.user.id, name: payload.user.username ?? payload.user.name ?? '' };
  const clicks = slackActions(payload);
  if (clicks.length === 0) return { status: 200 };
  // Who clicked: read once per request, however many of Firebreak's buttons it carries.
  const { actor } = slackActor(await deps.people.list(), user);
  for (const clicked of clicks) {
    const reply = await perform(deps, clicked, user, actor);
    if (payload.response_url) {
      await deps.responder
        .respond(payload.response_url, reply)
        .catch((error: unknown) =>
          deps.onReplyError(error, { incidentId: clicked.incidentId, action: clicked.name }),
        );
    }
  }
  return { status: 200 };
}

async function perform(
  deps: SlackRouteDeps,
  clicked: SlackAction,
  user: SlackUser,
  actor: string,
): Promise<SlackReplyBody> {
  try {
    const incident =
      clicked.name === 'acknowledge'
        ? (
            await deps.commands.acknowledgeOnce(clicked.incidentId, actor, {
              via: 'slack-button',
              slackUser: user,
            })
          ).incident
        : await deps.commands.resolve(clicked.incidentId, actor, `Resolved in Slack by ${actor}`);
    return { replace_original: true, ...deps.message(incident) };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    // Refused (resolved already, closed, gone): the message stays; the clicker alone learns why.
    return { response_type: 'ephemeral', replace_original: false, text: error.message };
  }
}

/**
 * The raw body of a request that verifies against the signing secret. A bad signature is checked once more
 * against a freshly read secret (it may have just been rotated); the answer names what was wrong (missing,
 * stale, not matching), never the expected value.
 */
async function verified(deps: SlackRouteDeps, request: ApiRequest): Promise<string> {
  const rawBody = request.rawBody ?? '';
  const input = {
    timestamp: request.headers['x-slack-request-timestamp'],
    signature: request.headers['x-slack-signature'],
    rawBody,
  };
  let outcome = verifySlackRequest(input, await deps.secrets.signingSecrets(), deps.clock());
  if (!outcome.ok && outcome.reason === 'bad-signature' && deps.secrets.refreshSigningSecrets)
    outcome = verifySlackRequest(input, await deps.secrets.refreshSigningSecrets(), deps.clock());
  if (!outcome.ok)
    throw new ApiError(
      401,
      'unauthorized',
      `not a verified Slack request (${outcome.reason})`,
      'x-slack-signature',
    );
  return rawBody;
}
