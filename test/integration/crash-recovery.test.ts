import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import type { Incident, Signal } from '#core/model';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { allIncidents, crashingSender, depsFor, SimulatedCrash } from '../support/store-harness';

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

const T1 = '2026-03-14T09:05:41.218Z';
const T2 = '2026-03-14T09:20:00.000Z';
const T3 = '2026-03-14T09:40:00.000Z';

/** Lets writes that were already in flight when the "process died" land before the retry starts. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 25));

interface Scenario {
  name: string;
  /** Changes applied cleanly before the one that crashes. */
  before: Signal[];
  crashing: Signal;
  expectStatuses: string[];
  /** Alerts on each incident, and how often the alarm fired on each. */
  expectAlertCounts: number[];
  expectFired: number[];
  expectTimelines: string[][];
}

function scenarios(): Scenario[] {
  return [
    {
      name: 'opening an incident',
      before: [],
      crashing: alarmSignal({ at: T1 }),
      expectStatuses: ['triggered'],
      expectAlertCounts: [1],
      expectFired: [1],
      expectTimelines: [['opened']],
    },
    {
      name: 'counting an alert on the open incident',
      before: [alarmSignal({ at: T1 })],
      crashing: alarmSignal({ at: T2 }),
      expectStatuses: ['triggered'],
      expectAlertCounts: [1],
      expectFired: [2],
      expectTimelines: [['opened']],
    },
    {
      name: 'resolving on recovery',
      before: [alarmSignal({ at: T1 })],
      crashing: alarmSignal({ at: T2, action: 'resolve' }),
      expectStatuses: ['resolved'],
      expectAlertCounts: [1],
      expectFired: [1],
      expectTimelines: [['opened', 'resolved']],
    },
    {
      name: 're-opening after recovery',
      before: [alarmSignal({ at: T1 }), alarmSignal({ at: T2, action: 'resolve' })],
      crashing: alarmSignal({ at: T3 }),
      expectStatuses: ['resolved', 'triggered'],
      expectAlertCounts: [1, 1],
      expectFired: [1, 1],
      expectTimelines: [['opened', 'resolved'], ['opened']],
    },
  ];
}

async function finalState(table: string) {
  const store = new IncidentStore(server.doc, table);
  const incidents = (await allIncidents(server, table)).sort((a, b) =>
    String(a.createdAt + a.detectedAt).localeCompare(String(b.createdAt + b.detectedAt)),
  );
  const timelines = await Promise.all(
    incidents.map(async (i) => (await store.listTimeline(String(i.id))).map((e) => e.kind)),
  );
  const read = await Promise.all(incidents.map((i) => store.getIncident(String(i.id))));
  return {
    statuses: incidents.map((i) => i.status),
    alertCounts: read.map((i) => i?.alertCount),
    fired: await Promise.all(read.map((incident) => firedOn(store, incident))),
    timelines,
  };
}

/** How often the alarm fired on the incident: its claim while it is on it, else the record the incident kept. */
async function firedOn(store: IncidentStore, incident: Incident | undefined): Promise<number | undefined> {
  if (!incident) return undefined;
  const claim = await store.claims.get(incident.dedupKey);
  if (claim?.incidentId === incident.id) return claim.fired;
  return claim?.previousIncidentId === incident.id ? claim.previousFired : undefined;
}

describe('a crash between any two writes, then a retry of the same delivery', () => {
  for (const scenario of scenarios()) {
    it(`completes ${scenario.name} exactly once`, async () => {
      let crashes = 0;
      for (let writesAllowed = 0; ; writesAllowed++) {
        const table = await server.createTable('crash');
        for (const signal of scenario.before) await applySignal(depsFor(server.doc, table), signal);
        const sender = crashingSender(server.doc, writesAllowed);

        const first = await applySignal(depsFor(sender, table), scenario.crashing).catch(
          (error: unknown) => error,
        );
        await settle();
        const retry = await applySignal(depsFor(server.doc, table), scenario.crashing);

        const state = await finalState(table);
        expect(state.statuses, `crash after ${writesAllowed} writes`).toEqual(scenario.expectStatuses);
        expect(state.alertCounts, `crash after ${writesAllowed} writes`).toEqual(scenario.expectAlertCounts);
        expect(state.fired, `crash after ${writesAllowed} writes`).toEqual(scenario.expectFired);
        expect(state.timelines, `crash after ${writesAllowed} writes`).toEqual(scenario.expectTimelines);
        if (!(first instanceof SimulatedCrash)) {
          // The whole sequence fitted in the allowed writes: the retry was a plain redelivery.
          expect(retry.outcome).toBe('duplicate');
          break;
        }
        crashes += 1;
      }
      expect(crashes).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('a crash, then a newer change for the key before the retry', () => {
  it('finishes the interrupted open when the recovery arrives first', async () => {
    const table = await server.createTable('crash');
    const alarm = alarmSignal({ at: T1 });
    // counter + claim pass, the incident write dies: the key is claimed but the incident does not exist.
    await applySignal(depsFor(crashingSender(server.doc, 2), table), alarm).catch(() => undefined);
    await settle();

    const recovery = await applySignal(
      depsFor(server.doc, table),
      alarmSignal({ at: T2, action: 'resolve' }),
    );
    const lateRetry = await applySignal(depsFor(server.doc, table), alarm);

    expect(recovery.outcome).toBe('resolved');
    expect(lateRetry.outcome).toBe('stale');
    const state = await finalState(table);
    expect(state.statuses).toEqual(['resolved']);
    expect(state.timelines[0]).toEqual(['opened', 'resolved']);
  });

  it('finishes an interrupted recovery on its late retry, after the alarm fired again', async () => {
    const table = await server.createTable('crash');
    await applySignal(depsFor(server.doc, table), alarmSignal({ at: T1 }));
    const recovery = alarmSignal({ at: T2, action: 'resolve' });
    // The claim write passes, the incident update dies.
    await applySignal(depsFor(crashingSender(server.doc, 1), table), recovery).catch(() => undefined);
    await settle();

    const refire = await applySignal(depsFor(server.doc, table), alarmSignal({ at: T3 }));
    const lateRetry = await applySignal(depsFor(server.doc, table), recovery);

    expect(refire.outcome).toBe('opened');
    expect(lateRetry).toEqual({ outcome: 'duplicate', incidentId: 'INC-20260314-0001' });
    const state = await finalState(table);
    expect(state.statuses).toEqual(['resolved', 'triggered']);
    expect(state.timelines[0]).toEqual(['opened', 'resolved']);
  });
});
