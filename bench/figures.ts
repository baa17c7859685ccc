/**
 * Figures (issue 13): what `GET /metrics/summary` costs over a quarter of incidents, against what a dashboard
 * would do without it, measured in the same run: page through `GET /incidents` (100 a page, every status,
 * `since` the range's start) and work out the same summary itself with #core/figures. Both answers are
 * checked to be equal before anything is reported.
 *
 * The incidents are put straight into the table (not counted): resolved mostly, some acknowledged or still
 * open, spread over 90 days. DynamoDB requests are counted at the document client and checked against what
 * the server (dynalite, in its own process as DynamoDB is remote to a Lambda) served; time is the median
 * of the samples around the router's calls, in this process.
 *
 *   npm run bench:figures
 */
import { loadavg } from 'node:os';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IncidentStore } from '#adapters/incident-store';
import { type FigureGroup, summarize } from '#core/figures';
import { openIncident } from '#core/incident';
import type { Incident, Priority } from '#core/model';
import { alarmSignal } from '../test/support/signals';
import { type Api, apiOver, countInto, countingSender, jsonCall, Tally } from './api-bench';
import { benchDynamoClient, createBenchTable, startDynamoProcess } from './dynamo-client';
import { quantile } from './stats';

const SIZES = [300, 1_500];
const SAMPLES = 15;
const WARMUP = 3;
const DAY_MS = 86_400_000;
const RANGE_DAYS = 90;
const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const NOW = new Date();
const FROM = new Date(NOW.getTime() - RANGE_DAYS * DAY_MS);

/** A deterministic generator, so every run measures the same incidents. */
function generator(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % below;
  };
}

/** The n-th incident of a table: created within the range, detected a little after its alarm fired. */
function incidentOf(n: number, next: (below: number) => number): Incident {
  const created = new Date(FROM.getTime() + DAY_MS + next((RANGE_DAYS - 2) * DAY_MS));
  const at = (seconds: number) => new Date(created.getTime() + seconds * 1000).toISOString();
  const signal = alarmSignal({
    at: at(-30 - next(120)),
    alarm: `bench-alarm-${n}`,
    service: `service-${n % 12}`,
  });
  const day = created.toISOString().slice(0, 10).replaceAll('-', '');
  const base = openIncident(signal, `INC-${day}-${String(n).padStart(4, '0')}`, created);
  const stage = next(10);
  return {
    ...base,
    priority: PRIORITIES[next(4)] as Priority,
    team: ['payments', 'platform', 'search'][n % 3] as string,
    status: stage >= 3 ? 'resolved' : stage >= 1 ? 'acknowledged' : 'triggered',
    ...(stage >= 1 ? { acknowledgedAt: at(30 + next(1_800)) } : {}),
    ...(stage >= 3 ? { resolvedAt: at(2_000 + next(14_400)) } : {}),
  };
}

interface Answer {
  status: number;
  body: { groups?: FigureGroup[]; items?: Incident[]; nextCursor?: string };
}

async function call(api: Api, event: ReturnType<typeof jsonCall>): Promise<Answer> {
  const { statusCode, body } = (await api(event)) as { statusCode: number; body?: string };
  const answer = { status: statusCode, body: body ? JSON.parse(body) : {} };
  if (statusCode !== 200) throw new Error(`${event.routeKey}: ${statusCode} ${body}`);
  return answer;
}

/** The endpoint: one call, the summary grouped by priority. */
async function viaSummary(api: Api): Promise<FigureGroup[]> {
  const query = `from=${FROM.toISOString()}&to=${NOW.toISOString()}&groupBy=priority`;
  const answer = await call(api, jsonCall('GET /metrics/summary', undefined, { query }));
  return answer.body.groups ?? [];
}

/** Without it: every incident of the range paged through the list, the summary worked out by the client. */
async function viaListing(api: Api): Promise<FigureGroup[]> {
  const incidents: Incident[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({
      status: 'triggered,acknowledged,resolved,closed',
      since: FROM.toISOString(),
      limit: '100',
      ...(cursor ? { cursor } : {}),
    }).toString();
    const answer = await call(api, jsonCall('GET /incidents', undefined, { query }));
    incidents.push(...(answer.body.items ?? []));
    cursor = answer.body.nextCursor;
  } while (cursor);
  return summarize(
    incidents.filter((incident) => incident.createdAt < NOW.toISOString()),
    'priority',
  );
}

interface Measured {
  requests: number[];
  roundTrips: number[];
  ms: number[];
}

async function measure(
  run: () => Promise<FigureGroup[]>,
  served: () => Promise<number>,
): Promise<{ measured: Measured; groups: FigureGroup[] }> {
  const measured: Measured = { requests: [], roundTrips: [], ms: [] };
  let groups: FigureGroup[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const before = await served();
    const tally = new Tally();
    countInto(tally);
    const started = performance.now();
    groups = await run();
    const ms = performance.now() - started;
    countInto(undefined);
    const serverSaw = (await served()) - before;
    if (serverSaw !== tally.requests)
      throw new Error(`counted ${tally.requests}, the server saw ${serverSaw}`);
    if (i < WARMUP) continue;
    measured.requests.push(tally.requests);
    measured.roundTrips.push(tally.roundTrips);
    measured.ms.push(ms);
  }
  return { measured, groups };
}

const median = (values: number[]) => quantile(values, 0.5);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function main() {
  const loadAtStart = loadavg();
  const dynamo = await startDynamoProcess();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = benchDynamoClient(dynamo.endpoint);
  const rows: string[] = [];
  try {
    const doc = countingSender(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    );
    for (const size of SIZES) {
      const table = `figures-bench-${size}`;
      await createBenchTable(client, table);
      const store = new IncidentStore(doc, table);
      const next = generator(size);
      for (let n = 1; n <= size; n++) {
        if (!(await store.putIncidentIfAbsent(incidentOf(n, next), `bench-${n}`))) throw new Error('seed');
      }
      const api = apiOver(doc, table);
      const summary = await measure(() => viaSummary(api), dynamo.requests);
      const listing = await measure(() => viaListing(api), dynamo.requests);
      if (JSON.stringify(summary.groups) !== JSON.stringify(listing.groups))
        throw new Error(`the two summaries differ at ${size} incidents`);
      const [s, l] = [summary.measured, listing.measured];
      rows.push(
        `| ${size} | ${median(s.requests)} in ${median(s.roundTrips)} | ${median(s.ms).toFixed(1)} ms | ` +
          `${median(l.requests)} in ${median(l.roundTrips)} | ${median(l.ms).toFixed(1)} ms | ` +
          `${ratio(median(s.requests), median(l.requests))} | ${ratio(median(s.ms), median(l.ms))} |`,
      );
    }
  } finally {
    client.destroy();
    await dynamo.stop();
  }
  console.log(`Figures over ${RANGE_DAYS} days, grouped by priority (median of ${SAMPLES} samples each)\n`);
  console.log(
    '| incidents | `GET /metrics/summary`: DynamoDB requests in round trips | time | ' +
      'paging `GET /incidents` + client summary: requests in round trips | time | requests ratio | time ratio |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(
    `\nLoad average at start ${loadAtStart.map((n) => n.toFixed(2)).join(' ')}, at end ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
}

await main();
