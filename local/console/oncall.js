// Firebreak console, on call (`#/oncall`): who is on call now for every schedule, each schedule's next two
// weeks, its overrides (add, delete), and the people with their contact methods (add, edit). Over the public
// API only, with console.js's helpers (`kit`: api, el, dataTable, errorText, when).
//
// As in console.js, every string that comes from the API goes on the page as text (through `el`), never as
// markup. Times are shown in the viewer's own time zone; the schedule's zone is named beside them.

const CALENDAR_DAYS = 14;
const MAX_CONTACTS = 10;
const CONTACT_TYPES = ['email', 'sms', 'chat'];
const CONTACT_TYPE_TEXT = { email: 'email', sms: 'SMS', chat: 'chat handle' };
const ADDRESS_EXAMPLE = { email: 'alice@example.com', sms: '+4915112345678', chat: '@alice' };
const STATE_TEXT = {
  'pending-confirmation': 'pending confirmation',
  confirmed: 'confirmed',
  failed: 'failed',
};
/** `onCallAt` looks this far ahead: an answer that holds at least that long has `until` at the horizon. */
const ONCALL_HORIZON_MS = 90 * 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------------
// Time: the viewer's days and the `datetime-local` inputs

/** Midnight that starts `date`'s day in the viewer's zone. */
function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** The same wall-clock time `days` calendar days later (a day across a DST change has 23 or 25 hours). */
function addDays(date, days) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

const pad = (n) => String(n).padStart(2, '0');

/** `HH:MM` on the viewer's clock. */
function clockTime(ms) {
  const date = new Date(ms);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** `Mon 2 Mar` in the viewer's language. */
function dayName(date) {
  return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

/** What a `datetime-local` input holds for an instant: `2026-03-02T09:00` on the viewer's clock. */
function localInputValue(ms) {
  const date = new Date(ms);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The instant a `datetime-local` value names on the viewer's clock (a date-time without offset is local). */
function instantOfLocalInput(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function viewerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A random Idempotency-Key: 32 hex digits (getRandomValues works outside secure contexts too). */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------------------------------------------------------------------------------------------------------
// The view

/** The on-call page: built once; `refresh` re-reads everything and keeps the forms as they are. */
export function onCallView(kit) {
  const { el } = kit;
  /** People by id, from the last refresh: how a person id is shown. */
  let people = new Map();
  const who = (id) => personLabel(people, id);

  const now = nowSection(kit, who);
  const schedulesList = el('div', { id: 'schedules' });
  const schedulesSummary = el('p', { className: 'muted', id: 'schedules-summary' });
  /** One section per schedule, kept across refreshes so a half-filled override form survives them. */
  const sections = new Map();
  const peoplePart = peopleSection(kit, () => refresh());

  const node = el(
    'article',
    { className: 'oncall' },
    el('h1', {}, 'On call'),
    el(
      'p',
      { className: 'muted' },
      `Times are shown in your time zone (${viewerZone()}); each schedule names its own.`,
    ),
    now.node,
    el(
      'section',
      { 'aria-labelledby': 'calendars-heading' },
      el('h2', { id: 'calendars-heading' }, 'Schedules: the next two weeks'),
      schedulesSummary,
      schedulesList,
    ),
    peoplePart.node,
  );

  async function refresh() {
    const from = startOfDay(new Date());
    const to = addDays(from, CALENDAR_DAYS);
    const [peopleAnswer, schedulesAnswer] = await Promise.all([
      kit.api('GET', '/people'),
      kit.api('GET', '/schedules'),
    ]);
    const schedules = await Promise.all(
      schedulesAnswer.items.map((schedule) => readSchedule(kit, schedule.id, from, to)),
    );
    people = new Map(peopleAnswer.items.map((person) => [person.id, person]));

    now.render(schedules);
    schedulesSummary.textContent =
      schedules.length === 0
        ? 'No schedules yet: create one with PUT /schedules/{id} (see the README).'
        : `${schedules.length} ${schedules.length === 1 ? 'schedule' : 'schedules'}, ${dayName(from)} to ${dayName(addDays(to, -1))}`;
    for (const id of sections.keys()) {
      if (!schedules.some((read) => read.schedule.id === id)) sections.delete(id);
    }
    const wanted = schedules.map((read) => {
      let section = sections.get(read.schedule.id);
      if (!section) {
        section = scheduleSection(kit, read.schedule.id, () => refresh());
        sections.set(read.schedule.id, section);
      }
      section.render(read, peopleAnswer.items, who, from);
      return section.node;
    });
    // Moving a section would take the focus out of a form being filled in: only when the list changed.
    const shown = [...schedulesList.children];
    if (wanted.length !== shown.length || wanted.some((section, index) => section !== shown[index]))
      schedulesList.replaceChildren(...wanted);
    peoplePart.render(peopleAnswer.items);
  }

  return { node, refresh };
}

/** One schedule with its overrides, who is on call now and its shifts over [from, to). */
async function readSchedule(kit, id, from, to) {
  const path = `/schedules/${encodeURIComponent(id)}`;
  const range = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  const [schedule, oncall, shifts] = await Promise.all([
    kit.api('GET', path),
    kit.api('GET', `${path}/oncall`),
    kit.api('GET', `${path}/shifts?${range}`),
  ]);
  return { schedule, oncall, shifts: shifts.shifts };
}

/** `Alice Example (alice)`, or the bare id of someone the API does not know (deleted meanwhile). */
function personLabel(people, id) {
  const person = people.get(id);
  return person ? `${person.name} (${id})` : id;
}

// ---------------------------------------------------------------------------------------------------------
// On call now

function nowSection(kit, who) {
  const { el } = kit;
  const body = el('tbody');
  const table = kit.dataTable(
    { className: 'oncall-now', id: 'oncall-now' },
    'Who is on call now, per schedule',
    ['Schedule', 'On call now', 'Until'],
    body,
  );
  const empty = el('p', { className: 'muted' }, 'No schedules yet.');
  const node = el(
    'section',
    { 'aria-labelledby': 'oncall-now-heading' },
    el('h2', { id: 'oncall-now-heading' }, 'On call now'),
    empty,
    table,
  );

  function render(schedules) {
    empty.hidden = schedules.length > 0;
    table.hidden = schedules.length === 0;
    body.replaceChildren(
      ...schedules.map(({ schedule, oncall }) => {
        const person = oncall.person;
        // `until` at the lookup horizon means "at least that long", not a known handoff.
        const beyond = Date.parse(oncall.until) - Date.now() >= ONCALL_HORIZON_MS - 60_000;
        return el(
          'tr',
          { 'data-schedule': schedule.id, className: person ? 'covered' : 'uncovered' },
          el('th', { scope: 'row' }, `${schedule.name} (${schedule.id})`),
          el(
            'td',
            { className: 'person' },
            person ? who(person) : el('span', { className: 'nobody' }, '⚠ Nobody is on call'),
          ),
          el(
            'td',
            { className: 'until' },
            `${beyond ? 'at least until' : 'until'} ${kit.when(oncall.until)}`,
          ),
        );
      }),
    );
  }

  return { node, render };
}

// ---------------------------------------------------------------------------------------------------------
// One schedule: its calendar, its overrides and the override form

function scheduleSection(kit, id, reload) {
  const { el } = kit;
  const path = `/schedules/${encodeURIComponent(id)}`;
  const headingId = `schedule-heading-${id}`;
  const heading = el('h3', { id: headingId }, id);
  const about = el('p', { className: 'muted' });
  const calendarBody = el('tbody');
  const caption = el('caption', { className: 'visually-hidden' });
  const calendar = el(
    'table',
    { className: 'calendar' },
    caption,
    el(
      'thead',
      {},
      el('tr', {}, el('th', { scope: 'col' }, 'Day'), el('th', { scope: 'col' }, 'Who is on call')),
    ),
    calendarBody,
  );

  const status = el('p', {
    className: 'action-status',
    id: `override-status-${id}`,
    role: 'status',
  });
  const overridesHeading = el('h4', { tabIndex: -1 }, 'Overrides');
  const overridesBody = el('tbody');
  let overridesSignature;
  const overridesEmpty = el('p', { className: 'muted' }, 'No current or future overrides.');
  const overridesTable = kit.dataTable(
    { className: 'overrides' },
    `Current and future overrides of ${id}`,
    ['Person', 'From', 'To', 'Made by', 'Action'],
    overridesBody,
  );

  const personChoice = el('select', { id: `override-person-${id}`, name: 'person', required: true });
  const start = el('input', {
    id: `override-start-${id}`,
    name: 'start',
    type: 'datetime-local',
    required: true,
  });
  const end = el('input', { id: `override-end-${id}`, name: 'end', type: 'datetime-local', required: true });
  const submit = el('button', { type: 'submit' }, 'Add override');
  const form = el(
    'form',
    { className: 'action override-form' },
    el('h4', {}, 'Add an override'),
    el(
      'p',
      { className: 'muted' },
      'The person is on call from start to end, over every layer (your time zone).',
    ),
    el('label', { htmlFor: personChoice.id }, 'Person'),
    personChoice,
    el('label', { htmlFor: start.id }, 'Start'),
    start,
    el('label', { htmlFor: end.id }, 'End'),
    end,
    submit,
    status,
  );
  const fields = { person: personChoice, start, end };
  /** Whether the form is disabled for want of anyone to name; undefined until the first render. */
  let formWaitsForPeople;
  prefillOverride();

  /**
   * One key per submission of the same values: a retry after a lost answer adds no second override, and any
   * change to the form (or a success) makes the next submission a new one.
   */
  let idempotencyKey;
  form.addEventListener('input', () => {
    idempotencyKey = undefined;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(fields);
    idempotencyKey ??= randomKey();
    const body = {
      person: personChoice.value,
      start: instantOfLocalInput(start.value) ?? start.value,
      end: instantOfLocalInput(end.value) ?? end.value,
    };
    const headers = { 'Idempotency-Key': idempotencyKey };
    const result = await runAction(kit, [...form.elements], status, 'Add override', () =>
      kit.api('POST', `${path}/overrides`, body, headers),
    );
    if (result.ok) {
      idempotencyKey = undefined;
      prefillOverride();
    } else showFieldError(status, fields, result.error);
    await reload().catch(() => {});
  });

  function prefillOverride() {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    start.value = localInputValue(minute);
    end.value = localInputValue(minute + 60 * 60 * 1000);
  }

  function deleteButton(override, who) {
    const button = el(
      'button',
      { type: 'button', className: 'secondary' },
      'Delete',
      el('span', { className: 'visually-hidden' }, ` override for ${who(override.person)}`),
    );
    button.addEventListener('click', async () => {
      const result = await runAction(
        kit,
        [button],
        status,
        `Delete override for ${who(override.person)}`,
        () => kit.api('DELETE', `${path}/overrides/${encodeURIComponent(override.id)}`),
      );
      await reload().catch(() => {});
      // Its row (and the focused button) is gone: keep the keyboard where the overrides are.
      if (result.ok) overridesHeading.focus();
    });
    return button;
  }

  const node = el(
    'section',
    { className: 'schedule', 'data-schedule': id, 'aria-labelledby': headingId },
    heading,
    about,
    calendar,
    el('div', { className: 'overrides-part' }, overridesHeading, overridesEmpty, overridesTable),
    form,
  );

  function render({ schedule, shifts }, peopleList, who, from) {
    heading.textContent = `${schedule.name} (${schedule.id})`;
    const layers = schedule.layers.length;
    about.textContent = `Schedule time zone ${schedule.timeZone} · ${layers} ${layers === 1 ? 'layer' : 'layers'}`;
    caption.textContent = `Who is on call for ${schedule.name}, day by day, in your time zone`;
    calendarBody.replaceChildren(
      ...Array.from({ length: CALENDAR_DAYS }, (_, index) => {
        const day = addDays(from, index);
        return calendarRow(kit, day, addDays(day, 1), shifts, who, layers > 1);
      }),
    );

    const nowMs = Date.now();
    const upcoming = (schedule.overrides ?? []).filter((override) => Date.parse(override.end) > nowMs);
    overridesEmpty.hidden = upcoming.length > 0;
    overridesTable.hidden = upcoming.length === 0;
    // Rows hold buttons: rebuilt only when they change, so a refresh never takes the keyboard focus away.
    const overridesShown = JSON.stringify(upcoming.map((override) => [override, who(override.person)]));
    if (overridesShown !== overridesSignature) {
      overridesSignature = overridesShown;
      overridesBody.replaceChildren(
        ...upcoming.map((override) =>
          el(
            'tr',
            { 'data-override-id': override.id },
            el('td', { className: 'person' }, who(override.person)),
            el('td', { className: 'at' }, kit.when(override.start)),
            el('td', { className: 'at' }, kit.when(override.end)),
            el('td', {}, `${override.createdBy} · ${kit.when(override.createdAt)}`),
            el('td', {}, deleteButton(override, who)),
          ),
        ),
      );
    }

    fillPersonChoice(kit, personChoice, peopleList);
    // Only on a change: a refresh must not re-enable a form whose submission is under way.
    const nobody = peopleList.length === 0;
    if (nobody === formWaitsForPeople) return;
    formWaitsForPeople = nobody;
    for (const control of form.elements) control.disabled = nobody;
    status.className = 'action-status';
    status.textContent = nobody ? 'Add a person first (below): an override names who is on call.' : '';
  }

  return { node, render };
}

/** One calendar day: the shifts that touch [dayStart, dayEnd), cut to the day. */
function calendarRow(kit, dayStart, dayEnd, shifts, who, showLayer) {
  const { el } = kit;
  const from = dayStart.getTime();
  const to = dayEnd.getTime();
  const segments = shifts
    .filter((shift) => Date.parse(shift.start) < to && Date.parse(shift.end) > from)
    .map((shift) => {
      const start = Math.max(Date.parse(shift.start), from);
      const end = Math.min(Date.parse(shift.end), to);
      const times = `${clockTime(start)}–${end === to ? '24:00' : clockTime(end)}`;
      const what =
        shift.person === null
          ? el('span', { className: 'nobody' }, '⚠ nobody on call')
          : el('span', { className: 'who' }, who(shift.person));
      const tag =
        shift.source === 'override'
          ? el('span', { className: 'tag tag-override' }, 'override')
          : showLayer && shift.source === 'layer'
            ? el('span', { className: 'tag' }, `layer ${shift.layer + 1}`)
            : undefined;
      return el(
        'li',
        {
          className: `shift shift-${shift.source}`,
          'data-person': shift.person ?? '',
          'data-source': shift.source,
          'data-start': shift.start,
          'data-end': shift.end,
        },
        el('span', { className: 'times' }, times),
        ' ',
        what,
        tag && ' ',
        tag,
      );
    });
  return el(
    'tr',
    { 'data-day': localInputValue(from).slice(0, 10) },
    el('th', { scope: 'row', className: 'day' }, dayName(dayStart)),
    el('td', {}, el('ul', { className: 'shifts' }, segments)),
  );
}

/** The people an override can name; the choice made stays when the list is read again. */
function fillPersonChoice(kit, select, peopleList) {
  const wanted = peopleList.map((person) => `${person.id}\n${person.name}`).join('\n');
  if (select.dataset.people === wanted) return;
  const chosen = select.value;
  select.replaceChildren(
    ...peopleList.map((person) => kit.el('option', { value: person.id }, `${person.name} (${person.id})`)),
  );
  if (peopleList.some((person) => person.id === chosen)) select.value = chosen;
  select.dataset.people = wanted;
}

// ---------------------------------------------------------------------------------------------------------
// People: the list with contact states, and the form to add or edit one

function peopleSection(kit, reload) {
  const { el } = kit;
  const body = el('tbody');
  const empty = el('p', { className: 'muted' }, 'No people yet: add one with the form below.');
  const table = kit.dataTable(
    { className: 'people', id: 'people' },
    'People and their contact methods',
    ['Id', 'Name', 'Time zone', 'Contact methods', 'Action'],
    body,
  );
  const form = personForm(kit, reload);
  const node = el(
    'section',
    { 'aria-labelledby': 'people-heading' },
    el('h2', { id: 'people-heading' }, 'People'),
    empty,
    table,
    form.node,
  );

  let shown;
  function render(peopleList) {
    empty.hidden = peopleList.length > 0;
    table.hidden = peopleList.length === 0;
    // Rows hold Edit buttons: rebuilt only when they change, so a refresh never takes the focus away.
    const signature = JSON.stringify(peopleList);
    if (signature === shown) return;
    shown = signature;
    body.replaceChildren(...peopleList.map((person) => personRow(kit, person, form.edit)));
  }

  return { node, render };
}

function personRow(kit, person, edit) {
  const { el } = kit;
  const editButton = el(
    'button',
    { type: 'button', className: 'secondary' },
    'Edit',
    el('span', { className: 'visually-hidden' }, ` ${person.name}`),
  );
  editButton.addEventListener('click', () => edit(person));
  return el(
    'tr',
    { 'data-person-id': person.id },
    el('th', { scope: 'row', className: 'id' }, person.id),
    el('td', { className: 'name' }, person.name),
    el('td', { className: 'zone' }, person.timeZone),
    el(
      'td',
      { className: 'contacts' },
      el(
        'ul',
        {},
        person.contacts.map((contact) => contactItem(kit, contact)),
      ),
    ),
    el('td', {}, editButton),
  );
}

/** `email alice@example.com — pending confirmation`, with why it failed when it did. */
function contactItem(kit, contact) {
  const { el } = kit;
  const state = STATE_TEXT[contact.state] ?? contact.state;
  return el(
    'li',
    { className: 'contact', 'data-type': contact.type, 'data-state': contact.state },
    el('span', { className: 'contact-type' }, CONTACT_TYPE_TEXT[contact.type] ?? contact.type),
    ' ',
    el('span', { className: 'address' }, contact.address),
    ' ',
    el(
      'span',
      { className: `contact-state state-${contact.state}` },
      contact.state === 'failed' ? `⚠ ${state}` : state,
    ),
    contact.type === 'chat' && el('span', { className: 'muted' }, ' (used by chat integrations)'),
    contact.problem && el('div', { className: 'problem' }, `Problem: ${contact.problem}`),
  );
}

/** Add or edit a person: PUT /people/{id} with the whole person. */
function personForm(kit, reload) {
  const { el } = kit;
  const heading = el('h3', { id: 'person-form-heading' }, 'Add a person');
  const id = el('input', {
    id: 'person-id',
    name: 'id',
    required: true,
    autocomplete: 'off',
    pattern: '[a-z0-9][a-z0-9._\\-]{0,63}',
    placeholder: 'alice',
    'aria-describedby': 'person-id-hint',
  });
  const name = el('input', { id: 'person-name', name: 'name', required: true, autocomplete: 'off' });
  const zone = el('input', {
    id: 'person-zone',
    name: 'timeZone',
    required: true,
    autocomplete: 'off',
    value: viewerZone(),
  });
  zone.setAttribute('list', 'time-zones');
  const zones = el(
    'datalist',
    { id: 'time-zones' },
    (Intl.supportedValuesOf?.('timeZone') ?? []).map((z) => el('option', { value: z })),
  );
  const contactRows = el('div', { className: 'contact-rows' });
  const addContact = el('button', { type: 'button', className: 'secondary' }, 'Add contact method');
  const save = el('button', { type: 'submit' }, 'Save person');
  const cancel = el('button', { type: 'button', className: 'secondary', hidden: true }, 'Cancel editing');
  const status = el('p', { className: 'action-status', id: 'person-status', role: 'status' });
  const form = el(
    'form',
    { className: 'action person-form', 'aria-labelledby': 'person-form-heading' },
    heading,
    el('label', { htmlFor: 'person-id' }, 'Id'),
    id,
    el(
      'p',
      { className: 'muted hint', id: 'person-id-hint' },
      'Lowercase letters, digits, ".", "_" or "-": schedules and escalation targets (person:<id>) use it.',
    ),
    el('label', { htmlFor: 'person-name' }, 'Name'),
    name,
    el('label', { htmlFor: 'person-zone' }, 'Time zone'),
    zone,
    zones,
    el(
      'fieldset',
      { className: 'contacts-fieldset' },
      el('legend', {}, 'Contact methods'),
      contactRows,
      addContact,
    ),
    el('div', { className: 'buttons' }, save, cancel),
    status,
  );

  /** Rows of {type, address, node}; their labels are numbered by place. */
  let rows = [];

  function addRow(contact = { type: 'email', address: '' }) {
    const row = { type: el('select', { name: 'type' }), address: el('input', { name: 'address' }) };
    row.type.replaceChildren(
      ...CONTACT_TYPES.map((type) => el('option', { value: type }, CONTACT_TYPE_TEXT[type])),
    );
    row.type.value = contact.type;
    row.address.value = contact.address;
    row.address.autocomplete = 'off';
    row.remove = el('button', { type: 'button', className: 'secondary' }, 'Remove');
    row.typeLabel = el('label', {});
    row.addressLabel = el('label', {});
    row.removeText = el('span', { className: 'visually-hidden' });
    row.remove.append(row.removeText);
    row.type.addEventListener('change', () => {
      row.address.placeholder = ADDRESS_EXAMPLE[row.type.value];
    });
    row.remove.addEventListener('click', () => {
      rows = rows.filter((other) => other !== row);
      renumber();
      (rows.at(-1)?.address ?? addContact).focus();
    });
    row.node = el(
      'div',
      { className: 'contact-row' },
      el('div', {}, row.typeLabel, row.type),
      el('div', { className: 'grow' }, row.addressLabel, row.address),
      row.remove,
    );
    rows.push(row);
    renumber();
    return row;
  }

  function renumber() {
    rows.forEach((row, index) => {
      const n = index + 1;
      row.type.id = `contact-type-${n}`;
      row.address.id = `contact-address-${n}`;
      row.typeLabel.htmlFor = row.type.id;
      row.typeLabel.textContent = `Contact ${n} type`;
      row.addressLabel.htmlFor = row.address.id;
      row.addressLabel.textContent = `Contact ${n} address`;
      row.address.placeholder = ADDRESS_EXAMPLE[row.type.value];
      row.removeText.textContent = ` contact ${n}`;
    });
    contactRows.replaceChildren(...rows.map((row) => row.node));
    addContact.disabled = rows.length >= MAX_CONTACTS;
  }

  addContact.addEventListener('click', () => addRow().address.focus());

  /** Back to adding a new person, with one empty contact method. */
  function reset() {
    form.reset();
    heading.textContent = 'Add a person';
    id.readOnly = false;
    zone.value = viewerZone();
    cancel.hidden = true;
    rows = [];
    addRow();
  }

  /** Fills the form with a person to change: the id stays (a new id would be another person). */
  function edit(person) {
    form.reset();
    clearFieldErrors(fieldMap());
    heading.textContent = `Edit ${person.id}`;
    id.value = person.id;
    id.readOnly = true;
    name.value = person.name;
    zone.value = person.timeZone;
    cancel.hidden = false;
    rows = [];
    for (const contact of person.contacts) addRow({ type: contact.type, address: contact.address });
    if (rows.length === 0) addRow();
    status.className = 'action-status';
    status.textContent = '';
    name.focus();
  }

  cancel.addEventListener('click', () => {
    reset();
    status.textContent = '';
    id.focus();
  });

  /** API field names (`contacts[1].address`) to the controls that hold them. */
  function fieldMap() {
    const map = { id, name, timeZone: zone };
    rows.forEach((row, index) => {
      map[`contacts[${index}].type`] = row.type;
      map[`contacts[${index}].address`] = row.address;
      map[`contacts[${index}]`] = row.type;
    });
    return map;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = fieldMap();
    clearFieldErrors(fields);
    const personId = id.value.trim();
    const body = {
      name: name.value,
      timeZone: zone.value.trim(),
      contacts: rows.map((row) => ({ type: row.type.value, address: row.address.value.trim() })),
    };
    const result = await runAction(kit, [...form.elements], status, `Save ${personId}`, () =>
      kit.api('PUT', `/people/${encodeURIComponent(personId)}`, body),
    );
    if (result.ok) reset();
    else showFieldError(status, fields, result.error);
    await reload().catch(() => {});
  });

  reset();
  return { node: form, edit };
}

// ---------------------------------------------------------------------------------------------------------
// Actions and their errors

/**
 * Runs one write with `controls` disabled meanwhile, and says in `status` how it went. Answers whether it
 * succeeded and, when not, the error.
 */
async function runAction(kit, controls, status, label, call) {
  const enabled = controls.filter((control) => !control.disabled);
  for (const control of enabled) control.disabled = true;
  status.className = 'action-status';
  status.textContent = `${label}…`;
  try {
    await call();
    status.textContent = `${label}: done.`;
    return { ok: true };
  } catch (error) {
    status.className = 'action-status error';
    status.textContent = `${label} failed: ${kit.errorText(error)}`;
    return { ok: false, error };
  } finally {
    for (const control of enabled) control.disabled = false;
  }
}

/** Marks the control an API error names (`field`), pointing it at the message in `status`. */
function showFieldError(status, fields, error) {
  const control = error?.field ? fields[error.field] : undefined;
  if (!control) return;
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-errormessage', status.id);
  control.focus();
}

function clearFieldErrors(fields) {
  for (const control of Object.values(fields)) {
    control.removeAttribute('aria-invalid');
    control.removeAttribute('aria-errormessage');
  }
}
