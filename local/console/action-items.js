// Firebreak console, action items (`#/action-items?status=open&owner=alice`): the follow-ups of every
// incident's review, by due date, filtered by status and owner, a page at a time (`GET /action-items`, paged
// by its nextCursor), each linked to its incident's review. The filters live in the hash, so a filtered list
// can be bookmarked or sent. Over the public API only, with console.js's helpers (`kit`: api, el, dataTable,
// errorText, when).
//
// As in console.js, every string that comes from the API goes on the page as text (through `el`).

const STATUSES = ['open', 'done', 'dropped'];
const PAGE_SIZE = 50;

/** The filters a hash asks for: `{status, owner}`, the status `open` unless a known one is given. */
export function actionItemFilters(hash) {
  const params = new URLSearchParams(hash.split('?')[1] ?? '');
  const status = params.get('status');
  return { status: STATUSES.includes(status) ? status : 'open', owner: (params.get('owner') ?? '').trim() };
}

/** Today in the viewer's zone, as the API writes due dates: `2026-12-15`. */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function actionItemsView(kit) {
  const { el } = kit;
  const filters = actionItemFilters(location.hash);

  const status = el(
    'select',
    { id: 'action-items-status', name: 'status' },
    STATUSES.map((value) => el('option', { value }, value)),
  );
  status.value = filters.status;
  const owner = el('input', {
    id: 'action-items-owner',
    name: 'owner',
    autocomplete: 'off',
    placeholder: 'anyone',
    value: filters.owner,
  });
  const filterForm = el(
    'form',
    { className: 'filters', id: 'action-items-filters' },
    el('div', {}, el('label', { htmlFor: 'action-items-status' }, 'Status'), status),
    el('div', {}, el('label', { htmlFor: 'action-items-owner' }, 'Owner'), owner),
    el('button', { type: 'submit' }, 'Filter'),
  );
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ status: status.value });
    if (owner.value.trim()) query.set('owner', owner.value.trim());
    const hash = `#/action-items?${query}`;
    // The same filters again: read the list again (no hashchange to do it).
    if (location.hash === hash) reread();
    else location.hash = hash;
  });

  const count = el('p', { className: 'muted', id: 'action-items-count' }, 'Loading…');
  const body = el('tbody');
  const table = kit.dataTable(
    { id: 'action-items' },
    'Action items, by due date',
    ['Action item', 'Owner', 'Due', 'Status', 'Incident'],
    body,
  );
  const previous = el(
    'button',
    { type: 'button', className: 'secondary', id: 'action-items-previous' },
    'Previous',
  );
  const next = el('button', { type: 'button', className: 'secondary', id: 'action-items-next' }, 'Next');
  const pageText = el('span', { className: 'muted', id: 'action-items-page' });
  const pager = el('div', { className: 'pager' }, previous, pageText, next);

  const node = el(
    'article',
    { className: 'action-items' },
    el('h1', {}, 'Action items'),
    el(
      'p',
      { className: 'muted' },
      'The follow-ups of post-incident reviews across all incidents; each is edited in its review.',
    ),
    filterForm,
    count,
    table,
    pager,
  );

  /** The cursor of each page seen so far (the first page has none), and which page is shown. */
  const cursors = [undefined];
  let page = 0;
  let nextCursor;

  async function refresh() {
    const query = new URLSearchParams({ status: filters.status, limit: String(PAGE_SIZE) });
    if (filters.owner) query.set('owner', filters.owner);
    if (cursors[page]) query.set('cursor', cursors[page]);
    const answer = await kit.api('GET', `/action-items?${query}`);
    nextCursor = answer.nextCursor;
    const due = today();
    const who = filters.owner ? ` owned by ${filters.owner}` : '';
    count.textContent =
      answer.items.length === 0 && page === 0
        ? `No ${filters.status} action items${who}.`
        : `${filters.status} action items${who}, by due date`;
    body.replaceChildren(
      ...answer.items.map((item) => {
        const overdue = item.status === 'open' && item.dueDate < due;
        return el(
          'tr',
          { className: overdue ? 'overdue' : undefined, 'data-item-id': item.id },
          el('td', { className: 'title' }, item.title),
          el('td', { className: 'owner' }, item.owner),
          el('td', { className: 'due' }, item.dueDate, overdue && ' (overdue)'),
          el('td', { className: 'status' }, item.status),
          el(
            'td',
            { className: 'incident' },
            el('a', { href: `#/incidents/${encodeURIComponent(item.incidentId)}/review` }, item.incidentId),
          ),
        );
      }),
    );
    table.hidden = answer.items.length === 0;
    previous.disabled = page === 0;
    next.disabled = !nextCursor;
    pager.hidden = page === 0 && !nextCursor;
    pageText.textContent = `Page ${page + 1}`;
  }

  async function reread() {
    try {
      await refresh();
    } catch (error) {
      count.textContent = `Could not load: ${kit.errorText(error)}`;
    }
  }

  next.addEventListener('click', () => {
    if (!nextCursor) return;
    cursors[page + 1] = nextCursor;
    page += 1;
    reread();
  });
  previous.addEventListener('click', () => {
    if (page === 0) return;
    page -= 1;
    reread();
  });

  return { node, refresh };
}
