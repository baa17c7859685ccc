import * as z from 'zod';
import { Integration } from '#adapters/integration-keys';
import { Alert } from '#core/alerts';
import { RolesBody } from '#core/incident-roles';
import { ManualIncident } from '#core/manual';
import { Incident, TimelineEntry } from '#core/model';
import { PatchRequest } from '#core/patch';
import { RunbookRun } from '#core/runbook-run';
import { ListQuery, MergeBody, NoteBody, PageQuery, ResolveBody } from './incident-routes';
import { NoBody } from './input';
import { CreateKeyBody } from './integration-routes';
import { metricsPaths } from './openapi-metrics';
import { oncallPaths } from './openapi-oncall';
import { problemPaths } from './openapi-problems';
import { reviewPaths } from './openapi-reviews';
import { slackPaths } from './openapi-slack';
import { statusPaths } from './openapi-status';
import { StatusUpdate } from './paging';
import { BoundRunbook } from './runbook-commands';
import { DecisionBody, RunRunbookBody } from './runbook-routes';

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
const IncidentPage = z.object({ items: z.array(Incident), nextCursor: z.string().optional() });
const TimelinePage = z.object({ items: z.array(TimelineEntry), nextCursor: z.string().optional() });
const AlertPage = z.object({ items: z.array(Alert), nextCursor: z.string().optional() });
const MergeAnswer = z.object({
  incident: Incident.describe('The merged incident: resolved, `mergedInto` set, its alerts moved'),
  into: Incident.describe('The incident it was merged into, with its alerts and the higher priority'),
});
const CreatedKey = z.object({ integration: Integration, key: z.string() });
const IntegrationList = z.object({ items: z.array(Integration) });
const RunbookList = z.object({ runbooks: z.array(BoundRunbook) });
/** A run as the API answers it: the reply URL of a Slack command that asked for it is never given out. */
const PublicRun = RunbookRun.omit({ replyTo: true });
const RunList = z.object({ runs: z.array(PublicRun) });
const RunAnswer = z.object({ run: PublicRun });

/** The rule every write route's body follows, and its one exception; the README says the same. */
const UNKNOWN_FIELDS =
  'Write routes refuse a field they do not know: 400 invalid_request whose `field` names it (a nested one by ' +
  'its dotted path), so a misspelt field is never silently dropped; a route without a body accepts none or `{}`. ' +
  'The exception is the webhooks (`/v2/enqueue`, `/integrations/alertmanager`): they accept the sender’s ' +
  'documented format and ignore fields Firebreak does not use, because senders add fields over time and ' +
  'refusing them would drop real alerts. The acknowledgement-link pages (`/ack/{token}`) are HTML for a ' +
  'person’s browser, not JSON: their POST reads no body. Slack’s request URLs (`/integrations/slack/…`) take ' +
  'Slack’s signed form posts as Slack sends them, ignoring the many fields Firebreak does not use.';
const SENDER_FORMAT = {
  type: 'object',
  additionalProperties: true,
  description: 'The sender’s format; fields Firebreak does not use are ignored, not refused',
};

export const schema = (type: z.ZodType) =>
  z.toJSONSchema(type, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
export const json = (type: z.ZodType) => ({ content: { 'application/json': { schema: schema(type) } } });
export const errors = {
  '400': { description: 'Invalid request; `error.field` names the field', ...json(ErrorBody) },
  '401': { description: 'Missing or invalid credentials', ...json(ErrorBody) },
  '403': { description: 'The token lacks the scope', ...json(ErrorBody) },
  '404': { description: 'No such incident', ...json(ErrorBody) },
  '409': { description: 'Illegal transition, or a concurrent change won', ...json(ErrorBody) },
  '413': { description: 'Body larger than 512 KB', ...json(ErrorBody) },
  '415': { description: 'Body is not application/json', ...json(ErrorBody) },
};
export const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^INC-\\d{8}-\\d{4,}$' },
};
export const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Makes a retried write a no-op (default: the request id)',
  schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' },
};

export function queryParameters(type: z.ZodObject) {
  const object = schema(type) as { properties?: Record<string, unknown> };
  return Object.entries(object.properties ?? {}).map(([name, value]) => ({
    name,
    in: 'query',
    required: false,
    schema: value,
  }));
}

/** A route's body: `required` unless the route takes none (then only nothing or `{}`). */
export function requestBody(body?: z.ZodType) {
  return body
    ? { required: true, ...json(body) }
    : { required: false, description: 'None, or `{}`: the route takes no fields', ...json(NoBody) };
}

const runIdParameter = {
  name: 'runId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,79}$' },
};

/** Approve or reject a run awaiting approval. */
function decision(verb: 'Approve' | 'Reject', description: string) {
  return {
    summary: `${verb} a runbook run that awaits approval`,
    description,
    security: [{ jwt: ['incidents:write'] }],
    parameters: [idParameter, runIdParameter],
    requestBody: { required: false, ...json(DecisionBody) },
    responses: {
      '200': { description: 'The run after the decision', ...json(RunAnswer) },
      ...errors,
      '404': { description: 'No such incident, or no such run on it', ...json(ErrorBody) },
      '409': {
        description: 'The run does not await approval (the message names its state)',
        ...json(ErrorBody),
      },
    },
  };
}

/** An HTML page for a person's browser, with the status that goes with it. */
const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

/** The acknowledgement-link pages: the token in the path is the credential (no JWT). */
function ackLinkPaths() {
  const token = {
    name: 'token',
    in: 'path',
    required: true,
    description: 'The signed token from the link in a page (full or SMS form)',
    schema: { type: 'string', pattern: '^[0-9]\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', maxLength: 512 },
  };
  const refusals = {
    '404': html('Not a valid link (malformed, or not signed by this deployment), or no such incident'),
    '409': html('The incident is resolved or closed: nothing to acknowledge'),
    '410': html('The link has expired'),
  };
  return {
    get: {
      summary: 'The page an acknowledgement link opens: the incident and an Acknowledge button',
      description:
        'Changes nothing (mail scanners and link previews fetch links): only the button’s POST acknowledges.',
      security: [],
      parameters: [token],
      responses: {
        '200': html(
          'The incident (id, title, priority, status) and the button, or who acknowledged it already',
        ),
        ...refusals,
      },
    },
    post: {
      summary: 'Acknowledge the incident as the person the link was signed for (actor `person:<id>`)',
      description:
        'The page’s form posts here; the body (a form, possibly empty) is not read. Acknowledging again is ' +
        'harmless: 200 with who acknowledged it and when.',
      security: [],
      parameters: [token],
      responses: {
        '200': html('Acknowledged now, or already acknowledged (by whom, when)'),
        ...refusals,
      },
    },
  };
}

function command(summary: string, scope: string, body?: z.ZodType, answer: z.ZodType = Incident) {
  return {
    summary,
    security: [{ jwt: [scope] }],
    parameters: [idParameter, idempotencyKey],
    requestBody: requestBody(body),
    responses: { '200': { description: 'The incident after the change', ...json(answer) }, ...errors },
  };
}

/** The OpenAPI 3.1 document of the incident API, generated from the zod schemas the handlers parse with. */
export function openApiDocument(serverUrl?: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Firebreak incident API',
      version: '1.0.0',
      description:
        'Incidents for dashboards, chat tools and integrations. Errors are {"error": {"code", "message", "field"}}. ' +
        UNKNOWN_FIELDS,
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: {
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        integrationKey: { type: 'http', scheme: 'bearer', description: 'An integration key (Alertmanager)' },
      },
    },
    paths: {
      ...oncallPaths(),
      ...metricsPaths(),
      ...problemPaths(),
      ...reviewPaths(),
      ...slackPaths(),
      ...statusPaths(),
      '/incidents': {
        get: {
          summary: 'List incidents, newest first',
          security: [{ jwt: ['incidents:read'] }],
          parameters: queryParameters(ListQuery),
          responses: { '200': { description: 'A page of incidents', ...json(IncidentPage) }, ...errors },
        },
        post: {
          summary: 'Report an incident; priority comes from the matrix',
          security: [{ jwt: ['incidents:write'] }],
          parameters: [idempotencyKey],
          requestBody: requestBody(ManualIncident),
          responses: { '201': { description: 'The incident', ...json(Incident) }, ...errors },
        },
      },
      '/incidents/{id}': {
        get: {
          summary: 'One incident',
          security: [{ jwt: ['incidents:read'] }],
          parameters: [idParameter],
          responses: { '200': { description: 'The incident', ...json(Incident) }, ...errors },
        },
        patch: {
          ...command(
            'Change priority, impact, urgency, assignee, category or title',
            'incidents:write',
            PatchRequest,
          ),
          parameters: [
            idParameter,
            {
              name: 'If-Match',
              in: 'header',
              required: false,
              schema: { type: 'string' },
              description: 'The version',
            },
          ],
        },
      },
      '/incidents/{id}/roles': {
        put: {
          ...command('Give the response roles to people, or take them back', 'incidents:write', RolesBody),
          description:
            'Each role (`commander`, `techLead`, `commsLead`, `scribe`) is a person id (`/people/{id}`) to give ' +
            'it to, `null` to leave it to nobody, or absent to keep its holder; at least one must be given. ' +
            'The change is one timeline entry (kind `updated`, details `roles` and `changes`); a body that ' +
            'changes nothing (a retry) writes nothing. The roles are named in stakeholder updates. 400 names ' +
            'the role whose person does not exist; a closed incident answers 409.',
        },
      },
      '/incidents/{id}/timeline': {
        get: {
          summary: 'The timeline, oldest first',
          security: [{ jwt: ['incidents:read'] }],
          parameters: [idParameter, ...queryParameters(PageQuery)],
          responses: { '200': { description: 'A page of entries', ...json(TimelinePage) }, ...errors },
        },
      },
      '/incidents/{id}/alerts': {
        get: {
          summary: 'The alerts: first those that left it (`movedTo` when merged away), then the live ones',
          description:
            'An alert is one dedup key (alarm ARN, finding id, PagerDuty `dedup_key`, Alertmanager fingerprint) ' +
            'with its state, when it first and last fired, how often, its source, priority and latest details.',
          security: [{ jwt: ['incidents:read'] }],
          parameters: [idParameter, ...queryParameters(PageQuery)],
          responses: { '200': { description: 'A page of alerts', ...json(AlertPage) }, ...errors },
        },
      },
      '/incidents/{id}/merge': {
        post: {
          summary: 'Merge this incident into another: one problem, one incident',
          description:
            'Moves the alerts (and groups) of `{id}` to `into`, which takes the higher priority; resolves `{id}` ' +
            'as merged (a timeline entry on both) and ends its lifecycle. Repeating a merge that was done ' +
            'answers 200 with the same two incidents. 404 names (`field`) which incident does not exist; 409 ' +
            'which one cannot take part (not open, or being merged elsewhere) or a merge into itself.',
          security: [{ jwt: ['incidents:write'] }],
          parameters: [idParameter],
          requestBody: requestBody(MergeBody),
          responses: {
            '200': { description: 'Both incidents after the merge', ...json(MergeAnswer) },
            ...errors,
            '404': { description: 'No such incident: `{id}` or `into`', ...json(ErrorBody) },
          },
        },
      },
      '/incidents/{id}/acknowledge': { post: command('Acknowledge: paging stops', 'incidents:write') },
      '/incidents/{id}/resolve': { post: command('Resolve', 'incidents:write', ResolveBody) },
      '/incidents/{id}/close': { post: command('Close a resolved incident', 'incidents:write') },
      '/incidents/{id}/escalate': { post: command('Page the next level now', 'incidents:write') },
      '/incidents/{id}/updates': {
        post: {
          ...command('Send a status update to the stakeholders', 'incidents:write', StatusUpdate),
          description:
            'With `"public": true` the update is also shown on the public status page (`GET /status`): its ' +
            'phase, time and message, verbatim, to anyone. Have a person read the message with that in mind.',
        },
      },
      '/incidents/{id}/notes': {
        post: {
          ...command('Add a note to the timeline', 'incidents:write', NoteBody, TimelineEntry),
          responses: { '201': { description: 'The entry', ...json(TimelineEntry) }, ...errors },
        },
      },
      '/runbooks': {
        get: {
          summary: 'The bound runbooks: name, kind, mode, SSM document and version',
          security: [{ jwt: ['incidents:read'] }],
          responses: { '200': { description: 'Every binding, by name', ...json(RunbookList) }, ...errors },
        },
      },
      '/incidents/{id}/runbooks': {
        get: {
          summary: 'The runbook runs of an incident, oldest first',
          description:
            'Each run with its state, binding, kind, mode, document and version, parameters, steps and outputs, ' +
            'who asked for it and who approved or rejected it (and why), and its times.',
          security: [{ jwt: ['incidents:read'] }],
          parameters: [idParameter],
          responses: { '200': { description: 'The runs', ...json(RunList) }, ...errors },
        },
        post: {
          summary: 'Run a bound runbook on an open incident, for the alert that opened it',
          description:
            'A diagnostic runs at once; a remediation follows its mode (approval: it waits for ' +
            '`/approve`). A name that is not bound is refused with 400 naming it and recorded on the ' +
            'timeline; an incident that is not open answers 409. The same Idempotency-Key names the same run.',
          security: [{ jwt: ['incidents:write'] }],
          parameters: [idParameter, idempotencyKey],
          requestBody: requestBody(RunRunbookBody),
          responses: { '202': { description: 'The run, as it starts', ...json(RunAnswer) }, ...errors },
        },
      },
      '/incidents/{id}/runbooks/{runId}/approve': {
        post: decision(
          'Approve',
          'The remediation starts. Approving it again answers 200 with the run; a rejected run, or one ' +
            'that does not await approval, answers 409.',
        ),
      },
      '/incidents/{id}/runbooks/{runId}/reject': {
        post: decision(
          'Reject',
          'The remediation does not run. Rejecting it again answers 200 with the run; an approved run, ' +
            'or one that does not await approval, answers 409.',
        ),
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [{ jwt: ['incidents:read'] }],
          responses: { '200': { description: 'The OpenAPI 3.1 document' }, ...errors },
        },
      },
      '/v2/enqueue': {
        post: {
          summary:
            'PagerDuty Events API v2 compatible: trigger, acknowledge, resolve (routing_key = integration key)',
          description: 'Accepts PagerDuty’s Events API v2 format: fields Firebreak does not use are ignored.',
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: SENDER_FORMAT } } },
          responses: { '202': { description: 'Event processed' }, '400': { description: 'invalid event' } },
        },
      },
      '/integrations/alertmanager': {
        post: {
          summary: 'Prometheus Alertmanager webhook (version 4); bearer integration key',
          description:
            'Accepts Alertmanager’s webhook format: fields Firebreak does not use (e.g. `truncatedAlerts`) are ignored.',
          security: [{ integrationKey: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: SENDER_FORMAT } } },
          responses: {
            '200': { description: 'Outcome per alert' },
            '400': { description: 'Invalid payload' },
          },
        },
      },
      '/ack/{token}': ackLinkPaths(),
      '/integrations/keys': {
        post: {
          summary: 'Create an integration key; the key is in this answer only',
          security: [{ jwt: ['admin'] }],
          requestBody: requestBody(CreateKeyBody),
          responses: {
            '201': { description: 'The integration and its key', ...json(CreatedKey) },
            ...errors,
          },
        },
        get: {
          summary: 'List integrations (never their keys)',
          security: [{ jwt: ['admin'] }],
          responses: { '200': { description: 'Every integration', ...json(IntegrationList) }, ...errors },
        },
      },
      '/integrations/keys/{id}': {
        delete: {
          summary: 'Revoke an integration key; revoking it again is fine',
          security: [{ jwt: ['admin'] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: requestBody(),
          responses: {
            '200': { description: 'The revoked integration', ...json(Integration) },
            ...errors,
            '404': { description: 'No such integration', ...json(ErrorBody) },
          },
        },
      },
    },
  };
}
