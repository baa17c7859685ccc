import { type NativeAttributeValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentQueries, InvalidCursorError, type Page } from '#adapters/incident-queries';
import { type DocumentSender, IncidentStore } from '#adapters/incident-store';
import { Alert } from '#core/alerts';
import { alertId, DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Signal } from '#core/model';
import { mergeIncident } from '../../lambdas/incidents/merge';
import { type ApplySignalDeps, applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { crashingSender, depsFor, RecordingWorkflow, SimulatedCrash } from '../support/store-harness';

const T0 = Date.parse('2026-03-14T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const NOW = new Date(T0 + 60 * 60_000);

let server: DynamoServer;
let table: string;
/** The incidents of the shared data set, by role. */
const ids = {
  /** Six checkout alarms: one fired twice, one recovered. */
  grouped: '',
  /** Two search alarms that recovered (it resolved), then one fired again… */
  resolved: '',
  /** …and opened this one. */
  reopened: '',
  /** Two payments alarms, merged into `target`. */
  merged: '',
  /** One billing alarm, then the merged alerts. */
  target: '',
};

/** Ingest as the handler builds it, with the default grouping (alerts by service). */
function grouped(
  sender: DocumentSender,
  tableName: string,
  workflow = new RecordingWorkflow(),
): ApplySignalDeps {
  return { ...depsFor(sender, tableName, new Date(T0), workflow), grouping: DEFAULT_GROUPING_CONFIG };
}

const alarm = (name: string, minutes: number, service: string, extra: Partial<Signal> = {}) =>
  alarmSignal({ at: at(minutes), alarm: name, service, ...extra });

async function apply(signal: Signal, tableName = table, sender: DocumentSender = server.doc) {
  return applySignal(grouped(sender, tableName), signal);
}

async function opened(signal: Signal, tableName = table): Promise<string> {
  const result = await apply(signal, tableName);
  if (result.outcome !== 'opened' && result.outcome !== 'joined') {
    throw new Error(`expected an incident, got ${result.outcome}`);
  }
  return result.incidentId;
}

/** Records every request the queries send, by command name and index. */
function recordingSender(doc: DocumentSender) {
  const sent: { name: string; indexName?: string }[] = [];
  const send = (command: { constructor: { name: string }; input: { IndexName?: string } }) => {
    sent.push({ name: command.constructor.name, indexName: command.input.IndexName });
    return (doc.send as (c: unknown) => Promise<unknown>)(command);
  };
  return { sent, sender: { send } as unknown as DocumentSender };
}

function queries(readSize?: number, tableName = table) {
  const { sent, sender } = recordingSender(server.doc);
  return { sent, queries: new IncidentQueries(sender, tableName, () => NOW, readSize ? { readSize } : {}) };
}

/** Follows nextCursor to the end. */
async function allPages(queryLayer: IncidentQueries, incidentId: string, limit: number) {
  const pages: Alert[][] = [];
  let cursor: string | undefined;
  do {
    const page = await queryLayer.listAlerts(incidentId, { limit, ...(cursor ? { cursor } : {}) });
    if (!page) throw new Error(`no incident ${incidentId}`);
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > 50) throw new Error('pagination does not end');
  } while (cursor);
  return pages;
}

async function listed(incidentId: string, queryLayer = queries().queries): Promise<Page<Alert>> {
  const page = await queryLayer.listAlerts(incidentId, { limit: 100 });
  if (!page) throw new Error(`no incident ${incidentId}`);
  return page;
}

/** What a test reads of an alert at a glance: which alarm, its state, times fired, first and last seen. */
const glance = (alert: Alert) => [
  alert.source.name,
  alert.state,
  alert.firedCount,
  alert.firstSeenAt,
  alert.lastSeenAt,
];

const arn = (name: string) => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${name}`;
/** DynamoDB orders sort keys by their bytes. */
const byAlertId = (a: Alert, b: Alert) => (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);

beforeAll(async () => {
  server = await startDynamoServer();
  table = await server.createTable('alerts');

  for (let i = 0; i < 6; i++) ids.grouped = await opened(alarm(`checkout-${i}`, i, 'checkout'));
  await apply(alarm('checkout-0', 6, 'checkout'));
  await apply(alarm('checkout-1', 7, 'checkout', { action: 'resolve' }));

  ids.resolved = await opened(alarm('search-0', 10, 'search'));
  await opened(alarm('search-1', 11, 'search'));
  await apply(alarm('search-0', 12, 'search', { action: 'resolve' }));
  await apply(alarm('search-1', 13, 'search', { action: 'resolve' }));
  ids.reopened = await opened(alarm('search-0', 20, 'search'));

  ids.merged = await opened(alarm('payments-0', 30, 'payments'));
  await opened(alarm('payments-1', 31, 'payments'));
  ids.target = await opened(alarm('billing-0', 32, 'billing'));
  const store = new IncidentStore(server.doc, table);
  await mergeIncident(
    { store, workflow: new RecordingWorkflow(), clock: () => new Date(T0 + 33 * 60_000) },
    ids.merged,
    ids.target,
    'alice',
  );

  if (new Set(Object.values(ids)).size !== 5)
    throw new Error(`expected five incidents, got ${JSON.stringify(ids)}`);
});

afterAll(async () => {
  await server.stop();
});

describe('IncidentQueries.listAlerts: an incident of grouped alerts', () => {
  it('lists each alert with its state, times fired, first and last seen, by when it first fired', async () => {
    const page = await listed(ids.grouped);

    expect(page.nextCursor).toBeUndefined();
    expect(page.items.map(glance)).toEqual([
      ['checkout-0', 'firing', 2, at(0), at(6)],
      ['checkout-1', 'resolved', 1, at(1), at(1)],
      ['checkout-2', 'firing', 1, at(2), at(2)],
      ['checkout-3', 'firing', 1, at(3), at(3)],
      ['checkout-4', 'firing', 1, at(4), at(4)],
      ['checkout-5', 'firing', 1, at(5), at(5)],
    ]);
    expect(page.items[0]).toEqual(
      Alert.parse({
        alertId: alertId(arn('checkout-0')),
        dedupKey: arn('checkout-0'),
        incidentId: ids.grouped,
        state: 'firing',
        autoResolve: true,
        firstSeenAt: at(0),
        lastSeenAt: at(6),
        firedCount: 2,
        source: {
          kind: 'cloudwatch',
          ref: arn('checkout-0'),
          name: 'checkout-0',
          account: '111122223333',
          region: 'us-east-1',
        },
        title: 'checkout-0 is in ALARM',
        summary: 'Threshold Crossed: 1 datapoint was greater than the threshold (80.0).',
        priority: 'P2',
        details: { namespace: 'AWS/EC2', metric: 'CPUUtilization' },
      }),
    );
    // Exactly the API shape: no table keys, index keys or claim internals.
    for (const alert of page.items)
      expect(Object.keys(alert).sort()).toEqual(Object.keys(page.items[0] ?? {}).sort());
    const incident = await new IncidentStore(server.doc, table).getIncident(ids.grouped);
    expect(incident).toMatchObject({ alertCount: 6, firingCount: 5 });
  });

  it.each([1, 2, 4, 100])(
    'pages through every alert exactly once, %i per page, with one read of the incident per page and Queries only',
    async (limit) => {
      const expected = (await listed(ids.grouped)).items;

      for (const readSize of [undefined, 2]) {
        const { queries: queryLayer, sent } = queries(readSize);

        const pages = await allPages(queryLayer, ids.grouped, limit);

        expect(pages.flat()).toEqual(expected);
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        expect(pages.at(-1)?.length).toBeGreaterThan(0);
        expect(sent.filter((s) => s.name === 'GetCommand')).toHaveLength(pages.length);
        expect(sent.filter((s) => s.name !== 'GetCommand').every((s) => s.name === 'QueryCommand')).toBe(
          true,
        );
        expect(new Set(sent.map((s) => s.indexName))).toEqual(new Set([undefined, 'alerts-by-incident']));
      }
    },
  );

  it('gives a short cursor in the live part: the index keys only, never the dedup key', async () => {
    const { queries: queryLayer } = queries();

    const page = await queryLayer.listAlerts(ids.grouped, { limit: 2 });

    const cursor = JSON.parse(Buffer.from(String(page?.nextCursor), 'base64url').toString('utf8'));
    expect(cursor).toEqual({
      v: 1,
      index: 'alerts',
      part: 'live',
      key: { gsi4pk: `ALERTS#${ids.grouped}`, gsi4sk: `${at(1)}#${alertId(arn('checkout-1'))}` },
    });
  });
});

describe('IncidentQueries.listAlerts: alerts that left an incident', () => {
  it('keeps an alert that fired again after the incident resolved as a record there, and lists it live on the new one', async () => {
    const old = await listed(ids.resolved);
    const renewed = await listed(ids.reopened);

    // The record first (it left), then the alert still on the incident.
    expect(old.items.map(glance)).toEqual([
      ['search-0', 'resolved', 1, at(10), at(10)],
      ['search-1', 'resolved', 1, at(11), at(11)],
    ]);
    expect(old.items.map((alert) => [alert.incidentId, alert.movedTo])).toEqual([
      [ids.resolved, undefined],
      [ids.resolved, undefined],
    ]);
    expect(renewed.items.map(glance)).toEqual([['search-0', 'firing', 1, at(20), at(20)]]);
    expect(renewed.items[0]?.incidentId).toBe(ids.reopened);
    const store = new IncidentStore(server.doc, table);
    expect(await store.getIncident(ids.resolved)).toMatchObject({
      status: 'resolved',
      alertCount: 2,
      firingCount: 0,
    });
    expect(await store.getIncident(ids.reopened)).toMatchObject({ alertCount: 1, firingCount: 1 });
  });

  it('pages from the records to the live alerts with one cursor', async () => {
    const expected = (await listed(ids.resolved)).items;
    const { queries: queryLayer } = queries();

    const first = await queryLayer.listAlerts(ids.resolved, { limit: 1 });
    const second = await queryLayer.listAlerts(ids.resolved, {
      limit: 1,
      cursor: String(first?.nextCursor),
    });

    expect(first?.items).toEqual(expected.slice(0, 1));
    expect(JSON.parse(Buffer.from(String(first?.nextCursor), 'base64url').toString('utf8'))).toMatchObject({
      index: 'alerts',
      part: 'records',
      key: { PK: `INC#${ids.resolved}`, SK: `ALERT#${alertId(arn('search-0'))}` },
    });
    expect(second).toEqual({ items: expected.slice(1) });
  });

  it('shows merged alerts as moved on the merged incident and live on the one they went into', async () => {
    const merged = await listed(ids.merged);
    const target = await listed(ids.target);

    expect([...merged.items].sort(byAlertId)).toEqual(merged.items);
    expect(
      merged.items.map((alert) => [alert.source.name, alert.state, alert.incidentId, alert.movedTo]),
    ).toEqual(
      ['payments-0', 'payments-1']
        .map((name) => ({ name, id: alertId(arn(name)) }))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map(({ name }) => [name, 'firing', ids.merged, ids.target]),
    );
    expect(target.items.map(glance)).toEqual([
      ['payments-0', 'firing', 1, at(30), at(30)],
      ['payments-1', 'firing', 1, at(31), at(31)],
      ['billing-0', 'firing', 1, at(32), at(32)],
    ]);
    expect(
      target.items.every((alert) => alert.incidentId === ids.target && alert.movedTo === undefined),
    ).toBe(true);
    const store = new IncidentStore(server.doc, table);
    expect(await store.getIncident(ids.merged)).toMatchObject({ mergedInto: ids.target, alertCount: 0 });
    expect(await store.getIncident(ids.target)).toMatchObject({ alertCount: 3, firingCount: 3 });
  });
});

describe('IncidentQueries.listAlerts: a lagging index', () => {
  /** Answers Queries of the alerts index for `partition` with `items`, as an index that has not caught up. */
  function laggingSender(partition: string, items: Record<string, NativeAttributeValue>[]): DocumentSender {
    const send = (command: {
      input: { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> };
    }) => {
      const { IndexName, ExpressionAttributeValues } = command.input;
      if (IndexName === 'alerts-by-incident' && ExpressionAttributeValues?.[':pk'] === partition) {
        return Promise.resolve({ Items: items });
      }
      return (server.doc.send as (c: unknown) => Promise<unknown>)(command);
    };
    return { send } as unknown as DocumentSender;
  }

  async function indexItems(tableName: string, incidentId: string) {
    const result = await server.doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'alerts-by-incident',
        KeyConditionExpression: 'gsi4pk = :pk',
        ExpressionAttributeValues: { ':pk': `ALERTS#${incidentId}` },
      }),
    );
    return result.Items ?? [];
  }

  it('takes the state from the incident’s alert map when the map is newer than the index', async () => {
    const fresh = await server.createTable('lagging');
    const id = await opened(alarm('orders-0', 0, 'orders'), fresh);
    await opened(alarm('orders-1', 1, 'orders'), fresh);
    const before = await indexItems(fresh, id);
    await apply(alarm('orders-1', 2, 'orders', { action: 'resolve' }), fresh);
    const lagging = new IncidentQueries(laggingSender(`ALERTS#${id}`, before), fresh, () => NOW);

    const page = await listed(id, lagging);

    expect(before.map((item) => item.state)).toEqual(['firing', 'firing']);
    expect(page.items.map((alert) => [alert.source.name, alert.state])).toEqual([
      ['orders-0', 'firing'],
      ['orders-1', 'resolved'],
    ]);
  });

  it('keeps the claim’s state when it is ahead of the map (the map write is still to come)', async () => {
    const fresh = await server.createTable('ahead');
    const id = await opened(alarm('orders-0', 0, 'orders'), fresh);
    await opened(alarm('orders-1', 1, 'orders'), fresh);
    const crashing = crashingSender(server.doc, 1);
    const crash = await applySignal(
      grouped(crashing, fresh),
      alarm('orders-1', 2, 'orders', { action: 'resolve' }),
    ).catch((error: unknown) => error);

    const page = await listed(id, new IncidentQueries(server.doc, fresh, () => NOW));

    expect(crash).toBeInstanceOf(SimulatedCrash);
    expect(await new IncidentStore(server.doc, fresh).getIncident(id)).toMatchObject({ firingCount: 2 });
    expect(page.items.map((alert) => [alert.source.name, alert.state])).toEqual([
      ['orders-0', 'firing'],
      ['orders-1', 'resolved'],
    ]);
  });

  it('lists an alert that just moved away once, as its record, while the index still shows it here', async () => {
    const fresh = await server.createTable('moving');
    const source = await opened(alarm('payments-0', 0, 'payments'), fresh);
    await opened(alarm('payments-1', 1, 'payments'), fresh);
    const target = await opened(alarm('billing-0', 2, 'billing'), fresh);
    const before = await indexItems(fresh, source);
    await mergeIncident(
      {
        store: new IncidentStore(server.doc, fresh),
        workflow: new RecordingWorkflow(),
        clock: () => new Date(T0 + 3 * 60_000),
      },
      source,
      target,
      'alice',
    );
    const lagging = new IncidentQueries(laggingSender(`ALERTS#${source}`, before), fresh, () => NOW);

    const page = await listed(source, lagging);

    expect(before.map((item) => item.incidentId)).toEqual([source, source]);
    expect(page.items.map((alert) => [alert.source.name, alert.movedTo]).sort()).toEqual([
      ['payments-0', target],
      ['payments-1', target],
    ]);
  });
});

describe('IncidentQueries.listAlerts: cursors, limits and unknown incidents', () => {
  async function rejection(act: () => Promise<unknown>): Promise<unknown> {
    try {
      await act();
    } catch (error) {
      return error;
    }
    return undefined;
  }

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

  it('rejects a cursor that is not one of this incident’s alert listing', async () => {
    const { queries: queryLayer } = queries();
    const live = String((await queryLayer.listAlerts(ids.grouped, { limit: 2 }))?.nextCursor);
    const records = String((await queryLayer.listAlerts(ids.resolved, { limit: 1 }))?.nextCursor);
    const timeline = String((await queryLayer.listTimeline(ids.grouped, { limit: 1 })).nextCursor);
    const list = String((await queryLayer.listIncidents({}, { limit: 1 })).nextCursor);
    const liveKey = { gsi4pk: `ALERTS#${ids.grouped}`, gsi4sk: `${at(1)}#${alertId(arn('checkout-1'))}` };
    const tampered = [
      `${live.slice(0, 5)}${live[5] === 'A' ? 'B' : 'A'}${live.slice(6)}`,
      timeline,
      list,
      // Another incident's alert cursors.
      records,
      encode({ v: 1, index: 'alerts', part: 'live', key: { ...liveKey, gsi4pk: `ALERTS#${ids.target}` } }),
      // The right incident, the wrong part or shape.
      encode({ v: 1, index: 'alerts', part: 'records', key: liveKey }),
      encode({ v: 1, index: 'alerts', key: liveKey }),
      encode({ v: 1, index: 'alerts', part: 'live', key: { ...liveKey, gsi4sk: 'META' } }),
      encode({
        v: 1,
        index: 'alerts',
        part: 'live',
        key: { ...liveKey, PK: `DEDUP#${arn('checkout-1')}`, SK: 'CLAIM' },
      }),
      encode({ v: 1, index: 'alerts', part: 'records', key: { PK: `INC#${ids.grouped}`, SK: 'TL#x' } }),
      encode({ v: 1, index: 'alerts', part: 'records', key: { PK: `INC#${ids.target}`, SK: 'ALERT#x' } }),
    ];

    const errors = await Promise.all(
      tampered.map((cursor) => rejection(() => queryLayer.listAlerts(ids.grouped, { limit: 2, cursor }))),
    );
    const otherIncident = await rejection(() =>
      queryLayer.listAlerts(ids.target, { limit: 2, cursor: live }),
    );

    for (const error of [...errors, otherIncident]) {
      expect(error).toBeInstanceOf(InvalidCursorError);
      expect((error as Error).message).toMatch(/cursor/);
    }
  });

  it('rejects an alert cursor for a timeline and for a list', async () => {
    const { queries: queryLayer } = queries();
    const live = String((await queryLayer.listAlerts(ids.grouped, { limit: 2 }))?.nextCursor);

    const errors = await Promise.all([
      rejection(() => queryLayer.listTimeline(ids.grouped, { limit: 1, cursor: live })),
      rejection(() => queryLayer.listIncidents({}, { limit: 1, cursor: live })),
    ]);

    for (const error of errors) expect(error).toBeInstanceOf(InvalidCursorError);
  });

  it.each([0, 101, 1.5])('rejects limit %s before reading anything', async (limit) => {
    const { queries: queryLayer, sent } = queries();

    const error = await rejection(() => queryLayer.listAlerts(ids.grouped, { limit }));

    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/limit/);
    expect(sent).toEqual([]);
  });

  it('answers nothing for an unknown incident, after one read', async () => {
    const { queries: queryLayer, sent } = queries();

    const page = await queryLayer.listAlerts('INC-20990101-0001', { limit: 10 });

    expect(page).toBeUndefined();
    expect(sent).toEqual([{ name: 'GetCommand', indexName: undefined }]);
  });
});
