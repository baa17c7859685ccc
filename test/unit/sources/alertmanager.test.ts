import { describe, expect, it } from 'vitest';
import type { Signal } from '#core/model';
import { type AlertmanagerContext, normalizeAlertmanagerWebhook } from '#core/sources/alertmanager';
import { fixture, type Json, rejectionOf, signalsOf } from './support';

const RECEIVED_AT = '2026-03-14T10:00:00.000Z';
const FIRST = '3c9e1f7a2b6d0e84';
const SECOND = 'a41d7c02e95f3b6e';

function context(overrides: Partial<AlertmanagerContext> = {}): AlertmanagerContext {
  return { integration: { id: 'int-k8s', name: 'Prod Alertmanager' }, receivedAt: RECEIVED_AT, ...overrides };
}

function alertsOf(body: Json): Json[] {
  return body.alerts as Json[];
}

function labelsOf(alert: Json | undefined): Record<string, string> {
  return (alert as Json).labels as Record<string, string>;
}

/** Fixture 13 cut down to its first alert, with `labels` merged into that alert's labels. */
function oneAlert(labels: Record<string, string | undefined> = {}): Json {
  const body = fixture('13');
  const alert = alertsOf(body)[0] as Json;
  const merged: Record<string, string> = { ...labelsOf(alert) };
  for (const [key, value] of Object.entries(labels)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  alert.labels = merged;
  body.alerts = [alert];
  return body;
}

function onlySignalOf(body: unknown): Signal {
  const signals = signalsOf(normalizeAlertmanagerWebhook(body, context()));
  expect(signals).toHaveLength(1);
  return signals[0] as Signal;
}

describe('Alertmanager webhook', () => {
  it('turns the two firing alerts of fixture 13 into two triggers, one per fingerprint', () => {
    // Prepare
    const body = fixture('13');

    // Act
    const result = normalizeAlertmanagerWebhook(body, context());

    // Assess
    const signals = signalsOf(result);
    expect(result).toMatchObject({ rejected: [] });
    expect(signals.map((signal) => signal.dedupKey)).toEqual([
      `alertmanager:int-k8s:${FIRST}`,
      `alertmanager:int-k8s:${SECOND}`,
    ]);
    expect(signals.map((signal) => signal.occurredAt)).toEqual([
      '2026-03-14T09:20:17.384Z',
      '2026-03-14T09:21:47.384Z',
    ]);
    expect(signals[0]).toMatchObject({
      action: 'trigger',
      eventId: `alertmanager:int-k8s:${FIRST}:firing:2026-03-14T09:20:17.384Z`,
      title: 'Pod container is crash looping. [pod=cart-api-7d9f8b6c5d-x2kqp]',
      summary: 'Pod container is crash looping.',
      description:
        'Pod checkout/cart-api-7d9f8b6c5d-x2kqp (cart-api) is in waiting state (reason: CrashLoopBackOff).',
      service: 'checkout',
      team: 'checkout',
      severity: 'critical',
      impact: 'high',
      urgency: 'high',
      category: 'Application',
      subcategory: 'Availability',
      related: [],
      autoResolve: true,
      source: {
        kind: 'alertmanager',
        ref: FIRST,
        name: 'KubePodCrashLooping',
        url: expect.stringMatching(/^http:\/\/prometheus-k8s\.monitoring\.svc:9090\/graph\?/),
      },
      labels: { alertname: 'KubePodCrashLooping', pod: 'cart-api-7d9f8b6c5d-x2kqp', cluster: 'prod-use1' },
      details: {
        fingerprint: FIRST,
        receiver: 'incident-pipeline',
        externalURL: 'http://alertmanager-main.monitoring.svc:9093',
        groupKey: '{}/{team="checkout"}:{alertname="KubePodCrashLooping", namespace="checkout"}',
        annotations: { runbook_url: 'https://runbooks.example.com/kubernetes/KubePodCrashLooping' },
        startsAt: '2026-03-14T09:20:17.384Z',
      },
    });
    expect(signals[0]?.details.endsAt).toBeUndefined();
    expect(signals[0]?.details.truncatedAlerts).toBeUndefined();
    expect(signals[1]?.title).toBe('Pod container is crash looping. [pod=cart-api-7d9f8b6c5d-m8vzt]');
  });

  it('turns the resolved alerts of fixture 14 into resolves of the same keys, at their endsAt', () => {
    // Prepare
    const firing = fixture('13');
    const resolved = fixture('14');

    // Act
    const opened = signalsOf(normalizeAlertmanagerWebhook(firing, context()));
    const closed = signalsOf(normalizeAlertmanagerWebhook(resolved, context()));

    // Assess
    expect(closed.map((signal) => signal.action)).toEqual(['resolve', 'resolve']);
    expect(closed.map((signal) => signal.dedupKey)).toEqual(opened.map((signal) => signal.dedupKey));
    expect(closed.map((signal) => signal.occurredAt)).toEqual([
      '2026-03-14T09:58:02.119Z',
      '2026-03-14T09:58:02.119Z',
    ]);
    expect(closed[0]?.eventId).toBe(`alertmanager:int-k8s:${FIRST}:resolved:2026-03-14T09:58:02.119Z`);
    expect(closed[0]?.details.endsAt).toBe('2026-03-14T09:58:02.119Z');
  });

  it('gives a duplicate delivery of fixture 13 the same event ids, whenever it arrives', () => {
    // Prepare
    const body = fixture('13');

    // Act
    const first = signalsOf(normalizeAlertmanagerWebhook(body, context()));
    const again = signalsOf(
      normalizeAlertmanagerWebhook(fixture('13'), context({ receivedAt: '2026-03-14T10:04:00.000Z' })),
    );

    // Assess
    expect(again.map((signal) => signal.eventId)).toEqual(first.map((signal) => signal.eventId));
    expect(again).toEqual(first);
  });

  it('keeps two integrations with the same fingerprints apart', () => {
    // Prepare
    const body = fixture('13');

    // Act
    const other = signalsOf(
      normalizeAlertmanagerWebhook(body, context({ integration: { id: 'int-eu', name: 'EU Alertmanager' } })),
    );

    // Assess
    expect(other[0]?.dedupKey).toBe(`alertmanager:int-eu:${FIRST}`);
  });

  it('resolves at the time received when a resolved alert has no end time', () => {
    // Prepare
    const body = fixture('14');
    (alertsOf(body)[0] as Json).endsAt = '0001-01-01T00:00:00Z';

    // Act
    const signals = signalsOf(normalizeAlertmanagerWebhook(body, context()));

    // Assess
    expect(signals[0]?.occurredAt).toBe(RECEIVED_AT);
    expect(signals[1]?.occurredAt).toBe('2026-03-14T09:58:02.119Z');
  });

  it.each([
    ['critical', 'critical', 'high', 'high'],
    ['CRITICAL', 'critical', 'high', 'high'],
    ['error', 'high', 'high', 'medium'],
    ['high', 'high', 'high', 'medium'],
    ['warning', 'medium', 'medium', 'medium'],
    ['low', 'low', 'low', 'low'],
    ['info', 'info', 'low', 'low'],
    ['none', 'info', 'low', 'low'],
  ])('maps severity %s to %s with impact %s and urgency %s', (label, severity, impact, urgency) => {
    // Prepare
    const body = oneAlert({ severity: label });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal).toMatchObject({ severity, impact, urgency });
    expect(signal.details.unknownSeverity).toBeUndefined();
  });

  it.each(['page-me', 'constructor'])('takes an unknown severity %s as medium and records it', (label) => {
    // Prepare
    const body = oneAlert({ severity: label });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal).toMatchObject({ severity: 'medium', impact: 'medium', urgency: 'medium' });
    expect(signal.details.unknownSeverity).toBe(label);
  });

  it('takes a missing severity as medium without complaint', () => {
    // Prepare
    const body = oneAlert({ severity: undefined });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.severity).toBe('medium');
    expect(signal.details.unknownSeverity).toBeUndefined();
  });

  it('lets labels set impact and urgency, firebreak_ ones first', () => {
    // Prepare
    const body = oneAlert({ firebreak_impact: 'Low', impact: 'high', urgency: 'medium' });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal).toMatchObject({ severity: 'critical', impact: 'low', urgency: 'medium' });
  });

  it('ignores an impact label it cannot read, records why, and tries the next one', () => {
    // Prepare
    const body = oneAlert({ firebreak_urgency: 'asap', urgency: 'low' });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.urgency).toBe('low');
    expect(signal.details.ignoredLabels).toEqual({
      firebreak_urgency: 'expected one of high, medium, low, got "asap"',
    });
  });

  it.each([
    [{ firebreak_category: 'database/connections' }, 'Database', 'Connections'],
    [{ category: 'Security' }, 'Security', 'Threat detection'],
    [{ alertname: 'TargetDown' }, 'Application', 'Availability'],
    [{ alertname: 'HighErrorRate' }, 'Application', 'Errors'],
    [{ alertname: 'APIHighLatency' }, 'Application', 'Latency'],
    [{ alertname: 'NodeFilesystemAlmostFull' }, 'Infrastructure', 'Storage'],
    [{ alertname: 'Watchdog' }, 'Application', 'Availability'],
    [{ alertname: 'APIHighLatency', category: 'application' }, 'Application', 'Latency'],
  ])('categorizes %j as %s / %s', (labels, category, subcategory) => {
    // Prepare
    const body = oneAlert(labels);

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal).toMatchObject({ category, subcategory });
  });

  it('records a category label outside the catalogue and keeps the default', () => {
    // Prepare
    const body = oneAlert({ firebreak_category: 'Kubernetes' });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal).toMatchObject({ category: 'Application', subcategory: 'Availability' });
    expect(signal.details.ignoredLabels).toMatchObject({
      firebreak_category: expect.stringContaining('"Kubernetes"'),
    });
  });

  it.each([
    [{ service: 'cart', job: 'kube-state-metrics' }, 'cart'],
    [{ job: 'kube-state-metrics' }, 'kube-state-metrics'],
    [{}, 'checkout'],
    [{ namespace: undefined }, 'alertmanager'],
  ])('names the service from %j: %s', (labels, service) => {
    // Prepare
    const body = oneAlert(labels);

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.service).toBe(service);
  });

  it('titles an alert without summary after its alertname and most identifying label', () => {
    // Prepare
    const body = oneAlert({ pod: undefined, instance: '10.0.3.7:9100' });
    (alertsOf(body)[0] as Json).annotations = {};

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal).toMatchObject({
      title: 'KubePodCrashLooping [instance=10.0.3.7:9100]',
      summary: 'KubePodCrashLooping',
      description: '',
    });
  });

  it('keeps track of alerts Alertmanager left out', () => {
    // Prepare
    const body = oneAlert();
    body.truncatedAlerts = 12;

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.details.truncatedAlerts).toBe(12);
  });

  it('keeps the alerts when a group field is malformed, with a warning', () => {
    // Prepare
    const body = fixture('13');
    body.groupKey = { not: 'a string' };

    // Act
    const signals = signalsOf(normalizeAlertmanagerWebhook(body, context()));

    // Assess
    expect(signals).toHaveLength(2);
    expect(signals[0]?.details.groupKey).toBeUndefined();
    expect(signals[0]?.details.parseWarnings).toEqual(['groupKey: expected a string, got an object']);
    expect(signals[0]?.sourceGroupKey).toBeUndefined();
  });

  it('rejects one bad alert and keeps the good ones', () => {
    // Prepare
    const body = fixture('13');
    const bad = structuredClone(alertsOf(body)[1]) as Json;
    bad.startsAt = 'soon';
    body.alerts = [alertsOf(body)[0], bad, alertsOf(body)[1]];

    // Act
    const result = normalizeAlertmanagerWebhook(body, context());

    // Assess
    const signals = signalsOf(result);
    expect(signals.map((signal) => signal.source.ref)).toEqual([FIRST, SECOND]);
    expect(result).toMatchObject({
      rejected: [
        {
          field: 'alerts[1].startsAt',
          reason: expect.stringContaining('alerts[1].startsAt: expected a timestamp with a zone'),
        },
      ],
    });
  });

  it('rejects the whole delivery when every alert is bad', () => {
    // Prepare
    const body = fixture('13');
    (alertsOf(body)[0] as Json).status = 'pending';
    delete (alertsOf(body)[1] as Json).fingerprint;

    // Act
    const rejection = rejectionOf(normalizeAlertmanagerWebhook(body, context()));

    // Assess
    expect(rejection).toEqual({
      field: 'alerts[0].status',
      reason: 'alerts[0].status: expected one of firing, resolved, got "pending"',
    });
  });

  it.each<[string, (body: Json) => void, string]>([
    [
      'version "3"',
      (b) => {
        b.version = '3';
      },
      'version: only Alertmanager webhook payload version "4" is supported, got "3"',
    ],
    [
      'a numeric version',
      (b) => {
        b.version = 4;
      },
      'version: expected a string, got number 4',
    ],
    ['no version', (b) => delete b.version, 'version: is missing (expected a string)'],
    [
      'alerts that are not an array',
      (b) => {
        b.alerts = { '0': {} };
      },
      'alerts: expected an array, got an object',
    ],
    [
      'no alerts',
      (b) => {
        b.alerts = [];
      },
      'alerts: must have at least 1 item(s)',
    ],
    [
      'an alert that is not an object',
      (b) => {
        b.alerts = ['firing'];
      },
      'alerts[0]: expected an object, got "firing"',
    ],
    [
      'a label that is not a string',
      (b) => {
        b.alerts = [alertsOf(b)[0]];
        labelsOf(alertsOf(b)[0]).replicas = 3 as unknown as string;
      },
      'alerts[0].labels.replicas: expected a string, got number 3',
    ],
    [
      'a firing alert with Go zero time as startsAt',
      (b) => {
        b.alerts = [alertsOf(b)[0]];
        (alertsOf(b)[0] as Json).startsAt = '0001-01-01T00:00:00Z';
      },
      "alerts[0].startsAt: is Go's zero time: a firing alert must say when it started",
    ],
  ])('rejects %s, naming the field', (_, edit, reason) => {
    // Prepare
    const body = fixture('13');
    edit(body);

    // Act
    const rejection = rejectionOf(normalizeAlertmanagerWebhook(body, context()));

    // Assess
    expect(rejection.reason).toBe(reason);
    expect(rejection.field).toBe(reason.slice(0, reason.indexOf(':')));
  });

  it.each([null, undefined, 'firing', 4, [fixture('13')]])(
    'rejects a body that is not an object: %j',
    (body) => {
      // Act
      const rejection = rejectionOf(normalizeAlertmanagerWebhook(body, context()));

      // Assess
      expect(rejection.reason).toMatch(/^event: expected an object, got /);
      expect(rejection.field).toBeUndefined();
    },
  );

  it('rejects an alert whose signal the model refuses, keeping the others', () => {
    // Prepare
    const body = fixture('13');
    (alertsOf(body)[1] as Json).fingerprint = 'f'.repeat(1100);

    // Act
    const result = normalizeAlertmanagerWebhook(body, context());

    // Assess
    expect(signalsOf(result)).toHaveLength(1);
    expect(result).toMatchObject({
      rejected: [{ field: 'alerts[1]', reason: expect.stringContaining('breaks the model: dedupKey') }],
    });
  });
});

describe('Alertmanager grouping', () => {
  const GROUP_KEY = '{}/{team="checkout"}:{alertname="KubePodCrashLooping", namespace="checkout"}';

  it("gives every alert of fixture 13 the notification's groupKey, scoped to the integration", () => {
    // Prepare
    const body = fixture('13');

    // Act
    const signals = signalsOf(normalizeAlertmanagerWebhook(body, context()));

    // Assess
    expect(signals.map((signal) => signal.sourceGroupKey)).toEqual([
      `alertmanager:int-k8s:${GROUP_KEY}`,
      `alertmanager:int-k8s:${GROUP_KEY}`,
    ]);
    expect(signals.map((signal) => signal.group)).toEqual([undefined, undefined]);
  });

  it('gives the resolved alerts of fixture 14 the same source group key as they fired with', () => {
    // Prepare
    const firing = fixture('13');
    const resolved = fixture('14');

    // Act
    const opened = signalsOf(normalizeAlertmanagerWebhook(firing, context()));
    const closed = signalsOf(normalizeAlertmanagerWebhook(resolved, context()));

    // Assess
    expect(closed.map((signal) => signal.sourceGroupKey)).toEqual(
      opened.map((signal) => signal.sourceGroupKey),
    );
  });

  it('keeps the same groupKey from two integrations apart: two clusters with one routing tree', () => {
    // Prepare
    const body = fixture('13');

    // Act
    const other = signalsOf(
      normalizeAlertmanagerWebhook(body, context({ integration: { id: 'int-eu', name: 'EU Alertmanager' } })),
    );

    // Assess
    expect(other[0]?.sourceGroupKey).toBe(`alertmanager:int-eu:${GROUP_KEY}`);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('gives no source group key when groupKey is %s', (_case, groupKey) => {
    // Prepare
    const body = oneAlert();
    if (groupKey === undefined) delete body.groupKey;
    else body.groupKey = groupKey;

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.sourceGroupKey).toBeUndefined();
  });

  it('hashes a groupKey too long for a key, the same way every time', () => {
    // Prepare
    const long = `{}/{team="checkout"}:{${'pod="cart-api-7d9f8b6c5d-x2kqp", '.repeat(40)}}`;
    const body = oneAlert();
    body.groupKey = long;

    // Act
    const first = onlySignalOf(body);
    const again = onlySignalOf(structuredClone(body));

    // Assess
    expect(first.sourceGroupKey).toMatch(/^alertmanager:int-k8s:sha256:[0-9a-f]{64}$/);
    expect(again.sourceGroupKey).toBe(first.sourceGroupKey);
    expect(first.details.groupKey).toEqual(expect.stringContaining('{}/{team="checkout"}'));
  });

  it.each([
    ['off', 'off'],
    ['OFF', 'off'],
    ['on', undefined],
  ])('reads the label firebreak_group=%j as group %s', (value, group) => {
    // Prepare
    const body = oneAlert({ firebreak_group: value });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.group).toBe(group);
    expect(signal.details.ignoredLabels).toBeUndefined();
  });

  it('keeps an alert grouped, with the reason, when firebreak_group is neither on nor off', () => {
    // Prepare
    const body = oneAlert({ firebreak_group: 'no' });

    // Act
    const signal = onlySignalOf(body);

    // Assess
    expect(signal.group).toBeUndefined();
    expect(signal.details.ignoredLabels).toEqual({ firebreak_group: 'expected one of on, off, got "no"' });
  });
});
