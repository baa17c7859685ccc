// Firebreak console: the open incidents, one incident's page (its alerts, runbook runs, timeline and
// actions), over the public HTTP API.
//
// Every string that comes from the API is put on the page with textContent (through `el` below), never
// innerHTML: alarm names, titles and descriptions can hold markup, and it must show as text.

import { actionItemsView } from './action-items.js';
import { onCallView } from './oncall.js';
import { problemsRoute } from './problems.js';
import { reportsView } from './reports.js';
import { reviewStateText, reviewView } from './reviews.js';
import { openSignIn, signInView } from './signin.js';

const TOKEN_KEY = 'firebreak.token';
const REFRESH_MS = 5000;
const PRIORITY_ORDER = { P1: 1, P2: 2, P3: 3, P4: 4 };
const OPEN = new Set(['triggered', 'acknowledged']);
const OVER = new Set(['resolved', 'closed']);
/** The priorities whose resolution opens a review (as the core's REVIEWED_PRIORITIES). */
const REVIEWED_PRIORITIES = new Set(['P1', 'P2']);
const AWAITING_APPROVAL = 'awaiting-approval';
/** The incident roles, in the API's order, with what people call them (as the core's ROLE_NAMES). */
const ROLES = [
  ['commander', 'incident commander'],
  ['techLead', 'tech lead'],
  ['commsLead', 'comms lead'],
  ['scribe', 'scribe'],
];

const app = document.getElementById('app');
const banner = document.getElementById('banner');
const refreshed = document.getElementById('refreshed');
const announcer = document.getElementById('announcer');
const forgetButton = document.getElementById('forget-token');

/** The view on screen; a new route replaces it, and late answers for an old view are dropped. */
let current = { id: 0, refresh: async () => {} };
let nextViewId = 0;

// ---------------------------------------------------------------------------------------------------------
// DOM and formatting helpers

/**
 * Creates an element. `props` sets properties (className, type, href, disabled, ...) or, for names with a
 * dash, attributes (aria-*, data-*); children are nodes or strings (added as text, never parsed).
 */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.includes('-')) node.setAttribute(name, String(value));
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A duration people read at a glance: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
function duration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function since(iso) {
  return duration(Date.now() - Date.parse(iso));
}

/** Local date and time, to the second: what a responder compares with their own clock. */
function when(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

/** The response-SLA cell: time left, "SLA missed" (red), or met by the acknowledgement. */
function sla(incident) {
  const deadline = Date.parse(incident.respondBy);
  const acknowledged = incident.acknowledgedAt ? Date.parse(incident.acknowledgedAt) : undefined;
  if (incident.slaBreached || (acknowledged === undefined && deadline <= Date.now())) {
    return el('span', { className: 'sla sla-missed' }, 'SLA missed');
  }
  if (acknowledged !== undefined && acknowledged <= deadline) {
    return el('span', { className: 'sla sla-met' }, 'SLA met');
  }
  // Over before anyone acknowledged it, and before the deadline: nothing is counting down any more.
  const resolved = incident.resolvedAt ? Date.parse(incident.resolvedAt) : undefined;
  if (resolved !== undefined && resolved <= deadline) {
    return el('span', { className: 'sla sla-met' }, 'SLA met');
  }
  const left = deadline - Date.now();
  const urgent = left < 5 * 60 * 1000;
  return el('span', { className: urgent ? 'sla sla-soon' : 'sla' }, `${duration(left)} left`);
}

/** What a badge is, said before its value to screen readers (`Priority P1`); nothing extra on screen. */
const BADGE_NAMES = { priority: 'Priority', status: 'Status' };

/**
 * A coloured badge. `named`: where nothing beside it says what it is (a card, the incident's glance line),
 * the badge carries its kind as hidden text, so it reads aloud as `Priority P1, Status triggered`; in a
 * named field or column the name is already there.
 */
function badge(kind, value, named = false) {
  const name = named && BADGE_NAMES[kind];
  return el(
    'span',
    { className: `badge ${kind}-${value}` },
    name && el('span', { className: 'visually-hidden' }, `${name} `),
    value,
  );
}

function incidentHref(id) {
  return `#/incidents/${encodeURIComponent(id)}`;
}

function incidentLink(id) {
  return el('a', { href: incidentHref(id) }, id);
}

/** `3 alerts`, or `3 alerts · 1 firing` when not all of them fire. */
function alertCounts(incident) {
  const count = incident.alertCount ?? 0;
  const firing = incident.firingCount ?? 0;
  const alerts = `${count} ${count === 1 ? 'alert' : 'alerts'}`;
  return firing === count ? alerts : `${alerts} · ${firing} firing`;
}

/** `incident commander alice, scribe carol`: who holds which role; undefined when nobody holds one. */
function rolesText(roles) {
  const held = ROLES.filter(([role]) => roles?.[role]).map(([role, name]) => `${name} ${roles[role]}`);
  return held.length ? held.join(', ') : undefined;
}

function showBanner(message) {
  banner.hidden = !message;
  banner.textContent = message ?? '';
}

function markRefreshed() {
  refreshed.textContent = `Updated ${new Date().toLocaleTimeString(undefined, { hour12: false })}`;
}

/** Says `message` politely to screen readers (the announcer is a live region with nothing on screen). */
function announce(message) {
  announcer.textContent = message;
}

// ---------------------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  /** `details`: the answer's whole `error` object (e.g. the current `version` of a 409 version_conflict). */
  constructor(status, code, message, field, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }

  /** What the user reads: `409 conflict: the incident is closed (field: id)`. */
  describe() {
    return `${this.status} ${this.code}: ${this.message}${this.field ? ` (field: ${this.field})` : ''}`;
  }
}

/** The bearer token: the signed-in session's access token when deployed, the pasted one in local mode. */
function token() {
  return signIn ? signIn.accessToken() : sessionStorage.getItem(TOKEN_KEY);
}

/**
 * One API call with the bearer token (and `extraHeaders`, e.g. an Idempotency-Key); an error answer becomes
 * an ApiError with the API's code and message.
 */
async function api(method, path, body, extraHeaders = {}) {
  const text = await send(method, path, body, { ...extraHeaders, accept: 'application/json' });
  return parseJson(text);
}

/** A GET of another representation than JSON (`accept`, e.g. text/markdown): its text. */
function apiText(path, accept) {
  return send('GET', path, undefined, { accept });
}

/**
 * Sends one request with the token (to the API's own origin when deployed); answers the body's text, or
 * throws an ApiError for an error answer. Signed in, a 401 refreshes the token and tries once more.
 */
async function send(method, path, body, extraHeaders, retried = false) {
  const headers = { ...extraHeaders, authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`${signIn?.apiUrl ?? ''}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'network', `the API cannot be reached (${error.message})`);
  }
  const text = await response.text();
  if (!response.ok) {
    const error = parseJson(text)?.error ?? {};
    if (response.status === 401) {
      if (signIn && !retried && (await signIn.refresh())) return send(method, path, body, extraHeaders, true);
      if (signIn) signIn.forget();
      else sessionStorage.removeItem(TOKEN_KEY);
      route(
        signIn
          ? 'The API refused the session (401). Sign in again.'
          : 'The API refused the token (401). Paste a valid one.',
      );
    }
    throw new ApiError(
      response.status,
      error.code ?? 'error',
      error.message ?? (response.statusText || 'the request failed'),
      error.field,
      error,
    );
  }
  return text;
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Every item of a paginated listing, following `nextCursor`. */
async function all(path, query) {
  const items = [];
  let cursor;
  do {
    const params = new URLSearchParams(query);
    if (cursor) params.set('cursor', cursor);
    const page = await api('GET', `${path}?${params}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

function errorText(error) {
  return error instanceof ApiError ? error.describe() : String(error?.message ?? error);
}

// ---------------------------------------------------------------------------------------------------------
// Views

/** Asks for the API token when the page has none. */
function tokenView(message) {
  const input = el('input', { id: 'token-input', type: 'password', required: true, autocomplete: 'off' });
  const form = el(
    'form',
    { className: 'card narrow' },
    el('h1', {}, 'API token'),
    el(
      'p',
      {},
      'Paste the API token (local mode prints it with the console URL). It is kept for this tab only.',
    ),
    message && el('p', { className: 'error', role: 'alert' }, message),
    el('label', { htmlFor: 'token-input' }, 'Token'),
    input,
    el('button', { type: 'submit' }, 'Use token'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    route();
  });
  return { node: form, refresh: async () => {} };
}

/** Open incidents, P1 first, with MTTA/MTTR from the recently resolved ones. */
function listView() {
  const glance = el('p', { className: 'glance', id: 'glance' }, 'MTTA/MTTR: loading…');
  const body = el('tbody');
  const count = el('p', { className: 'muted', id: 'open-count' }, 'Loading open incidents…');
  const table = el(
    'table',
    { className: 'incidents', id: 'open-incidents' },
    el('caption', { className: 'visually-hidden' }, 'Open incidents, highest priority first'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ['Incident', 'Priority', 'Status', 'Title', 'Service', 'Team', 'Alerts', 'Age', 'Response SLA'].map(
          (name) => el('th', { scope: 'col' }, name),
        ),
      ),
    ),
    body,
  );
  const node = el('section', {}, el('h1', {}, 'Open incidents'), glance, count, table);
  /** The open incidents seen so far: undefined before the first read, which announces nothing. */
  let seen;

  async function refresh() {
    const [open, done] = await Promise.all([
      all('/incidents', { status: 'triggered,acknowledged', limit: '100' }),
      api('GET', '/incidents?status=resolved,closed&limit=50'),
    ]);
    open.sort(
      (a, b) =>
        PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] ||
        Date.parse(a.respondBy) - Date.parse(b.respondBy),
    );
    const byPriority = Object.keys(PRIORITY_ORDER)
      .map((p) => [p, open.filter((i) => i.priority === p).length])
      .filter(([, n]) => n > 0)
      .map(([p, n]) => `${p}: ${n}`);
    count.textContent =
      open.length === 0 ? 'No open incidents.' : `${open.length} open (${byPriority.join(', ')})`;
    const arrived = seen ? open.filter((incident) => !seen.has(incident.id)) : [];
    seen = new Set(open.map((incident) => incident.id));
    if (arrived.length) announce(newIncidentsText(arrived));
    body.replaceChildren(
      ...open.map((incident) =>
        el(
          'tr',
          { className: `row-${incident.priority}`, 'data-id': incident.id },
          el('td', { className: 'id' }, incidentLink(incident.id)),
          el('td', { className: 'priority' }, badge('priority', incident.priority, true)),
          el('td', { className: 'status' }, badge('status', incident.status, true)),
          el('td', { className: 'title' }, incident.title),
          el('td', { className: 'service' }, incident.service),
          el('td', { className: 'team' }, incident.team ?? ''),
          el('td', { className: 'alert-counts' }, alertCounts(incident)),
          el('td', { className: 'age' }, since(incident.createdAt)),
          el('td', { className: 'sla-cell' }, sla(incident)),
        ),
      ),
    );
    table.hidden = open.length === 0;
    glance.textContent = atAGlance(done.items);
  }

  return { node, refresh };
}

/** `New incident: P1 INC-… Checkout 5xx` (the first three, then how many more). */
function newIncidentsText(arrived) {
  const named = arrived.slice(0, 3).map((i) => `${i.priority} ${i.id} ${i.title}`);
  const more = arrived.length > 3 ? `, and ${arrived.length - 3} more` : '';
  return `${arrived.length === 1 ? 'New incident' : `${arrived.length} new incidents`}: ${named.join('; ')}${more}`;
}

/** Mean time to acknowledge and to resolve over recently resolved incidents, for humans. */
function atAGlance(resolved) {
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const acks = resolved
    .filter((i) => i.acknowledgedAt)
    .map((i) => Date.parse(i.acknowledgedAt) - Date.parse(i.createdAt));
  const fixes = resolved
    .filter((i) => i.resolvedAt)
    .map((i) => Date.parse(i.resolvedAt) - Date.parse(i.createdAt));
  if (resolved.length === 0) return 'MTTA/MTTR: no resolved incidents yet.';
  const mtta = acks.length ? duration(mean(acks)) : 'n/a';
  const mttr = fixes.length ? duration(mean(fixes)) : 'n/a';
  return `At a glance: MTTA ${mtta} · MTTR ${mttr} (last ${resolved.length} resolved)`;
}

/** A table with a caption for screen readers, column headers and the body rows are put in. */
function dataTable(attributes, caption, columns, body) {
  return el(
    'table',
    attributes,
    el('caption', { className: 'visually-hidden' }, caption),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((name) => el('th', { scope: 'col' }, name)),
      ),
    ),
    body,
  );
}

/**
 * One incident: its fields, its alerts, its timeline, and the actions. Forms are built once and survive
 * refreshes.
 */
function incidentView(id) {
  const heading = el('h1', { id: 'incident-title' }, id);
  const reviewLine = el('p', { id: 'review-line', hidden: true });
  const fields = el('dl', { className: 'fields', id: 'incident-fields' });
  const description = el('p', { className: 'description', id: 'incident-description' });
  const alertsSummary = el('p', { className: 'muted', id: 'alerts-summary' });
  const alertsBody = el('tbody');
  const alertsTable = dataTable(
    { className: 'alerts', id: 'alerts' },
    'Alerts: those that left it first, then by first seen',
    ['State', 'Alert', 'Source', 'First seen', 'Last seen', 'Fired', 'Priority'],
    alertsBody,
  );
  const timelineBody = el('tbody');
  const timeline = dataTable(
    { className: 'timeline', id: 'timeline' },
    'Timeline, oldest first',
    ['At', 'Kind', 'Actor', 'Message'],
    timelineBody,
  );
  const actionStatus = el('p', { className: 'action-status', id: 'action-status', role: 'status' });
  let incident;

  /**
   * Runs an action, shows its error (or success) in `status`, then re-reads the incident and its timeline.
   */
  async function act(form, label, call, status = actionStatus) {
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    status.className = 'action-status';
    status.textContent = `${label}…`;
    try {
      await call();
      form.reset?.();
      status.textContent = `${label}: done.`;
    } catch (error) {
      status.className = 'action-status error';
      status.textContent = `${label} failed: ${errorText(error)}`;
    } finally {
      for (const b of buttons) b.disabled = false;
      await refresh().catch((error) => showBanner(`Refresh failed: ${errorText(error)}`));
    }
  }

  const path = `/incidents/${encodeURIComponent(id)}`;

  // The action bar: what a responder woken by a page does first, on the first screen, above the metadata.
  const glance = el('p', { className: 'incident-glance', id: 'incident-glance' });
  const ackButton = el('button', { type: 'button', id: 'acknowledge' }, 'Acknowledge');
  const resolveJump = el(
    'button',
    { type: 'button', id: 'resolve-jump', className: 'secondary', 'aria-controls': 'resolution' },
    'Resolve…',
  );
  const approveButtons = el('span', { className: 'approve-buttons', id: 'approve-buttons' });
  const actionBar = el(
    'div',
    { className: 'action-bar', id: 'action-bar', role: 'group', 'aria-label': 'Incident actions' },
    ackButton,
    resolveJump,
    approveButtons,
    actionStatus,
  );
  ackButton.addEventListener('click', () => {
    act(actionBar, 'Acknowledge', () => api('POST', `${path}/acknowledge`));
  });
  // Resolving needs words: the bar takes the responder to the form, the resolution field focused.
  resolveJump.addEventListener('click', () => {
    resolveForm.scrollIntoView({ block: 'center' });
    resolution.focus({ preventScroll: true });
  });
  /** One Approve button per run awaiting approval, kept across refreshes (focus survives them). */
  const approveFor = new Map();

  function approveButton(run) {
    const existing = approveFor.get(run.runId);
    if (existing) return existing;
    const button = el('button', { type: 'button', 'data-run-id': run.runId }, `Approve ${run.binding}`);
    button.addEventListener('click', () => {
      const runPath = `${path}/runbooks/${encodeURIComponent(run.runId)}/approve`;
      act(actionBar, `Approve ${run.binding}`, () => api('POST', runPath));
    });
    approveFor.set(run.runId, button);
    return button;
  }

  const resolution = el('textarea', { id: 'resolution', name: 'resolution', required: true, rows: 2 });
  const rootCause = el('textarea', { id: 'root-cause', name: 'rootCause', rows: 2 });
  const resolveForm = el(
    'form',
    { className: 'action' },
    el('h3', {}, 'Resolve'),
    el('label', { htmlFor: 'resolution' }, 'Resolution (required)'),
    resolution,
    el('label', { htmlFor: 'root-cause' }, 'Root cause (optional)'),
    rootCause,
    el('button', { type: 'submit' }, 'Resolve'),
  );
  resolveForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { resolution: resolution.value };
    if (rootCause.value.trim()) body.rootCause = rootCause.value;
    act(resolveForm, 'Resolve', () => api('POST', `${path}/resolve`, body));
  });

  const note = el('textarea', { id: 'note', name: 'message', required: true, rows: 2 });
  const noteForm = el(
    'form',
    { className: 'action' },
    el('h3', {}, 'Add note'),
    el('label', { htmlFor: 'note' }, 'Note'),
    note,
    el('button', { type: 'submit' }, 'Add note'),
  );
  noteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    act(noteForm, 'Add note', () => api('POST', `${path}/notes`, { message: note.value }));
  });

  // Roles: a person id gives the role to them, blank keeps its holder, "clear" leaves it to nobody.
  const roleInputs = ROLES.map(([role, name]) => {
    const input = el('input', {
      id: `role-${role}`,
      name: role,
      autocomplete: 'off',
      pattern: '[a-z0-9][a-z0-9._\\-]{0,63}',
      title: 'a person id, like alice',
    });
    const clear = el('input', { type: 'checkbox', id: `clear-${role}`, 'aria-label': `Clear ${name}` });
    const label = el('label', { htmlFor: `role-${role}` }, name.charAt(0).toUpperCase() + name.slice(1));
    const field = el(
      'div',
      { className: 'role-field' },
      label,
      el('div', { className: 'role-input' }, input, el('label', { className: 'clear' }, clear, 'clear')),
    );
    return { role, input, clear, field };
  });
  const rolesForm = el(
    'form',
    { className: 'action', id: 'roles-form' },
    el('h3', {}, 'Roles'),
    el('p', { className: 'muted' }, 'Person ids; blank keeps the holder, “clear” leaves the role to nobody.'),
    roleInputs.map(({ field }) => field),
    el('button', { type: 'submit' }, 'Set roles'),
  );
  rolesForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {};
    for (const { role, input, clear } of roleInputs) {
      if (clear.checked) body[role] = null;
      else if (input.value.trim()) body[role] = input.value.trim();
    }
    if (Object.keys(body).length === 0) {
      actionStatus.className = 'action-status error';
      actionStatus.textContent = 'Set roles: give a person id or tick “clear” for at least one role.';
      return;
    }
    act(rolesForm, 'Set roles', () => api('PUT', `${path}/roles`, body));
  });

  const phase = el(
    'select',
    { id: 'update-phase', name: 'phase' },
    ['Investigating', 'Identified', 'Monitoring'].map((p) => el('option', { value: p }, p)),
  );
  const updateMessage = el('textarea', { id: 'update-message', name: 'message', required: true, rows: 2 });
  const updateForm = el(
    'form',
    { className: 'action' },
    el('h3', {}, 'Post update'),
    el('label', { htmlFor: 'update-phase' }, 'Phase'),
    phase,
    el('label', { htmlFor: 'update-message' }, 'Message to stakeholders'),
    updateMessage,
    el('button', { type: 'submit' }, 'Post update'),
  );
  updateForm.addEventListener('submit', (event) => {
    event.preventDefault();
    act(updateForm, 'Post update', () =>
      api('POST', `${path}/updates`, { phase: phase.value, message: updateMessage.value }),
    );
  });

  const mergeInto = el('input', {
    id: 'merge-into',
    name: 'into',
    required: true,
    pattern: 'INC-\\d{8}-\\d{4,}',
    placeholder: 'INC-20261127-0042',
    autocomplete: 'off',
  });
  const mergeForm = el(
    'form',
    { className: 'action' },
    el('h3', {}, 'Merge into…'),
    el(
      'p',
      { className: 'muted' },
      'One problem, one incident: the alerts move there and this incident resolves as merged.',
    ),
    el('label', { htmlFor: 'merge-into' }, 'Merge into incident'),
    mergeInto,
    el('button', { type: 'submit' }, 'Merge'),
  );
  mergeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const into = mergeInto.value.trim();
    if (!confirm(`Merge ${id} into ${into}? Its alerts move there and ${id} resolves.`)) return;
    act(mergeForm, 'Merge', () => api('POST', `${path}/merge`, { into }));
  });

  // Runbooks: the bound ones can be run on the incident; the runs are listed, those awaiting approval with
  // Approve / Reject. Hidden when the API serves no runbook routes.
  const runbookStatus = el('p', { className: 'action-status', id: 'runbook-status', role: 'status' });
  const runbooksSummary = el('p', { className: 'muted', id: 'runbooks-summary' });
  const runbookChoice = el('select', { id: 'runbook-choice', name: 'runbook', required: true });
  const runForm = el(
    'form',
    { className: 'action run-runbook' },
    el('h3', {}, 'Run runbook'),
    el('label', { htmlFor: 'runbook-choice' }, 'Bound runbook'),
    runbookChoice,
    el('button', { type: 'submit' }, 'Run'),
  );
  runForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const runbook = runbookChoice.value;
    act(runForm, `Run ${runbook}`, () => api('POST', `${path}/runbooks`, { runbook }), runbookStatus);
  });
  const runsBody = el('tbody');
  const runsTable = dataTable(
    { className: 'runs', id: 'runbook-runs' },
    'Runbook runs, oldest first',
    ['Runbook', 'Document', 'State', 'Parameters', 'Requested', 'Decision', 'Steps and outputs', 'Approval'],
    runsBody,
  );
  const runbooksSection = el(
    'section',
    { 'aria-labelledby': 'runbooks-heading', id: 'runbooks', hidden: true },
    el('h2', { id: 'runbooks-heading' }, 'Runbooks'),
    runbookStatus,
    runbooksSummary,
    runForm,
    runsTable,
  );
  /** The bound runbooks: undefined until read, null when the API serves no runbook routes. */
  let bound;
  /** One approval form per run, kept across refreshes so a reason being typed survives them. */
  const decisionForms = new Map();

  function decisionForm(run) {
    const existing = decisionForms.get(run.runId);
    if (existing) return existing;
    const reasonId = `reason-${run.runId}`;
    const reason = el('input', {
      id: reasonId,
      name: 'reason',
      autocomplete: 'off',
      placeholder: 'reason (optional)',
    });
    const form = el(
      'form',
      { className: 'decision-form', 'data-run-id': run.runId },
      el('label', { htmlFor: reasonId, className: 'visually-hidden' }, `Reason for ${run.binding}`),
      reason,
      el('button', { type: 'submit', value: 'approve' }, 'Approve'),
      el('button', { type: 'submit', value: 'reject', className: 'secondary' }, 'Reject'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const decision = event.submitter?.value === 'reject' ? 'reject' : 'approve';
      const body = reason.value.trim() ? { reason: reason.value } : undefined;
      const label = `${decision === 'approve' ? 'Approve' : 'Reject'} ${run.binding}`;
      const runPath = `${path}/runbooks/${encodeURIComponent(run.runId)}/${decision}`;
      act(form, label, () => api('POST', runPath, body), runbookStatus);
    });
    decisionForms.set(run.runId, form);
    return form;
  }

  /** Reads the bindings once (a redeploy changes them, not a refresh) and the incident's runs each time. */
  async function refreshRunbooks(open) {
    if (bound === undefined) {
      try {
        bound = (await api('GET', '/runbooks')).runbooks;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
        bound = null;
      }
      if (bound) {
        runbookChoice.replaceChildren(
          ...bound.map((runbook) =>
            el(
              'option',
              { value: runbook.name },
              `${runbook.name} — ${runbook.kind}, ${runbook.mode} (${runbook.document.name}@${runbook.document.version})`,
            ),
          ),
        );
      }
    }
    runbooksSection.hidden = !bound;
    if (!bound) return;
    const { runs } = await api('GET', `${path}/runbooks`);
    const waiting = runs.filter((run) => run.state === AWAITING_APPROVAL).length;
    runbooksSummary.textContent =
      runs.length === 0
        ? `No runs yet · ${bound.length} bound`
        : `${runs.length} ${runs.length === 1 ? 'run' : 'runs'}${waiting ? ` · ${waiting} awaiting approval` : ''}`;
    const awaiting = open ? runs.filter((run) => run.state === AWAITING_APPROVAL) : [];
    runsBody.replaceChildren(
      ...runs.map((run) => runRow(run, awaiting.includes(run) ? decisionForm(run) : undefined)),
    );
    approveButtons.replaceChildren(...awaiting.map(approveButton));
    runsTable.hidden = runs.length === 0;
    runForm.hidden = !open || bound.length === 0;
    for (const control of runForm.elements) control.disabled = !open;
  }

  const node = el(
    'article',
    {},
    el('p', {}, el('a', { href: '#/' }, '← Open incidents')),
    heading,
    glance,
    actionBar,
    reviewLine,
    fields,
    el('h2', {}, 'Description'),
    description,
    el(
      'section',
      { 'aria-labelledby': 'actions-heading' },
      el('h2', { id: 'actions-heading' }, 'More actions'),
      el('div', { className: 'actions' }, resolveForm, noteForm, updateForm, rolesForm, mergeForm),
    ),
    el(
      'section',
      { 'aria-labelledby': 'alerts-heading' },
      el('h2', { id: 'alerts-heading' }, 'Alerts'),
      alertsSummary,
      alertsTable,
    ),
    runbooksSection,
    el(
      'section',
      { 'aria-labelledby': 'timeline-heading' },
      el('h2', { id: 'timeline-heading' }, 'Timeline'),
      timeline,
    ),
  );

  async function refresh() {
    const [found, alerts, entries] = await Promise.all([
      api('GET', path),
      all(`${path}/alerts`, { limit: '100' }),
      all(`${path}/timeline`, { limit: '100' }),
    ]);
    incident = found;
    heading.replaceChildren(`${incident.id} `, el('span', { className: 'title' }, incident.title));
    glance.replaceChildren(
      badge('priority', incident.priority, true),
      badge('status', incident.status, true),
      sla(incident),
      el('span', { className: 'muted' }, incident.service),
    );
    fields.replaceChildren(...fieldRows(incident));
    description.textContent = incident.description || '(no description)';
    const moved = alerts.filter((alert) => alert.movedTo).length;
    alertsSummary.textContent = `${alertCounts(incident)}${moved ? ` · ${moved} moved to other incidents` : ''}`;
    alertsBody.replaceChildren(...alerts.map(alertRow));
    alertsTable.hidden = alerts.length === 0;
    timelineBody.replaceChildren(...entries.map(timelineRow));
    // Only the actions the incident's status allows.
    const open = OPEN.has(incident.status);
    ackButton.disabled = incident.status !== 'triggered';
    resolveJump.disabled = !open;
    for (const form of [resolveForm, updateForm, mergeForm]) {
      for (const control of form.elements) control.disabled = !open;
    }
    // The holders as placeholders: what a blank input keeps. Roles can change until the incident is closed.
    for (const { role, input } of roleInputs) input.placeholder = incident.roles?.[role] ?? 'nobody';
    for (const control of rolesForm.elements) control.disabled = incident.status === 'closed';
    await Promise.all([refreshRunbooks(open), refreshReviewLine(entries.length)]);
  }

  /** The timeline's length when the review's state was last read: each save of the review adds an entry. */
  let reviewReadAt;

  /**
   * Once the incident is over: a link to its review, and for the priorities that get one, the review's
   * state, read again only when the timeline has grown.
   */
  async function refreshReviewLine(entryCount) {
    reviewLine.hidden = !OVER.has(incident.status);
    if (reviewLine.hidden) return;
    const link = el('a', { href: `${incidentHref(id)}/review`, id: 'review-link' }, 'Post-incident review');
    // As the lifecycle: a review opens for the reviewed priorities, not for an incident merged into another.
    if (!REVIEWED_PRIORITIES.has(incident.priority) || incident.mergedInto) {
      return void reviewLine.replaceChildren(link);
    }
    if (reviewReadAt === entryCount) return;
    let state;
    try {
      state = reviewStateText(KIT, await api('GET', `${path}/review`));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      state = error.code === 'review_not_found' ? 'not opened yet' : undefined;
    }
    reviewReadAt = entryCount;
    reviewLine.replaceChildren(link, state ? `: ${state}` : '');
  }

  return { node, refresh };
}

function fieldRows(incident) {
  const source = incident.source ?? {};
  const sourceUrl =
    typeof source.url === 'string' && /^https?:\/\//i.test(source.url)
      ? el('a', { href: source.url, rel: 'noopener noreferrer', target: '_blank' }, 'open at the source')
      : undefined;
  const rows = [
    ['Status', badge('status', incident.status)],
    ['Priority', badge('priority', incident.priority)],
    ['Response SLA', [sla(incident), ` (respond by ${when(incident.respondBy)})`]],
    ['Service', incident.service],
    ['Team', incident.team],
    ['Category', `${incident.category} / ${incident.subcategory}`],
    ['Severity, impact, urgency', `${incident.severity}, ${incident.impact}, ${incident.urgency}`],
    ['Summary', incident.summary],
    ['Source', [`${source.kind}: ${source.name} (${source.ref})`, sourceUrl && ' ', sourceUrl]],
    ['Assignee', incident.assignee],
    ['Roles', rolesText(incident.roles)],
    ['Slack channel', incident.chatChannel],
    ['Escalation level', String(incident.escalationLevel)],
    ['Alerts', alertCounts(incident)],
    ['Merged into', incident.mergedInto && incidentLink(incident.mergedInto)],
    [
      'Problem',
      incident.problemId &&
        el(
          'a',
          { href: `#/problems/${encodeURIComponent(incident.problemId)}`, id: 'problem-link' },
          incident.problemId,
        ),
    ],
    ['Groups', incident.groupKeys?.join(', ')],
    ['Detected', when(incident.detectedAt)],
    ['Created', `${when(incident.createdAt)} (${since(incident.createdAt)} ago)`],
    ['Acknowledged', when(incident.acknowledgedAt)],
    [
      'Last acknowledged',
      incident.lastAcknowledgedAt !== incident.acknowledgedAt && when(incident.lastAcknowledgedAt),
    ],
    ['Last update sent', when(incident.lastUpdateAt)],
    ['Resolved', incident.resolvedAt && `${when(incident.resolvedAt)} by ${incident.resolvedBy ?? '?'}`],
    ['Resolution', incident.resolution],
    ['Root cause', incident.rootCause],
    ['Closed', incident.closedAt && `${when(incident.closedAt)} by ${incident.closedBy ?? '?'}`],
    ['Paged', incident.pagedTargets?.join(', ')],
    [
      'Labels',
      Object.entries(incident.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    ],
    ['Related', incident.related?.join(', ')],
    ['Dedup key', incident.dedupKey],
    ['Version', String(incident.version)],
  ];
  return rows
    .filter(([, value]) => value !== undefined && value !== '' && value !== false)
    .flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]);
}

/** One alert: its state, what it is (and, when it left, where it went), where from, when, how often. */
function alertRow(alert) {
  const source = alert.source ?? {};
  return el(
    'tr',
    { className: `alert-row alert-row-${alert.state}`, 'data-alert-id': alert.alertId },
    el('td', { className: 'state' }, badge('alert', alert.state)),
    el(
      'td',
      { className: 'title' },
      el('span', {}, alert.title),
      alert.movedTo && el('span', { className: 'moved' }, ' · moved to ', incidentLink(alert.movedTo)),
    ),
    el('td', { className: 'source' }, `${source.kind}: ${source.name}`),
    el('td', { className: 'at first-seen' }, when(alert.firstSeenAt)),
    el('td', { className: 'at last-seen' }, when(alert.lastSeenAt)),
    el('td', { className: 'fired' }, String(alert.firedCount)),
    el('td', { className: 'priority' }, badge('priority', alert.priority)),
  );
}

/** One runbook run: what it runs with which parameters, where it stands, who asked and who decided. */
function runRow(run, decisionForm) {
  const document = run.document ? `${run.document.name}@${run.document.version}` : '—';
  const parameters = Object.entries(run.parameters ?? {}).map(([name, value]) =>
    el('div', { className: 'parameter' }, `${name}=${value}`),
  );
  const why = run.failure ?? run.reason;
  const decision = run.approvedBy
    ? `approved by ${run.approvedBy}`
    : run.rejectedBy
      ? `rejected by ${run.rejectedBy}`
      : undefined;
  const steps = run.steps ?? [];
  const outputs = Object.keys(run.outputs ?? {}).length ? run.outputs : undefined;
  const progress =
    steps.length || outputs
      ? el(
          'details',
          {},
          el(
            'summary',
            {},
            `${steps.length} ${steps.length === 1 ? 'step' : 'steps'}${outputs ? ', outputs' : ''}`,
          ),
          steps.length &&
            el(
              'ol',
              { className: 'steps' },
              steps.map((step) =>
                el('li', {}, `${step.name}: ${step.status}${step.failure ? ` (${step.failure})` : ''}`),
              ),
            ),
          outputs && el('pre', {}, JSON.stringify(outputs, null, 2)),
        )
      : '—';
  return el(
    'tr',
    { className: `run-row run-row-${run.state}`, 'data-run-id': run.runId },
    el(
      'td',
      { className: 'binding' },
      el('span', {}, run.binding),
      el('div', { className: 'muted' }, `${run.kind} · ${run.mode}`),
    ),
    el('td', { className: 'document' }, document),
    el('td', { className: 'state' }, badge('run', run.state), why && el('div', { className: 'reason' }, why)),
    el('td', { className: 'parameters' }, parameters.length ? parameters : '—'),
    el('td', { className: 'requested' }, `${run.requestedBy} · ${when(run.createdAt)}`),
    el(
      'td',
      { className: 'decision' },
      decision ?? '—',
      run.decisionReason && el('div', { className: 'reason' }, run.decisionReason),
    ),
    el('td', { className: 'progress' }, progress),
    el('td', { className: 'approval' }, decisionForm ?? ''),
  );
}

function timelineRow(entry) {
  const details = Object.keys(entry.details ?? {}).length
    ? el('details', {}, el('summary', {}, 'details'), el('pre', {}, JSON.stringify(entry.details, null, 2)))
    : undefined;
  return el(
    'tr',
    { className: `kind-${entry.kind}` },
    el('td', { className: 'at' }, when(entry.at)),
    el('td', { className: 'kind' }, entry.kind),
    el('td', { className: 'actor' }, entry.actor),
    el('td', { className: 'message' }, el('span', {}, entry.message), details),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Routing and refresh

/** What the views in their own modules (oncall.js, reports.js, problems.js, reviews.js, …) build with. */
const KIT = { api, apiText, el, dataTable, errorText, when };

/**
 * Shows the view for the current hash: `#/incidents/INC-…`, its review `#/incidents/INC-…/review`,
 * `#/oncall`, `#/reports`, `#/problems…`, `#/action-items…` (each in its own module) or the list (or the
 * token form, with `message`).
 */
function route(message) {
  showBanner('');
  forgetButton.hidden = !token();
  nextViewId += 1;
  const id = nextViewId;
  let view;
  if (!token()) {
    const text = typeof message === 'string' ? message : undefined;
    view = signIn ? signInView(el, signIn, text) : tokenView(text);
  } else {
    const match = /^#\/incidents\/([^/]+)(\/review)?$/.exec(location.hash);
    if (match?.[2]) view = reviewView(KIT, decodeURIComponent(match[1]));
    else if (match) view = incidentView(decodeURIComponent(match[1]));
    else if (location.hash === '#/oncall') view = onCallView(KIT);
    else if (location.hash === '#/reports') view = reportsView(KIT);
    else if (location.hash.startsWith('#/problems')) view = problemsRoute(KIT);
    else if (/^#\/action-items(\?|$)/.test(location.hash)) view = actionItemsView(KIT);
    else view = listView();
  }
  current = { id, refresh: view.refresh };
  app.replaceChildren(view.node);
  refreshCurrent();
}

/** Re-reads the view on screen; an error shows in the banner and the last good data stays. */
async function refreshCurrent() {
  const { id, refresh } = current;
  try {
    await refresh();
    if (id === current.id) {
      showBanner('');
      markRefreshed();
    }
  } catch (error) {
    if (id === current.id && token()) showBanner(`Could not load: ${errorText(error)}`);
  }
}

/** Takes `?token=…` from the URL into sessionStorage and out of the address bar and history. */
function adoptTokenFromUrl() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (!fromUrl) return;
  sessionStorage.setItem(TOKEN_KEY, fromUrl);
  params.delete('token');
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

/**
 * Names each body cell of `table` by its column header (`data-label`): on a phone, tables stack into one
 * block per row, and each value shows its column's name.
 */
function labelCells(table) {
  const names = [...table.querySelectorAll(':scope > thead th')].map((th) => th.textContent.trim());
  for (const row of table.querySelectorAll(':scope > tbody > tr')) {
    for (const [index, cell] of [...row.children].entries()) {
      if (cell.tagName === 'TD' && cell.colSpan === 1 && names[index] && !cell.dataset.label) {
        cell.dataset.label = names[index];
      }
    }
  }
}

/**
 * Labels the tables that elements were just added to (refreshes replace rows, views replace the page). Text
 * changes, like a chart legend following the pointer, add no element and cost nothing here.
 */
function labelAddedRows(records) {
  const tables = new Set();
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const table = node.closest('table');
      if (table) tables.add(table);
      else for (const inside of node.querySelectorAll('table')) tables.add(inside);
    }
  }
  for (const table of tables) labelCells(table);
}

new MutationObserver(labelAddedRows).observe(app, { childList: true, subtree: true });
// The skip link's target is the main element, not a route: moving focus, not the hash.
document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  app.focus();
});
/** Deployed (config.json says oidc): the signed-in session; null in local mode, with its pasted token. */
const signIn = await openSignIn({ onEnded: (message) => route(message) }).catch((error) => {
  showBanner(`The console cannot start: ${error.message}`);
  throw error;
});

if (signIn) forgetButton.textContent = 'Sign out';
forgetButton.addEventListener('click', () => {
  if (signIn) return void signIn.signOut();
  sessionStorage.removeItem(TOKEN_KEY);
  route();
});
window.addEventListener('hashchange', route);
setInterval(() => {
  if (!document.hidden && token()) refreshCurrent();
}, REFRESH_MS);

if (!signIn) adoptTokenFromUrl();
route();
