import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IncidentQueries } from '#adapters/incident-queries';
import { type DocumentSender, IncidentStore } from '#adapters/incident-store';
import { openIncident } from '#core/incident';
import type { Incident, Priority, Status } from '#core/model';
import { type ApiAnswer, loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';

/** What the test knows of each incident it puts: the figures below are worked out from this alone. */
interface Seed {
  id: string;
  priority: Priority;
  service: string;
  team?: string;
  createdAt: string;
  /** Seconds the first signal came before detection (negative: the source's clock ran ahead). */
  detectedBefore: number;
  ackAfter?: number;
  resolveAfter?: number;
  status: Status;
  respondWithin: number;
  slaMarked: boolean;
  mergedInto?: string;
}

const READ = { scopes: ['firebreak/incidents:read'] };
const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const SERVICES = ['checkout', 'payments', 'search'];
const TEAMS = ['web', 'data', undefined];

/** The range the summary is asked for: two months' partitions, both ends inside the seeded incidents. */
const FROM = '2026-10-10T00:00:00.000Z';
const TO = '2026-11-20T00:00:00.000Z';
/** The API's clock for the trend and the defaults: Wednesday of the week starting 2026-11-16. */
const NOW = new Date('2026-11-18T11:06:40.000Z');

let server: DynamoServer;
let table: string;
let api: Awaited<ReturnType<typeof loadApi>>;
const seeds: Seed[] = [];

/** A small deterministic generator: the same incidents every run. */
function generator(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    // The high bits: a power-of-two LCG's low bits repeat quickly.
    return Math.floor(state / 65_536) % n;
  };
}

const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
const idOn = (createdAt: string, n: number) =>
  `INC-${createdAt.slice(0, 10).replaceAll('-', '')}-${String(n).padStart(4, '0')}`;

function incidentOf(seed: Seed): Incident {
  const opened = openIncident(
    alarmSignal({ at: at(seed.createdAt, -seed.detectedBefore), alarm: `alarm-${seed.id}` }),
    seed.id,
    new Date(seed.createdAt),
  );
  const { team: _team, ...base } = opened;
  return {
    ...base,
    priority: seed.priority,
    service: seed.service,
    ...(seed.team ? { team: seed.team } : {}),
    status: seed.status,
    respondBy: at(seed.createdAt, seed.respondWithin),
    slaBreached: seed.slaMarked,
    ...(seed.ackAfter === undefined ? {} : { acknowledgedAt: at(seed.createdAt, seed.ackAfter) }),
    ...(seed.resolveAfter === undefined ? {} : { resolvedAt: at(seed.createdAt, seed.resolveAfter) }),
    ...(seed.mergedInto ? { mergedInto: seed.mergedInto, mergedAt: at(seed.createdAt, 60) } : {}),
  };
}

/** 60 incidents from late September to late November, every kind of response among them. */
function generatedSeeds(): Seed[] {
  const next = generator(13);
  const list: Seed[] = [];
  for (let i = 0; i < 60; i++) {
    const createdAt = at('2026-09-25T00:00:00.000Z', i * 86_400 + next(86_400));
    const stage = next(10);
    const ackAfter = stage >= 2 ? 30 + next(3600) : undefined;
    const resolved = stage >= 5;
    const seed: Seed = {
      id: idOn(createdAt, 100 + i),
      priority: PRIORITIES[next(4)] as Priority,
      service: SERVICES[next(3)] as string,
      createdAt,
      detectedBefore: next(5) === 0 ? -30 : next(600),
      status: resolved
        ? stage === 9
          ? 'closed'
          : 'resolved'
        : ackAfter === undefined
          ? 'triggered'
          : 'acknowledged',
      respondWithin: 900,
      slaMarked: next(6) === 0,
      ...(ackAfter === undefined ? {} : { ackAfter }),
      ...(resolved ? { resolveAfter: (ackAfter ?? 0) + 60 + next(20_000) } : {}),
    };
    const team = TEAMS[next(3)];
    if (team) seed.team = team;
    // A few were merged into the one before: their response belongs there.
    if (i % 11 === 5) {
      seed.mergedInto = list.at(-1)?.id as string;
      seed.status = 'resolved';
      seed.resolveAfter = 120;
    }
    list.push(seed);
  }
  return list;
}

/** Incidents exactly on, and a millisecond either side of, both ends of the range: service `edge`. */
function edgeSeeds(): Seed[] {
  const edge = (createdAt: string, n: number): Seed => ({
    id: idOn(createdAt, n),
    priority: 'P2',
    service: 'edge',
    createdAt,
    detectedBefore: n,
    ackAfter: 10 * n,
    resolveAfter: 100 * n,
    status: 'resolved',
    respondWithin: 900,
    slaMarked: false,
  });
  return [edge(at(FROM, -0.001), 1), edge(FROM, 2), edge(at(TO, -0.001), 3), edge(TO, 4)];
}

// --- The figures worked out here, independently of lambdas/core/figures.ts ---

function expectedStats(values: number[]) {
  if (values.length === 0) return { mean: null, p50: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the value at position ceil(p × n) counting from 1.
  const rank = (p: number) => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
  return {
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    p50: rank(0.5),
    p90: rank(0.9),
  };
}

function expectedGroups(from: string, to: string, groupBy: 'priority' | 'service' | 'team') {
  const inRange = seeds.filter(
    (seed) =>
      !seed.mergedInto &&
      Date.parse(seed.createdAt) >= Date.parse(from) &&
      Date.parse(seed.createdAt) < Date.parse(to),
  );
  const keys = [
    ...new Set(inRange.map((seed) => (groupBy === 'team' ? (seed.team ?? '(no team)') : seed[groupBy]))),
  ].sort((a, b) => a.localeCompare(b));
  return keys.map((key) => {
    const members = inRange.filter(
      (seed) => (groupBy === 'team' ? (seed.team ?? '(no team)') : seed[groupBy]) === key,
    );
    const acked = members.filter((seed) => seed.ackAfter !== undefined);
    const resolved = members.filter((seed) => seed.status === 'resolved' || seed.status === 'closed');
    return {
      key,
      count: members.length,
      mttd: expectedStats(members.map((seed) => Math.max(0, seed.detectedBefore))),
      mtta: expectedStats(acked.map((seed) => seed.ackAfter as number)),
      mttr: expectedStats(resolved.map((seed) => seed.resolveAfter as number)),
      slaBreached: members.filter(
        (seed) => seed.slaMarked || (seed.ackAfter !== undefined && seed.ackAfter > seed.respondWithin),
      ).length,
    };
  });
}

beforeAll(async () => {
  server = await startDynamoServer();
  table = await server.createTable('metrics-api');
  api = await loadApi(server, table);
  seeds.push(...generatedSeeds(), ...edgeSeeds());
  const store = new IncidentStore(server.doc, table);
  for (const seed of seeds) expect(await store.putIncidentIfAbsent(incidentOf(seed), 'evt-seed')).toBe(true);
  // The seeds hold what the test needs: an incident in each month and of each response stage.
  expect(new Set(seeds.map((seed) => seed.createdAt.slice(0, 7)))).toEqual(
    new Set(['2026-09', '2026-10', '2026-11']),
  );
  expect(seeds.some((seed) => seed.mergedInto && seed.createdAt >= FROM && seed.createdAt < TO)).toBe(true);
  expect(new Set(seeds.map((seed) => seed.status))).toEqual(
    new Set(['triggered', 'acknowledged', 'resolved', 'closed']),
  );
});
afterAll(async () => {
  api.restore();
  await server.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const summary = (query: Record<string, string>) =>
  api.call('GET /metrics/summary', '/metrics/summary', { ...READ, query });
const trendOf = (query: Record<string, string> = {}) =>
  api.call('GET /metrics/trend', '/metrics/trend', { ...READ, query });
const errorOf = (answer: ApiAnswer) => (answer.body as { error: { code: string; field?: string } }).error;

describe('GET /metrics/summary', () => {
  it.each(['priority', 'service', 'team'] as const)(
    'grouped by %s, equals the figures worked out by hand over the same incidents',
    async (groupBy) => {
      // Act
      const answer = await summary({ from: FROM, to: TO, groupBy });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ from: FROM, to: TO, groups: expectedGroups(FROM, TO, groupBy) });
    },
  );

  it('answers exactly from, to and groups, each group exactly its figures', async () => {
    // Act
    const answer = await summary({ from: FROM, to: TO });
    const body = answer.body as { groups: Array<Record<string, unknown>> };

    // Assess: grouped by priority when groupBy is not given.
    expect(Object.keys(body)).toEqual(['from', 'to', 'groups']);
    expect(body.groups.map((group) => group.key)).toEqual(['P1', 'P2', 'P3', 'P4']);
    for (const group of body.groups) {
      expect(Object.keys(group)).toEqual(['key', 'count', 'mttd', 'mtta', 'mttr', 'slaBreached']);
      expect(Object.keys(group.mttr as object)).toEqual(['mean', 'p50', 'p90']);
    }
  });

  it('takes an incident created at exactly from, and leaves out one created at exactly to', async () => {
    // Act
    const answer = await summary({ from: FROM, to: TO, groupBy: 'service' });
    const edge = (
      answer.body as { groups: Array<{ key: string; count: number; mttd: unknown }> }
    ).groups.find((group) => group.key === 'edge');

    // Assess: the incidents 2 (at from) and 3 (a millisecond before to), not 1 (before from) or 4 (at to).
    expect(edge).toMatchObject({ count: 2, mttd: { mean: 2.5, p50: 2, p90: 3 } });
  });

  it('leaves out incidents merged into another', async () => {
    // Prepare
    const merged = seeds.filter((seed) => seed.mergedInto && seed.createdAt >= FROM && seed.createdAt < TO);
    const all = seeds.filter((seed) => seed.createdAt >= FROM && seed.createdAt < TO);

    // Act
    const answer = await summary({ from: FROM, to: TO });
    const counted = (answer.body as { groups: Array<{ count: number }> }).groups.reduce(
      (sum, group) => sum + group.count,
      0,
    );

    // Assess
    expect(merged.length).toBeGreaterThan(0);
    expect(counted).toBe(all.length - merged.length);
  });

  it('reads the last 30 days up to now when neither from nor to is given', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const from = new Date(NOW.getTime() - 30 * 86_400_000).toISOString();

    // Act
    const answer = await summary({});
    const onlyTo = await summary({ to: '2026-10-31T00:00:00Z', groupBy: 'team' });

    // Assess
    expect(answer.body).toEqual({
      from,
      to: NOW.toISOString(),
      groups: expectedGroups(from, NOW.toISOString(), 'priority'),
    });
    expect(onlyTo.body).toEqual({
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-10-31T00:00:00.000Z',
      groups: expectedGroups('2026-10-01T00:00:00.000Z', '2026-10-31T00:00:00.000Z', 'team'),
    });
  });

  it('answers an empty range with no groups', async () => {
    // Act
    const answer = await summary({ from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' });

    // Assess
    expect(answer.body).toEqual({
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-02-01T00:00:00.000Z',
      groups: [],
    });
  });

  it.each([
    [{ from: 'yesterday' }, 'from'],
    [{ from: '2026-10-10' }, 'from'],
    [{ to: '2026-13-01T00:00:00Z' }, 'to'],
    [{ from: TO, to: FROM }, 'from'],
    [{ from: FROM, to: FROM }, 'from'],
    [{ from: '2025-11-18T23:59:59Z', to: TO }, 'from'],
    [{ groupBy: 'severity' }, 'groupBy'],
    [{ since: FROM }, 'since'],
  ])('refuses %j with 400 naming %s', async (query, field) => {
    // Act
    const answer = await summary(query);

    // Assess
    expect(answer.status).toBe(400);
    expect(errorOf(answer)).toMatchObject({ code: 'invalid_request', field });
  });

  it('takes a range of exactly 366 days', async () => {
    // Act
    const answer = await summary({ from: '2025-11-19T00:00:00Z', to: TO });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      from: '2025-11-19T00:00:00.000Z',
      to: TO,
      groups: expectedGroups('2025-11-19T00:00:00.000Z', TO, 'priority'),
    });
  });

  it('needs the incidents:read scope', async () => {
    // Act
    const answer = await api.call('GET /metrics/summary', '/metrics/summary', { scopes: [] });

    // Assess
    expect(answer.status).toBe(403);
  });
});

describe('reading the figures from the by-created index', () => {
  /** Records every command the figures send, and what it asked for. */
  function recording(doc: DocumentSender) {
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const sender = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return (doc.send as (c: unknown) => Promise<unknown>)(command);
      },
    } as unknown as DocumentSender;
    return { sent, sender };
  }

  it('queries each month of the range once per page, only the figures’ attributes, never a Scan', async () => {
    // Prepare: two items a read, so every month takes several pages.
    const { sent, sender } = recording(server.doc);
    const queries = new IncidentQueries(sender, table, () => NOW, { readSize: 2 });

    // Act
    const read = await queries.incidentsCreatedBetween(new Date(FROM), new Date(TO));

    // Assess
    const inRange = seeds.filter((seed) => seed.createdAt >= FROM && seed.createdAt < TO);
    expect(read.map((incident) => incident.createdAt)).toEqual(inRange.map((seed) => seed.createdAt).sort());
    expect(new Set(sent.map((command) => command.name))).toEqual(new Set(['QueryCommand']));
    expect(new Set(sent.map((command) => command.input.IndexName))).toEqual(new Set(['by-created']));
    const partitions = sent.map(
      (command) => (command.input.ExpressionAttributeValues as Record<string, string>)[':pk'],
    );
    expect(new Set(partitions)).toEqual(new Set(['MONTH#2026-10', 'MONTH#2026-11']));
    expect(sent.length).toBeGreaterThan(inRange.length / 2);
    const figureAttributes = new Set([
      ...['priority', 'service', 'team', 'status', 'mergedInto', 'detectedAt', 'createdAt'],
      ...['acknowledgedAt', 'resolvedAt', 'respondBy', 'slaBreached'],
    ]);
    for (const incident of read)
      expect(Object.keys(incident).filter((key) => !figureAttributes.has(key))).toEqual([]);
    for (const command of sent) expect(command.input.ProjectionExpression).toBeTypeOf('string');
  });

  it('reads no month partition past the end of the range', async () => {
    // Prepare
    const { sent, sender } = recording(server.doc);
    const queries = new IncidentQueries(sender, table, () => NOW);

    // Act: up to midnight of 1 November, which itself is outside the range.
    await queries.incidentsCreatedBetween(new Date('2026-09-30T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));

    // Assess
    expect(
      sent.map((command) => (command.input.ExpressionAttributeValues as Record<string, string>)[':pk']),
    ).toEqual(['MONTH#2026-09', 'MONTH#2026-10']);
  });
});

describe('GET /metrics/trend', () => {
  /** The seeds' counts for a week starting `monday`, by priority, merged ones left out. */
  function expectedWeek(monday: string) {
    const start = Date.parse(`${monday}T00:00:00.000Z`);
    const members = seeds.filter(
      (seed) =>
        !seed.mergedInto &&
        Date.parse(seed.createdAt) >= start &&
        Date.parse(seed.createdAt) < start + 7 * 86_400_000,
    );
    const byPriority = { P1: 0, P2: 0, P3: 0, P4: 0 };
    for (const seed of members) byPriority[seed.priority] += 1;
    return {
      week: monday,
      count: members.length,
      byPriority,
      mtta: expectedStats(members.flatMap((seed) => (seed.ackAfter === undefined ? [] : [seed.ackAfter]))),
      mttr: expectedStats(
        members.flatMap((seed) =>
          (seed.status === 'resolved' || seed.status === 'closed') && seed.resolveAfter !== undefined
            ? [seed.resolveAfter]
            : [],
        ),
      ),
      slaBreached: members.filter(
        (seed) => seed.slaMarked || (seed.ackAfter !== undefined && seed.ackAfter > seed.respondWithin),
      ).length,
    };
  }

  const mondaysBack = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      new Date(Date.parse('2026-11-16T00:00:00.000Z') - (count - 1 - i) * 7 * 86_400_000)
        .toISOString()
        .slice(0, 10),
    );

  it('lists the last 12 weeks by default, oldest first, each as worked out by hand, empty weeks at zero', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);

    // Act
    const answer = await trendOf();

    // Assess
    expect(answer.status).toBe(200);
    const body = answer.body as { weeks: Array<{ week: string; count: number }> };
    expect(Object.keys(body)).toEqual(['weeks']);
    expect(body.weeks).toEqual(mondaysBack(12).map(expectedWeek));
    expect(body.weeks[0]).toEqual({
      week: '2026-08-31',
      count: 0,
      byPriority: { P1: 0, P2: 0, P3: 0, P4: 0 },
      mtta: { mean: null, p50: null, p90: null },
      mttr: { mean: null, p50: null, p90: null },
      slaBreached: 0,
    });
    expect(body.weeks.filter((week) => week.count > 0).length).toBeGreaterThan(5);
  });

  it.each([1, 52])('lists %i weeks when asked', async (weeks) => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);

    // Act
    const answer = await trendOf({ weeks: String(weeks) });

    // Assess
    expect((answer.body as { weeks: unknown[] }).weeks).toEqual(mondaysBack(weeks).map(expectedWeek));
  });

  it.each([['0'], ['53'], ['1.5'], ['twelve'], ['']])(
    'refuses weeks=%j with 400 naming weeks',
    async (weeks) => {
      // Act
      const answer = await trendOf({ weeks });

      // Assess
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toMatchObject({ code: 'invalid_request', field: 'weeks' });
    },
  );
});
