// Firebreak console, problems (`#/problems`, `#/problems/PRB-…`): recurring incidents grouped into problem
// records by the lifecycle, with each problem's incidents, their total downtime and the open action items of
// their reviews. Over the public API only, with console.js's helpers (`kit`: api, el, dataTable, errorText,
// when).
//
// As in console.js, every string that comes from the API goes on the page as text (through `el`), never as
// markup.

const PAGE_SIZE = 50;

/** `2 h 5 min`, `45 s`: a downtime in seconds, as a person reads it. */
export function durationText(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const parts = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (parts.length === 0) parts.push(`${s % 60} s`);
  return parts.join(' ');
}

function basisText(basis) {
  if (!basis) return '';
  return basis.by === 'alert'
    ? `the same alert (${basis.alertKey})`
    : `the same service and category: ${basis.service} (${basis.category})`;
}

const problemHref = (id) => `#/problems/${encodeURIComponent(id)}`;
const incidentHref = (id) => `#/incidents/${encodeURIComponent(id)}`;

/** Every problem, newest first (the API's pages followed to the end). */
export function problemsView(kit) {
  const { el } = kit;
  const body = el('tbody');
  const summary = el('p', { className: 'muted', id: 'problems-summary' });
  const node = el(
    'article',
    { className: 'problems' },
    el('h1', {}, 'Problems'),
    el(
      'p',
      { className: 'muted' },
      'Incidents that keep recurring (the same alert, or the same service and category), for root-cause work. Nobody is paged for a problem.',
    ),
    summary,
    kit.dataTable(
      { id: 'problems' },
      'Problems, newest first',
      ['Problem', 'Title', 'Why', 'Incidents', 'Opened', 'Last changed'],
      body,
    ),
  );

  async function refresh() {
    const items = [];
    let cursor;
    do {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      const page = await kit.api('GET', `/problems?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    summary.textContent =
      items.length === 0
        ? 'No problems: no incidents have recurred enough yet.'
        : `${items.length} ${items.length === 1 ? 'problem' : 'problems'}`;
    body.replaceChildren(
      ...items.map((problem) =>
        el(
          'tr',
          {},
          el('td', {}, el('a', { href: problemHref(problem.id) }, problem.id)),
          el('td', {}, problem.title),
          el('td', {}, basisText(problem.basis)),
          el('td', { className: 'number' }, String(problem.incidentCount)),
          el('td', {}, kit.when(problem.createdAt)),
          el('td', {}, kit.when(problem.updatedAt)),
        ),
      ),
    );
  }

  return { node, refresh };
}

/** One problem: its incidents (linked), their total downtime, the open action items of their reviews. */
export function problemView(kit, id) {
  const { el } = kit;
  const heading = el('h1', { id: 'problem-title' }, id);
  const facts = el('dl', { className: 'fields', id: 'problem-fields' });
  const incidentsBody = el('tbody');
  const actionsBody = el('tbody');
  const actionsSummary = el('p', { className: 'muted', id: 'action-items-summary' });
  const node = el(
    'article',
    { className: 'problem' },
    el('p', {}, el('a', { href: '#/problems' }, '← All problems')),
    heading,
    facts,
    el(
      'section',
      { 'aria-labelledby': 'problem-incidents-heading' },
      el('h2', { id: 'problem-incidents-heading' }, 'Incidents'),
      kit.dataTable(
        { id: 'problem-incidents' },
        'Its incidents, oldest first',
        ['Incident', 'Title', 'Priority', 'Status', 'Created', 'Resolved', 'Downtime'],
        incidentsBody,
      ),
    ),
    el(
      'section',
      { 'aria-labelledby': 'problem-actions-heading' },
      el('h2', { id: 'problem-actions-heading' }, 'Open action items'),
      actionsSummary,
      kit.dataTable(
        { id: 'problem-action-items' },
        'Open action items of its incidents’ reviews, by due date',
        ['Action item', 'Owner', 'Due', 'Incident'],
        actionsBody,
      ),
    ),
  );

  async function refresh() {
    const problem = await kit.api('GET', `/problems/${encodeURIComponent(id)}`);
    heading.textContent = `${problem.id}: ${problem.title}`;
    const ongoing = problem.incidents.some((incident) => incident.ongoing);
    const rows = [
      ['Status', problem.status],
      ['Why', basisText(problem.basis)],
      ['Incidents', String(problem.incidentCount)],
      [
        'Total downtime',
        `${durationText(problem.totalDowntimeSeconds)}${ongoing ? ' (and counting: an incident is still open)' : ''}`,
      ],
      ['Opened', kit.when(problem.createdAt)],
      ['Last changed', kit.when(problem.updatedAt)],
    ];
    facts.replaceChildren(
      ...rows.flatMap(([name, value]) => [
        el('dt', {}, name),
        el('dd', { id: `problem-${name.toLowerCase().replaceAll(' ', '-')}` }, value),
      ]),
    );
    incidentsBody.replaceChildren(
      ...problem.incidents.map((incident) =>
        el(
          'tr',
          {},
          el('td', {}, el('a', { href: incidentHref(incident.id) }, incident.id)),
          el('td', {}, incident.title),
          el('td', {}, incident.priority),
          el('td', {}, incident.status),
          el('td', {}, kit.when(incident.createdAt)),
          el('td', {}, kit.when(incident.resolvedAt)),
          el(
            'td',
            { className: 'number' },
            `${durationText(incident.downtimeSeconds)}${incident.ongoing ? ' (ongoing)' : ''}`,
          ),
        ),
      ),
    );
    actionsSummary.textContent =
      problem.openActionItems.length === 0 ? 'None open.' : `${problem.openActionItems.length} open`;
    actionsBody.replaceChildren(
      ...problem.openActionItems.map((item) =>
        el(
          'tr',
          {},
          el('td', {}, item.title),
          el('td', {}, item.owner),
          el('td', {}, item.dueDate),
          el('td', {}, el('a', { href: incidentHref(item.incidentId) }, item.incidentId)),
        ),
      ),
    );
  }

  return { node, refresh };
}

/** The view for `#/problems` or `#/problems/<id>` (console.js routes every `#/problems…` hash here). */
export function problemsRoute(kit) {
  const match = /^#\/problems\/([^/]+)$/.exec(location.hash);
  return match ? problemView(kit, decodeURIComponent(match[1])) : problemsView(kit);
}
