import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProblemStore } from '#adapters/problem-store';
import type { Signal } from '#core/model';
import { problemDetection } from '../../lambdas/incidents/problem-detection';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { lifecycleHarness } from '../support/lifecycle-harness';
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

const DAY = 86_400_000;
/** A Wait that must not end during the scenario (each incident recovers before it does). */
const NEVER = 60_000;

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('lifecycle: problem detection after the resolution notice (the ASL file, executed)', () => {
  /** Three different alarms of web-prod (Infrastructure), each opened, paged and recovered, `offsets` from the first. */
  async function scenario(offsets: number[]) {
    const table = await server.createTable('lifecycle-problems');
    const problems = new ProblemStore(server.doc, table);
    const h = lifecycleHarness(server, table, {
      waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER, WatchForAck: NEVER },
      afterResolution: ({ store, clock }) => [
        problemDetection({ store, problems, rules: { threshold: 3, windowDays: 30 }, clock }),
      ],
    });
    harness = h;
    const start = Date.parse('2026-11-01T10:00:00.000Z');
    const ids: string[] = [];
    for (const [n, offset] of offsets.entries()) {
      h.clock.now = new Date(start + offset);
      const signal: Signal = alarmSignal({ at: h.clock.now.toISOString(), alarm: `web-alarm-${n}` });
      const id = await h.open(signal);
      ids.push(id);
      const execution = h.run(id);
      await until(
        () => h.published.some((p) => p.kind === 'initial' && p.subject.includes(id)),
        `page of ${id}`,
      );
      h.clock.now = new Date(start + offset + 600_000);
      await h.recover({
        ...signal,
        eventId: `ok-${n}`,
        action: 'resolve',
        occurredAt: h.clock.now.toISOString(),
      });
      await execution.result;
    }
    return { h, problems, ids };
  }

  it('links three incidents of one service and category, the first exactly 30 days before the last, to one problem, paging nobody for it', async () => {
    // Act
    const { h, problems, ids } = await scenario([0, 10 * DAY, 30 * DAY]);

    // Assess
    const [first] = ids;
    const problemId = `PRB-${first?.replace('INC-', '')}`;
    const problem = await problems.get(problemId);
    expect(problem?.incidentIds).toEqual(ids);
    expect(problem?.basis).toEqual({ by: 'service', service: 'web-prod', category: 'Infrastructure' });
    for (const id of ids) {
      expect((await h.store.getIncident(id))?.problemId).toBe(problemId);
      const kinds = (await h.store.listTimeline(id)).map((entry) => entry.kind);
      expect(kinds.filter((kind) => kind === 'problem')).toHaveLength(1);
    }
    // Only the incidents' own messages: nothing about the problem.
    expect(h.published.filter((p) => /PRB-|Recurring/.test(`${p.subject} ${p.text}`))).toEqual([]);
    expect(h.published.filter((p) => p.kind === 'initial')).toHaveLength(3);
  });

  it('opens no problem when the first is a millisecond more than 30 days before the last', async () => {
    // Act
    const { h, problems, ids } = await scenario([0, 10 * DAY, 30 * DAY + 1]);

    // Assess
    expect(await problems.list({ limit: 10 })).toEqual({ items: [] });
    for (const id of ids) expect((await h.store.getIncident(id))?.problemId).toBeUndefined();
  });
});
