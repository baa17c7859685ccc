import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncidentFilter, IncidentQueries, InvalidCursorError } from '#adapters/incident-queries';
import { type DocumentSender, IncidentStore } from '#adapters/incident-store';
import { type Category, type Incident, type Level, OPEN_STATUSES, type Signal } from '#core/model';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { depsFor } from '../support/store-harness';

/** The API's clock while listing: 90 days back reaches 2025-12-31, so the November incident is outside. */
const NOW = new Date('2026-03-31T12:00:00.000Z');
const DEFAULT_FROM = '2025-12-31T12:00:00.000Z';

const SERVICES = ['web-prod', 'api-prod', 'db-prod'];
const LEVELS: [Level, Level][] = [
  ['high', 'high'],
  ['medium', 'high'],
  ['medium', 'medium'],
  ['low', 'low'],
];

let server: DynamoServer;
let table: string;
/** Every incident created, as the store reads it back, newest first. */
let created: Incident[];
let timelineIncidentId: string;

/** Records every request the queries send, by command name and index. */
function recordingSender(doc: DocumentSender) {
  const sent: { name: string; indexName?: string }[] = [];
  const send = (command: { constructor: { name: string }; input: { IndexName?: string } }) => {
    sent.push({ name: command.constructor.name, indexName: command.input.IndexName });
    return (doc.send as (c: unknown) => Promise<unknown>)(command);
  };
  return { sent, sender: { send } as unknown as DocumentSender };
}

/** `readSize` small makes every page take several reads, as a large table or a sparse filter does. */
function queries(readSize?: number) {
  const { sent, sender } = recordingSender(server.doc);
  return { sent, queries: new IncidentQueries(sender, table, () => NOW, readSize ? { readSize } : {}) };
}

const READ_SIZES = [undefined, 2];

function hours(from: string, count: number): Date {
  return new Date(Date.parse(from) + count * 3_600_000);
}

/** Opens one incident through the real ingest path at `now`, then moves it on as the plan says. */
async function openIncident(
  alarm: string,
  now: Date,
  signal: Partial<Signal>,
  next?: 'resolve' | 'acknowledge',
): Promise<string> {
  const result = await applySignal(
    depsFor(server.doc, table, now),
    alarmSignal({ ...signal, at: now.toISOString(), alarm }),
  );
  if (result.outcome !== 'opened') throw new Error(`expected an incident, got ${result.outcome}`);
  if (next) {
    const later = hours(now.toISOString(), 1);
    await applySignal(
      depsFor(server.doc, table, later),
      alarmSignal({ at: later.toISOString(), alarm, action: next }),
    );
  }
  return result.incidentId;
}

const newestFirst = (a: Incident, b: Incident) =>
  `${b.createdAt}#${b.id}` < `${a.createdAt}#${a.id}` ? -1 : 1;

beforeAll(async () => {
  server = await startDynamoServer();
  table = await server.createTable();
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    // Two months; incidents pair up on one clock reading, so order by id breaks createdAt ties.
    const base = i < 12 ? '2026-02-03T08:00:00.000Z' : '2026-03-02T08:00:00.000Z';
    const now = hours(base, 24 * Math.floor((i < 12 ? i : i - 12) / 2));
    const [impact, urgency] = LEVELS[i % 4] as [Level, Level];
    const category: Category = i % 7 === 0 ? 'Database' : i % 7 === 3 ? 'Application' : 'Infrastructure';
    const team = i % 5 === 0 ? 'payments' : i % 5 === 1 ? undefined : 'platform';
    const next = i % 3 === 1 ? 'resolve' : i % 4 === 2 ? 'acknowledge' : undefined;
    const service = SERVICES[i % 3];
    ids.push(
      await openIncident(
        `alarm-${i}`,
        now,
        { service, impact, urgency, category, ...(team ? { team } : {}) },
        next,
      ),
    );
  }
  // Older than the default window: listed by the month walk only when `since` asks for it.
  ids.push(
    await openIncident('old-alarm', new Date('2025-11-20T10:00:00.000Z'), {
      service: 'web-prod',
      team: 'payments',
    }),
  );

  // One open incident with a longer timeline: five newer notes (INSUFFICIENT_DATA) add entries.
  const opened = new Date('2026-03-20T10:00:00.000Z');
  const alarm = 'timeline-alarm';
  const signal = { service: 'api-prod', team: 'payments' };
  timelineIncidentId = await openIncident(alarm, opened, signal);
  ids.push(timelineIncidentId);
  for (let n = 1; n <= 5; n++) {
    const at = hours(opened.toISOString(), n);
    await applySignal(
      depsFor(server.doc, table, at),
      alarmSignal({ ...signal, alarm, at: at.toISOString(), action: 'note' }),
    );
  }

  const store = new IncidentStore(server.doc, table);
  const incidents = await Promise.all(ids.map((id) => store.getIncident(id)));
  created = incidents.filter((incident): incident is Incident => incident !== undefined).sort(newestFirst);
  if (created.length !== ids.length) throw new Error('an incident was not written');
});

afterAll(async () => {
  await server.stop();
});

/** Follows nextCursor to the end; pages of one listing in order. */
async function allPages(queryLayer: IncidentQueries, filter: IncidentFilter, limit: number) {
  const pages: Incident[][] = [];
  let cursor: string | undefined;
  do {
    const page = await queryLayer.listIncidents(filter, { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 200) throw new Error('pagination does not end');
  } while (cursor);
  return pages;
}

/** Every page but the last is full, and the last is not empty unless it is the only one. */
function expectFullPages(pages: Incident[][], limit: number) {
  for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
  const last = pages.at(-1) ?? [];
  if (pages.length > 1) expect(last.length).toBeGreaterThan(0);
  expect(last.length).toBeLessThanOrEqual(limit);
}

function expectedFor(filter: IncidentFilter, from: string | undefined): Incident[] {
  return created.filter(
    (incident) =>
      (from === undefined || incident.createdAt >= from) &&
      (filter.status === undefined || filter.status.includes(incident.status)) &&
      (filter.priority === undefined || incident.priority === filter.priority) &&
      (filter.service === undefined || incident.service === filter.service) &&
      (filter.team === undefined || incident.team === filter.team) &&
      (filter.category === undefined || incident.category === filter.category),
  );
}

describe('IncidentQueries.listIncidents: pagination', () => {
  it('covers a varied data set (services, priorities, teams, statuses, months)', () => {
    expect(created.length).toBeGreaterThanOrEqual(32);
    expect(new Set(created.map((i) => i.service)).size).toBe(3);
    expect(new Set(created.map((i) => i.priority))).toEqual(new Set(['P1', 'P2', 'P3', 'P4']));
    expect(new Set(created.map((i) => i.status))).toEqual(new Set(['triggered', 'acknowledged', 'resolved']));
    expect(new Set(created.map((i) => i.createdAt.slice(0, 7)))).toEqual(
      new Set(['2025-11', '2026-02', '2026-03']),
    );
  });

  it.each([1, 2, 7, 100])(
    'lists every incident of the window exactly once, newest first, %i per page',
    async (limit) => {
      const expected = created.filter((incident) => incident.createdAt >= DEFAULT_FROM);
      expect(expected.length).toBeGreaterThanOrEqual(25);

      for (const readSize of READ_SIZES) {
        const { queries: queryLayer, sent } = queries(readSize);

        const pages = await allPages(queryLayer, {}, limit);

        expect(pages.flat()).toEqual(expected);
        expectFullPages(pages, limit);
        expect(new Set(sent.map((s) => s.name))).toEqual(new Set(['QueryCommand']));
        expect(new Set(sent.map((s) => s.indexName))).toEqual(new Set(['by-created']));
      }
    },
  );

  it('leaves out nothing and adds no cursor when the last page is exactly full', async () => {
    const { queries: queryLayer } = queries();
    const expected = created.filter((incident) => incident.createdAt >= DEFAULT_FROM);

    const page = await queryLayer.listIncidents({}, { limit: expected.length });

    expect(page.items).toEqual(expected);
    expect(page.nextCursor).toBeUndefined();
  });

  it('hands back the whole range on one page when the limit exceeds it', async () => {
    const { queries: queryLayer } = queries();

    const page = await queryLayer.listIncidents({ service: 'db-prod' }, { limit: 100 });

    expect(page.items).toEqual(expectedFor({ service: 'db-prod' }, undefined));
    expect(page.nextCursor).toBeUndefined();
  });
});

describe('IncidentQueries.listIncidents: filters', () => {
  const open = [...OPEN_STATUSES];
  const cases: { name: string; filter: IncidentFilter; index: string; from: string | undefined }[] = [
    { name: 'service', filter: { service: 'api-prod' }, index: 'by-service', from: undefined },
    {
      name: 'service + status',
      filter: { service: 'api-prod', status: ['resolved'] },
      index: 'by-service',
      from: undefined,
    },
    {
      name: 'service + priority + since',
      filter: { service: 'web-prod', priority: 'P1', since: '2026-02-05T08:00:00.000Z' },
      index: 'by-service',
      from: '2026-02-05T08:00:00.000Z',
    },
    {
      name: 'service (whole history)',
      filter: { service: 'web-prod' },
      index: 'by-service',
      from: undefined,
    },
    {
      name: 'priority + open statuses',
      filter: { priority: 'P1', status: open },
      index: 'open-by-priority',
      from: undefined,
    },
    {
      name: 'priority + acknowledged',
      filter: { priority: 'P3', status: ['acknowledged'] },
      index: 'open-by-priority',
      from: undefined,
    },
    {
      name: 'priority + open statuses + since',
      filter: { priority: 'P4', status: open, since: '2026-03-04T08:00:00Z' },
      index: 'open-by-priority',
      from: '2026-03-04T08:00:00.000Z',
    },
    {
      name: 'priority alone (all statuses)',
      filter: { priority: 'P2' },
      index: 'by-created',
      from: DEFAULT_FROM,
    },
    {
      name: 'priority + a closed status',
      filter: { priority: 'P1', status: ['triggered', 'resolved'] },
      index: 'by-created',
      from: DEFAULT_FROM,
    },
    { name: 'status', filter: { status: ['resolved'] }, index: 'by-created', from: DEFAULT_FROM },
    { name: 'team', filter: { team: 'payments' }, index: 'by-created', from: DEFAULT_FROM },
    { name: 'category', filter: { category: 'Database' }, index: 'by-created', from: DEFAULT_FROM },
    {
      name: 'team + category + open status',
      filter: { team: 'platform', category: 'Infrastructure', status: open },
      index: 'by-created',
      from: DEFAULT_FROM,
    },
    {
      name: 'since (inclusive, within the window)',
      filter: { since: '2026-03-05T08:00:00.000Z' },
      index: 'by-created',
      from: '2026-03-05T08:00:00.000Z',
    },
    {
      name: 'since before the default window',
      filter: { since: '2025-11-01', team: 'payments' },
      index: 'by-created',
      from: '2025-11-01T00:00:00.000Z',
    },
  ];

  it.each(cases)(
    '$name: every match exactly once, newest first, pages full',
    async ({ filter, index, from }) => {
      const expected = expectedFor(filter, from);
      expect(expected.length).toBeGreaterThan(0);

      for (const [limit, readSize] of [1, 2, 7, 100].flatMap((l) => READ_SIZES.map((r) => [l, r] as const))) {
        const { queries: queryLayer, sent } = queries(readSize);

        const pages = await allPages(queryLayer, filter, limit);

        expect(pages.flat()).toEqual(expected);
        expectFullPages(pages, limit);
        expect(new Set(sent.map((s) => s.indexName))).toEqual(new Set([index]));
        expect(sent.every((s) => s.name === 'QueryCommand')).toBe(true);
      }
    },
  );

  it('lists the incident older than 90 days only when since reaches it', async () => {
    const { queries: queryLayer } = queries();
    const old = created.find((incident) => incident.createdAt.startsWith('2025-11'));

    const recent = (await allPages(queryLayer, {}, 100)).flat();
    const reaching = (await allPages(queryLayer, { since: '2025-11-01T00:00:00Z' }, 100)).flat();

    expect(old).toBeDefined();
    expect(recent.map((i) => i.id)).not.toContain(old?.id);
    expect(reaching.at(-1)).toEqual(old);
  });

  it('lists nothing for a filter nothing matches, and nothing after a future since', async () => {
    const { queries: queryLayer } = queries();

    const none = await queryLayer.listIncidents({ team: 'nobody' }, { limit: 5 });
    const future = await queryLayer.listIncidents({ since: '2026-06-01' }, { limit: 5 });

    expect(none).toEqual({ items: [] });
    expect(future).toEqual({ items: [] });
  });

  it('returns incidents without table keys or internals', async () => {
    const { queries: queryLayer } = queries();

    const page = await queryLayer.listIncidents({ service: 'api-prod' }, { limit: 3 });

    for (const item of page.items) {
      expect(Object.keys(item).filter((k) => /^(PK|SK|gsi\d|openedBy|lifecycleToken)/.test(k))).toEqual([]);
    }
  });
});

describe('IncidentQueries: cursors and limits', () => {
  async function firstCursor(filter: IncidentFilter): Promise<string> {
    const { queries: queryLayer } = queries();
    const page = await queryLayer.listIncidents(filter, { limit: 1 });
    if (!page.nextCursor) throw new Error('expected a second page');
    return page.nextCursor;
  }

  async function rejection(act: () => Promise<unknown>): Promise<unknown> {
    try {
      await act();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it('rejects a tampered cursor', async () => {
    const cursor = await firstCursor({});
    const json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const otherMonth = { ...json, month: '2026-01' };
    const otherIncident = { ...json, key: { ...json.key, PK: 'INC#INC-20260101-0001' } };
    const tampered = [
      `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`,
      'not-a-cursor',
      Buffer.from(JSON.stringify(otherMonth)).toString('base64url'),
      Buffer.from(JSON.stringify(otherIncident)).toString('base64url'),
    ];
    const { queries: queryLayer } = queries();

    const errors = await Promise.all(
      tampered.map((bad) => rejection(() => queryLayer.listIncidents({}, { limit: 2, cursor: bad }))),
    );

    for (const error of errors) {
      expect(error).toBeInstanceOf(InvalidCursorError);
      expect(error).toMatchObject({ name: 'InvalidCursor' });
      expect((error as Error).message).toMatch(/cursor/);
    }
  });

  it('rejects a cursor of another filter’s index or partition', async () => {
    const byService = await firstCursor({ service: 'api-prod' });
    const byPriority = await firstCursor({ priority: 'P1', status: ['triggered', 'acknowledged'] });
    const byCreated = await firstCursor({});
    const { queries: queryLayer } = queries();

    const errors = await Promise.all([
      rejection(() => queryLayer.listIncidents({}, { limit: 2, cursor: byService })),
      rejection(() => queryLayer.listIncidents({ service: 'web-prod' }, { limit: 2, cursor: byService })),
      rejection(() => queryLayer.listIncidents({ service: 'api-prod' }, { limit: 2, cursor: byCreated })),
      rejection(() =>
        queryLayer.listIncidents({ priority: 'P2', status: ['triggered'] }, { limit: 2, cursor: byPriority }),
      ),
      rejection(() =>
        queryLayer.listIncidents(
          { service: 'api-prod', since: '2026-03-30' },
          { limit: 2, cursor: byService },
        ),
      ),
    ]);

    for (const error of errors) expect(error).toBeInstanceOf(InvalidCursorError);
  });

  it('rejects a list cursor for a timeline and a timeline cursor for a list', async () => {
    const listCursor = await firstCursor({});
    const { queries: queryLayer } = queries();
    const timelinePage = await queryLayer.listTimeline(timelineIncidentId, { limit: 1 });
    const otherId = String(created.find((incident) => incident.id !== timelineIncidentId)?.id);

    const errors = await Promise.all([
      rejection(() => queryLayer.listTimeline(timelineIncidentId, { limit: 1, cursor: listCursor })),
      rejection(() => queryLayer.listIncidents({}, { limit: 1, cursor: String(timelinePage.nextCursor) })),
      rejection(() =>
        queryLayer.listTimeline(otherId, { limit: 1, cursor: String(timelinePage.nextCursor) }),
      ),
    ]);

    for (const error of errors) expect(error).toBeInstanceOf(InvalidCursorError);
  });

  it.each([0, 101, 1.5, Number.NaN, -1])('rejects limit %s naming the limit', async (limit) => {
    const { queries: queryLayer, sent } = queries();

    const errors = await Promise.all([
      rejection(() => queryLayer.listIncidents({}, { limit })),
      rejection(() => queryLayer.listTimeline(timelineIncidentId, { limit })),
    ]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/limit/);
    }
    expect(sent).toEqual([]);
  });

  it('rejects a since that is not an ISO date, naming it', async () => {
    const { queries: queryLayer } = queries();

    const error = await rejection(() => queryLayer.listIncidents({ since: 'last week' }, { limit: 1 }));

    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/since/);
  });
});

describe('IncidentQueries: timeline and single incident', () => {
  it.each([1, 2, 4, 100])('pages a timeline oldest first, each entry once, %i per page', async (limit) => {
    const store = new IncidentStore(server.doc, table);
    const expected = await store.listTimeline(timelineIncidentId);
    const { queries: queryLayer, sent } = queries(3);

    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await queryLayer.listTimeline(timelineIncidentId, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 50);

    expect(expected.map((entry) => entry.kind)).toEqual(['opened', 'note', 'note', 'note', 'note', 'note']);
    expect(pages.flat()).toEqual(expected);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
    expect(sent.every((s) => s.name === 'QueryCommand' && s.indexName === undefined)).toBe(true);
  });

  it('reads one incident, or nothing for an unknown id', async () => {
    const { queries: queryLayer, sent } = queries();
    const expected = created.find((incident) => incident.id === timelineIncidentId);

    const found = await queryLayer.getIncident(timelineIncidentId);
    const missing = await queryLayer.getIncident('INC-20990101-0001');

    expect(found).toEqual(expected);
    expect(found).toMatchObject({ alertCount: 1, firingCount: 1 });
    expect(missing).toBeUndefined();
    expect(sent.map((s) => s.name)).toEqual(['GetCommand', 'GetCommand']);
  });
});
