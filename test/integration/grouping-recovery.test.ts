import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentSender } from '#adapters/incident-store';
import { IncidentStore } from '#adapters/incident-store';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { Signal } from '#core/model';
import { mergeIncident } from '../../lambdas/incidents/merge';
import { type ApplySignalDeps, applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import {
  allIncidents,
  crashingSender,
  depsFor,
  RecordingWorkflow,
  SimulatedCrash,
} from '../support/store-harness';

/**
 * Grouped alerts and merges under the failures AWS delivers: a crash between any two writes and a retry,
 * redeliveries, and alerts of one group arriving in any interleaving. In each case the end state must
 * equal a clean sequential replay in time order: no incident doubled, no lifecycle started twice, no alert
 * counted twice, no timeline entry written twice.
 */
let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

const T0 = Date.parse('2026-03-14T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const alarm = (name: string, minutes: number, extra: Partial<Signal> = {}) =>
  alarmSignal({ at: at(minutes), alarm: name, service: 'checkout', ...extra });
const settle = () => new Promise((resolve) => setTimeout(resolve, 25));

function grouped(sender: DocumentSender, table: string, workflow: RecordingWorkflow): ApplySignalDeps {
  return { ...depsFor(sender, table, new Date(T0), workflow), grouping: DEFAULT_GROUPING_CONFIG };
}

/** Everything a person or the lifecycle would see, in a form two runs can be compared by. */
async function stateOf(table: string, workflow: RecordingWorkflow, keys: string[]) {
  const store = new IncidentStore(server.doc, table);
  const items = await allIncidents(server, table);
  const incidents = (await Promise.all(items.map((item) => store.getIncident(String(item.id)))))
    .filter((incident) => incident !== undefined)
    .sort((a, b) => a.detectedAt.localeCompare(b.detectedAt));
  // Ids depend on which delivery took a number first: compare incidents by their order of detection.
  const alias = new Map(incidents.map((incident, i) => [incident.id, `incident-${i + 1}`]));
  const claims = await Promise.all(keys.map((key) => store.claims.get(key)));
  return {
    incidents: await Promise.all(
      incidents.map(async (incident) => ({
        status: incident.status,
        priority: incident.priority,
        alertCount: incident.alertCount,
        firingCount: incident.firingCount,
        mergedInto: incident.mergedInto ? alias.get(incident.mergedInto) : undefined,
        timeline: (await store.listTimeline(incident.id)).map((entry) => entry.kind).sort(),
      })),
    ),
    alerts: claims.map((claim) => ({
      incident: claim?.incidentId ? alias.get(claim.incidentId) : undefined,
      state: claim?.state,
      fired: claim?.fired,
      open: claim?.open,
    })),
    // A start repeated by a retry is refused by name (one execution per incident): count incidents started.
    lifecyclesStarted: [...new Set(workflow.started)].map((id) => alias.get(id)).sort(),
  };
}

interface Scenario {
  name: string;
  before: Signal[];
  crashing: Signal;
}

const SCENARIOS: Scenario[] = [
  { name: 'opening a group’s incident', before: [], crashing: alarm('checkout-5xx', 0) },
  { name: 'an alert joining it', before: [alarm('checkout-5xx', 0)], crashing: alarm('checkout-latency', 1) },
  {
    name: 'a repeat counted on an alert',
    before: [alarm('checkout-5xx', 0), alarm('checkout-latency', 1)],
    crashing: alarm('checkout-5xx', 2),
  },
  {
    name: 'one of two alerts recovering',
    before: [alarm('checkout-5xx', 0), alarm('checkout-latency', 1)],
    crashing: alarm('checkout-5xx', 2, { action: 'resolve' }),
  },
  {
    name: 'the last alert recovering, which resolves the incident',
    before: [
      alarm('checkout-5xx', 0),
      alarm('checkout-latency', 1),
      alarm('checkout-5xx', 2, { action: 'resolve' }),
    ],
    crashing: alarm('checkout-latency', 3, { action: 'resolve' }),
  },
  {
    name: 'an alert firing again on its open incident',
    before: [
      alarm('checkout-5xx', 0),
      alarm('checkout-latency', 1),
      alarm('checkout-5xx', 2, { action: 'resolve' }),
    ],
    crashing: alarm('checkout-5xx', 3),
  },
  {
    name: 'an alert of a resolved group opening the next incident',
    before: [alarm('checkout-5xx', 0), alarm('checkout-5xx', 1, { action: 'resolve' })],
    crashing: alarm('checkout-latency', 2),
  },
  {
    name: 'an alert after the window opening the group’s next incident',
    before: [alarm('checkout-5xx', 0)],
    crashing: alarm('checkout-latency', 30),
  },
];

const KEYS = ['checkout-5xx', 'checkout-latency'].map((name) => alarm(name, 0).dedupKey);

async function clean(scenario: Scenario) {
  const table = await server.createTable('grp-clean');
  const workflow = new RecordingWorkflow();
  for (const signal of [...scenario.before, scenario.crashing])
    await applySignal(grouped(server.doc, table, workflow), signal);
  return stateOf(table, workflow, KEYS);
}

describe('grouped alerts: a crash between any two writes, then a retry of the same delivery', () => {
  for (const scenario of SCENARIOS) {
    it(`completes ${scenario.name} as a clean run would`, async () => {
      const expected = await clean(scenario);
      let crashes = 0;
      for (let writesAllowed = 0; ; writesAllowed++) {
        const table = await server.createTable('grp-crash');
        const workflow = new RecordingWorkflow();
        for (const signal of scenario.before) await applySignal(grouped(server.doc, table, workflow), signal);

        const first = await applySignal(
          grouped(crashingSender(server.doc, writesAllowed), table, workflow),
          scenario.crashing,
        ).catch((error: unknown) => error);
        await settle();
        const retry = await applySignal(grouped(server.doc, table, workflow), scenario.crashing);

        expect(await stateOf(table, workflow, KEYS), `crash after ${writesAllowed} writes`).toEqual(expected);
        if (!(first instanceof SimulatedCrash)) {
          expect(['duplicate', 'stale']).toContain(retry.outcome);
          break;
        }
        crashes += 1;
      }
      expect(crashes).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('grouped alerts: redeliveries and interleavings', () => {
  const storm = [
    alarm('checkout-5xx', 0),
    alarm('checkout-latency', 1),
    alarm('checkout-errors', 2),
    alarm('checkout-5xx', 3),
    alarm('checkout-latency', 4, { action: 'resolve' }),
    alarm('checkout-errors', 5, { action: 'resolve' }),
    alarm('checkout-5xx', 6, { action: 'resolve' }),
  ];
  const keys = ['checkout-5xx', 'checkout-latency', 'checkout-errors'].map((name) => alarm(name, 0).dedupKey);

  it('ends as the sequential replay whatever the interleaving of different alerts, each delivered twice', async () => {
    const reference = await server.createTable('grp-seq');
    const referenceFlow = new RecordingWorkflow();
    for (const signal of storm) await applySignal(grouped(server.doc, reference, referenceFlow), signal);
    const expected = await stateOf(reference, referenceFlow, keys);

    // Each alarm's own changes stay in order (as CloudWatch sends them); the alarms interleave differently.
    const perAlarm = keys.map((key) => storm.filter((signal) => signal.dedupKey === key));
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ]) {
      const table = await server.createTable('grp-mix');
      const workflow = new RecordingWorkflow();
      const lanes = order.map((i) => perAlarm[i] ?? []);
      // Lanes run concurrently, every event delivered twice (at-least-once).
      await Promise.all(
        lanes.map(async (lane) => {
          for (const signal of lane) {
            await applySignal(grouped(server.doc, table, workflow), signal);
            await applySignal(grouped(server.doc, table, workflow), signal);
          }
        }),
      );

      const state = await stateOf(table, workflow, keys);
      expect(state.incidents.map((i) => [i.status, i.alertCount, i.firingCount])).toEqual(
        expected.incidents.map((i) => [i.status, i.alertCount, i.firingCount]),
      );
      expect(state.alerts).toEqual(expected.alerts);
      expect(state.lifecyclesStarted).toEqual(expected.lifecyclesStarted);
    }
    expect(expected.incidents).toHaveLength(1);
    expect(expected.incidents[0]).toMatchObject({ status: 'resolved', alertCount: 3, firingCount: 0 });
  });
});

describe('merging: a crash between any two writes, then a retry', () => {
  it('finishes the merge as a clean one would, whatever write it stopped after', async () => {
    const setup = async (table: string, workflow: RecordingWorkflow) => {
      for (const signal of [
        alarm('checkout-5xx', 0),
        alarm('checkout-latency', 1),
        alarm('payments-5xx', 2, { service: 'payments' }),
      ])
        await applySignal(grouped(server.doc, table, workflow), signal);
    };
    const mergeKeys = [...KEYS, alarm('payments-5xx', 0).dedupKey];
    const merge = (sender: DocumentSender, table: string, workflow: RecordingWorkflow) =>
      mergeIncident(
        { store: new IncidentStore(sender, table), workflow, clock: () => new Date(T0 + 5 * 60_000) },
        'INC-20260314-0001',
        'INC-20260314-0002',
        'alice',
      );
    const cleanTable = await server.createTable('merge-clean');
    const cleanFlow = new RecordingWorkflow();
    await setup(cleanTable, cleanFlow);
    await merge(server.doc, cleanTable, cleanFlow);
    const expected = await stateOf(cleanTable, cleanFlow, mergeKeys);

    let crashes = 0;
    for (let writesAllowed = 0; ; writesAllowed++) {
      const table = await server.createTable('merge-crash');
      const workflow = new RecordingWorkflow();
      await setup(table, workflow);
      const first = await merge(crashingSender(server.doc, writesAllowed), table, workflow).catch(
        (error: unknown) => error,
      );
      await settle();
      await merge(server.doc, table, workflow);

      expect(await stateOf(table, workflow, mergeKeys), `crash after ${writesAllowed} writes`).toEqual(
        expected,
      );
      if (!(first instanceof SimulatedCrash)) break;
      crashes += 1;
    }
    expect(crashes).toBeGreaterThanOrEqual(5);
    expect(expected.incidents.map((i) => [i.status, i.alertCount, i.mergedInto])).toEqual([
      ['resolved', 0, 'incident-2'],
      ['triggered', 3, undefined],
    ]);
  });
});
