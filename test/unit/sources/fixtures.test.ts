import { describe, expect, it } from 'vitest';
import type { Signal } from '#core/model';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { fixture, fixtureFiles, onlySignal } from './support';

type Expected = Pick<
  Signal,
  | 'action'
  | 'dedupKey'
  | 'eventId'
  | 'occurredAt'
  | 'category'
  | 'subcategory'
  | 'severity'
  | 'impact'
  | 'urgency'
  | 'service'
> & { team?: string };

const CW_USE1 = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:';
const CW_EUW1 = 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:';

/** What every EventBridge fixture must become, from the fixtures README. */
const EXPECTED: Record<string, Expected> = {
  '01': {
    action: 'trigger',
    dedupKey: `${CW_USE1}web-prod-cpu-utilization-high`,
    eventId: '80ac8250-2870-6801-71b9-b5bab8d801f7',
    occurredAt: '2026-03-14T09:05:41.218Z',
    category: 'Infrastructure',
    subcategory: 'Compute',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'i-0a7c3e9f2b1d45e68',
  },
  '02': {
    action: 'resolve',
    dedupKey: `${CW_USE1}web-prod-cpu-utilization-high`,
    eventId: 'c2d273df-0cb1-3e4b-da4f-eedcc31a8b4f',
    occurredAt: '2026-03-14T09:41:12.804Z',
    category: 'Infrastructure',
    subcategory: 'Compute',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'i-0a7c3e9f2b1d45e68',
  },
  '03': {
    action: 'trigger',
    dedupKey: `${CW_USE1}checkout-alb-5xx-error-rate-high`,
    eventId: 'aa0db2c7-e518-90d1-9bad-49f87f825ffd',
    occurredAt: '2026-03-14T09:11:03.447Z',
    category: 'Application',
    subcategory: 'Errors',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'checkout-prod-alb',
  },
  '04': {
    action: 'trigger',
    dedupKey: `${CW_USE1}payments-api-cpu-anomaly`,
    eventId: '95c7e439-6299-a852-c080-f73fb2f87830',
    occurredAt: '2026-03-14T09:07:05.660Z',
    category: 'Infrastructure',
    subcategory: 'Compute',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'i-0f3b8d6c1a2e49d77',
  },
  '05': {
    action: 'trigger',
    dedupKey: `${CW_USE1}checkout-service-degraded`,
    eventId: 'c1a145a9-fd2f-ce8a-f234-9df579855479',
    occurredAt: '2026-03-14T09:12:07.193Z',
    category: 'Application',
    subcategory: 'Availability',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'checkout-service-degraded',
  },
  '06': {
    action: 'trigger',
    dedupKey: `${CW_EUW1}orders-queue-oldest-message-age-high`,
    eventId: '3f333e29-1f2a-1ae2-4187-0209b05e0bf0',
    occurredAt: '2026-03-14T09:14:30.009Z',
    category: 'Application',
    subcategory: 'Queue backlog',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'order-fulfilment',
    team: 'orders-platform',
  },
  '07': {
    action: 'note',
    dedupKey: `${CW_EUW1}invoice-renderer-lambda-errors`,
    eventId: 'bda460bf-b340-35a1-18c6-c8f3c36ab73e',
    occurredAt: '2026-03-14T09:16:00.512Z',
    category: 'Application',
    subcategory: 'Errors',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'invoice-renderer',
  },
  '08': {
    action: 'trigger',
    dedupKey: `${CW_EUW1}orders-db-connections-high`,
    eventId: '584853c6-de17-ab3e-c421-604f7a3942c9',
    occurredAt: '2026-03-14T09:18:04.331Z',
    category: 'Database',
    subcategory: 'Connections',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'orders-prod-db-1',
  },
  '09': {
    action: 'trigger',
    dedupKey: `${CW_USE1}user-sessions-write-throttle`,
    eventId: '50b99cac-5388-fa17-6125-34c2551d39b0',
    occurredAt: '2026-03-14T09:19:02.776Z',
    category: 'Database',
    subcategory: 'Throttling',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'user-sessions',
  },
  '10': {
    action: 'trigger',
    dedupKey: '06808b53de662784aff0a9e123144074',
    eventId: 'f35f435b-83f8-62ff-ab27-bb7d0919b346',
    occurredAt: '2026-03-14T09:18:09.874Z',
    category: 'Security',
    subcategory: 'Threat detection',
    severity: 'high',
    impact: 'high',
    urgency: 'high',
    service: 'i-0d41e7b9c2a35f816',
  },
  '11': {
    action: 'trigger',
    dedupKey:
      'arn:aws:securityhub:us-east-1:111122223333:security-control/EC2.19/finding/6091227f-7df9-256b-22e2-137ecc56f9ab',
    eventId: '3c72a112-861d-0e74-0f7a-910faab28916#0',
    occurredAt: '2026-03-14T09:19:51.663Z',
    category: 'Security',
    subcategory: 'Compliance',
    severity: 'critical',
    impact: 'high',
    urgency: 'high',
    service: 'sg-0c4e7a91d2b3f5861',
  },
  '12': {
    action: 'trigger',
    dedupKey:
      'arn:aws:health:eu-west-1::event/RDS/AWS_RDS_OPERATIONAL_ISSUE/AWS_RDS_OPERATIONAL_ISSUE_8D4F2A61C0B7E935',
    eventId: 'cda26e67-c867-8434-4b0b-f427bae88e51',
    occurredAt: '2026-03-14T09:22:18.000Z',
    category: 'Cloud Services',
    subcategory: 'Service issue',
    severity: 'high',
    impact: 'medium',
    urgency: 'high',
    service: 'rds',
  },
};

describe('every EventBridge fixture', () => {
  it('has an expectation here, so a new fixture cannot go untested', () => {
    // Prepare
    const eventBridgeFixtures = fixtureFiles().filter((name) => 'detail-type' in fixture(name));

    // Act
    const prefixes = eventBridgeFixtures.map((name) => name.slice(0, 2));

    // Assess
    expect(prefixes).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('fixture %s becomes the expected signal', (prefix, expected) => {
    // Prepare
    const event = fixture(prefix);

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject(expected);
    expect(signal.team).toBe(expected.team);
    expect(signal.title.length).toBeGreaterThan(0);
  });
});

describe('fixture specifics', () => {
  it('01 and 02 share one key, and 02 happened after 01', () => {
    // Act
    const opened = onlySignal(normalizeEventBridgeEvent(fixture('01')));
    const resolved = onlySignal(normalizeEventBridgeEvent(fixture('02')));

    // Assess
    expect(resolved.dedupKey).toBe(opened.dedupKey);
    expect(resolved.occurredAt > opened.occurredAt).toBe(true);
    expect(opened.title).toBe('web-prod-cpu-utilization-high is in ALARM');
    expect(resolved.title).toBe('web-prod-cpu-utilization-high is OK');
  });

  it('01 carries its metric facts and a console link', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('01')));

    // Assess
    expect(signal.details).toMatchObject({
      alarmType: 'metric',
      namespace: 'AWS/EC2',
      metricNames: ['CPUUtilization'],
      dimensions: { InstanceId: 'i-0a7c3e9f2b1d45e68' },
      statistic: 'Average',
      period: 300,
      threshold: 80,
      recentDatapoints: [93.71666666666667],
      previousState: 'OK',
    });
    expect(signal.source).toEqual({
      kind: 'cloudwatch',
      ref: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu-utilization-high',
      name: 'web-prod-cpu-utilization-high',
      account: '111122223333',
      region: 'us-east-1',
      url: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web-prod-cpu-utilization-high',
    });
    expect(signal.description).toContain('average CPU above 80%');
    expect(signal.summary).toMatch(/^Threshold Crossed/);
  });

  it('03 (metric math) takes its statistic from the metrics, as reasonData has none', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('03')));

    // Assess
    expect(signal.details).toMatchObject({
      alarmType: 'metric-math',
      expressions: { e1: '100 * (m1 / m2)' },
      metricNames: ['HTTPCode_Target_5XX_Count', 'RequestCount'],
      statistic: 'Sum',
      period: 60,
      threshold: 5,
    });
  });

  it('04 (anomaly detection) keeps the band it was judged against', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('04')));

    // Assess
    expect(signal.details).toMatchObject({
      alarmType: 'anomaly-detection',
      recentLowerThresholds: [18.62412209466541],
      recentUpperThresholds: [46.20554973871805],
    });
    expect(signal.details.threshold).toBeUndefined();
  });

  it('05 (composite) links both children without merging into them', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('05')));

    // Assess
    expect(signal.related).toEqual([
      `${CW_USE1}checkout-alb-5xx-error-rate-high`,
      `${CW_USE1}checkout-ecs-service-cpu-high`,
    ]);
    expect(signal.dedupKey).not.toBe(signal.related[0]);
    expect(signal.details.alarmType).toBe('composite');
    expect(signal.details.alarmRule).toBe(
      'ALARM("checkout-alb-5xx-error-rate-high") AND ALARM("checkout-ecs-service-cpu-high")',
    );
    expect(signal.details.triggeringAlarms).toEqual([
      { arn: `${CW_USE1}checkout-alb-5xx-error-rate-high`, state: 'ALARM', at: '2026-03-14T09:11:03.447Z' },
      { arn: `${CW_USE1}checkout-ecs-service-cpu-high`, state: 'ALARM', at: '2026-03-14T09:12:06.915Z' },
    ]);
  });

  it('06 routes from its tags and keeps every tag as a label', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('06')));

    // Assess
    expect(signal.labels).toEqual({
      team: 'orders-platform',
      env: 'prod',
      service: 'order-fulfilment',
      oncall: 'orders-primary',
      'cost-center': 'cc-4410',
    });
    expect(signal.details.alarmTagsStatus).toBe('SUCCESS');
    expect(signal.details.ignoredTags).toBeUndefined();
  });

  it('07 (INSUFFICIENT_DATA) is a note, never a trigger', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('07')));

    // Assess
    expect(signal.action).toBe('note');
    expect(signal.title).toBe('invoice-renderer-lambda-errors has INSUFFICIENT_DATA');
    expect(signal.details.recentDatapoints).toEqual([]);
  });

  it('08 tolerates evaluatedDatapoints and keeps them with ISO times', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('08')));

    // Assess
    expect(signal.details.evaluatedDatapoints).toEqual([
      { timestamp: '2026-03-14T09:17:00.000Z', sampleCount: 1, value: 497 },
      { timestamp: '2026-03-14T09:16:00.000Z', sampleCount: 1, value: 488 },
      { timestamp: '2026-03-14T09:15:00.000Z', sampleCount: 1, value: 463 },
    ]);
    expect(signal.details.parseWarnings).toBeUndefined();
  });

  it('10 (GuardDuty) summarizes the finding type on its resource', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('10')));

    // Assess
    expect(signal.summary).toBe('Backdoor:EC2/C&CActivity.B on i-0d41e7b9c2a35f816');
    expect(signal.title).toBe(
      'EC2 instance i-0d41e7b9c2a35f816 is communicating with a known command and control server.',
    );
    expect(signal.details).toMatchObject({
      type: 'Backdoor:EC2/C&CActivity.B',
      severityScore: 8,
      resourceType: 'Instance',
      resourceId: 'i-0d41e7b9c2a35f816',
      actionType: 'NETWORK_CONNECTION',
      remoteIp: '203.0.113.77',
      remotePort: 443,
      count: 7,
    });
  });

  it('11 (Security Hub) names the control and the account it was found in', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('11')));

    // Assess
    expect(signal.source).toMatchObject({
      kind: 'securityhub',
      name: 'EC2.19',
      account: '111122223333',
      region: 'us-east-1',
    });
    expect(signal.title).toBe('Security groups should not allow unrestricted access to ports with high risk');
    expect(signal.details).toMatchObject({ controlId: 'EC2.19', complianceStatus: 'FAILED' });
  });

  it('12 (AWS Health) describes the issue in words', () => {
    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(fixture('12')));

    // Assess
    expect(signal.title).toBe('AWS Health: RDS operational issue in eu-west-1');
    expect(signal.description).toMatch(/^We are investigating elevated connection errors/);
    expect(signal.details).toMatchObject({ startTime: '2026-03-14T08:52:00.000Z', eventScopeCode: 'PUBLIC' });
  });
});
