import type { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { type NotificationKind, SnsNotifier } from '#adapters/notifier';
import type { PageEntry } from '#adapters/page-log';
import { PeopleStore } from '#adapters/people-store';
import { ScheduleStore } from '#adapters/schedule-store';
import { SlackApiError } from '#adapters/slack-api';
import { openIncident } from '#core/incident';
import type { Incident } from '#core/model';
import type { NotificationMessage } from '#core/templates';
import { DirectoryTargetResolver } from '../../lambdas/incidents/target-resolver';
import {
  type ChatContext,
  type ChatDelivery,
  type Notice,
  notifyOnce,
  pageRecord,
  UndeliveredNotice,
} from '../../lambdas/lifecycle/notify-once';
import { RecordingSns } from '../../local/recording-sns';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { alarmSignal } from '../support/signals';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const PRIMARY_TOPIC = 'arn:aws:sns:us-east-1:111122223333:firebreak-primary';
const PEOPLE_TOPIC = 'arn:aws:sns:us-east-1:111122223333:firebreak-people';
const CHANNEL = 'slack:C0PAYMENTS';

/** A chat integration that posts to one team channel, and fails while told to. */
class RecordingChat implements ChatDelivery {
  readonly posts: Array<{ target: string; kind: NotificationKind; context?: ChatContext }> = [];
  failing = false;

  targetsFor(): string[] {
    return [CHANNEL];
  }

  async post(
    target: string,
    kind: NotificationKind,
    _incident: Incident,
    _message: NotificationMessage,
    context?: ChatContext,
  ): Promise<string> {
    if (this.failing)
      throw new SlackApiError('ratelimited', 'Slack rate-limited chat.postMessage: retry after 1 s');
    this.posts.push({ target, kind, ...(context ? { context } : {}) });
    return `C0PAYMENTS:1795773600.00000${this.posts.length}`;
  }
}

let server: DynamoServer;
let table: string;
let store: IncidentStore;
let sns: RecordingSns;
let chat: RecordingChat;
let pages: PageEntry[];
let snsFailing: boolean;
let deps: Parameters<typeof notifyOnce>[0];

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  table = await server.createTable('notify-chat');
  store = new IncidentStore(server.doc, table);
  sns = new RecordingSns(
    (arn) => (arn === PRIMARY_TOPIC ? 'primary' : arn),
    () => NOW,
  );
  snsFailing = false;
  const sender = {
    send: async (command: PublishCommand) => {
      if (snsFailing) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      return sns.send(command);
    },
  };
  chat = new RecordingChat();
  pages = [];
  deps = {
    store,
    notifier: new SnsNotifier(sender, { primary: PRIMARY_TOPIC }, { peopleTopicArn: PEOPLE_TOPIC }),
    clock: () => NOW,
    targets: new DirectoryTargetResolver(
      new PeopleStore(server.doc, table),
      new ScheduleStore(server.doc, table),
    ),
    pages: { record: async (entries) => void pages.push(...entries) },
    chat,
  };
});

async function openedIncident(): Promise<Incident> {
  const incident = openIncident(
    alarmSignal({ at: NOW.toISOString(), team: 'payments' }),
    'INC-20261127-0001',
    NOW,
  );
  await store.putIncidentIfAbsent(incident, 'evt-open');
  return incident;
}

async function reread(id: string): Promise<Incident> {
  const incident = await store.getIncident(id);
  if (!incident) throw new Error(`${id} is gone`);
  return incident;
}

const page = (incident: Incident, targets: string[]): Notice => ({
  kind: 'initial',
  targets,
  message: { subject: '[P2] INC-20261127-0001 web-prod: CPU high', text: 'Paged' },
  entryKind: 'notified',
  entryMessage: (resolved) => `Paged ${resolved}`,
  details: { level: 1 },
  record: (reached) => pageRecord(incident, 1, reached),
});

describe('notifyOnce with a chat integration', () => {
  it('posts to the chat channel with the topics, once per key, and records the message id', async () => {
    // Prepare
    const incident = await openedIncident();

    // Act
    const first = await notifyOnce(deps, incident, 'page-c0-s0', page(incident, ['primary']));
    const again = await notifyOnce(
      deps,
      await reread(incident.id),
      'page-c0-s0',
      page(incident, ['primary']),
    );

    // Assess
    expect([first, again]).toEqual([true, false]);
    expect(sns.published.map((p) => p.target)).toEqual(['primary']);
    expect(chat.posts.map((p) => [p.target, p.kind])).toEqual([[CHANNEL, 'initial']]);
    const [entry] = await store.listTimeline(incident.id);
    expect(entry?.details.messageIds).toEqual({
      primary: 'local-1',
      [CHANNEL]: 'C0PAYMENTS:1795773600.000001',
    });
    // A channel is not paged: it never joins the targets the resolution notice goes to.
    expect((await reread(incident.id)).pagedTargets).toEqual(['primary']);
  });

  it('fails the notice when Slack fails, keeping the topics reached; the retry posts only to Slack', async () => {
    // Prepare
    const incident = await openedIncident();
    chat.failing = true;

    // Act
    const failed = await notifyOnce(deps, incident, 'page-c0-s0', page(incident, ['primary'])).catch(
      (error: unknown) => error,
    );
    const afterFailure = await reread(incident.id);
    chat.failing = false;
    const retried = await notifyOnce(deps, afterFailure, 'page-c0-s0', page(afterFailure, ['primary']));

    // Assess
    expect(failed).toBeInstanceOf(UndeliveredNotice);
    expect((failed as UndeliveredNotice).name).toBe('Notice.Undelivered');
    expect(Object.keys((failed as UndeliveredNotice).failed)).toEqual([CHANNEL]);
    expect((failed as UndeliveredNotice).message).toContain(`${CHANNEL} (Slack.ratelimited:`);
    expect(Object.keys(afterFailure.notices)).toEqual(['page-c0-s0>primary']);
    expect(afterFailure.pagedTargets).toEqual(['primary']);
    expect(retried).toBe(true);
    expect(sns.published.map((p) => p.target)).toEqual(['primary']);
    expect(chat.posts.map((p) => p.target)).toEqual([CHANNEL]);
    const [entry] = await store.listTimeline(incident.id);
    expect(entry?.details).toMatchObject({
      messageIds: { [CHANNEL]: 'C0PAYMENTS:1795773600.000001' },
      deliveredEarlier: ['primary'],
    });
  });

  it('keeps the Slack post when a topic fails: the retry publishes to the topic alone', async () => {
    // Prepare
    const incident = await openedIncident();
    snsFailing = true;

    // Act
    await expect(notifyOnce(deps, incident, 'page-c0-s0', page(incident, ['primary']))).rejects.toThrow(
      UndeliveredNotice,
    );
    const afterFailure = await reread(incident.id);
    snsFailing = false;
    await notifyOnce(deps, afterFailure, 'page-c0-s0', page(afterFailure, ['primary']));

    // Assess
    expect(Object.keys(afterFailure.notices)).toEqual([`page-c0-s0>${CHANNEL}`]);
    // The channel's record carried the page's own record: no target reached yet but the channel.
    expect(afterFailure.escalationLevel).toBe(1);
    expect(afterFailure.pagedTargets).toBeUndefined();
    expect(chat.posts).toHaveLength(1);
    expect(sns.published.map((p) => p.target)).toEqual(['primary']);
    expect((await reread(incident.id)).pagedTargets).toEqual(['primary']);
  });

  it('tells the chat whom the page reaches, and logs only those people as paged', async () => {
    // Prepare
    const people = new PeopleStore(server.doc, table);
    await people.put(
      'alice',
      {
        name: 'Alice',
        timeZone: 'Europe/Berlin',
        contacts: [
          { type: 'sms', address: '+4915112345678' },
          { type: 'chat', address: 'U024BE7LH' },
        ],
      },
      NOW,
    );
    const incident = await openedIncident();

    // Act
    await notifyOnce(deps, incident, 'page-c0-s0', page(incident, ['person:alice']));

    // Assess
    expect(chat.posts).toEqual([{ target: CHANNEL, kind: 'initial', context: { people: ['alice'] } }]);
    expect(pages.map((entry) => [entry.person, entry.target])).toEqual([['alice', 'person:alice']]);
    expect((await reread(incident.id)).pagedTargets).toEqual(['person:alice']);
  });
});
