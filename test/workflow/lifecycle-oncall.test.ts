import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAckLink } from '#core/ack-links';
import type { EscalationConfig } from '#core/escalation';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { ACK_BASE_URL, HARNESS_ACK_KEY, lifecycleHarness } from '../support/lifecycle-harness';
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

const NEVER = 60_000;
const T0 = '2026-11-27T09:59:30.000Z';

/** Level 1 pages the primary schedule; level 2 an empty schedule (its fallback) and carol by name. */
const ON_CALL_POLICY: EscalationConfig = {
  policies: {
    oncall: {
      name: 'on-call',
      levels: [
        { name: 'primary', delayMinutes: 0, targets: ['schedule:primary'] },
        {
          name: 'secondary',
          delayMinutes: 15,
          targets: ['schedule:secondary', 'person:carol'],
          fallback: 'backup',
        },
      ],
      repeat: 1,
      ackTimeoutMinutes: { P1: 30, P2: 60, P3: 240, P4: 1440 },
      reminderMinutes: {},
      stakeholders: ['stakeholders'],
      management: 'management',
    },
  },
  routes: [],
  defaultPolicy: 'oncall',
};

async function setup(escalation: EscalationConfig = ON_CALL_POLICY) {
  const table = await server.createTable('lifecycle-oncall');
  const h = lifecycleHarness(server, table, {
    escalation,
    simulatedTime: true,
    waits: { WaitForResponseDeadline: NEVER, WatchForAck: NEVER },
  });
  harness = h;
  const at = new Date('2026-11-20T00:00:00.000Z');
  for (const id of ['alice', 'bob', 'carol'])
    await h.people.put(id, { name: id, timeZone: 'Europe/Berlin', contacts: [sms(id)] }, at);
  // alice is on call all week from Monday 09:00 Berlin; bob takes over from 10:10 UTC by an override.
  await h.schedules.put(
    'primary',
    {
      name: 'Primary',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          people: ['alice'],
          start: '2026-11-23T09:00',
          shift: { length: 1, unit: 'weeks' },
          restrictions: [],
        },
      ],
    },
    at,
  );
  await h.schedules.addOverride('primary', {
    id: 'ov-handoff',
    person: 'bob',
    start: '2026-11-27T10:10:00.000Z',
    end: '2026-11-27T18:00:00.000Z',
    createdAt: at.toISOString(),
    createdBy: 'test',
  });
  await h.schedules.put('secondary', { name: 'Secondary', timeZone: 'Europe/Berlin', layers: [] }, at);
  const signal = alarmSignal({ at: T0, impact: 'medium', urgency: 'medium' });
  const incidentId = await h.open(signal);
  /** Runs the lifecycle until escalation is exhausted, then resolves the incident as the alarm recovers. */
  const runToEnd = async () => {
    const execution = h.run(incidentId);
    await until(() => h.published.some((p) => p.kind === 'exhausted'), 'escalation exhausted');
    await h.recover({
      ...signal,
      eventId: 'ok-1',
      action: 'resolve',
      occurredAt: '2026-11-27T12:00:00.000Z',
    });
    await execution.result;
  };
  return { h, incidentId, runToEnd };
}

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function sms(id: string) {
  const digits = { alice: '1', bob: '2', carol: '3' }[id] ?? '9';
  return { type: 'sms' as const, address: `+4915100000${digits}` };
}

function pages(h: ReturnType<typeof lifecycleHarness>) {
  return h.published
    .filter((p) => p.kind === 'initial' || p.kind === 'escalation')
    .map((p) => `${p.at.slice(11, 16)} ${p.target}`);
}

describe('lifecycle: levels that page schedules and people', () => {
  it('pages whoever is on call at the moment of each page, and the fallback for an empty schedule', async () => {
    const { h, incidentId, runToEnd } = await setup();

    await runToEnd();

    // 10:00 alice is on call; from 10:10 bob is (the override). Round 2 starts one minute after level 2.
    expect(pages(h)).toEqual([
      '10:00 person:alice',
      '10:15 backup',
      '10:15 person:carol',
      '10:16 person:bob',
      '10:31 backup',
      '10:31 person:carol',
    ]);
    const incident = await h.store.getIncident(incidentId);
    expect(incident?.pagedTargets).toEqual(['person:alice', 'backup', 'person:carol', 'person:bob']);
    const timeline = await h.store.listTimeline(incidentId);
    const paged = timeline.filter((e) => e.message.startsWith('Paged')).map((e) => e.message);
    expect(paged[0]).toBe('Paged level 1 (primary), round 1: schedule:primary → alice');
    expect(paged[1]).toBe(
      'Paged level 2 (secondary), round 1: schedule:secondary → backup (nobody is on call in schedule secondary), person:carol',
    );
    expect(paged[2]).toBe('Paged level 1 (primary), round 2: schedule:primary → bob');
    // Every person paged is logged for the fairness report, at the moment of the page.
    const log = await h.pages.list('carol', '2026-11-27T00:00:00Z', '2026-11-28T00:00:00Z');
    expect(log.map((entry) => entry.at)).toEqual(['2026-11-27T10:15:00.000Z', '2026-11-27T10:31:00.000Z']);
    expect(await h.pages.list('bob', '2026-11-27T00:00:00Z', '2026-11-28T00:00:00Z')).toEqual([
      {
        person: 'bob',
        at: '2026-11-27T10:16:00.000Z',
        incidentId,
        key: 'page-c0-s2',
        target: 'schedule:primary',
      },
    ]);
  });

  it("signs each person's page with a link for that incident and person, short in the SMS", async () => {
    const { h, incidentId, runToEnd } = await setup();

    await runToEnd();

    const first = h.published.find((p) => p.target === 'person:alice' && p.kind === 'initial');
    const full = first?.text.match(/Acknowledge \(you\): (\S+)/)?.[1] ?? '';
    const short = first?.sms?.match(/Ack: (\S+)$/)?.[1] ?? '';
    expect(full.startsWith(`${ACK_BASE_URL}/ack/`)).toBe(true);
    for (const [link, form] of [
      [full, 'full'],
      [short, 'short'],
    ] as const) {
      const check = verifyAckLink(
        link.slice(`${ACK_BASE_URL}/ack/`.length),
        [HARNESS_ACK_KEY],
        '2026-11-27T11:00:00Z',
      );
      expect(check).toMatchObject({ ok: true, form, incidentId, personId: 'alice' });
    }
    // A topic gets the page as before: no link, no structure.
    const backup = h.published.find((p) => p.target === 'backup');
    expect(backup?.text).not.toMatch(/\/ack\//);
    expect(backup?.sms).toBeUndefined();
    // The resolution notice reaches the people paged, without a link.
    expect(
      h.published
        .filter((p) => p.kind === 'resolution')
        .map((p) => p.target)
        .sort(),
    ).toEqual(['backup', 'person:alice', 'person:bob', 'person:carol', 'stakeholders'].sort());
  });

  it('pages the ops topic, and says so, when a schedule has nobody on call and the level has no fallback', async () => {
    const policy = structuredClone(ON_CALL_POLICY);
    const oncall = policy.policies.oncall;
    if (!oncall) throw new Error('no policy');
    oncall.levels = [{ name: 'secondary', delayMinutes: 0, targets: ['schedule:secondary'] }];
    oncall.repeat = 0;
    const { h, incidentId, runToEnd } = await setup(policy);

    await runToEnd();

    expect(pages(h)).toEqual(['10:00 ops']);
    const timeline = await h.store.listTimeline(incidentId);
    expect(timeline.map((e) => e.message)).toContain(
      'Paged level 1 (secondary), round 1: schedule:secondary → the ops topic (nobody is on call in schedule secondary)',
    );
  });
});
