import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '#adapters/incident-store';
import { SnsNotifier } from '#adapters/notifier';
import { MAX_ALERTS_PER_INCIDENT } from '#core/alerts';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { ITEM_SIZE_BOUND, TEXT_LIMITS } from '#core/limits';
import type { Signal } from '#core/model';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { ManualPaging } from '../../lambdas/api/paging';
import { AlertHints } from '../../lambdas/incidents/alert-hints';
import { applySignal } from '../../lambdas/ingest/apply-signal';
import { LifecycleActions } from '../../lambdas/lifecycle/actions';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { EVENTBRIDGE_MAX_EVENT_BYTES } from '../../local/local-routes';
import { loadApi } from '../support/api-handler';
import { type DynamoServer, startDynamoServer } from '../support/dynamo-server';
import { loadFixture } from '../support/fixtures';
import { loadIngestHandler, mockStepFunctions } from '../support/ingest-handler';
import { storedItemSizes } from '../support/item-size';
import { alarmSignal } from '../support/signals';
import { allIncidents, depsFor, RecordingWorkflow } from '../support/store-harness';

/**
 * Proves the size bound of issue 8: whatever a source sends and however long an incident lives, every item
 * Firebreak stores stays under ITEM_SIZE_BOUND (64 KB), far below DynamoDB's 400 KB. Sizes are read back
 * raw from the store and counted by DynamoDB's own rules.
 */
let server: DynamoServer;

beforeAll(async () => {
  server = await startDynamoServer();
});
afterAll(async () => {
  await server.stop();
});

type Json = Record<string, unknown>;
const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).length;

/** About `n` bytes of varied text, multi-byte characters included (é 2, € 3, 🔥 4 bytes). */
function text(n: number, seed = ''): string {
  const unit = `${seed}error é € 🔥 at frame 0x7f3a; `;
  const repeated = Buffer.from(unit.repeat(Math.ceil(n / Buffer.byteLength(unit)) + 1));
  // Cut at n bytes; a character split there decodes to U+FFFD, which is dropped.
  return repeated
    .subarray(0, Math.max(0, Math.floor(n)))
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
}

/**
 * The largest body `build` makes within `limit` bytes: every padded field grows together. The size is
 * linear in the padding, so two measurements find it; the result is checked, not assumed.
 */
function largestWithin(build: (n: number) => Json, limit: number): Json {
  const base = jsonBytes(build(0));
  let n = (limit - base) / ((jsonBytes(build(10_000)) - base) / 10_000);
  let body = build(n);
  // Rounding inside the builders makes the size only nearly linear: correct towards the limit.
  for (let i = 0; i < 20 && jsonBytes(body) > limit; i++) {
    n *= (limit - base) / (jsonBytes(body) - base) - 0.001;
    body = build(n);
  }
  expect(jsonBytes(body)).toBeLessThanOrEqual(limit);
  expect(jsonBytes(body)).toBeGreaterThan(limit * 0.97);
  return body;
}

const many = <T>(count: number, make: (i: number) => T) => Array.from({ length: count }, (_, i) => make(i));

/** Each EventBridge source, with every free-text field and collection it has filled to the event limit. */
const EVENTBRIDGE_SOURCES: Array<[string, string, (n: number) => Json]> = [
  [
    'CloudWatch alarm',
    '01-',
    (n) => {
      const event = loadFixture('01-') as Json & { detail: Json & { configuration: Json; state: Json } };
      event.detail.configuration.description = text(n);
      event.detail.state.reason = text(n, 'reason ');
      event.detail.alarmTags = Object.fromEntries(many(200, (i) => [`tag-${i}`, text(n / 100, `${i}`)]));
      event.detail.alarmTagsStatus = 'SUCCESS';
      return event;
    },
  ],
  [
    'GuardDuty finding',
    '10-',
    (n) => {
      const event = loadFixture('10-') as Json & { detail: Json & { resource: { instanceDetails: Json } } };
      event.detail.title = text(n / 4, 'title ');
      event.detail.description = text(n);
      event.detail.resource.instanceDetails.tags = many(300, (i) => ({ key: `k${i}`, value: text(n / 100) }));
      return event;
    },
  ],
  [
    'Security Hub finding',
    '11-',
    (n) => {
      const event = loadFixture('11-') as Json & {
        detail: { findings: Array<Json & { Resources: Json[] }> };
      };
      const [finding] = event.detail.findings;
      if (!finding) throw new Error('fixture 11 has no finding');
      finding.Title = text(n / 4, 'title ');
      finding.Description = text(n);
      finding.Remediation = { Recommendation: { Text: text(n / 2), Url: 'https://example.com/fix' } };
      const [resource] = finding.Resources;
      finding.Resources = many(150, (i) => ({
        ...resource,
        Id: `arn:aws:ec2:::sg-${i}`,
        Notes: text(n / 100),
      }));
      return event;
    },
  ],
  [
    'AWS Health event',
    '12-',
    (n) => {
      const event = loadFixture('12-') as Json & { detail: Json };
      event.detail.eventDescription = [{ language: 'en_US', latestDescription: text(n) }];
      event.detail.affectedEntities = many(500, (i) => ({ entityValue: `db-${i}-${text(n / 500)}` }));
      return event;
    },
  ],
];

describe('every stored item stays under the bound', () => {
  it('after the largest event each EventBridge source can deliver', async () => {
    const table = await server.createTable('size-eventbridge');
    const sfn = mockStepFunctions();
    const ingest = await loadIngestHandler(server, table);

    for (const [name, , build] of EVENTBRIDGE_SOURCES) {
      const event = largestWithin(build, EVENTBRIDGE_MAX_EVENT_BYTES);
      const report = await ingest(event);
      expect(
        report.results.map((r) => ('result' in r ? r.result.outcome : r.outcome)),
        name,
      ).toEqual(['opened']);
    }
    sfn.sfn.restore();

    const items = await storedItemSizes(server, table);
    expect(items.length).toBeGreaterThan(4 * 2);
    expect(items[0]?.bytes).toBeLessThan(ITEM_SIZE_BOUND);
  });

  it('after the largest PagerDuty event and Alertmanager webhook the API accepts', async () => {
    const table = await server.createTable('size-webhooks');
    const api = await loadApi(server, table);
    const keyOf = async (kind: string) => {
      const created = await api.call('POST /integrations/keys', '/integrations/keys', {
        body: { name: `${kind} monitoring`, kind },
      });
      return (created.body as { key: string }).key;
    };
    const pagerdutyKey = await keyOf('pagerduty');
    const alertmanagerKey = await keyOf('alertmanager');
    // The API refuses bodies over 512 KB with 413 (router.ts), so these are the largest accepted.
    const limit = 512 * 1024;
    const pagerduty = largestWithin((n) => {
      const event = loadFixture('15-') as Json & { payload: Json };
      event.routing_key = pagerdutyKey;
      event.payload.summary = text(n / 4, 'summary ');
      event.payload.custom_details = {
        log: text(n),
        ...Object.fromEntries(many(300, (i) => [`field-${i}`, text(n / 200)])),
      };
      event.links = many(100, (i) => ({ href: `https://example.com/${i}`, text: text(n / 200) }));
      return event;
    }, limit);
    const alertmanager = largestWithin((n) => {
      const body = loadFixture('13-') as Json & { alerts: Array<Json & { labels: Json; annotations: Json }> };
      for (const alert of body.alerts) {
        alert.annotations = { summary: text(n / 4), description: text(n), runbook_url: text(n / 8) };
        Object.assign(alert.labels, Object.fromEntries(many(200, (i) => [`label_${i}`, text(n / 400)])));
      }
      return body;
    }, limit);

    const enqueued = await api.call('POST /v2/enqueue', '/v2/enqueue', { anonymous: true, body: pagerduty });
    const webhook = await api.call('POST /integrations/alertmanager', '/integrations/alertmanager', {
      anonymous: true,
      headers: { authorization: `Bearer ${alertmanagerKey}` },
      body: alertmanager,
    });
    api.restore();

    expect(enqueued.status).toBe(202);
    expect(webhook.status).toBe(200);
    // Both alerts are the checkout service's: one incident, the second alert joining it.
    expect((webhook.body as { results: Array<{ outcome: string }> }).results.map((r) => r.outcome)).toEqual([
      'opened',
      'joined',
    ]);
    const items = await storedItemSizes(server, table);
    expect(items[0]?.bytes).toBeLessThan(ITEM_SIZE_BOUND);
  });

  it('after 1,000 alerts counted on one incident, each as large as a source can make it', async () => {
    const table = await server.createTable('size-alerts');
    const [, , build] = EVENTBRIDGE_SOURCES[0] ?? [];
    if (!build) throw new Error('no CloudWatch source');
    // Normalized once (the first test drives the whole handler); each delivery is then a new state change.
    const normalized = normalizeEventBridgeEvent(largestWithin(build, EVENTBRIDGE_MAX_EVENT_BYTES));
    if (normalized.kind !== 'signals' || !normalized.signals[0])
      throw new Error('the alarm did not normalize');
    const signal = normalized.signals[0];
    // A warm container: it has seen the alert fire, so each repeat is one write on the alert.
    const deps = { ...depsFor(server.doc, table), hints: new AlertHints() };

    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const occurredAt = new Date(Date.parse(signal.occurredAt) + i * 60_000).toISOString();
      const { outcome } = await applySignal(deps, { ...signal, eventId: `alert-${i}`, occurredAt });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }

    expect(Object.fromEntries(outcomes)).toEqual({ opened: 1, deduplicated: 999 });
    const items = await storedItemSizes(server, table);
    const [incident] = await allIncidents(server, table);
    expect((await deps.store.getIncident(String(incident?.id)))?.alertCount).toBe(1);
    expect((await deps.store.claims.get(signal.dedupKey))?.fired).toBe(1000);
    expect(items[0]?.bytes).toBeLessThan(ITEM_SIZE_BOUND);
  }, 180_000);

  it('after 1,000 alerts of one service joined one incident, the most it takes', async () => {
    const table = await server.createTable('size-group');
    const deps = {
      ...depsFor(server.doc, table),
      grouping: DEFAULT_GROUPING_CONFIG,
      hints: new AlertHints(),
    };
    const storm = (i: number) =>
      alarmSignal({
        at: new Date(Date.UTC(2026, 2, 14, 9, 0, 0) + i * 100).toISOString(),
        alarm: `checkout-node-${i}-${text(150)}`,
        service: 'checkout',
        details: { log: text(30_000) },
      });

    const outcomes = new Map<string, number>();
    for (let i = 0; i <= MAX_ALERTS_PER_INCIDENT; i++) {
      const { outcome } = await applySignal(deps, storm(i));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }

    // The alert after the thousandth opens the group's next incident.
    expect(Object.fromEntries(outcomes)).toEqual({ opened: 2, joined: MAX_ALERTS_PER_INCIDENT - 1 });
    const incidents = await allIncidents(server, table);
    const counts = await Promise.all(
      incidents.map(async (i) => (await deps.store.getIncident(String(i.id)))?.alertCount),
    );
    expect(counts.sort((a, b) => Number(a) - Number(b))).toEqual([1, MAX_ALERTS_PER_INCIDENT]);
    const items = await storedItemSizes(server, table);
    expect(items[0]?.bytes).toBeLessThan(ITEM_SIZE_BOUND);
  }, 300_000);

  it('after a P1 incident open for 7 days with every page, reminder, update and notice recorded', async () => {
    const table = await server.createTable('size-week');
    const clock = { now: new Date('2026-03-14T09:06:00.000Z') };
    const store = new IncidentStore(server.doc, table);
    const topicArns = Object.fromEntries(
      targetsOf(DEFAULT_ESCALATION_CONFIG).map((t) => [
        t,
        `arn:aws:sns:us-east-1:111122223333:firebreak-${t}`,
      ]),
    );
    let published = 0;
    // Every message carries its AWS Chatbot card beside the text: the largest must stay within SNS's 256 KB.
    let largestMessage = 0;
    const link = (id: string) => `https://firebreak.example.com/incidents/${id}`;
    const notifier = new SnsNotifier(
      {
        send: async (command) => {
          largestMessage = Math.max(largestMessage, encoder.encode(command.input.Message).length);
          return { MessageId: `m-${++published}` };
        },
      },
      topicArns,
      { incidentLink: link },
    );
    const deps = { store, notifier, clock: () => clock.now, escalation: DEFAULT_ESCALATION_CONFIG };
    const actions = new LifecycleActions({
      ...deps,
      opsTopicArn: 'arn:aws:sns:us-east-1:111122223333:firebreak-ops',
      incidentLink: link,
      metric: () => {},
    });
    const paging = new ManualPaging({ ...deps, incidentLink: link });
    const signal: Signal = {
      action: 'trigger',
      dedupKey: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:checkout-down',
      eventId: 'week-open',
      occurredAt: clock.now.toISOString(),
      source: { kind: 'cloudwatch', ref: 'checkout-down', name: text(1000) },
      title: text(5000),
      description: text(50_000),
      summary: text(5000),
      service: text(1000),
      team: text(1000),
      category: 'Application',
      subcategory: text(1000),
      severity: 'critical',
      impact: 'high',
      urgency: 'high',
      labels: Object.fromEntries(many(200, (i) => [`label-${i}`, text(400)])),
      details: { log: text(100_000) },
      related: many(100, (i) => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:child-${i}-${text(200)}`),
      autoResolve: true,
    };
    const opened = await applySignal(
      { ...depsFor(server.doc, table, clock.now, new RecordingWorkflow()), clock: () => clock.now },
      signal,
    );
    if (opened.outcome !== 'opened') throw new Error(`expected an incident, got ${opened.outcome}`);
    const incidentId = opened.incidentId;
    const plan = await actions.prepare({ action: 'prepare', incidentId });
    expect(plan.priority).toBe('P1');

    // Seven days in five-minute steps, as the lifecycle and the people on it would act.
    const WEEK = 7 * 24 * 60;
    let cycle = 0;
    let cycleStart = 0;
    let ackAt: number | undefined;
    let reminders = 0;
    let updates = 0;
    // Minutes after the cycle's first page at which each step is paged.
    const offsets: number[] = [];
    for (const step of plan.steps) offsets.push((offsets.at(-1) ?? 0) + step.delaySeconds / 60);
    for (let minute = 0; minute <= WEEK; minute += 5) {
      clock.now = new Date(Date.parse('2026-03-14T09:06:00.000Z') + minute * 60_000);
      const since = minute - cycleStart;
      // Every sixth cycle nobody answers until the whole chain has been paged.
      const unanswered = cycle % 6 === 5;
      for (const [step, offset] of offsets.entries()) {
        if (since === offset && (step === 0 || unanswered))
          await actions.page({ action: 'page', incidentId, step, cycle, plan });
      }
      if (unanswered && since === (offsets.at(-1) ?? 0) + 15)
        await actions.exhausted({ action: 'exhausted', incidentId, cycle, plan });
      if (since === (unanswered ? 240 : 5)) {
        await store.acknowledge(incidentId, 'alice', clock.now);
        ackAt = minute;
      }
      if (ackAt !== undefined && minute - ackAt === plan.ackTimeoutSeconds / 60) {
        await actions.retrigger({ action: 'retrigger', incidentId, cycle, plan });
        cycle += 1;
        cycleStart = minute;
        ackAt = undefined;
        await actions.page({ action: 'page', incidentId, step: 0, cycle, plan });
      }
      if (minute === 15) await actions.slaBreach({ action: 'sla-breach', incidentId, plan });
      if (minute > 0 && minute % 30 === 0 && reminders < plan.reminderLimit)
        await actions.remind({ action: 'remind', incidentId, count: reminders++, plan });
      if (minute % 60 === 45) {
        const message = text(TEXT_LIMITS.note - 8);
        await paging.postUpdate(
          incidentId,
          { phase: 'Investigating', message },
          'alice',
          `update-${updates++}`,
        );
      }
    }
    await store.resolveByHand(
      incidentId,
      { actor: 'alice', resolution: text(TEXT_LIMITS.note - 8) },
      clock.now,
    );
    await actions.resolution({ action: 'resolution', incidentId, plan });

    expect(cycle).toBeGreaterThan(100);
    expect(reminders).toBe(plan.reminderLimit);
    expect(updates).toBe(168);
    const incident = await store.getIncident(incidentId);
    expect(incident?.status).toBe('resolved');
    const items = await storedItemSizes(server, table);
    const meta = items.find((item) => item.key === `INC#${incidentId} META`);
    expect(meta?.bytes).toBeLessThan(ITEM_SIZE_BOUND);
    expect(items[0]?.bytes).toBeLessThan(ITEM_SIZE_BOUND);
    expect(published).toBeGreaterThan(0);
    expect(largestMessage).toBeLessThan(64 * 1024);
  });
});
