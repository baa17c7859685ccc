import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { ProblemStore } from '#adapters/problem-store';
import { INDEX_PARTITIONS, keys } from '#adapters/store-keys';
import { encodeCursor } from '#core/cursor';
import { openIncident } from '#core/incident';
import type { Category, Incident, Signal } from '#core/model';
import { type ProblemRules, problemTitle } from '#core/problems';
import { detectProblem } from '../../lambdas/incidents/problem-detection';
import { loadProblemRules } from '../../lambdas/lifecycle/problem-rules-env';
import { type ApiAnswer, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { crashingSender, SimulatedCrash } from '../support/store-harness';

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T10:00:00.000Z');
const RULES: ProblemRules = { threshold: 3, windowDays: 30 };
const NOW = new Date('2026-12-20T12:00:00.000Z');
const READ = { scopes: ['firebreak/incidents:read'] };

interface Seed {
  seq: number;
  at: number;
  alarm?: string;
  service?: string;
  category?: Category;
  /** Resolved this long after it was created (ms); open when absent. */
  resolvedAfter?: number;
  mergedInto?: string;
}

const idOf = (seq: number) => `INC-20261101-${String(seq).padStart(4, '0')}`;

/** An incident as ingestion would have stored it, created at `at` (and resolved when asked). */
function incidentOf(seed: Seed): Incident {
  const createdAt = new Date(seed.at);
  const signal: Signal = alarmSignal({
    at: createdAt.toISOString(),
    alarm: seed.alarm ?? `alarm-${seed.seq}`,
    ...(seed.service ? { service: seed.service } : {}),
    ...(seed.category ? { category: seed.category } : {}),
  });
  const open = openIncident(signal, idOf(seed.seq), createdAt);
  return {
    ...open,
    ...(seed.resolvedAfter === undefined
      ? {}
      : {
          status: 'resolved',
          resolvedAt: new Date(seed.at + seed.resolvedAfter).toISOString(),
          firingCount: 0,
        }),
    ...(seed.mergedInto ? { mergedInto: seed.mergedInto } : {}),
  };
}

async function setup(seeds: Seed[]) {
  const table = await server.createTable('problems');
  const store = new IncidentStore(server.doc, table);
  const problems = new ProblemStore(server.doc, table);
  for (const seed of seeds) await store.putIncidentIfAbsent(incidentOf(seed), 'test');
  const deps = { store, problems, rules: RULES, clock: () => NOW };
  const detect = async (seq: number) => {
    const incident = await store.getIncident(idOf(seq));
    if (!incident) throw new Error(`no incident ${seq}`);
    return detectProblem(deps, incident);
  };
  return { table, store, problems, deps, detect };
}

async function problemEntries(store: IncidentStore, seq: number) {
  return (await store.listTimeline(idOf(seq))).filter((entry) => entry.kind === 'problem');
}

describe('problem detection', () => {
  it('opens one problem for three incidents of a service and category within the window, linked both ways', async () => {
    // Prepare
    const { store, problems, detect } = await setup([
      { seq: 1, at: T0, resolvedAfter: 600_000 },
      { seq: 2, at: T0 + 5 * DAY, resolvedAfter: 600_000 },
      { seq: 3, at: T0 + 12 * DAY, resolvedAfter: 600_000 },
    ]);

    // Act
    const first = await detect(2);
    const result = await detect(3);

    // Assess
    expect(first).toEqual({ kind: 'none' });
    expect(result).toEqual({
      kind: 'open',
      problemId: 'PRB-20261101-0001',
      linked: [idOf(1), idOf(2), idOf(3)],
    });
    const problem = await problems.get('PRB-20261101-0001');
    expect(problem).toMatchObject({
      id: 'PRB-20261101-0001',
      status: 'open',
      basis: { by: 'service', service: 'web-prod', category: 'Infrastructure' },
      title: problemTitle({ by: 'service', service: 'web-prod', category: 'Infrastructure' }, 3, 30),
      incidentIds: [idOf(1), idOf(2), idOf(3)],
      createdAt: NOW.toISOString(),
      version: 1,
    });
    for (const seq of [1, 2, 3]) {
      expect((await store.getIncident(idOf(seq)))?.problemId).toBe('PRB-20261101-0001');
      const entries = await problemEntries(store, seq);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        entryId: 'problem-PRB-20261101-0001',
        at: NOW.toISOString(),
        details: { problemId: 'PRB-20261101-0001' },
      });
    }
  });

  it('counts an incident exactly windowDays earlier, and not one a millisecond earlier still', async () => {
    // Prepare
    const at = (offset: number) => [
      { seq: 1, at: T0 },
      { seq: 2, at: T0 + 10 * DAY },
      { seq: 3, at: T0 + offset },
    ];
    const exactly = await setup(at(30 * DAY));
    const beyond = await setup(at(30 * DAY + 1));

    // Act
    const inside = await exactly.detect(3);
    const outside = await beyond.detect(3);

    // Assess
    expect(inside).toMatchObject({ kind: 'open', linked: [idOf(1), idOf(2), idOf(3)] });
    expect(outside).toEqual({ kind: 'none' });
    expect(await beyond.problems.list({ limit: 10 })).toEqual({ items: [] });
    expect((await beyond.store.getIncident(idOf(1)))?.problemId).toBeUndefined();
  });

  it('finds the same alert first, and ignores other services, other categories and merged incidents', async () => {
    // Prepare: the same alarm three times, among incidents that do not count.
    const { problems, detect } = await setup([
      { seq: 1, at: T0, alarm: 'db-cpu', category: 'Database' },
      { seq: 2, at: T0 + DAY, alarm: 'other', category: 'Application' },
      { seq: 3, at: T0 + 2 * DAY, alarm: 'db-cpu', service: 'billing', category: 'Database' },
      { seq: 4, at: T0 + 3 * DAY, alarm: 'db-cpu', category: 'Database', mergedInto: idOf(1) },
      { seq: 5, at: T0 + 4 * DAY, alarm: 'db-cpu', category: 'Database' },
      { seq: 6, at: T0 + 5 * DAY, alarm: 'db-cpu', category: 'Database' },
    ]);

    // Act
    const merged = await detect(4);
    const result = await detect(6);

    // Assess
    expect(merged).toEqual({ kind: 'none' });
    expect(result).toMatchObject({ kind: 'open', linked: [idOf(1), idOf(5), idOf(6)] });
    const problem = await problems.get('PRB-20261101-0001');
    expect(problem?.basis).toEqual({
      by: 'alert',
      alertKey: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:db-cpu',
    });
  });

  it('extends the problem with a later incident instead of opening another', async () => {
    // Prepare
    const { store, problems, detect } = await setup([
      { seq: 1, at: T0 },
      { seq: 2, at: T0 + DAY },
      { seq: 3, at: T0 + 2 * DAY },
      { seq: 4, at: T0 + 20 * DAY },
    ]);
    await detect(3);

    // Act
    const result = await detect(4);
    const again = await detect(4);

    // Assess
    expect(result).toEqual({
      kind: 'extend',
      problemId: 'PRB-20261101-0001',
      linked: [idOf(1), idOf(2), idOf(3), idOf(4)],
    });
    expect(again).toEqual(result);
    const problem = await problems.get('PRB-20261101-0001');
    expect(problem?.incidentIds).toEqual([idOf(1), idOf(2), idOf(3), idOf(4)]);
    expect(problem?.version).toBe(2);
    expect((await store.getIncident(idOf(4)))?.problemId).toBe('PRB-20261101-0001');
    expect(await problemEntries(store, 4)).toHaveLength(1);
    expect(await problems.list({ limit: 10 })).toMatchObject({ items: [{ id: 'PRB-20261101-0001' }] });
  });

  it('is idempotent under retries: the same record, version and one timeline entry each', async () => {
    // Prepare
    const { store, problems, detect } = await setup([
      { seq: 1, at: T0 },
      { seq: 2, at: T0 + DAY },
      { seq: 3, at: T0 + 2 * DAY },
    ]);

    // Act
    await detect(3);
    const before = await problems.get('PRB-20261101-0001');
    await detect(3);
    await detect(3);

    // Assess
    expect(await problems.get('PRB-20261101-0001')).toEqual(before);
    for (const seq of [1, 2, 3]) expect(await problemEntries(store, seq)).toHaveLength(1);
  });

  it('finishes after a crash between any two writes, with nothing doubled', async () => {
    for (let allowed = 0; allowed < 8; allowed++) {
      // Prepare
      const { table, store, problems, deps } = await setup([
        { seq: 1, at: T0 },
        { seq: 2, at: T0 + DAY },
        { seq: 3, at: T0 + 2 * DAY },
      ]);
      const crashing = crashingSender(server.doc, allowed);
      const incident = (await store.getIncident(idOf(3))) as Incident;

      // Act
      const crashed = await detectProblem(
        {
          ...deps,
          store: new IncidentStore(crashing, table),
          problems: new ProblemStore(crashing, table),
        },
        incident,
      ).catch((error: unknown) => error);
      const retried = await detectProblem(deps, incident);

      // Assess: the retry opens the problem, or extends it when the crash came after a link.
      if (allowed < 7) expect(crashed, `after ${allowed} writes`).toBeInstanceOf(SimulatedCrash);
      expect(retried, `after ${allowed} writes`).toMatchObject({
        problemId: 'PRB-20261101-0001',
        linked: [idOf(1), idOf(2), idOf(3)],
      });
      expect((await problems.get('PRB-20261101-0001'))?.incidentIds).toEqual([idOf(1), idOf(2), idOf(3)]);
      for (const seq of [1, 2, 3]) {
        expect((await store.getIncident(idOf(seq)))?.problemId).toBe('PRB-20261101-0001');
        expect(await problemEntries(store, seq), `after ${allowed} writes`).toHaveLength(1);
      }
    }
  });

  it('converges on one problem when incidents resolve at the same moment', async () => {
    // Prepare: the third and the fourth each make a problem of the ones before them.
    const { store, problems, detect } = await setup([
      { seq: 1, at: T0 },
      { seq: 2, at: T0 + DAY },
      { seq: 3, at: T0 + 2 * DAY },
      { seq: 4, at: T0 + 3 * DAY },
    ]);

    // Act
    const results = await Promise.all([detect(3), detect(4), detect(3), detect(4)]);

    // Assess
    expect(results.every((result) => result.kind !== 'none')).toBe(true);
    const listed = await problems.list({ limit: 10 });
    expect(listed.items.map((problem) => problem.id)).toEqual(['PRB-20261101-0001']);
    expect(listed.items[0]?.incidentIds).toEqual([idOf(1), idOf(2), idOf(3), idOf(4)]);
    for (const seq of [1, 2, 3, 4]) {
      expect((await store.getIncident(idOf(seq)))?.problemId).toBe('PRB-20261101-0001');
      expect(await problemEntries(store, seq)).toHaveLength(1);
    }
  });

  it('leaves an incident already linked to another problem with it', async () => {
    // Prepare: incident 2 is linked elsewhere before incident 4 extends incident 3's problem.
    const { store, problems, detect } = await setup([
      { seq: 1, at: T0 },
      { seq: 2, at: T0 + DAY },
      { seq: 3, at: T0 + 2 * DAY },
    ]);
    await problems.putIfAbsent(
      {
        id: 'PRB-20261001-0009',
        title: 'older',
        basis: { by: 'alert', alertKey: 'x' },
        incidentIds: [idOf(2)],
      },
      NOW,
    );
    await store.linkProblem(idOf(2), 'PRB-20261001-0009', NOW);

    // Act
    const result = await detect(3);

    // Assess: incident 2 counts towards the extend but stays with its own problem.
    expect(result).toEqual({
      kind: 'extend',
      problemId: 'PRB-20261001-0009',
      linked: [idOf(1), idOf(2), idOf(3)],
    });
    expect((await problems.get('PRB-20261001-0009'))?.incidentIds).toEqual([idOf(1), idOf(2), idOf(3)]);
  });
});

describe('PROBLEM_RULES', () => {
  it('defaults when absent, parses the rules, and names the variable and field of a bad value', () => {
    expect(loadProblemRules('lifecycle', {})).toEqual({ threshold: 3, windowDays: 30 });
    expect(loadProblemRules('lifecycle', { PROBLEM_RULES: '{"threshold":4,"windowDays":7}' })).toEqual({
      threshold: 4,
      windowDays: 7,
    });
    expect(() => loadProblemRules('lifecycle', { PROBLEM_RULES: '{"threshold":1}' })).toThrow(
      'lifecycle configuration is invalid: PROBLEM_RULES.threshold: must be at least 2 incidents',
    );
    expect(() => loadProblemRules('lifecycle', { PROBLEM_RULES: '{"windowDay":3}' })).toThrow(
      /PROBLEM_RULES/,
    );
    expect(() => loadProblemRules('lifecycle', { PROBLEM_RULES: 'nope' })).toThrow('PROBLEM_RULES: not JSON');
  });
});

describe('problem routes through the API handler', () => {
  const errorOf = (answer: ApiAnswer) =>
    (answer.body as { error: { code: string; message: string; field?: string } }).error;

  it('lists problems newest first, a page at a time, and refuses a cursor of another listing', async () => {
    // Prepare
    const table = await server.createTable('problem-routes');
    const problems = new ProblemStore(server.doc, table);
    for (const n of [1, 2, 3]) {
      await problems.putIfAbsent(
        {
          id: `PRB-20261101-000${n}`,
          title: `problem ${n}`,
          basis: { by: 'service', service: 'web-prod', category: 'Infrastructure' },
          incidentIds: [idOf(n)],
        },
        new Date(T0 + n * DAY),
      );
    }
    const api = await loadApi(server, table);
    try {
      // Act
      const first = await api.call('GET /problems', '/problems', { ...READ, query: { limit: '2' } });
      const cursor = (first.body as { nextCursor: string }).nextCursor;
      const second = await api.call('GET /problems', '/problems', { ...READ, query: { limit: '2', cursor } });
      const foreign = encodeCursor({
        v: 1,
        index: 'by-created',
        key: { PK: 'INC#x', SK: 'META', gsi3pk: 'MONTH#2026-11', gsi3sk: 'x' },
      });
      const refused = await api.call('GET /problems', '/problems', { ...READ, query: { cursor: foreign } });
      const unknown = await api.call('GET /problems', '/problems', { ...READ, query: { limt: '2' } });

      // Assess
      expect(first.status).toBe(200);
      expect((first.body as { items: Array<{ id: string }> }).items).toEqual([
        {
          id: 'PRB-20261101-0003',
          title: 'problem 3',
          basis: { by: 'service', service: 'web-prod', category: 'Infrastructure' },
          status: 'open',
          incidentCount: 1,
          createdAt: new Date(T0 + 3 * DAY).toISOString(),
          updatedAt: new Date(T0 + 3 * DAY).toISOString(),
        },
        expect.objectContaining({ id: 'PRB-20261101-0002' }),
      ]);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: 'PRB-20261101-0001' })] });
      expect(refused.status).toBe(400);
      expect(errorOf(refused).field).toBe('cursor');
      expect(unknown.status).toBe(400);
      expect(errorOf(unknown).field).toBe('limt');
    } finally {
      api.restore();
    }
  });

  it('shows a problem with its incidents, their downtime, and the open action items of their reviews', async () => {
    // Prepare
    const { table, detect } = await setup([
      { seq: 1, at: T0, resolvedAfter: 600_000 },
      { seq: 2, at: T0 + DAY, resolvedAfter: 1_800_000 },
      { seq: 3, at: T0 + 2 * DAY },
    ]);
    await detect(3);
    // Action items as the reviews write them (see keys.actionItem): one open, one done.
    const actionItem = (incident: string, id: string, status: string, dueDate: string) =>
      server.doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...keys.actionItem(incident, id),
            incidentId: incident,
            id,
            title: `Fix ${id}`,
            owner: 'alice',
            dueDate,
            status,
            gsi2pk: INDEX_PARTITIONS.actions(status),
            gsi2sk: `${dueDate}#${incident}#${id}`,
          },
        }),
      );
    await actionItem(idOf(1), 'add-alarm', 'open', '2026-12-01');
    await actionItem(idOf(2), 'old-fix', 'done', '2026-11-20');
    await actionItem(idOf(2), 'scale-db', 'open', '2026-11-25');
    const api = await loadApi(server, table);
    try {
      // Act
      const answer = await api.call('GET /problems/{id}', '/problems/PRB-20261101-0001', READ);
      const incident = await api.call('GET /incidents/{id}', `/incidents/${idOf(2)}`, READ);
      const missing = await api.call('GET /problems/{id}', '/problems/PRB-20261101-0099', READ);
      const malformed = await api.call('GET /problems/{id}', '/problems/nope', READ);

      // Assess
      expect(answer.status).toBe(200);
      const body = answer.body as {
        incidents: Array<{ id: string; downtimeSeconds: number; ongoing?: true }>;
        totalDowntimeSeconds: number;
        openActionItems: unknown[];
      };
      expect(body).toMatchObject({ id: 'PRB-20261101-0001', status: 'open', incidentCount: 3 });
      expect(body.incidents.slice(0, 2)).toEqual([
        {
          id: idOf(1),
          title: 'alarm-1 is in ALARM',
          priority: 'P2',
          status: 'resolved',
          createdAt: new Date(T0).toISOString(),
          resolvedAt: new Date(T0 + 600_000).toISOString(),
          downtimeSeconds: 600,
        },
        expect.objectContaining({ id: idOf(2), downtimeSeconds: 1800 }),
      ]);
      // Still open: counted up to now, and flagged.
      expect(body.incidents[2]).toMatchObject({ id: idOf(3), status: 'triggered', ongoing: true });
      const open = body.incidents[2]?.downtimeSeconds ?? 0;
      expect(open).toBeGreaterThan(0);
      expect(body.totalDowntimeSeconds).toBe(600 + 1800 + open);
      expect(body.openActionItems).toEqual([
        {
          incidentId: idOf(2),
          id: 'scale-db',
          title: 'Fix scale-db',
          owner: 'alice',
          dueDate: '2026-11-25',
          status: 'open',
        },
        {
          incidentId: idOf(1),
          id: 'add-alarm',
          title: 'Fix add-alarm',
          owner: 'alice',
          dueDate: '2026-12-01',
          status: 'open',
        },
      ]);
      expect(incident.body).toMatchObject({ id: idOf(2), problemId: 'PRB-20261101-0001' });
      expect(missing.status).toBe(404);
      expect(errorOf(missing)).toMatchObject({ code: 'not_found', field: 'id' });
      expect(errorOf(missing).message).toContain('PRB-20261101-0099');
      expect(malformed.status).toBe(404);
      expect(errorOf(malformed).message).toContain('nope');
    } finally {
      api.restore();
    }
  });

  it('reads candidates with one Query of the by-service index, never a Scan', async () => {
    // Prepare
    const { table, problems } = await setup([{ seq: 1, at: T0 }]);
    const sent: string[] = [];
    const counting = new ProblemStore(
      {
        send: (command: { constructor: { name: string } }) => {
          sent.push(command.constructor.name);
          return (server.doc.send as (c: unknown) => Promise<unknown>)(command);
        },
      } as never,
      table,
    );

    // Act
    const found = await counting.candidates(
      'web-prod',
      new Date(T0).toISOString(),
      new Date(T0).toISOString(),
    );
    const indexed = await server.doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'by-created',
        KeyConditionExpression: 'gsi3pk = :p',
        ExpressionAttributeValues: { ':p': INDEX_PARTITIONS.problems },
      }),
    );

    // Assess
    expect(sent).toEqual(['QueryCommand']);
    expect(found.map((candidate) => candidate.id)).toEqual([idOf(1)]);
    expect(indexed.Items).toEqual([]);
    expect(problems).toBeDefined();
  });
});
