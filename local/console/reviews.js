// Firebreak console, a post-incident review (`#/incidents/<id>/review`): what the record says, read-only (the
// summary, impact, figures, the timeline in order, who was paged, the runbooks and the alerts, kept as they
// were when the review opened), and a form for what people write: the state, an owner, the root cause, five
// whys, what went well and poorly, lessons, and action items. Saving sends the version the form was loaded
// from (`expectedVersion`): when someone else saved in between, the API refuses it (409 version_conflict)
// and the form keeps what was typed. Over the public API only, with console.js's helpers (`kit`: api,
// apiText, el, dataTable, errorText, when).
//
// As in console.js, every string that comes from the API or a person goes on the page as text (through `el`
// or textContent), never as markup.

import { humanSeconds } from './reports.js';

const STATES = [
  ['draft', 'Draft'],
  ['scheduled', 'Scheduled'],
  ['completed', 'Completed'],
];
const ITEM_STATUSES = ['open', 'done', 'dropped'];
/** As the core's ReviewBody allows. */
const MAX_WHYS = 10;
const MAX_ACTION_ITEMS = 50;
const OVER = new Set(['resolved', 'closed']);

/** `draft, due 12/3/2026, 14:00:00 (overdue)`, `scheduled for …`, `completed`: for the incident page too. */
export function reviewStateText(kit, review) {
  if (review.state === 'completed') return 'completed';
  if (review.state === 'scheduled') return `scheduled for ${kit.when(review.scheduledFor)}`;
  const overdue = Date.parse(review.dueAt) < Date.now() ? ' (overdue)' : '';
  return `${review.state}, due ${kit.when(review.dueAt)}${overdue}`;
}

/**
 * An action item's id from its title (`Add a canary for checkout` → `add-a-canary-for-checkout`), unlike any
 * in `taken`: lower-case letters, digits and "-", at most 40 characters, as the API requires.
 */
export function actionItemId(title, taken) {
  const base =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 34)
      .replace(/-+$/, '') || 'item';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** The non-empty lines of a text area, trimmed: one entry each. */
const lines = (text) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** An ISO time as a `datetime-local` input's value, in the viewer's zone; '' for none. */
function localInputValue(iso) {
  const date = iso ? new Date(iso) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function reviewView(kit, incidentId) {
  const { el } = kit;
  const path = `/incidents/${encodeURIComponent(incidentId)}/review`;
  const incidentHref = `#/incidents/${encodeURIComponent(incidentId)}`;

  const heading = el('h1', { id: 'review-title' }, `Review of ${incidentId}`);
  const summary = el('p', { className: 'muted', id: 'review-summary' });

  // No review yet: open one by hand once the incident is over.
  const missingText = el('p', { id: 'review-missing-text' });
  const openButton = el('button', { type: 'button', id: 'open-review', hidden: true }, 'Open a review');
  const openStatus = el('p', { className: 'action-status', id: 'open-review-status', role: 'status' });
  const missing = el('section', { id: 'review-missing', hidden: true }, missingText, openButton, openStatus);

  // What the record says.
  const facts = el('dl', { className: 'fields', id: 'review-fields' });
  const timelineBody = el('tbody');
  const runbooksBody = el('tbody');
  const runbooksNone = el('p', { className: 'muted' }, 'No runbook ran.');
  const alertsBody = el('tbody');
  const alertsNone = el('p', { className: 'muted' }, 'No alerts.');
  const runbooksTable = kit.dataTable(
    { id: 'review-runbooks' },
    'Runbooks run on the incident',
    ['Runbook', 'State'],
    runbooksBody,
  );
  const alertsTable = kit.dataTable(
    { id: 'review-alerts' },
    'The incident’s alerts',
    ['Alert', 'State', 'First seen', 'Fired'],
    alertsBody,
  );
  const factsSection = el(
    'section',
    { 'aria-labelledby': 'review-facts-heading', id: 'review-facts', hidden: true },
    el('h2', { id: 'review-facts-heading' }, 'What happened'),
    el('p', { className: 'muted' }, 'From the incident’s record when the review opened; not editable.'),
    facts,
    el('h3', {}, 'Timeline'),
    kit.dataTable(
      { className: 'timeline', id: 'review-timeline' },
      'The incident’s timeline, oldest first',
      ['At', 'Kind', 'Actor', 'Message'],
      timelineBody,
    ),
    el('h3', {}, 'Runbooks'),
    runbooksNone,
    runbooksTable,
    el('h3', {}, 'Alerts'),
    alertsNone,
    alertsTable,
  );

  // What people write.
  const state = el(
    'select',
    { id: 'review-state', name: 'state' },
    STATES.map(([value, text]) => el('option', { value }, text)),
  );
  const scheduledFor = el('input', {
    id: 'review-scheduled-for',
    name: 'scheduledFor',
    type: 'datetime-local',
  });
  const scheduledField = el(
    'div',
    { className: 'review-field' },
    el('label', { htmlFor: 'review-scheduled-for' }, 'Scheduled for'),
    scheduledFor,
  );
  const owner = el('input', {
    id: 'review-owner',
    name: 'owner',
    autocomplete: 'off',
    placeholder: 'a person id, like alice',
  });
  const rootCause = el('textarea', { id: 'review-root-cause', name: 'rootCause', rows: 3 });
  const whyRows = el('div', { className: 'review-rows', id: 'review-whys' });
  const addWhy = el('button', { type: 'button', className: 'secondary', id: 'add-why' }, 'Add a why');
  const wentWell = el('textarea', { id: 'review-went-well', name: 'wentWell', rows: 3 });
  const wentPoorly = el('textarea', { id: 'review-went-poorly', name: 'wentPoorly', rows: 3 });
  const lessons = el('textarea', { id: 'review-lessons', name: 'lessons', rows: 3 });
  const itemRows = el('div', { className: 'review-rows', id: 'review-action-items' });
  const addItem = el(
    'button',
    { type: 'button', className: 'secondary', id: 'add-action-item' },
    'Add an action item',
  );
  const saveButton = el('button', { type: 'submit', id: 'review-save' }, 'Save review');
  const markdownButton = el(
    'button',
    { type: 'button', className: 'secondary', id: 'review-markdown-button' },
    'Markdown',
  );
  const status = el('p', { className: 'action-status', id: 'review-status', role: 'status' });
  const reloadButton = el('button', { type: 'button', id: 'review-reload' }, 'Reload the saved review');
  const conflictText = el('p', { id: 'review-conflict-text' });
  const conflict = el(
    'div',
    { className: 'review-conflict', id: 'review-conflict', role: 'alert', hidden: true },
    conflictText,
    reloadButton,
  );
  const unsavedText = el('pre', { id: 'review-unsaved-text' });
  const unsaved = el(
    'details',
    { className: 'review-unsaved', id: 'review-unsaved', hidden: true, open: true },
    el('summary', {}, 'What you had typed (not saved)'),
    unsavedText,
  );
  const labelled = (id, text, control, hint) =>
    el(
      'div',
      { className: 'review-field' },
      el('label', { htmlFor: id }, text),
      hint && el('p', { className: 'muted hint' }, hint),
      control,
    );
  const form = el(
    'form',
    { className: 'review-form', id: 'review-form', 'aria-labelledby': 'review-form-heading', hidden: true },
    el('h2', { id: 'review-form-heading' }, 'The review'),
    el(
      'div',
      { className: 'review-meta' },
      labelled('review-state', 'State', state),
      scheduledField,
      labelled('review-owner', 'Owner', owner),
    ),
    labelled('review-root-cause', 'Root cause', rootCause),
    el(
      'fieldset',
      { className: 'review-fieldset' },
      el('legend', {}, 'Five whys'),
      el('p', { className: 'muted hint' }, 'Each answer asks the next why.'),
      whyRows,
      addWhy,
    ),
    labelled('review-went-well', 'What went well', wentWell, 'One per line.'),
    labelled('review-went-poorly', 'What went poorly', wentPoorly, 'One per line.'),
    labelled('review-lessons', 'Lessons', lessons, 'One per line.'),
    el(
      'fieldset',
      { className: 'review-fieldset' },
      el('legend', {}, 'Action items'),
      el('p', { className: 'muted hint' }, 'An empty id is made from the title when saving.'),
      itemRows,
      addItem,
    ),
    el('div', { className: 'buttons' }, saveButton, markdownButton),
    status,
    conflict,
    unsaved,
  );

  const markdownText = el('pre', { className: 'markdown', id: 'review-markdown' });
  const download = el(
    'a',
    { id: 'review-markdown-download', download: `${incidentId}-review.md` },
    'Download',
  );
  const markdown = el(
    'section',
    { 'aria-labelledby': 'review-markdown-heading', id: 'review-markdown-section', hidden: true },
    el('h2', { id: 'review-markdown-heading' }, 'Markdown'),
    el('p', { className: 'muted' }, 'The review as last saved. ', download),
    markdownText,
  );

  const node = el(
    'article',
    { className: 'review' },
    el('p', {}, el('a', { href: incidentHref }, `← ${incidentId}`)),
    heading,
    summary,
    missing,
    factsSection,
    form,
    markdown,
  );

  /** The review as last read or saved: the version a save expects. Undefined until there is one. */
  let loaded;
  /** Something was typed since the form was filled: a refresh must not overwrite it. */
  let dirty = false;
  let whys = [];
  let items = [];

  // ---------------------------------------------------------------------------------------------------------
  // Rows: whys and action items, numbered by place

  function addWhyRow(text = '') {
    const row = { input: el('input', { name: 'why', autocomplete: 'off', value: text }) };
    row.label = el('label', {});
    row.removeText = el('span', { className: 'visually-hidden' });
    row.remove = el('button', { type: 'button', className: 'secondary' }, 'Remove', row.removeText);
    row.remove.addEventListener('click', () => {
      whys = whys.filter((other) => other !== row);
      dirty = true;
      renumberWhys();
      (whys.at(-1)?.input ?? addWhy).focus();
    });
    row.node = el('div', { className: 'review-row why-row' }, row.label, row.input, row.remove);
    whys.push(row);
    renumberWhys();
    return row;
  }

  function renumberWhys() {
    whys.forEach((row, index) => {
      row.input.id = `review-why-${index + 1}`;
      row.label.htmlFor = row.input.id;
      row.label.textContent = `Why ${index + 1}`;
      row.removeText.textContent = ` why ${index + 1}`;
    });
    whyRows.replaceChildren(...whys.map((row) => row.node));
    addWhy.disabled = whys.length >= MAX_WHYS;
  }

  function addItemRow(item = { id: '', title: '', owner: '', dueDate: '', status: 'open' }) {
    const row = {
      id: el('input', { name: 'id', autocomplete: 'off', value: item.id, placeholder: 'from the title' }),
      title: el('input', { name: 'title', autocomplete: 'off', value: item.title }),
      owner: el('input', { name: 'owner', autocomplete: 'off', value: item.owner }),
      dueDate: el('input', { name: 'dueDate', type: 'date', value: item.dueDate }),
      status: el(
        'select',
        { name: 'status' },
        ITEM_STATUSES.map((value) => el('option', { value }, value)),
      ),
    };
    row.status.value = item.status;
    row.labels = {};
    const cells = ['id', 'title', 'owner', 'dueDate', 'status'].map((name) => {
      row.labels[name] = el('label', {});
      return el('div', { className: `cell cell-${name}` }, row.labels[name], row[name]);
    });
    row.removeText = el('span', { className: 'visually-hidden' });
    row.remove = el('button', { type: 'button', className: 'secondary' }, 'Remove', row.removeText);
    row.remove.addEventListener('click', () => {
      items = items.filter((other) => other !== row);
      dirty = true;
      renumberItems();
      (items.at(-1)?.title ?? addItem).focus();
    });
    row.node = el('div', { className: 'review-row item-row' }, cells, row.remove);
    items.push(row);
    renumberItems();
    return row;
  }

  function renumberItems() {
    const names = { id: 'id', title: 'title', owner: 'owner', dueDate: 'due date', status: 'status' };
    items.forEach((row, index) => {
      const n = index + 1;
      row.node.dataset.index = String(n);
      for (const [name, text] of Object.entries(names)) {
        row[name].id = `action-item-${n}-${name}`;
        row.labels[name].htmlFor = row[name].id;
        row.labels[name].textContent = `Item ${n} ${text}`;
      }
      row.removeText.textContent = ` action item ${n}`;
    });
    itemRows.replaceChildren(...items.map((row) => row.node));
    addItem.disabled = items.length >= MAX_ACTION_ITEMS;
  }

  addWhy.addEventListener('click', () => {
    dirty = true;
    addWhyRow().input.focus();
  });
  addItem.addEventListener('click', () => {
    dirty = true;
    addItemRow().title.focus();
  });
  form.addEventListener('input', () => {
    dirty = true;
  });
  state.addEventListener('change', showScheduled);

  function showScheduled() {
    scheduledField.hidden = state.value !== 'scheduled';
    scheduledFor.required = state.value === 'scheduled';
  }

  // ---------------------------------------------------------------------------------------------------------
  // Filling the page from a review, and the body a save sends

  function load(review) {
    loaded = review;
    dirty = false;
    heading.textContent = `Review of ${review.incidentId}: ${review.title}`;
    summary.textContent = `${reviewStateText(kit, review)} · version ${review.version}${review.owner ? ` · owner ${review.owner}` : ''}`;
    fillFacts(review);
    state.value = review.state;
    scheduledFor.value = localInputValue(review.scheduledFor);
    showScheduled();
    owner.value = review.owner ?? '';
    rootCause.value = review.rootCause ?? '';
    whys = [];
    for (const why of review.whys ?? []) addWhyRow(why);
    if (whys.length === 0) addWhyRow();
    wentWell.value = (review.wentWell ?? []).join('\n');
    wentPoorly.value = (review.wentPoorly ?? []).join('\n');
    lessons.value = (review.lessons ?? []).join('\n');
    items = [];
    for (const item of review.actionItems ?? []) addItemRow(item);
    renumberItems();
    missing.hidden = true;
    factsSection.hidden = false;
    form.hidden = false;
    conflict.hidden = true;
    // The Markdown shown was of the version before.
    markdown.hidden = true;
  }

  function fillFacts(review) {
    const figures = review.figures ?? {};
    const rows = [
      ['Incident', el('a', { href: incidentHref }, review.incidentId)],
      ['Title', review.title],
      ['Priority', review.priority],
      ['Service', review.service],
      ['Team', review.team],
      ['Summary', review.summary],
      ['Impact', review.impact],
      ['Resolution', review.resolution],
      ['Detected', kit.when(review.detectedAt)],
      ['Opened', kit.when(review.createdAt)],
      ['Acknowledged', kit.when(review.acknowledgedAt)],
      ['Resolved', kit.when(review.resolvedAt)],
      ['Time to detect', humanSeconds(figures.ttd)],
      ['Time to acknowledge', humanSeconds(figures.tta)],
      ['Time to resolve', humanSeconds(figures.ttr)],
      ['Response SLA', figures.slaBreached ? 'breached' : 'met'],
      ['Paged', review.paged?.length ? review.paged.join(', ') : 'nobody'],
      ['Review due', kit.when(review.dueAt)],
      ['Review opened', kit.when(review.openedAt)],
    ];
    facts.replaceChildren(
      ...rows
        .filter(([, value]) => value !== undefined && value !== '')
        .flatMap(([name, value]) => [
          el('dt', {}, name),
          el('dd', { id: `fact-${name.toLowerCase().replaceAll(' ', '-')}` }, value),
        ]),
    );
    timelineBody.replaceChildren(
      ...(review.timeline ?? []).map((entry) =>
        el(
          'tr',
          { className: `kind-${entry.kind}` },
          el('td', { className: 'at' }, kit.when(entry.at)),
          el('td', { className: 'kind' }, entry.kind),
          el('td', { className: 'actor' }, entry.actor),
          el('td', { className: 'message' }, entry.message),
        ),
      ),
    );
    const runbooks = review.runbooks ?? [];
    runbooksBody.replaceChildren(
      ...runbooks.map((run) => el('tr', {}, el('td', {}, run.name), el('td', {}, run.state))),
    );
    runbooksTable.hidden = runbooks.length === 0;
    runbooksNone.hidden = runbooks.length > 0;
    const alerts = review.alerts ?? [];
    alertsBody.replaceChildren(
      ...alerts.map((alert) =>
        el(
          'tr',
          {},
          el('td', { className: 'title' }, alert.title),
          el('td', {}, alert.state),
          el('td', {}, kit.when(alert.firstSeenAt)),
          el('td', { className: 'number' }, String(alert.firedCount)),
        ),
      ),
    );
    alertsTable.hidden = alerts.length === 0;
    alertsNone.hidden = alerts.length > 0;
  }

  /**
   * The PUT body from the form, and which control holds each field the API may name (`actionItems[1].owner`).
   * Blank whys and blank action-item rows are left out; with `assignIds`, an item without an id gets one
   * from its title, written back into the form so the next save keeps it.
   */
  function collect({ assignIds }) {
    const fields = {
      state,
      scheduledFor,
      owner,
      rootCause,
      wentWell,
      wentPoorly,
      lessons,
      actionItems: addItem,
    };
    const body = { state: state.value };
    if (state.value === 'scheduled' && scheduledFor.value) {
      const at = new Date(scheduledFor.value);
      body.scheduledFor = Number.isNaN(at.getTime()) ? scheduledFor.value : at.toISOString();
    }
    if (owner.value.trim()) body.owner = owner.value.trim();
    if (rootCause.value.trim()) body.rootCause = rootCause.value;
    const filledWhys = whys.filter((row) => row.input.value.trim());
    body.whys = filledWhys.map((row, index) => {
      fields[`whys[${index}]`] = row.input;
      return row.input.value.trim();
    });
    fields.whys = filledWhys[0]?.input ?? addWhy;
    body.wentWell = lines(wentWell.value);
    body.wentPoorly = lines(wentPoorly.value);
    body.lessons = lines(lessons.value);
    const filledItems = items.filter((row) =>
      ['id', 'title', 'owner', 'dueDate'].some((name) => row[name].value.trim()),
    );
    const taken = new Set(filledItems.map((row) => row.id.value.trim()).filter(Boolean));
    body.actionItems = filledItems.map((row, index) => {
      let id = row.id.value.trim();
      if (!id && row.title.value.trim()) {
        id = actionItemId(row.title.value, taken);
        taken.add(id);
        if (assignIds) row.id.value = id;
      }
      for (const name of ['id', 'title', 'owner', 'dueDate', 'status']) {
        fields[`actionItems[${index}].${name}`] = row[name];
      }
      fields[`actionItems[${index}]`] = row.title;
      return {
        id,
        title: row.title.value.trim(),
        owner: row.owner.value.trim(),
        dueDate: row.dueDate.value,
        status: row.status.value,
      };
    });
    return { body, fields };
  }

  /** What was typed, as plain text to copy from once the form holds someone else's version. */
  function typedText() {
    const { body } = collect({ assignIds: false });
    const list = (name, entries) => (entries.length ? [`${name}:`, ...entries.map((e) => `- ${e}`)] : []);
    return [
      `State: ${body.state}${body.scheduledFor ? ` (${body.scheduledFor})` : ''}`,
      body.owner && `Owner: ${body.owner}`,
      body.rootCause && `Root cause: ${body.rootCause}`,
      ...list('Whys', body.whys),
      ...list('Went well', body.wentWell),
      ...list('Went poorly', body.wentPoorly),
      ...list('Lessons', body.lessons),
      ...list(
        'Action items',
        body.actionItems.map((i) => `[${i.status}] ${i.title} (${i.id}), ${i.owner}, due ${i.dueDate}`),
      ),
    ]
      .filter(Boolean)
      .join('\n');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Actions

  let marked = [];

  function markField(fields, field) {
    for (const control of marked) {
      control.removeAttribute('aria-invalid');
      control.removeAttribute('aria-errormessage');
    }
    marked = [];
    const control = field && (fields[field] ?? fields[field.replace(/[[.].*$/, '')]);
    if (!control) return;
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-errormessage', status.id);
    marked.push(control);
    control.focus();
  }

  /** Runs one write with the form's controls disabled, saying in `where` how it went. */
  async function write(where, label, call) {
    const controls = [...form.elements, openButton, markdownButton].filter((control) => !control.disabled);
    for (const control of controls) control.disabled = true;
    where.className = 'action-status';
    where.textContent = `${label}…`;
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      where.className = 'action-status error';
      where.textContent = `${label} failed: ${kit.errorText(error)}`;
      return { ok: false, error };
    } finally {
      for (const control of controls) control.disabled = false;
      addWhy.disabled = whys.length >= MAX_WHYS;
      addItem.disabled = items.length >= MAX_ACTION_ITEMS;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!loaded) return;
    const { body, fields } = collect({ assignIds: true });
    const from = loaded.version;
    markField(fields, undefined);
    const result = await write(status, 'Save', () =>
      kit.api('PUT', path, { ...body, expectedVersion: from }),
    );
    if (result.ok) {
      load(result.value);
      unsaved.hidden = true;
      status.textContent = `Saved: version ${result.value.version}.`;
    } else if (result.error?.status === 409 && result.error.code === 'version_conflict') {
      const now = result.error.details?.version;
      conflictText.textContent =
        `Someone else saved this review${now ? ` (now version ${now})` : ''} after you loaded version ${from}, ` +
        'so yours was not saved. What you typed is still in the form. Reload to see their version: ' +
        'your text then stays shown below the form, to copy from.';
      conflict.hidden = false;
      reloadButton.focus();
    } else if (result.error?.status === 400) {
      markField(fields, result.error.field);
    }
  });

  reloadButton.addEventListener('click', async () => {
    const typed = typedText();
    const result = await write(status, 'Reload', () => kit.api('GET', path));
    if (!result.ok) return;
    load(result.value);
    unsavedText.textContent = typed;
    unsaved.hidden = false;
    status.textContent = `Reloaded version ${result.value.version}. What you had typed is below the form.`;
  });

  openButton.addEventListener('click', async () => {
    const result = await write(openStatus, 'Open a review', () =>
      kit.api('PUT', path, { state: 'draft', expectedVersion: 0 }),
    );
    if (result.ok) {
      load(result.value);
      status.className = 'action-status';
      status.textContent = `Review opened: version ${result.value.version}.`;
    } else if (result.error?.code === 'version_conflict') {
      // Someone (or the lifecycle) opened it meanwhile: show theirs.
      await refresh();
    }
  });

  let downloadUrl;
  markdownButton.addEventListener('click', async () => {
    const result = await write(status, 'Markdown', () => kit.apiText(path, 'text/markdown'));
    if (!result.ok) return;
    status.textContent = '';
    markdownText.textContent = result.value;
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([result.value], { type: 'text/markdown;charset=utf-8' }));
    download.href = downloadUrl;
    markdown.hidden = false;
    markdown.scrollIntoView?.({ block: 'nearest' });
  });

  // ---------------------------------------------------------------------------------------------------------
  // Refresh: the first read fills the page; later ones take in someone else's save only when nothing was
  // typed here, and otherwise say a save will conflict.

  async function showMissing() {
    const incident = await kit.api('GET', `/incidents/${encodeURIComponent(incidentId)}`);
    heading.textContent = `Review of ${incident.id}: ${incident.title}`;
    summary.textContent = '';
    const over = OVER.has(incident.status);
    missingText.textContent = over
      ? `${incident.id} is ${incident.status} and has no review yet.`
      : `${incident.id} is still ${incident.status}: a review can be opened once it is resolved.`;
    openButton.hidden = !over;
    missing.hidden = false;
  }

  async function refresh() {
    let review;
    try {
      review = await kit.api('GET', path);
    } catch (error) {
      if (!loaded && error?.status === 404 && error.code === 'review_not_found') return showMissing();
      throw error;
    }
    if (!loaded || (review.version !== loaded.version && !dirty)) return load(review);
    if (review.version !== loaded.version && conflict.hidden) {
      conflictText.textContent = `Someone else saved version ${review.version} since you loaded version ${loaded.version}: saving now will be refused. Reload to see theirs; your text then stays shown below the form.`;
      conflict.hidden = false;
    }
  }

  return { node, refresh };
}
