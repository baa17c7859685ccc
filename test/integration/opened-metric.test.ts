import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { MetricDatum } from '#core/metric-names';
import type { Signal } from '#core/model';
import { type ApplySignalDeps, applySignal } from '../../lambdas/ingest/apply-signal';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { crashingSender, depsFor, SimulatedCrash } from '../support/store-harness';

/**
 * `IncidentOpened` is counted by the put that creates the incident's record: once per incident, whatever is
 * redelivered, retried after a crash, or joins the incident later.
 */

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

const T1 = '2026-03-14T09:05:41.218Z';
const settle = () => new Promise((resolve) => setTimeout(resolve, 25));

function counting(deps: ApplySignalDeps, metrics: MetricDatum[]): ApplySignalDeps {
  return { ...deps, metric: (datum) => void metrics.push(datum) };
}

const opened = (metrics: MetricDatum[]) => metrics.filter((m) => m.name === 'IncidentOpened');

describe('IncidentOpened', () => {
  it('counts an incident once, by priority and category, however often its alarm is delivered', async () => {
    const table = await server.createTable('opened-metric');
    const metrics: MetricDatum[] = [];
    const deps = counting(depsFor(server.doc, table), metrics);
    const signal = alarmSignal({ at: T1 });

    const result = await applySignal(deps, signal);
    await applySignal(deps, signal);
    await applySignal(deps, { ...signal, eventId: 'evt-repeat' });

    if (result.outcome !== 'opened') throw new Error(`expected an incident to open, got ${result.outcome}`);
    const incident = await new IncidentStore(server.doc, table).getIncident(result.incidentId);
    if (!incident) throw new Error('the incident was not opened');
    expect(metrics).toEqual([
      {
        name: 'IncidentOpened',
        value: 1,
        dimensions: { Priority: incident.priority, Category: incident.category },
      },
    ]);
  });

  it('does not count an alert that joins its group’s open incident', async () => {
    const table = await server.createTable('opened-metric');
    const metrics: MetricDatum[] = [];
    const deps = counting({ ...depsFor(server.doc, table), grouping: DEFAULT_GROUPING_CONFIG }, metrics);
    const alarm = (name: string): Signal => alarmSignal({ at: T1, alarm: name, service: 'checkout' });

    await applySignal(deps, alarm('checkout-5xx'));
    const joined = await applySignal(deps, alarm('checkout-latency'));

    expect(joined.outcome).toBe('joined');
    expect(opened(metrics)).toHaveLength(1);
  });

  it('never counts twice when a crash between any two writes is followed by a retry', async () => {
    let crashes = 0;
    for (let writesAllowed = 0; ; writesAllowed++) {
      const table = await server.createTable('opened-crash');
      const metrics: MetricDatum[] = [];
      const signal = alarmSignal({ at: T1 });
      const first = await applySignal(
        counting(depsFor(crashingSender(server.doc, writesAllowed), table), metrics),
        signal,
      ).catch((error: unknown) => error);
      await settle();
      await applySignal(counting(depsFor(server.doc, table), metrics), signal);

      // Exactly once: by the attempt whose put went through (a write that fails beside it changes nothing).
      expect(opened(metrics), `crash after ${writesAllowed} writes`).toHaveLength(1);
      if (!(first instanceof SimulatedCrash)) break;
      crashes += 1;
    }
    expect(crashes).toBeGreaterThanOrEqual(2);
  });
});
