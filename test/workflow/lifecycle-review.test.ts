import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IncidentQueries } from '#adapters/incident-queries';
import { ReviewStore } from '#adapters/review-store';
import { RunbookRuns } from '#adapters/runbook-runs';
import type { Signal } from '#core/model';
import { reviewDraft } from '../../lambdas/incidents/review-draft';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { type HarnessOptions, lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';

let server: DynamoServer;
let harness: ReturnType<typeof lifecycleHarness> | undefined;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  harness?.restore();
  harness = undefined;
});

/** A Wait that must not end during the scenario (the incident recovers before it does). */
const NEVER = 60_000;

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('lifecycle: the review draft after the resolution notice (the ASL file, executed)', () => {
  /** One alarm of `impact`/`urgency`, opened, paged and recovered ten minutes later. */
  async function scenario(level: Pick<Signal, 'impact' | 'urgency'>, faults: HarnessOptions['faults'] = {}) {
    const table = await server.createTable('lifecycle-review');
    const reviews = new ReviewStore(server.doc, table);
    const h = lifecycleHarness(server, table, {
      waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER, WatchForAck: NEVER },
      afterResolution: ({ store, clock }) => [
        reviewDraft({
          store,
          reviews,
          alerts: new IncidentQueries(server.doc, table, clock),
          runs: new RunbookRuns(server.doc, table),
          clock,
        }),
      ],
      faults,
    });
    harness = h;
    h.clock.now = new Date('2026-11-27T10:00:00.000Z');
    const signal = alarmSignal({ at: h.clock.now.toISOString(), ...level });
    const id = await h.open(signal);
    const execution = h.run(id);
    await until(
      () => h.published.some((p) => p.kind === 'initial' && p.subject.includes(id)),
      `page of ${id}`,
    );
    h.clock.now = new Date('2026-11-27T10:10:00.000Z');
    await h.recover({ ...signal, eventId: 'ok', action: 'resolve', occurredAt: h.clock.now.toISOString() });
    await execution.result;
    return { h, id, reviews };
  }

  it('opens exactly one draft of a P1, due 48 h after the resolution, with one review entry, even when the step is retried', async () => {
    // Prepare: the resolution step fails once after doing its work (a Lambda error), so Step Functions
    // retries it.
    let attempts = 0;
    const faults: HarnessOptions['faults'] = {
      NotifyResolution: async (_input, real) => {
        const output = await real();
        attempts += 1;
        if (attempts > 1) return output;
        // The retry runs a minute later: a draft made then would differ, so only put-if-absent keeps one.
        if (harness) harness.clock.now = new Date(harness.clock.now.getTime() + 60_000);
        throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      },
    };

    // Act
    const { h, id, reviews } = await scenario({ impact: 'high', urgency: 'high' }, faults);

    // Assess
    expect(attempts).toBe(2);
    const incident = await h.store.getIncident(id);
    expect(incident).toMatchObject({ priority: 'P1', status: 'resolved' });
    const review = await reviews.get(id);
    expect(review).toMatchObject({ incidentId: id, state: 'draft', version: 1, priority: 'P1' });
    // The draft the first attempt made: the retry, a minute later, wrote none.
    expect(review?.openedAt).toBe('2026-11-27T10:10:00.000Z');
    expect(review?.dueAt).toBe(
      new Date(Date.parse(incident?.resolvedAt ?? '') + 48 * 3_600_000).toISOString(),
    );
    expect(review?.timeline.map((entry) => entry.kind)).toEqual(
      expect.arrayContaining(['opened', 'notified', 'resolved']),
    );
    const entries = (await h.store.listTimeline(id)).filter((entry) => entry.kind === 'review');
    expect(entries.map((entry) => entry.message)).toEqual([`Review draft opened, due ${review?.dueAt}`]);
    expect(await reviews.stateOf(id)).toBe('draft');
  });

  it('opens none for a P3', async () => {
    // Act
    const { h, id, reviews } = await scenario({ impact: 'medium', urgency: 'medium' });

    // Assess
    expect((await h.store.getIncident(id))?.priority).toBe('P3');
    expect(await reviews.get(id)).toBeUndefined();
    expect((await h.store.listTimeline(id)).filter((entry) => entry.kind === 'review')).toEqual([]);
  });
});
