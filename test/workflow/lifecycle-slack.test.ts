import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENT_CHANNEL_DELIVERY, SlackChat } from '#adapters/slack-chat';
import { SlackConfig } from '#core/slack-config';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { lifecycleHarness } from '../support/lifecycle-harness';
import { alarmSignal } from '../support/signals';
import { FlakySlack } from '../support/slack-doubles';

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
const CONFIG = SlackConfig.parse({ channels: { checkout: 'C0CHECKOUT' }, incidentChannels: ['P1'] });

async function until(condition: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('lifecycle notices in Slack (the ASL file, executed)', () => {
  it("pages the team's channel and the incident's own; a Slack failure is retried without paging SNS again", async () => {
    // Prepare: Slack refuses the first two messages (the page in the team channel and the channel's link).
    let slack: FlakySlack | undefined;
    const h = lifecycleHarness(server, await server.createTable('lifecycle-slack'), {
      waits: { WaitForNextLevel: NEVER, WaitForResponseDeadline: NEVER, WaitForReminder: NEVER },
      chat: ({ store, people, clock }) => {
        slack = new FlakySlack(clock).fail('chat.postMessage', 'ratelimited', 2);
        return new SlackChat({
          slack,
          config: CONFIG,
          incidentLink: (id) => `https://firebreak.example.com/incidents/${id}`,
          store,
          people,
          clock,
        });
      },
    });
    harness = h;
    const signal = alarmSignal({ at: T0, impact: 'high', urgency: 'high', team: 'checkout' });
    const incidentId = await h.open(signal);
    const chat = () => slack?.published.map((message) => message.target) ?? [];

    // Act
    const execution = h.run(incidentId);
    await until(() => chat().length === 3, 'the page in both Slack channels');
    h.clock.now = new Date('2026-11-27T10:20:05.000Z');
    await h.recover({
      ...signal,
      eventId: 'ok-1',
      action: 'resolve',
      occurredAt: '2026-11-27T10:20:00.000Z',
    });
    await execution.result;

    // Assess
    expect(h.published.filter((p) => p.kind === 'initial').map((p) => p.target)).toEqual(['primary-on-call']);
    expect(h.calls.filter((c) => c.action === 'page')).toHaveLength(2);
    const incident = await h.store.getIncident(incidentId);
    expect(incident?.chatChannel).toBe('CLOCAL0001');
    expect(incident?.pagedTargets).toEqual(['primary-on-call']);
    expect(slack?.local.madeChannels().map((channel) => channel.name)).toEqual([incidentId.toLowerCase()]);
    expect(chat().sort()).toEqual([
      'slack:C0CHECKOUT',
      'slack:C0CHECKOUT',
      'slack:CLOCAL0001',
      'slack:CLOCAL0001',
      'slack:CLOCAL0001',
    ]);
    const resolved = (slack?.published ?? []).filter((message) => message.text.startsWith('RESOLVED after'));
    expect(resolved.map((message) => message.target).sort()).toEqual([
      'slack:C0CHECKOUT',
      'slack:CLOCAL0001',
    ]);
    const page = (await h.store.listTimeline(incidentId)).find((entry) => entry.details.level === 1);
    // The retry posted to Slack alone: the topic had been reached by the first attempt.
    expect(Object.keys(page?.details.messageIds as object).sort()).toEqual([
      'slack:C0CHECKOUT',
      INCIDENT_CHANNEL_DELIVERY,
    ]);
    expect(page?.details.deliveredEarlier).toEqual(['primary-on-call']);
  });
});
