import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import type { EventResult } from '../../lambdas/ingest/ingest-events';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { loadFixture } from '../support/fixtures';
import { type IngestHandler, loadIngestHandler, mockStepFunctions } from '../support/ingest-handler';
import { allIncidents } from '../support/store-harness';

let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

async function freshPipeline() {
  const table = await server.createTable('fixtures');
  const { sfn, started } = mockStepFunctions();
  const ingest = await loadIngestHandler(server, table);
  const store = new IncidentStore(server.doc, table);
  return { table, ingest, store, sfn, started };
}

function outcomes(results: EventResult[]): string[] {
  return results.map((r) => ('result' in r ? r.result.outcome : r.outcome));
}

function incidentIdOf(result: EventResult | undefined): string {
  if (result && 'result' in result && 'incidentId' in result.result && result.result.incidentId) {
    return result.result.incidentId;
  }
  throw new Error(`no incident in ${JSON.stringify(result)}`);
}

async function ingestOne(ingest: IngestHandler, prefix: string) {
  const report = await ingest(loadFixture(prefix));
  expect(report.results).toHaveLength(1);
  const [result] = report.results;
  if (!result) throw new Error(`${prefix} produced no result`);
  return result;
}

describe('fixtures through the real ingest handler', () => {
  it('01 opens an incident keyed on the alarm ARN and 02 resolves it', async () => {
    const { table, ingest, store, started } = await freshPipeline();

    const opened = await ingestOne(ingest, '01-');
    const resolved = await ingestOne(ingest, '02-');

    expect(outcomes([opened, resolved])).toEqual(['opened', 'resolved']);
    const id = incidentIdOf(opened);
    expect(incidentIdOf(resolved)).toBe(id);
    const incident = await store.getIncident(id);
    expect(incident).toMatchObject({
      status: 'resolved',
      dedupKey: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu-utilization-high',
      category: 'Infrastructure',
      detectedAt: '2026-03-14T09:05:41.218Z',
    });
    expect((await store.listTimeline(id)).map((e) => e.kind)).toEqual(['opened', 'resolved']);
    expect(await allIncidents(server, table)).toHaveLength(1);
    expect([...started]).toEqual([id]);
  });

  it('02 delivered without 01 is a no-op', async () => {
    const { table, ingest } = await freshPipeline();

    const result = await ingestOne(ingest, '02-');

    expect(outcomes([result])).toEqual(['ignored']);
    expect(await allIncidents(server, table)).toHaveLength(0);
  });

  it.each([
    ['03-', 'Application'],
    ['04-', 'Infrastructure'],
    ['06-', 'Application'],
    ['08-', 'Database'],
    ['09-', 'Database'],
    ['10-', 'Security'],
    ['11-', 'Security'],
    ['12-', 'Cloud Services'],
  ])('%s opens one %s incident, and its redelivery changes nothing', async (prefix, category) => {
    const { table, ingest, store, started } = await freshPipeline();

    const first = await ingestOne(ingest, prefix);
    const again = await ingestOne(ingest, prefix);

    expect(outcomes([first, again])).toEqual(['opened', 'duplicate']);
    const incident = await store.getIncident(incidentIdOf(first));
    expect(incident?.category).toBe(category);
    expect(incident?.alertCount).toBe(1);
    expect(await store.listTimeline(incidentIdOf(first))).toHaveLength(1);
    expect(await allIncidents(server, table)).toHaveLength(1);
    expect([...started]).toEqual([incidentIdOf(first)]);
  });

  it('05 opens its own composite incident, linked to the child from 03 and not merged into it', async () => {
    const { table, ingest, store } = await freshPipeline();

    const child = await ingestOne(ingest, '03-');
    const composite = await ingestOne(ingest, '05-');

    expect(outcomes([child, composite])).toEqual(['opened', 'opened']);
    const incident = await store.getIncident(incidentIdOf(composite));
    expect(incident?.dedupKey).toBe(
      'arn:aws:cloudwatch:us-east-1:111122223333:alarm:checkout-service-degraded',
    );
    expect(incident?.related).toContain(
      'arn:aws:cloudwatch:us-east-1:111122223333:alarm:checkout-alb-5xx-error-rate-high',
    );
    expect(await allIncidents(server, table)).toHaveLength(2);
  });

  it('06 takes its team from the alarm tags and keeps the on-call tag as a label', async () => {
    const { ingest, store } = await freshPipeline();

    const result = await ingestOne(ingest, '06-');

    const incident = await store.getIncident(incidentIdOf(result));
    expect(incident?.team).toBe('orders-platform');
    expect(incident?.labels).toMatchObject({ team: 'orders-platform', oncall: 'orders-primary' });
    expect(incident?.source).toMatchObject({ account: '444455556666', region: 'eu-west-1' });
  });

  it('07 INSUFFICIENT_DATA is ignored and opens nothing', async () => {
    const { table, ingest } = await freshPipeline();

    const result = await ingestOne(ingest, '07-');

    expect(outcomes([result])).toEqual(['ignored']);
    expect(await allIncidents(server, table)).toHaveLength(0);
  });

  it('10 is a high-severity security incident; a later update of the same finding dedups into it', async () => {
    const { table, ingest, store } = await freshPipeline();
    const finding = loadFixture('10-') as { id: string; detail: Record<string, unknown> };
    const update = {
      ...finding,
      id: 'a9f0f6b2-0000-4000-8000-000000000010',
      detail: { ...finding.detail, updatedAt: '2026-03-14T10:30:00.000Z' },
    };

    const first = await ingest(finding);
    const second = await ingest(update);

    expect(outcomes([...first.results, ...second.results])).toEqual(['opened', 'deduplicated']);
    const incident = await store.getIncident(incidentIdOf(first.results[0]));
    expect(incident).toMatchObject({ severity: 'high', category: 'Security', alertCount: 1, priority: 'P1' });
    // The update is the same alert again: counted on it, not a second alert.
    expect((await store.claims.get(String(incident?.dedupKey)))?.fired).toBe(2);
    expect(await allIncidents(server, table)).toHaveLength(1);
  });

  it('11 opens a critical security incident keyed on the finding id', async () => {
    const { ingest, store } = await freshPipeline();
    const event = loadFixture('11-') as { detail: { findings: Array<{ Id: string }> } };

    const result = await ingestOne(ingest, '11-');

    const incident = await store.getIncident(incidentIdOf(result));
    expect(incident).toMatchObject({
      severity: 'critical',
      dedupKey: event.detail.findings[0]?.Id,
      priority: 'P1',
    });
  });

  it('12 opens an AWS service issue and its closed update resolves it', async () => {
    const { ingest, store } = await freshPipeline();
    const health = loadFixture('12-') as { id: string; detail: Record<string, unknown> };
    const closed = {
      ...health,
      id: 'c0ffee00-0000-4000-8000-000000000012',
      detail: { ...health.detail, statusCode: 'closed', lastUpdatedTime: 'Sat, 14 Mar 2026 11:30:00 GMT' },
    };

    const opened = await ingest(health);
    const resolved = await ingest(closed);

    expect(outcomes([...opened.results, ...resolved.results])).toEqual(['opened', 'resolved']);
    expect((await store.getIncident(incidentIdOf(opened.results[0])))?.status).toBe('resolved');
  });

  it('rejects a malformed event with the field named, and still ingests the valid one beside it', async () => {
    const { table, ingest } = await freshPipeline();
    const good = loadFixture('01-');
    const bad = {
      ...good,
      id: 'broken-1',
      detail: { ...(good.detail as object), state: { value: 'EXPLODED' } },
    };

    const report = await ingest([bad, good, 'not an event']);

    expect(outcomes(report.results)).toEqual(['rejected', 'opened', 'rejected']);
    const rejection = report.results[0];
    expect(rejection && 'field' in rejection ? rejection.field : undefined).toMatch(/^detail\.state/);
    expect(await allIncidents(server, table)).toHaveLength(1);
  });

  it('fails the invocation when the store is unreachable, so that AWS retries the event', async () => {
    const unreachable = await unusedLocalEndpoint();
    const ingest = await loadIngestHandler({ endpoint: unreachable }, 'incidents');

    await expect(ingest(loadFixture('01-'))).rejects.toThrow(/failed to apply; retry the event/);
  });
});

/** An address on 127.0.0.1 where nothing listens: a port that was just free. */
async function unusedLocalEndpoint(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}
