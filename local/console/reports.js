// Firebreak console, reports (`#/reports`): time to acknowledge and to resolve per week (p50 and p90),
// incidents per week by priority, SLA breaches per week, incidents by priority and by service over a chosen
// range, and a table of the figures. From `GET /metrics/trend` and `GET /metrics/summary` (the figures are
// defined once, in lambdas/core/figures.ts), with console.js's helpers (`kit`: api, el, dataTable, errorText).
//
// The charts are uPlot (MIT), served by local mode from node_modules under /console/vendor/ and loaded only
// when this page opens. uPlot draws on a canvas and builds its legend with text nodes; it sets sizes through
// element.style (the CSSOM), which the console's CSP (`style-src 'self'`) allows. Every string from the API
// goes on the page as text.

const DAY_MS = 24 * 60 * 60 * 1000;
const TREND_WEEKS = 12;
const RANGES = [7, 30, 90];
const DEFAULT_RANGE = 30;
const GROUPINGS = [
  ['priority', 'Priority'],
  ['service', 'Service'],
  ['team', 'Team'],
];
/** The charts' colours in the console's light and dark themes (as console.css; canvas cannot read CSS). */
const LIGHT = {
  P1: '#a40000',
  P2: '#c25e00',
  P3: '#0b4f9c',
  P4: '#666666',
  p50: '#0b4f9c',
  p90: '#7a2f9c',
  bar: '#0b4f9c',
  breach: '#a40000',
  axis: '#111111',
  grid: '#dddddd',
};
const DARK = {
  P1: '#ff8a80',
  P2: '#ffb74d',
  P3: '#8ab4f8',
  P4: '#a9b0b8',
  p50: '#8ab4f8',
  p90: '#d7aefb',
  bar: '#8ab4f8',
  breach: '#ff8a80',
  axis: '#e8eaed',
  grid: '#3a3f45',
};
/** The palette of the theme on screen when a chart is drawn. */
const colours = () => (matchMedia('(prefers-color-scheme: dark)').matches ? DARK : LIGHT);
const CHART_HEIGHT = 220;

/** uPlot, loaded once, on first use. */
let uPlotModule;
function loadUPlot() {
  uPlotModule ??= import('./vendor/uPlot.esm.js').then((module) => module.default);
  return uPlotModule;
}

/** A stylesheet of this page (uPlot's own, this page's), added to the document once. */
function ensureStylesheet(href) {
  if (document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

/** Seconds as people read them: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`; `—` when there is no figure. */
export function humanSeconds(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const seconds = Math.max(0, Math.round(value));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `mean 12 min · p50 10 min · p90 30 min`, or `—` when no incident has the figure. */
function statsText(stats) {
  if (!stats || stats.mean === null) return '—';
  return `mean ${humanSeconds(stats.mean)} · p50 ${humanSeconds(stats.p50)} · p90 ${humanSeconds(stats.p90)}`;
}

/** The week's Monday (`2026-11-16`) as uPlot's x value: seconds since the epoch. */
const weekSeconds = (week) => Date.parse(`${week}T00:00:00Z`) / 1000;
/** Half a week either side of the first and last week, so their points and bars are not cut at the edge. */
const weekScale = {
  time: true,
  range: (_u, min, max) => [min - 3.5 * 86_400, max + 3.5 * 86_400],
};
/** A category's name on the axis, shortened to fit under its bar (the legend and the table give it whole). */
const axisName = (name) => (name.length > 14 ? `${name.slice(0, 13)}…` : name);

// ---------------------------------------------------------------------------------------------------------
// Charts

/** One chart in a figure: made on first data, made again only when its data changes. */
function chartSlot(kit, id, title) {
  const { el } = kit;
  const area = el('div', { className: 'chart-area' });
  const empty = el('p', { className: 'muted chart-empty' });
  empty.hidden = true;
  const node = el('figure', { className: 'chart', id }, el('figcaption', {}, title), empty, area);
  let chart;
  let shown = '';
  return {
    node,
    /** `build(uPlot, width)` returns uPlot's options and data; `emptyText` shows instead when there is none. */
    async render(key, build, emptyText) {
      if (key === shown) return;
      shown = key;
      chart?.destroy();
      chart = undefined;
      area.replaceChildren();
      empty.hidden = !emptyText;
      empty.textContent = emptyText ?? '';
      if (emptyText) return;
      const uPlot = await loadUPlot();
      // A newer render came while uPlot loaded: that one draws.
      if (key !== shown) return;
      const width = Math.max(280, Math.min(640, (node.clientWidth || 600) - 8));
      const { options, data } = build(uPlot, width);
      // Axes, their ticks and the grid in the theme's colours (uPlot's own are for a light page).
      const { axis, grid } = colours();
      const axes = options.axes.map((a) => ({
        stroke: axis,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        ...a,
      }));
      chart = new uPlot({ width, height: CHART_HEIGHT, ...options, axes }, data, area);
    },
  };
}

/** A y axis of seconds, labelled as durations. */
const durationAxis = { size: 80, values: (_u, splits) => splits.map((value) => humanSeconds(value)) };
/** A y axis of counts: whole numbers only. */
const countAxis = {
  values: (_u, splits) => splits.map((value) => (Number.isInteger(value) ? String(value) : '')),
};

/** p50 and p90 of one figure per week. */
function percentileChart(weeks, figure, label) {
  return (_uPlot) => ({
    options: {
      scales: { x: weekScale, y: { range: (_u, _min, max) => [0, Math.max(60, max ?? 0)] } },
      axes: [{}, durationAxis],
      series: [
        { label: 'Week' },
        {
          label: `${label} p50`,
          stroke: colours().p50,
          width: 2,
          points: { show: true },
          value: (_u, v) => humanSeconds(v),
        },
        {
          label: `${label} p90`,
          stroke: colours().p90,
          width: 2,
          dash: [6, 4],
          points: { show: true },
          value: (_u, v) => humanSeconds(v),
        },
      ],
    },
    data: [
      weeks.map((week) => weekSeconds(week.week)),
      weeks.map((week) => week[figure].p50),
      weeks.map((week) => week[figure].p90),
    ],
  });
}

/** Incidents per week, one line per priority. */
function weeklyPriorityChart(weeks) {
  return () => ({
    options: {
      scales: { x: weekScale, y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 0)] } },
      axes: [{}, countAxis],
      series: [
        { label: 'Week' },
        ...['P1', 'P2', 'P3', 'P4'].map((priority) => ({
          label: priority,
          stroke: colours()[priority],
          width: 2,
          points: { show: true },
        })),
      ],
    },
    data: [
      weeks.map((week) => weekSeconds(week.week)),
      ...['P1', 'P2', 'P3', 'P4'].map((priority) => weeks.map((week) => week.byPriority[priority])),
    ],
  });
}

/** One bar per x: weeks (time) or named categories (`names`, x = 0, 1, …). */
function barChart(label, colour, xs, ys, names) {
  return (uPlot) => ({
    options: {
      scales: {
        x: names ? { time: false, range: () => [-0.5, names.length - 0.5] } : weekScale,
        y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 0)] },
      },
      axes: [
        names
          ? {
              splits: () => names.map((_name, i) => i),
              values: (_u, splits) => splits.map((i) => axisName(names[i] ?? '')),
            }
          : {},
        countAxis,
      ],
      series: [
        names
          ? { label: 'Group', value: (_u, i) => (i === null ? '' : (names[i] ?? '')) }
          : { label: 'Week' },
        {
          label,
          stroke: colour,
          fill: `${colour}99`,
          width: 1,
          paths: uPlot.paths.bars({ size: [0.6, 48] }),
          points: { show: false },
        },
      ],
    },
    data: [xs, ys],
  });
}

// ---------------------------------------------------------------------------------------------------------
// The view

/** The reports page: built once; `refresh` re-reads the figures and redraws only what changed. */
export function reportsView(kit) {
  const { el } = kit;
  ensureStylesheet('/console/vendor/uPlot.min.css');
  ensureStylesheet('/console/reports.css');
  let days = DEFAULT_RANGE;
  let groupBy = 'priority';

  const rangeSelect = el(
    'select',
    { id: 'reports-range' },
    RANGES.map((n) => el('option', { value: String(n), selected: n === DEFAULT_RANGE }, `Last ${n} days`)),
  );
  const groupSelect = el(
    'select',
    { id: 'reports-group' },
    GROUPINGS.map(([value, text]) => el('option', { value }, text)),
  );

  const mtta = chartSlot(kit, 'chart-mtta', 'Time to acknowledge per week (p50, p90)');
  const mttr = chartSlot(kit, 'chart-mttr', 'Time to resolve per week (p50, p90)');
  const weekly = chartSlot(kit, 'chart-weekly-priority', 'Incidents per week by priority');
  const breaches = chartSlot(kit, 'chart-sla', 'SLA breaches per week');
  const byPriority = chartSlot(kit, 'chart-by-priority', 'Incidents by priority');
  const byService = chartSlot(kit, 'chart-by-service', 'Incidents by service');

  const problem = el('p', { className: 'error', role: 'status' });
  const summaryCaption = el('p', { className: 'muted', id: 'reports-summary-range' });
  const summaryBody = el('tbody');
  const summaryTable = kit.dataTable(
    { className: 'summary', id: 'reports-summary' },
    'The figures of the incidents created in the range, per group',
    ['Group', 'Incidents', 'Time to detect', 'Time to acknowledge', 'Time to resolve', 'SLA breached'],
    summaryBody,
  );

  const node = el(
    'article',
    { className: 'reports', id: 'reports' },
    el('h1', {}, 'Reports'),
    problem,
    el(
      'section',
      { 'aria-labelledby': 'trend-heading' },
      el('h2', { id: 'trend-heading' }, `The last ${TREND_WEEKS} weeks`),
      el(
        'p',
        { className: 'muted' },
        'Weeks start Monday (UTC). Times count from when Firebreak opened the incident; merged incidents are left out.',
      ),
      el('div', { className: 'charts' }, mtta.node, mttr.node, weekly.node, breaches.node),
    ),
    el(
      'section',
      { 'aria-labelledby': 'range-heading' },
      el('h2', { id: 'range-heading' }, 'By priority and service'),
      el('label', { className: 'inline' }, 'Range ', rangeSelect),
      el('div', { className: 'charts' }, byPriority.node, byService.node),
      el('h3', {}, 'Figures'),
      el('label', { className: 'inline' }, 'Group by ', groupSelect),
      summaryCaption,
      summaryTable,
    ),
  );

  /** A choice re-reads at once (the console's own refresh comes every few seconds). */
  function reread() {
    refresh()
      .then(() => {
        problem.textContent = '';
      })
      .catch((error) => {
        problem.textContent = `Could not load: ${kit.errorText(error)}`;
      });
  }
  rangeSelect.addEventListener('change', () => {
    days = Number(rangeSelect.value);
    reread();
  });
  groupSelect.addEventListener('change', () => {
    groupBy = groupSelect.value;
    reread();
  });

  function renderTable(summary) {
    summaryCaption.textContent = `Incidents created from ${kit.when(summary.from)} to ${kit.when(summary.to)}.`;
    if (summary.groups.length === 0) {
      summaryBody.replaceChildren(
        el('tr', {}, el('td', { colSpan: 6, className: 'muted' }, 'No incidents.')),
      );
      return;
    }
    summaryBody.replaceChildren(
      ...summary.groups.map((group) =>
        el(
          'tr',
          { 'data-key': group.key },
          el('th', { scope: 'row' }, group.key),
          el('td', { className: 'count' }, String(group.count)),
          el('td', {}, statsText(group.mttd)),
          el('td', {}, statsText(group.mtta)),
          el('td', {}, statsText(group.mttr)),
          el('td', { className: 'count' }, String(group.slaBreached)),
        ),
      ),
    );
  }

  async function refresh() {
    const from = new Date(Date.now() - days * DAY_MS).toISOString();
    const summaryOf = (by) =>
      kit.api('GET', `/metrics/summary?from=${encodeURIComponent(from)}&groupBy=${by}`);
    const [trend, priorities, services, table] = await Promise.all([
      kit.api('GET', `/metrics/trend?weeks=${TREND_WEEKS}`),
      summaryOf('priority'),
      summaryOf('service'),
      groupBy === 'priority' || groupBy === 'service' ? undefined : summaryOf(groupBy),
    ]);
    const weeks = trend.weeks;
    const weeksKey = JSON.stringify(weeks);
    const nothing = (list) => list.every((week) => week.count === 0);
    const noWeeks = nothing(weeks) ? `No incidents in the last ${TREND_WEEKS} weeks.` : undefined;
    const inRange = `No incidents in the last ${days} days.`;
    await Promise.all([
      mtta.render(`${weeksKey}`, percentileChart(weeks, 'mtta', 'MTTA'), noWeeks),
      mttr.render(`${weeksKey}`, percentileChart(weeks, 'mttr', 'MTTR'), noWeeks),
      weekly.render(`${weeksKey}`, weeklyPriorityChart(weeks), noWeeks),
      breaches.render(
        `${weeksKey}`,
        barChart(
          'SLA breaches',
          colours().breach,
          weeks.map((week) => weekSeconds(week.week)),
          weeks.map((week) => week.slaBreached),
        ),
        noWeeks,
      ),
      byPriority.render(
        JSON.stringify(priorities.groups.map((group) => [group.key, group.count])),
        barChart(
          'Incidents',
          colours().bar,
          priorities.groups.map((_group, i) => i),
          priorities.groups.map((group) => group.count),
          priorities.groups.map((group) => group.key),
        ),
        priorities.groups.length === 0 ? inRange : undefined,
      ),
      byService.render(
        JSON.stringify(services.groups.map((group) => [group.key, group.count])),
        barChart(
          'Incidents',
          colours().bar,
          services.groups.map((_group, i) => i),
          services.groups.map((group) => group.count),
          services.groups.map((group) => group.key),
        ),
        services.groups.length === 0 ? inRange : undefined,
      ),
    ]);
    renderTable(groupBy === 'priority' ? priorities : groupBy === 'service' ? services : table);
  }

  return { node, refresh };
}
