import { createHash } from 'node:crypto';
import type { AckKeySource } from '#adapters/ack-key';
import type { IncidentStore } from '#adapters/incident-store';
import { type AckLinkCheck, verifyAckLink } from '#core/ack-links';
import type { Incident } from '#core/model';
import type { IncidentCommands } from './commands';
import { ApiError } from './errors';
import type { ApiRequest, ApiResponse, RouteError, Routes } from './http';
import { PAGE_STYLE } from './page-style';

export interface AckRouteDeps {
  store: Pick<IncidentStore, 'getIncident'>;
  commands: Pick<IncidentCommands, 'acknowledgeOnce'>;
  ackKeys: AckKeySource;
}

/**
 * The pages behind the links in pages to people: `GET /ack/{token}` shows the incident and a button,
 * `POST /ack/{token}` (the button) acknowledges it as the person the link was signed for. The token is the
 * credential (no JWT), and these routes answer HTML for a phone's browser, not the API's JSON.
 *
 * GET never changes anything: mail scanners and link previews fetch links. The POST reads no body (a
 * browser sends the form's, possibly empty), so neither the JSON nor the unknown-field rule applies.
 */
export function createAckRoutes(deps: AckRouteDeps): Routes {
  return {
    'GET /ack/{token}': {
      scope: 'none',
      ignoresBody: true,
      renderError: errorPage,
      handler: async (request) => {
        const link = await checkLink(deps.ackKeys, request);
        if (!link.ok) return refusedLink(link.reason);
        const incident = await deps.store.getIncident(link.incidentId);
        if (!incident) return incidentGone(link.incidentId);
        return confirmation(incident, link.personId);
      },
    },
    'POST /ack/{token}': {
      scope: 'none',
      ignoresBody: true,
      renderError: errorPage,
      handler: async (request) => {
        const link = await checkLink(deps.ackKeys, request);
        if (!link.ok) return refusedLink(link.reason);
        const actor = `person:${link.personId}`;
        try {
          const { incident, acknowledgedNow } = await deps.commands.acknowledgeOnce(link.incidentId, actor, {
            via: 'ack-link',
            link: link.form,
          });
          return acknowledgedNow ? acknowledged(incident, actor) : alreadyAcknowledged(incident, actor);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          if (error.status === 404) return incidentGone(link.incidentId);
          if (error.status !== 409) throw error;
          const incident = await deps.store.getIncident(link.incidentId);
          return incident ? notAcknowledgeable(incident) : incidentGone(link.incidentId);
        }
      },
    },
  };
}

type ValidLink = Extract<AckLinkCheck, { ok: true }>;

/**
 * Verifies the token at the request's time. A token that fails its MAC is tried once more with the keys
 * read again: the key may have been rotated since this container cached it (the source rate-limits that).
 */
async function checkLink(source: AckKeySource, request: ApiRequest): Promise<AckLinkCheck> {
  const token = request.pathParameters.token ?? '';
  const first = verifyAckLink(token, (await source.keys()).all, request.receivedAt);
  if (first.ok || first.reason !== 'bad-signature' || !source.refresh) return first;
  return verifyAckLink(token, (await source.refresh()).all, request.receivedAt);
}

function refusedLink(reason: Exclude<AckLinkCheck, ValidLink>['reason']): ApiResponse {
  if (reason === 'expired')
    return page(410, 'This link has expired', [
      'Acknowledgement links work for a limited time. Acknowledge the incident in the Firebreak console or through the API instead; a new page brings a new link.',
    ]);
  // Malformed or not signed here: never say which.
  return page(404, 'Not a valid link', [
    'This is not a valid acknowledgement link. Open the link exactly as it came in the page, or acknowledge the incident in the Firebreak console.',
  ]);
}

function incidentGone(incidentId: string): ApiResponse {
  return page(404, 'Incident not found', [`Incident ${incidentId} does not exist.`]);
}

function confirmation(incident: Incident, personId: string): ApiResponse {
  if (incident.status === 'acknowledged') return alreadyAcknowledged(incident, `person:${personId}`);
  if (incident.status !== 'triggered') return notAcknowledgeable(incident);
  return page(
    200,
    `Acknowledge ${incident.id}?`,
    [`Acknowledging stops the paging for this incident and records you (${personId}) as its owner.`],
    incident,
    `Acknowledge as ${personId}`,
  );
}

function acknowledged(incident: Incident, actor: string): ApiResponse {
  return page(
    200,
    'Acknowledged',
    [`You (${actor}) acknowledged ${incident.id} at ${timeText(incident.lastAcknowledgedAt)}. Paging stops.`],
    incident,
  );
}

function alreadyAcknowledged(incident: Incident, actor: string): ApiResponse {
  const by = incident.assignee === actor ? `you (${actor})` : (incident.assignee ?? 'someone');
  return page(
    200,
    'Already acknowledged',
    [`${incident.id} was already acknowledged by ${by} at ${timeText(incident.lastAcknowledgedAt)}.`],
    incident,
  );
}

function notAcknowledgeable(incident: Incident): ApiResponse {
  return page(
    409,
    `Incident ${incident.status}`,
    [`${incident.id} is ${incident.status}: there is nothing to acknowledge.`],
    incident,
  );
}

function errorPage(error: RouteError): ApiResponse {
  return error.status >= 500
    ? page(error.status, 'Something went wrong', [`${upperFirst(error.message)}.`])
    : page(error.status, 'Not a valid request', [`${upperFirst(error.message)}.`]);
}

/** `2026-11-27 10:00:00 UTC`: unambiguous on any phone, whatever its zone. */
function timeText(iso: string | undefined): string {
  if (!iso) return 'an unknown time';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** No script at all; the one inline style is allowed by its hash; the form posts only to this origin. */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A link is a credential: never cached, never sent on as a referrer, never indexed, never framed. */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': CSP,
};

function page(
  status: number,
  heading: string,
  paragraphs: string[],
  incident?: Incident,
  button?: string,
): ApiResponse {
  const facts = incident
    ? `<dl><dt>Incident</dt><dd>${escapeHtml(incident.id)}</dd>` +
      `<dt>Title</dt><dd>${escapeHtml(incident.title)}</dd>` +
      `<dt>Priority</dt><dd>${badgeHtml('priority', incident.priority)}</dd>` +
      `<dt>Status</dt><dd>${badgeHtml('status', incident.status)}</dd>` +
      `<dt>Service</dt><dd>${escapeHtml(incident.service)}</dd></dl>`
    : '';
  // No action: the form posts back to this very URL, the link itself.
  const form = button
    ? `<form method="post"><button type="submit">${escapeHtml(button)}</button></form>`
    : '';
  const content =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">' +
    `<title>${escapeHtml(heading)} · Firebreak</title><style>${PAGE_STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(heading)}</h1>` +
    paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('') +
    facts +
    form +
    '<footer>Firebreak incident response</footer></main></body></html>';
  return { status, headers: PAGE_HEADERS, text: { contentType: 'text/html; charset=utf-8', content } };
}

/** A priority or status badge as the console draws it (its values are the model's, escaped all the same). */
function badgeHtml(kind: 'priority' | 'status', value: string): string {
  return `<span class="badge ${kind}-${escapeHtml(value)}">${escapeHtml(value)}</span>`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}
