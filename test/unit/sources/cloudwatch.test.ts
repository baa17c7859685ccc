import { describe, expect, it } from 'vitest';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { detailOf, fixture, type Json, onlySignal, rejectionOf } from './support';

function withTags(tags: unknown): Json {
  const event = fixture('01');
  Object.assign(detailOf(event), { alarmTags: tags, alarmTagsStatus: 'SUCCESS' });
  return event;
}

function state(event: Json): Json {
  return detailOf(event).state as Json;
}

describe('CloudWatch alarm identity', () => {
  it('keys the same alarm name in two accounts and regions apart', () => {
    // Prepare
    const here = fixture('01');
    const there = fixture('01');
    Object.assign(there, {
      account: '444455556666',
      region: 'eu-west-1',
      resources: ['arn:aws:cloudwatch:eu-west-1:444455556666:alarm:web-prod-cpu-utilization-high'],
    });

    // Act
    const a = onlySignal(normalizeEventBridgeEvent(here));
    const b = onlySignal(normalizeEventBridgeEvent(there));

    // Assess
    expect(a.dedupKey).not.toBe(b.dedupKey);
    expect(b.source).toMatchObject({ account: '444455556666', region: 'eu-west-1' });
  });

  it('url-encodes the alarm name in the console link', () => {
    // Prepare
    const event = fixture('01');
    detailOf(event).alarmName = 'web prod/cpu #1';
    event.resources = ['arn:aws:cloudwatch:us-east-1:111122223333:alarm:web prod/cpu #1'];

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.source.url).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web%20prod%2Fcpu%20%231',
    );
  });

  it('gives no console link outside the commercial partition', () => {
    // Prepare
    const event: Json = { ...fixture('01'), region: 'cn-north-1' };
    event.resources = ['arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:web-prod-cpu-utilization-high'];

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.source.url).toBeUndefined();
    expect(signal.dedupKey).toBe(
      'arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:web-prod-cpu-utilization-high',
    );
  });

  it.each([
    ['no resources', []],
    [
      'a resource that is not an alarm ARN',
      ['arn:aws:ec2:us-east-1:111122223333:instance/i-0a7c3e9f2b1d45e68'],
    ],
  ])('rejects %s, naming resources[0]', (_, resources) => {
    // Prepare
    const event = { ...fixture('01'), resources };

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection.field).toBe('resources[0]');
  });
});

describe('CloudWatch hostile details', () => {
  it('rejects an unknown state value, listing the accepted ones', () => {
    // Prepare
    const event = fixture('01');
    state(event).value = 'ALARMING';

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection).toEqual({
      field: 'detail.state.value',
      reason: 'detail.state.value: expected one of ALARM, OK, INSUFFICIENT_DATA, got "ALARMING"',
    });
  });

  it.each([
    ['state', (d: Json) => delete d.state, 'detail.state', 'is missing (expected an object)'],
    [
      'state as a string',
      (d: Json) => (d.state = 'ALARM'),
      'detail.state',
      'expected an object, got "ALARM"',
    ],
    [
      'alarmName as a number',
      (d: Json) => (d.alarmName = 7),
      'detail.alarmName',
      'expected a string, got number 7',
    ],
    ['an empty alarmName', (d: Json) => (d.alarmName = ''), 'detail.alarmName', 'must not be empty'],
    [
      'state.value as a number',
      (d: Json) => ((d.state as Json).value = 1),
      'detail.state.value',
      'expected one of',
    ],
    [
      'state.timestamp',
      (d: Json) => delete (d.state as Json).timestamp,
      'detail.state.timestamp',
      'is missing',
    ],
    [
      'a state.timestamp that is no time',
      (d: Json) => ((d.state as Json).timestamp = '14/03/26 09:00:00'),
      'detail.state.timestamp',
      'expected a timestamp with a zone',
    ],
  ])('rejects missing or wrong %s, naming the field', (_, mutate, field, words) => {
    // Prepare
    const event = fixture('01');
    mutate(detailOf(event));

    // Act
    const rejection = rejectionOf(normalizeEventBridgeEvent(event));

    // Assess
    expect(rejection.field).toBe(field);
    expect(rejection.reason).toContain(`${field}: ${words}`);
  });

  it('keeps going without reasonData when it is not valid JSON, and says so', () => {
    // Prepare
    const event = fixture('08');
    state(event).reasonData = '{"version":"1.0","recentDatapoints":[463.0,';

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.action).toBe('trigger');
    expect(signal.details.recentDatapoints).toBeUndefined();
    expect(signal.details.statistic).toBe('Maximum'); // still known from the metric
    expect(signal.details.parseWarnings).toEqual(['detail.state.reasonData: is not valid JSON; ignored']);
  });

  it('keeps going without reasonData when it is missing', () => {
    // Prepare
    const event = fixture('01');
    delete state(event).reasonData;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.details.threshold).toBeUndefined();
    expect(signal.details.parseWarnings).toBeUndefined();
  });

  it('drops a malformed informational field with a warning instead of losing the page', () => {
    // Prepare
    const event = fixture('01');
    state(event).reasonData = JSON.stringify({ recentDatapoints: ['high'], threshold: 80 });
    detailOf(event).previousState = 'OK';

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.action).toBe('trigger');
    expect(signal.details.parseWarnings).toEqual([
      'detail.previousState: expected an object, got "OK"',
      'detail.state.reasonData.recentDatapoints[0]: expected a number, got "high"',
    ]);
  });

  it('accepts reasonData that was already decoded into an object', () => {
    // Prepare
    const event = fixture('01');
    state(event).reasonData = { statistic: 'Average', period: 300, threshold: 80, recentDatapoints: [91] };

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.details.recentDatapoints).toEqual([91]);
  });

  it('falls back to the alarm name as service and Application/Availability when metrics are unreadable', () => {
    // Prepare
    const event = fixture('01');
    (detailOf(event).configuration as Json).metrics = 'CPUUtilization';

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.service).toBe('web-prod-cpu-utilization-high');
    expect(signal).toMatchObject({ category: 'Application', subcategory: 'Availability' });
    expect(signal.description).toContain('average CPU'); // the description survives its sibling's problem
  });

  it('uses an empty description when the alarm has none', () => {
    // Prepare
    const event = fixture('01');
    delete detailOf(event).configuration;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.description).toBe('');
  });
});

describe('CloudWatch service from dimensions', () => {
  it.each([
    [{ ClusterName: 'checkout', ServiceName: 'checkout-api' }, 'checkout-api'],
    [{ LoadBalancer: 'net/edge-nlb/0a1b2c3d4e5f6789' }, 'edge-nlb'],
    [{ StateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:refunds' }, 'refunds'],
    [{ TableName: 'user-sessions', GlobalSecondaryIndexName: 'by-user' }, 'user-sessions'],
    [{ AutoScalingGroupName: 'web-prod-asg' }, 'web-prod-asg'],
    [{ Currency: 'USD' }, 'web-prod-cpu-utilization-high'],
  ])('%j → %s', (dimensions, service) => {
    // Prepare
    const event = fixture('01');
    const metrics = (detailOf(event).configuration as Json).metrics as Json[];
    (((metrics[0] as Json).metricStat as Json).metric as Json).dimensions = dimensions;

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.service).toBe(service);
  });
});

describe('CloudWatch alarm tags', () => {
  it('lets firebreak: tags override the defaults', () => {
    // Prepare
    const event = withTags({
      'firebreak:service': 'web-frontend',
      'firebreak:team': 'web',
      'firebreak:impact': 'HIGH',
      'firebreak:urgency': 'low',
      'firebreak:severity': 'Critical',
      'firebreak:category': 'application/saturation',
      'firebreak:auto-resolve': 'false',
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({
      service: 'web-frontend',
      team: 'web',
      impact: 'high',
      urgency: 'low',
      severity: 'critical',
      category: 'Application',
      subcategory: 'Saturation',
      autoResolve: false,
    });
    expect(signal.labels['firebreak:team']).toBe('web');
  });

  it('prefers firebreak:team over a plain team tag', () => {
    // Prepare
    const event = withTags({ team: 'platform', 'firebreak:team': 'web' });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.team).toBe('web');
    expect(signal.labels).toEqual({ team: 'platform', 'firebreak:team': 'web' });
  });

  it('keeps the metric subcategory when the category tag agrees without one', () => {
    // Prepare
    const event = withTags({ 'firebreak:category': 'infrastructure' });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({ category: 'Infrastructure', subcategory: 'Compute' });
  });

  it('ignores invalid tag values, says why, and keeps the defaults', () => {
    // Prepare
    const event = withTags({
      'firebreak:urgency': 'urgent',
      'firebreak:impact': '',
      'firebreak:category': 'Finance/Billing',
      'firebreak:auto-resolve': 'nope',
      'firebreak:sevrity': 'low',
      'firebreak:team': '   ',
      team: 'platform',
      owner: 42,
    });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({
      urgency: 'high',
      impact: 'medium',
      category: 'Infrastructure',
      autoResolve: true,
      team: 'platform', // the plain tag is the next candidate
    });
    expect(signal.details.ignoredTags).toEqual({
      'firebreak:urgency': 'expected one of high, medium, low, got "urgent"',
      'firebreak:impact': 'expected one of high, medium, low, got ""',
      'firebreak:category':
        'expected a category from the catalogue, as Category or Category/Subcategory, got "Finance/Billing"',
      'firebreak:auto-resolve': 'expected true or false, got "nope"',
      'firebreak:sevrity': expect.stringContaining('not a Firebreak tag'),
      'firebreak:team': 'must not be empty',
      owner: 'expected a string value, got number 42',
    });
    expect(signal.labels.owner).toBeUndefined();
  });

  it.each([
    ['off', 'off'],
    [' OFF ', 'off'],
    ['on', undefined],
  ])('reads firebreak:group=%j as group %s', (value, group) => {
    // Prepare
    const event = withTags({ 'firebreak:group': value });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.group).toBe(group);
    expect(signal.details.ignoredTags).toBeUndefined();
    expect(signal.labels['firebreak:group']).toBe(value);
  });

  it('keeps an alarm grouped, with the reason, when firebreak:group is neither on nor off', () => {
    // Prepare
    const event = withTags({ 'Firebreak:Group': 'never' });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.group).toBeUndefined();
    expect(signal.details.ignoredTags).toEqual({ 'Firebreak:Group': 'expected one of on, off, got "never"' });
  });

  it('opts the recovery out too, so every state of a tagged alarm says the same', () => {
    // Prepare
    const event = fixture('02');
    Object.assign(detailOf(event), { alarmTags: { 'firebreak:group': 'off' } });

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal).toMatchObject({ action: 'resolve', group: 'off' });
  });

  it('leaves an untagged alarm to the grouping rules, with no source group key', () => {
    // Prepare
    const event = fixture('01');

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.group).toBeUndefined();
    expect(signal.sourceGroupKey).toBeUndefined();
  });

  it('ignores alarmTags that are not an object without losing the page', () => {
    // Prepare
    const event = withTags(['team=web']);

    // Act
    const signal = onlySignal(normalizeEventBridgeEvent(event));

    // Assess
    expect(signal.labels).toEqual({});
    expect(signal.details.ignoredTags).toEqual({
      alarmTags: 'expected an object of tag keys to values, got an array',
    });
  });
});
