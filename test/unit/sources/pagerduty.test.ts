import { describe, expect, it } from 'vitest';
import { TEXT_LIMITS, utf8Bytes } from '#core/limits';
import { Signal } from '#core/model';
import type { Rejection } from '#core/sources/index';
import {
  normalizePagerDutyEvent,
  type PagerDutyContext,
  type PagerDutyResult,
} from '#core/sources/pagerduty';
import { fixture, type Json } from './support';

const ARN = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu-utilization-high';
const RECEIVED_AT = '2026-03-14T09:06:02.500Z';

function context(overrides: Partial<PagerDutyContext> = {}): PagerDutyContext {
  return {
    integration: { id: 'int-web', name: 'Web monitoring' },
    receivedAt: RECEIVED_AT,
    requestId: 'req-0001',
    newDedupKey: () => 'generated-0001',
    ...overrides,
  };
}

/** The one signal of an accepted event, held to the model. */
function accepted(result: PagerDutyResult): { signal: Signal; dedupKey: string } {
  if (result.kind !== 'signals') throw new Error(`expected signals, got ${JSON.stringify(result)}`);
  expect(result.signals).toHaveLength(1);
  const signal = result.signals[0] as Signal;
  expect(() => Signal.parse(signal)).not.toThrow();
  return { signal, dedupKey: result.dedupKey };
}

function rejected(result: PagerDutyResult): Rejection {
  if (result.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.rejection;
}

function payloadOf(event: Json): Json {
  return event.payload as Json;
}

describe('PagerDuty Events API v2', () => {
  it('turns the trigger of fixture 15 into a trigger keyed on its dedup_key within the integration', () => {
    // Prepare
    const event = fixture('15');

    // Act
    const { signal, dedupKey } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(dedupKey).toBe(ARN);
    expect(signal).toMatchObject({
      action: 'trigger',
      dedupKey: `pagerduty:int-web:${ARN}`,
      eventId: 'pagerduty:int-web:req-0001',
      occurredAt: RECEIVED_AT,
      title:
        '[ALARM] web-prod-cpu-utilization-high: CPUUtilization 93.7% > 80% on i-0a7c3e9f2b1d45e68 (us-east-1)',
      summary:
        '[ALARM] web-prod-cpu-utilization-high: CPUUtilization 93.7% > 80% on i-0a7c3e9f2b1d45e68 (us-east-1)',
      service: 'web-frontend',
      severity: 'critical',
      urgency: 'high',
      impact: 'high',
      category: 'Infrastructure',
      subcategory: 'Compute',
      related: [],
      autoResolve: true,
      source: {
        kind: 'pagerduty',
        ref: ARN,
        name: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0a7c3e9f2b1d45e68',
        url: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web-prod-cpu-utilization-high',
      },
    });
    expect(signal.team).toBeUndefined();
    expect(signal.labels).toMatchObject({
      group: 'web-prod-asg',
      class: 'cpu_utilization',
      component: 'web-frontend',
      client: 'aws-incident-pipeline',
      account: '111122223333',
      region: 'us-east-1',
      statistic: 'Average',
    });
    expect(signal.labels.threshold).toBeUndefined();
    expect(signal.description).toContain('"observed": 93.72');
    expect(signal.details).toMatchObject({
      pagerdutySeverity: 'critical',
      customDetails: { threshold: 80, previous_state: 'OK' },
      client: 'aws-incident-pipeline',
      integrationId: 'int-web',
      integrationName: 'Web monitoring',
    });
    expect(signal.details.links).toHaveLength(2);
    expect(signal.details.images).toHaveLength(1);
    expect(signal.details.parseWarnings).toBeUndefined();
  });

  it.each([
    ['16', 'acknowledge', 'Acknowledged via Web monitoring'],
    ['17', 'resolve', 'Resolved via Web monitoring'],
  ])('turns fixture %s into %s on the same key, at the time it was received', (name, action, title) => {
    // Prepare
    const event = fixture(name);

    // Act
    const { signal, dedupKey } = accepted(
      normalizePagerDutyEvent(event, context({ requestId: `req-${name}` })),
    );

    // Assess
    expect(dedupKey).toBe(ARN);
    expect(signal).toMatchObject({
      action,
      dedupKey: `pagerduty:int-web:${ARN}`,
      eventId: `pagerduty:int-web:req-${name}`,
      occurredAt: RECEIVED_AT,
      title,
      description: '',
      source: { kind: 'pagerduty', ref: ARN, name: 'Web monitoring' },
    });
  });

  it('gives fixtures 15, 16 and 17 one key and three event ids', () => {
    // Prepare
    const events = ['15', '16', '17'].map((name) => fixture(name));

    // Act
    const signals = events.map(
      (event, index) =>
        accepted(normalizePagerDutyEvent(event, context({ requestId: `req-${index}` }))).signal,
    );

    // Assess
    expect(new Set(signals.map((signal) => signal.dedupKey)).size).toBe(1);
    expect(new Set(signals.map((signal) => signal.eventId)).size).toBe(3);
    expect(signals.map((signal) => signal.action)).toEqual(['trigger', 'acknowledge', 'resolve']);
  });

  it('keeps two integrations sending the same dedup_key apart', () => {
    // Prepare
    const event = fixture('15');

    // Act
    const web = accepted(normalizePagerDutyEvent(event, context())).signal;
    const other = accepted(
      normalizePagerDutyEvent(event, context({ integration: { id: 'int-db', name: 'Database team' } })),
    ).signal;

    // Assess
    expect(web.dedupKey).not.toBe(other.dedupKey);
    expect(other.dedupKey).toBe(`pagerduty:int-db:${ARN}`);
  });

  it.each([
    ['critical', 'critical', 'high', 'high'],
    ['error', 'high', 'high', 'medium'],
    ['warning', 'medium', 'medium', 'medium'],
    ['info', 'info', 'low', 'low'],
  ])('maps severity %s to %s, urgency %s, impact %s', (given, severity, urgency, impact) => {
    // Prepare
    const event = fixture('15');
    payloadOf(event).severity = given;

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal).toMatchObject({ severity, urgency, impact });
    expect(signal.details.pagerdutySeverity).toBe(given);
  });

  it('generates a key for a trigger without one and answers with it', () => {
    // Prepare
    const event = fixture('15');
    delete event.dedup_key;
    let calls = 0;
    const newDedupKey = () => {
      calls += 1;
      return 'generated-0001';
    };

    // Act
    const { signal, dedupKey } = accepted(normalizePagerDutyEvent(event, context({ newDedupKey })));

    // Assess
    expect(calls).toBe(1);
    expect(dedupKey).toBe('generated-0001');
    expect(signal.dedupKey).toBe('pagerduty:int-web:generated-0001');
    expect(signal.source.ref).toBe('generated-0001');
  });

  it('does not generate a key when the event brings one', () => {
    // Prepare
    const event = fixture('15');
    let calls = 0;
    const newDedupKey = () => {
      calls += 1;
      return 'unused';
    };

    // Act
    accepted(normalizePagerDutyEvent(event, context({ newDedupKey })));

    // Assess
    expect(calls).toBe(0);
  });

  it('uses the time received when a trigger has no timestamp', () => {
    // Prepare
    const event = fixture('15');
    delete payloadOf(event).timestamp;

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.occurredAt).toBe(RECEIVED_AT);
  });

  it('converts a timestamp with an offset to UTC', () => {
    // Prepare
    const event = fixture('15');
    payloadOf(event).timestamp = '2026-03-14T10:35:41+01:30';

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.details.sourceTimestamp).toBe('2026-03-14T09:05:41.000Z');
  });

  it('falls back from component to source for the service, and reads team and category from custom_details', () => {
    // Prepare
    const event = fixture('15');
    const payload = payloadOf(event);
    delete payload.component;
    payload.custom_details = { team: 'web-platform', 'firebreak:category': 'network/dns' };

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.service).toBe('arn:aws:ec2:us-east-1:111122223333:instance/i-0a7c3e9f2b1d45e68');
    expect(signal.team).toBe('web-platform');
    expect(signal).toMatchObject({ category: 'Network', subcategory: 'DNS' });
  });

  it('records a firebreak:category it cannot read and falls back to the hints', () => {
    // Prepare
    const event = fixture('15');
    const payload = payloadOf(event);
    payload.class = 'http_5xx_rate';
    payload.custom_details = { 'firebreak:category': 'Plumbing', team: 42 };

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal).toMatchObject({ category: 'Application', subcategory: 'Errors' });
    expect(signal.team).toBeUndefined();
    expect(signal.details.ignoredCustomDetails).toEqual({
      'firebreak:category': expect.stringContaining('got "Plumbing"'),
    });
  });

  it.each([
    ['p99_latency', 'Application', 'Latency'],
    ['endpoint_down', 'Application', 'Availability'],
    ['disk_full', 'Infrastructure', 'Storage'],
    ['deploy', 'Application', 'Availability'],
  ])('categorizes class %s as %s / %s', (eventClass, category, subcategory) => {
    // Prepare
    const event = fixture('15');
    payloadOf(event).class = eventClass;
    payloadOf(event).group = 'web';

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal).toMatchObject({ category, subcategory });
  });

  it('accepts the smallest trigger, naming the service after the source', () => {
    // Prepare
    const event = {
      routing_key: 'e174651fb2bf87c78032b6f8e52acbfc',
      event_action: 'trigger',
      payload: { summary: 'Disk almost full', source: 'db-7.example.com', severity: 'warning' },
    };

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal).toMatchObject({ service: 'db-7.example.com', description: '', labels: {} });
    expect(signal.details).toEqual({
      integrationId: 'int-web',
      integrationName: 'Web monitoring',
      pagerdutySeverity: 'warning',
    });
  });

  it('tolerates unknown top-level fields', () => {
    // Prepare
    const event = { ...fixture('16'), payload: 'ignored', extra: { nested: true } };

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.action).toBe('acknowledge');
  });

  it('trims huge custom_details in the description, with the size sent, and makes no label of them', () => {
    // Prepare
    const event = fixture('15');
    payloadOf(event).custom_details = { stack: 'at frame\n'.repeat(20_000) };
    const sent = utf8Bytes(JSON.stringify(payloadOf(event).custom_details, null, 2));

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(utf8Bytes(signal.description)).toBeLessThanOrEqual(TEXT_LIMITS.description);
    expect(signal.description).toMatch(new RegExp(`…\\[trimmed by Firebreak: ${sent} bytes in all\\]$`));
    expect(signal.labels.stack).toBeUndefined();
  });

  it('shows string custom_details as they are', () => {
    // Prepare
    const event = fixture('15');
    payloadOf(event).custom_details = 'ping to 10.0.0.7 failed 5 times';

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.description).toBe('ping to 10.0.0.7 failed 5 times');
  });

  it('drops malformed links with a warning rather than the page', () => {
    // Prepare
    const event = fixture('15');
    event.links = [{ text: 'no href' }];

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.details.links).toBeUndefined();
    expect(signal.details.parseWarnings).toEqual(['links[0].href: is missing (expected a string)']);
  });

  it.each([null, 'trigger', 42, [], true])('rejects a body that is not an object: %j', (body) => {
    // Act
    const rejection = rejected(normalizePagerDutyEvent(body, context()));

    // Assess
    expect(rejection.reason).toMatch(/^event: expected an object, got /);
    expect(rejection.field).toBeUndefined();
  });

  it.each<[string, (event: Json) => void, string]>([
    ['a missing routing_key', (e) => delete e.routing_key, 'routing_key: is missing (expected a string)'],
    [
      'a short routing_key',
      (e) => {
        e.routing_key = 'abc';
      },
      'routing_key: must be 32 characters long (an integration key), got 3',
    ],
    [
      'a bad event_action',
      (e) => {
        e.event_action = 'escalate';
      },
      'event_action: expected one of trigger, acknowledge, resolve, got "escalate"',
    ],
    [
      'a dedup_key over 255 characters',
      (e) => {
        e.dedup_key = 'k'.repeat(256);
      },
      'dedup_key: must be at most 255 characters long',
    ],
    ['a trigger without payload', (e) => delete e.payload, 'payload: is missing (expected an object)'],
    [
      'an empty summary',
      (e) => {
        payloadOf(e).summary = '';
      },
      'payload.summary: must not be empty',
    ],
    ['a missing source', (e) => delete payloadOf(e).source, 'payload.source: is missing (expected a string)'],
    [
      'a bad severity',
      (e) => {
        payloadOf(e).severity = 'urgent';
      },
      'payload.severity: expected one of critical, error, warning, info, got "urgent"',
    ],
    [
      'a timestamp without a zone',
      (e) => {
        payloadOf(e).timestamp = '2026-03-14 09:05';
      },
      'payload.timestamp: expected a timestamp with a zone',
    ],
  ])('rejects %s, naming the field', (_, edit, reason) => {
    // Prepare
    const event = fixture('15');
    edit(event);

    // Act
    const rejection = rejected(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(rejection.reason).toContain(reason);
    expect(rejection.field).toBe(reason.slice(0, reason.indexOf(':')));
  });

  it.each(['16', '17'])('rejects fixture %s without its dedup_key', (name) => {
    // Prepare
    const event = fixture(name);
    delete event.dedup_key;

    // Act
    const rejection = rejected(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(rejection.field).toBe('dedup_key');
    expect(rejection.reason).toMatch(
      /^dedup_key: is missing \(required to (acknowledge|resolve) an alert\)$/,
    );
  });

  it('rejects rather than emit a signal the model refuses', () => {
    // Prepare
    const trigger = fixture('15');
    delete trigger.dedup_key;

    // Act
    const badKey = rejected(normalizePagerDutyEvent(trigger, context({ newDedupKey: () => '' })));
    const badTime = rejected(normalizePagerDutyEvent(fixture('16'), context({ receivedAt: 'yesterday' })));

    // Assess
    expect(badKey.reason).toContain('breaks the model: source.ref: must not be empty');
    expect(badTime.reason).toContain('breaks the model: occurredAt');
  });

  it("orders a trigger by its arrival and keeps the sender's timestamp as a detail", () => {
    // Prepare
    const event = fixture('15');

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.occurredAt).toBe(RECEIVED_AT);
    expect(signal.details.sourceTimestamp).toBe('2026-03-14T09:05:41.218Z');
  });
});

describe('PagerDuty grouping', () => {
  function withCustomDetails(details: unknown): Json {
    const event = fixture('15');
    payloadOf(event).custom_details = details;
    return event;
  }

  it.each([
    ['off', 'off'],
    [' Off', 'off'],
    ['on', undefined],
  ])('reads the custom detail firebreak:group=%j as group %s', (value, group) => {
    // Prepare
    const event = withCustomDetails({ 'firebreak:group': value, team: 'web-platform' });

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.group).toBe(group);
    expect(signal.details.ignoredCustomDetails).toBeUndefined();
  });

  it.each([
    ['a word it does not know', 'never', 'expected one of on, off, got "never"'],
    ['a boolean', false, 'expected one of on, off, got boolean false'],
  ])('keeps an alert grouped, with the reason, when firebreak:group is %s', (_case, value, reason) => {
    // Prepare
    const event = withCustomDetails({ 'firebreak:group': value });

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.group).toBeUndefined();
    expect(signal.details.ignoredCustomDetails).toEqual({ 'firebreak:group': reason });
  });

  it('leaves fixture 15 to the grouping rules: no opt-out, no source group key', () => {
    // Prepare
    const event = fixture('15');

    // Act
    const { signal } = accepted(normalizePagerDutyEvent(event, context()));

    // Assess
    expect(signal.group).toBeUndefined();
    expect(signal.sourceGroupKey).toBeUndefined();
  });
});
