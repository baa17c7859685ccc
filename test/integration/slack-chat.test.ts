import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { PeopleStore } from '#adapters/people-store';
import { ScheduleStore } from '#adapters/schedule-store';
import { INCIDENT_CHANNEL_DELIVERY, SlackChat, type SlackChatDeps } from '#adapters/slack-chat';
import { openIncident } from '#core/incident';
import type { Incident } from '#core/model';
import { SlackConfig } from '#core/slack-config';
import { DirectoryTargetResolver } from '../../lambdas/incidents/target-resolver';
import { type Notice, notifyOnce, pageRecord, UndeliveredNotice } from '../../lambdas/lifecycle/notify-once';
import { RecordingSns } from '../../local/recording-sns';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';
import { FlakySlack } from '../support/slack-doubles';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const PEOPLE_TOPIC = 'arn:aws:sns:us-east-1:111122223333:firebreak-people';
const LINK = (id: string) => `https://firebreak.example.com/incidents/${id}`;
const CONFIG = SlackConfig.parse({
  channels: { payments: 'C0PAYMENTS' },
  defaultChannel: 'C0DEFAULT',
  incidentChannels: ['P1'],
});

let server: DynamoServer;
let table: string;
let store: IncidentStore;
let people: PeopleStore;
let slack: FlakySlack;
let sns: RecordingSns;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('slack-chat');
  store = new IncidentStore(server.doc, table);
  people = new PeopleStore(server.doc, table);
  slack = new FlakySlack(() => NOW);
  sns = new RecordingSns(
    (arn) => arn,
    () => NOW,
  );
});

const chatWith = (storeFor: SlackChatDeps['store'] = store) =>
  new SlackChat({ slack, config: CONFIG, incidentLink: LINK, store: storeFor, people, clock: () => NOW });

function deps(chat = chatWith()) {
  return {
    store,
    notifier: new SnsNotifier(sns, {}, { peopleTopicArn: PEOPLE_TOPIC }),
    clock: () => NOW,
    targets: new DirectoryTargetResolver(people, new ScheduleStore(server.doc, table)),
    chat,
  };
}

/** A P1 (high impact, high urgency) of the payments team, stored. */
async function opened(overrides: Partial<Incident> = {}): Promise<Incident> {
  const signal = alarmSignal({ at: NOW.toISOString(), team: 'payments', impact: 'high', urgency: 'high' });
  const incident = { ...openIncident(signal, 'INC-20261127-0001', NOW), ...overrides };
  await store.putIncidentIfAbsent(incident, 'evt-open');
  return incident;
}

async function reread(id: string): Promise<Incident> {
  const incident = await store.getIncident(id);
  if (!incident) throw new Error(`${id} is gone`);
  return incident;
}

async function person(id: string, chat: string): Promise<void> {
  await people.put(
    id,
    {
      name: id,
      timeZone: 'Europe/Berlin',
      contacts: [
        { type: 'sms', address: '+4915112345678' },
        { type: 'chat', address: chat },
      ],
    },
    NOW,
  );
}

const page = (incident: Incident, targets: string[]): Notice => ({
  kind: 'initial',
  targets,
  message: { subject: `[P1] ${incident.id} web-prod: CPU high`, text: `P1 CRITICAL incident ${incident.id}` },
  entryKind: 'notified',
  entryMessage: (resolved) => `Paged ${resolved}`,
  details: {},
  record: (reached) => pageRecord(incident, 1, reached),
});

const chatTargets = () => slack.published.map((message) => message.target);

describe('SlackChat.targetsFor', () => {
  it("answers the team's channel, else the default one, and the incident's own for pages of its priorities", async () => {
    // Prepare
    const chat = chatWith();
    const p1 = await opened();

    // Act and assess
    expect(chat.targetsFor(p1, 'initial')).toEqual(['slack:C0PAYMENTS', INCIDENT_CHANNEL_DELIVERY]);
    expect(chat.targetsFor(p1, 'escalation')).toEqual(['slack:C0PAYMENTS', INCIDENT_CHANNEL_DELIVERY]);
    expect(chat.targetsFor({ ...p1, priority: 'P2' }, 'initial')).toEqual(['slack:C0PAYMENTS']);
    expect(chat.targetsFor({ ...p1, team: 'search' }, 'update')).toEqual(['slack:C0DEFAULT']);
    // No page opens a channel: updates and resolutions go there only once it exists.
    expect(chat.targetsFor(p1, 'resolution')).toEqual(['slack:C0PAYMENTS']);
    expect(chat.targetsFor({ ...p1, chatChannel: 'CLOCAL0001' }, 'resolution')).toEqual([
      'slack:C0PAYMENTS',
      INCIDENT_CHANNEL_DELIVERY,
    ]);
  });

  it('answers nothing when no channel is configured for the incident', async () => {
    const chat = new SlackChat({
      slack,
      config: SlackConfig.parse({ channels: { payments: 'C0PAYMENTS' } }),
      incidentLink: LINK,
      store,
      people,
      clock: () => NOW,
    });

    expect(chat.targetsFor({ ...(await opened()), team: 'search' }, 'initial')).toEqual([]);
  });
});

describe('SlackChat.post', () => {
  it('posts the incident message with its buttons to the channel, and answers channel and ts', async () => {
    // Prepare
    const incident = await opened();

    // Act
    const id = await chatWith().post('slack:C0PAYMENTS', 'initial', incident, {
      subject: 'subject',
      text: `P1 CRITICAL incident ${incident.id}`,
    });

    // Assess
    expect(id).toBe('C0PAYMENTS:1795773600.000001');
    expect(slack.published).toEqual([
      expect.objectContaining({
        target: 'slack:C0PAYMENTS',
        kind: 'chat',
        incidentId: incident.id,
        subject: `P1 ${incident.id}: web-prod-cpu-utilization-high is in ALARM`,
        text: `P1 CRITICAL incident ${incident.id}`,
      }),
    ]);
    const [call] = slack.calls;
    expect(call?.body).toMatchObject({ channel: 'C0PAYMENTS', unfurl_links: false });
    expect(JSON.stringify(call?.body.blocks)).toContain('firebreak.acknowledge');
  });
});

describe("the incident's own channel", () => {
  it('opens with the first page: created, the people paged invited, the link pinned, recorded once', async () => {
    // Prepare
    await person('alice', 'U024BE7LH');
    await person('bob', '@bob');
    const incident = await opened({ pagedTargets: ['person:bob'] });

    // Act
    await notifyOnce(deps(), incident, 'page-c0-s0', page(incident, ['person:alice']));
    const afterPage = await reread(incident.id);
    await notifyOnce(deps(), afterPage, 'resolution', { ...page(afterPage, []), kind: 'resolution' });

    // Assess
    expect(slack.local.madeChannels()).toEqual([
      {
        id: 'CLOCAL0001',
        name: 'inc-20261127-0001',
        created: 1795773600,
        members: ['U024BE7LH'],
        // One message pinned: the link (the team channel's page may be posted before or after it).
        pins: [expect.stringMatching(/^1795773600\.00000[12]$/)],
      },
    ]);
    expect(afterPage.chatChannel).toBe('CLOCAL0001');
    expect(slack.count('conversations.create')).toBe(1);
    expect(chatTargets().sort()).toEqual([
      'slack:C0PAYMENTS',
      'slack:C0PAYMENTS',
      'slack:CLOCAL0001',
      'slack:CLOCAL0001',
      'slack:CLOCAL0001',
    ]);
    const [intro] = slack.published.filter((message) => message.target === 'slack:CLOCAL0001');
    expect(intro?.text).toContain(LINK(incident.id));
    expect(intro?.text).toContain('not read into the incident');
    const opening = (await store.listTimeline(incident.id)).find(
      (entry) => entry.actor === 'firebreak:slack',
    );
    expect(opening).toEqual({
      incidentId: incident.id,
      entryId: 'slack:channel:CLOCAL0001',
      at: NOW.toISOString(),
      kind: 'updated',
      actor: 'firebreak:slack',
      message: 'Slack channel #inc-20261127-0001 opened for the incident; invited alice',
      details: {
        channel: 'CLOCAL0001',
        name: 'inc-20261127-0001',
        invited: ['alice'],
        withoutSlackId: ['bob'],
      },
    });
  });

  it('is found again, not made twice, when an attempt stopped between creating and recording it', async () => {
    // Prepare
    await person('alice', 'U024BE7LH');
    const incident = await opened();
    slack.fail('pins.add');

    // Act
    const failed = await notifyOnce(deps(), incident, 'page-c0-s0', page(incident, ['person:alice'])).catch(
      (error: unknown) => error,
    );
    const afterFailure = await reread(incident.id);
    slack.heal();
    await notifyOnce(deps(), afterFailure, 'page-c0-s0', page(afterFailure, ['person:alice']));

    // Assess
    expect(failed).toBeInstanceOf(UndeliveredNotice);
    expect(Object.keys((failed as UndeliveredNotice).failed)).toEqual([INCIDENT_CHANNEL_DELIVERY]);
    expect(afterFailure.chatChannel).toBeUndefined();
    expect(slack.count('conversations.create')).toBe(2);
    expect(slack.count('conversations.list')).toBe(1);
    expect(slack.local.madeChannels()).toHaveLength(1);
    expect(slack.local.madeChannels()[0]?.members).toEqual(['U024BE7LH']);
    expect((await reread(incident.id)).chatChannel).toBe('CLOCAL0001');
    // The team channel got the page once; the incident channel got it on the retry.
    expect(chatTargets().filter((target) => target === 'slack:C0PAYMENTS')).toHaveLength(1);
    const timeline = await store.listTimeline(incident.id);
    expect(timeline.filter((entry) => entry.actor === 'firebreak:slack')).toHaveLength(1);
    // Invited again on the retry: Slack's already_in_channel is no problem to note.
    expect(timeline.find((entry) => entry.actor === 'firebreak:slack')?.details.problems).toBeUndefined();
  });

  it('writes one timeline entry when the record failed after it', async () => {
    // Prepare
    const incident = await opened();
    let failOnce = true;
    const flakyStore = Object.assign(Object.create(store) as IncidentStore, {
      recordChatChannel: (id: string, channel: string, now: Date) => {
        if (failOnce) {
          failOnce = false;
          return Promise.reject(
            Object.assign(new Error('Throughput exceeded'), { name: 'ThrottlingException' }),
          );
        }
        return store.recordChatChannel(id, channel, now);
      },
    });
    const chat = chatWith(flakyStore);

    // Act
    await expect(
      chat.post(INCIDENT_CHANNEL_DELIVERY, 'initial', incident, page(incident, []).message),
    ).rejects.toThrow('Throughput exceeded');
    await chat.post(INCIDENT_CHANNEL_DELIVERY, 'initial', incident, page(incident, []).message);

    // Assess
    expect((await reread(incident.id)).chatChannel).toBe('CLOCAL0001');
    const timeline = await store.listTimeline(incident.id);
    expect(timeline.filter((entry) => entry.actor === 'firebreak:slack')).toHaveLength(1);
  });

  it('finds a taken name on a later page of the channel list', async () => {
    // Prepare: 250 other channels, then the incident's, made by an attempt that never recorded it.
    for (let n = 0; n < 250; n++) await slack.local.call('conversations.create', { name: `other-${n}` });
    await slack.local.call('conversations.create', { name: 'inc-20261127-0001' });
    const incident = await opened();

    // Act
    const id = await chatWith().post(
      INCIDENT_CHANNEL_DELIVERY,
      'initial',
      incident,
      page(incident, []).message,
    );

    // Assess
    expect(id.split(':')[0]).toBe('CLOCAL0251');
    expect(slack.count('conversations.list')).toBe(2);
    expect((await reread(incident.id)).chatChannel).toBe('CLOCAL0251');
  });

  it('notes an invitation Slack refuses and opens the channel all the same', async () => {
    // Prepare
    await person('alice', 'U0GONE');
    const incident = await opened();
    slack.fail('conversations.invite', 'user_not_found');

    // Act
    await notifyOnce(deps(), incident, 'page-c0-s0', page(incident, ['person:alice']));

    // Assess
    expect((await reread(incident.id)).chatChannel).toBe('CLOCAL0001');
    const opening = (await store.listTimeline(incident.id)).find(
      (entry) => entry.actor === 'firebreak:slack',
    );
    expect(opening?.details.problems).toEqual(['conversations.invite: user_not_found']);
  });

  it('says so when the name is taken by a channel Firebreak cannot see', async () => {
    // Prepare
    const incident = await opened();
    slack.fail('conversations.create', 'name_taken');

    // Act
    const post = chatWith().post(INCIDENT_CHANNEL_DELIVERY, 'initial', incident, page(incident, []).message);

    // Assess
    await expect(post).rejects.toMatchObject({
      name: 'Slack.name_taken',
      message: expect.stringContaining('#inc-20261127-0001 exists but Firebreak cannot see it'),
    });
    expect((await reread(incident.id)).chatChannel).toBeUndefined();
  });
});

describe('IncidentStore.recordChatChannel', () => {
  it('keeps the first channel recorded, and answers it to every later writer', async () => {
    // Prepare
    const incident = await opened();

    // Act
    const first = await store.recordChatChannel(incident.id, 'CLOCAL0001', NOW);
    const second = await store.recordChatChannel(incident.id, 'CLOCAL0002', NOW);
    const missing = await store.recordChatChannel('INC-20261127-0999', 'CLOCAL0001', NOW);

    // Assess
    expect([first, second, missing]).toEqual(['CLOCAL0001', 'CLOCAL0001', undefined]);
    expect((await reread(incident.id)).chatChannel).toBe('CLOCAL0001');
    expect((await reread(incident.id)).version).toBe(incident.version);
  });
});
