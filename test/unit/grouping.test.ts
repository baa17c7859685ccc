import { describe, expect, it } from 'vitest';
import {
  alertId,
  DEFAULT_GROUPING_CONFIG,
  GroupingConfig,
  GroupingConfigJson,
  type GroupingRule,
  groupOf,
  parseGroupingConfig,
} from '#core/grouping';
import { manualSignal } from '#core/manual';
import type { Signal } from '#core/model';
import { normalizeAlertmanagerWebhook } from '#core/sources/alertmanager';
import { normalizeEventBridgeEvent } from '#core/sources/index';
import { normalizePagerDutyEvent } from '#core/sources/pagerduty';
import { loadFixture } from '../support/fixtures';

const INTEGRATION = { id: 'int-k8s', name: 'Prod Alertmanager' };
const RECEIVED_AT = '2026-03-14T10:00:00.000Z';

/** The one signal an EventBridge fixture (01–12) normalizes to. */
function eventSignal(prefix: string, edit: (event: Record<string, unknown>) => void = () => {}): Signal {
  const event = loadFixture(prefix);
  edit(event);
  const result = normalizeEventBridgeEvent(event);
  if (result.kind !== 'signals' || result.signals.length !== 1)
    throw new Error(`fixture ${prefix}: no signal`);
  return result.signals[0] as Signal;
}

/** The two alerts of fixture 13 (two crash-looping pods of one Alertmanager group). */
function alertmanagerSignals(): Signal[] {
  const result = normalizeAlertmanagerWebhook(loadFixture('13'), {
    integration: INTEGRATION,
    receivedAt: RECEIVED_AT,
  });
  if (result.kind !== 'signals') throw new Error('fixture 13: no signals');
  return result.signals;
}

function pagerDutySignal(): Signal {
  const result = normalizePagerDutyEvent(loadFixture('15'), {
    integration: { id: 'int-web', name: 'Web monitoring' },
    receivedAt: RECEIVED_AT,
    requestId: 'req-0001',
    newDedupKey: () => 'generated',
  });
  if (result.kind !== 'signals') throw new Error('fixture 15: no signal');
  return result.signals[0] as Signal;
}

/** A config of these rules, with the schema's defaults filled in as cdk.json context would get them. */
function rules(...given: Array<Partial<GroupingRule> & { name: string }>): GroupingConfig {
  return GroupingConfig.parse({ rules: given });
}

describe('the default grouping', () => {
  it('groups a CloudWatch alarm by its service within 10 minutes', () => {
    // Prepare
    const signal = eventSignal('01');

    // Act
    const group = groupOf(signal, DEFAULT_GROUPING_CONFIG);

    // Assess
    expect(group).toEqual({
      key: 'alerts by service|service=i-0a7c3e9f2b1d45e68',
      rule: 'alerts by service',
      windowMinutes: 10,
      values: { service: 'i-0a7c3e9f2b1d45e68' },
    });
  });

  it('puts two alarms of one service in one group, and alarms of two services in two', () => {
    // Prepare
    const cpu = eventSignal('01');
    const sameInstance = { ...eventSignal('04'), service: cpu.service };
    const otherService = eventSignal('03');

    // Act
    const [a, b, c] = [cpu, sameInstance, otherService].map((signal) =>
      groupOf(signal, DEFAULT_GROUPING_CONFIG),
    );

    // Assess
    expect(b?.key).toBe(a?.key);
    expect(c?.key).toBe('alerts by service|service=checkout-prod-alb');
  });

  it('keeps a composite alarm out of its child alarm group when their services differ (fixtures 03 and 05)', () => {
    // Prepare
    const child = eventSignal('03');
    const composite = eventSignal('05');

    // Act
    const childGroup = groupOf(child, DEFAULT_GROUPING_CONFIG);
    const compositeGroup = groupOf(composite, DEFAULT_GROUPING_CONFIG);

    // Assess
    expect(compositeGroup?.key).not.toBe(childGroup?.key);
  });

  it.each([
    ['10', 'GuardDuty'],
    ['11', 'Security Hub'],
  ])('never groups a %s finding (fixture %s): each finding is its own incident', (prefix) => {
    // Prepare
    const finding = eventSignal(prefix);
    const sameService = { ...finding, service: 'checkout' };

    // Act / Assess
    expect(groupOf(finding, DEFAULT_GROUPING_CONFIG)).toBeUndefined();
    expect(groupOf(sameService, DEFAULT_GROUPING_CONFIG)).toBeUndefined();
  });

  it('does not group an AWS Health event (fixture 12) or a reported incident: no rule matches them', () => {
    // Prepare
    const health = eventSignal('12');
    const reported = manualSignal(
      { title: 'Checkout returns 502', service: 'checkout', impact: 'high', urgency: 'high' },
      { requestKey: 'req-1', actor: 'alice', now: RECEIVED_AT },
    );

    // Act / Assess
    expect(groupOf(health, DEFAULT_GROUPING_CONFIG)).toBeUndefined();
    expect(groupOf(reported, DEFAULT_GROUPING_CONFIG)).toBeUndefined();
  });

  it('groups the two Alertmanager alerts of fixture 13 by their service', () => {
    // Prepare
    const [first, second] = alertmanagerSignals();

    // Act
    const groups = [first, second].map((signal) => groupOf(signal as Signal, DEFAULT_GROUPING_CONFIG));

    // Assess
    expect(groups.map((group) => group?.key)).toEqual([
      'alerts by service|service=checkout',
      'alerts by service|service=checkout',
    ]);
  });

  it('groups a PagerDuty-style trigger (fixture 15) by its service', () => {
    // Prepare
    const signal = pagerDutySignal();

    // Act
    const group = groupOf(signal, DEFAULT_GROUPING_CONFIG);

    // Assess
    expect(group?.key).toBe('alerts by service|service=web-frontend');
  });

  it('is valid against its own schema, as the stack and the functions parse it', () => {
    // Prepare / Act
    const parsed = GroupingConfig.parse(JSON.parse(JSON.stringify(DEFAULT_GROUPING_CONFIG)));

    // Assess
    expect(parsed).toEqual(DEFAULT_GROUPING_CONFIG);
  });
});

describe('grouping rules', () => {
  it('matches on labels: only alerts carrying every label value given', () => {
    // Prepare
    const config = rules(
      { name: 'prod cluster', match: { labels: { cluster: 'prod-use1' } }, by: ['service'] },
      { name: 'everything else alone' },
    );
    const [prod] = alertmanagerSignals();
    const staging = { ...(prod as Signal), labels: { ...prod?.labels, cluster: 'staging' } };

    // Act
    const prodGroup = groupOf(prod as Signal, config);
    const stagingGroup = groupOf(staging, config);

    // Assess
    expect(prodGroup?.rule).toBe('prod cluster');
    expect(stagingGroup).toBeUndefined();
  });

  it.each([
    ['a source kind', { source: 'cloudwatch' as const }, true],
    ['a list of categories', { category: ['Database' as const, 'Infrastructure' as const] }, true],
    ['a service', { service: 'i-0a7c3e9f2b1d45e68' }, true],
    ['a list of services without this one', { service: ['checkout', 'payments'] }, false],
    ['a team the alarm has none of', { team: 'web' }, false],
    [
      'a source kind and a category that does not hold',
      { source: 'cloudwatch' as const, category: 'Database' as const },
      false,
    ],
  ])('matches fixture 01 on %s: %s', (_case, match, grouped) => {
    // Prepare
    const config = rules({ name: 'rule', match, by: ['service'] });

    // Act
    const group = groupOf(eventSignal('01'), config);

    // Assess
    expect(group !== undefined).toBe(grouped);
  });

  it('groups by two fields, naming both in the key and the values', () => {
    // Prepare
    const config = rules({ name: 'team and category', by: ['team', 'category'], windowMinutes: 30 });
    const [signal] = alertmanagerSignals();

    // Act
    const group = groupOf(signal as Signal, config);

    // Assess
    expect(group).toEqual({
      key: 'team and category|team=checkout|category=Application',
      rule: 'team and category',
      windowMinutes: 30,
      values: { team: 'checkout', category: 'Application' },
    });
  });

  it('groups by a label', () => {
    // Prepare
    const config = rules({ name: 'by namespace', by: ['labels.namespace'] });
    const [signal] = alertmanagerSignals();

    // Act
    const group = groupOf(signal as Signal, config);

    // Assess
    expect(group?.key).toBe('by namespace|labels.namespace=checkout');
    expect(group?.values).toEqual({ 'labels.namespace': 'checkout' });
  });

  it.each([
    ['a team the alarm has none of', ['service', 'team']],
    ['a label the alarm does not carry', ['labels.oncall']],
    ['a source group key CloudWatch never sends', ['sourceGroupKey']],
  ])('keeps an alert alone when it lacks a field of the rule: %s', (_case, by) => {
    // Prepare
    const config = rules({ name: 'rule', by: by as GroupingRule['by'] });
    const signal = eventSignal('01');

    // Act
    const group = groupOf(signal, config);

    // Assess
    expect(group).toBeUndefined();
  });

  it('keeps an alert alone when its label is empty', () => {
    // Prepare
    const config = rules({ name: 'by oncall', by: ['labels.oncall'] });
    const signal = { ...eventSignal('01'), labels: { oncall: '' } };

    // Act / Assess
    expect(groupOf(signal, config)).toBeUndefined();
  });

  it('keeps an alarm tagged firebreak:group=off alone, whatever the rules say', () => {
    // Prepare
    const tagged = eventSignal('01', (event) => {
      Object.assign(event.detail as Record<string, unknown>, { alarmTags: { 'firebreak:group': 'off' } });
    });
    const untagged = eventSignal('01');

    // Act
    const taggedGroup = groupOf(tagged, DEFAULT_GROUPING_CONFIG);
    const untaggedGroup = groupOf(untagged, DEFAULT_GROUPING_CONFIG);

    // Assess
    expect(tagged.group).toBe('off');
    expect(taggedGroup).toBeUndefined();
    expect(untaggedGroup).toBeDefined();
  });

  it("groups Alertmanager alerts by the notification's groupKey", () => {
    // Prepare
    const config = rules({
      name: 'alertmanager groups',
      match: { source: 'alertmanager' },
      by: ['sourceGroupKey'],
    });
    const [first, second] = alertmanagerSignals();

    // Act
    const a = groupOf(first as Signal, config);
    const b = groupOf(second as Signal, config);

    // Assess
    expect(a).toBeDefined();
    expect(b?.key).toBe(a?.key);
    expect(a?.values).toEqual({ sourceGroupKey: first?.sourceGroupKey });
  });

  it('hashes a key too long for a DynamoDB key, the same way for the same values', () => {
    // Prepare
    const config = rules({ name: 'by description', by: ['labels.description'] });
    const long = (text: string) => ({ ...eventSignal('01'), labels: { description: text.repeat(40) } });

    // Act
    const a = groupOf(long('checkout is slow; '), config);
    const again = groupOf(long('checkout is slow; '), config);
    const other = groupOf(long('payments is slow; '), config);

    // Assess
    expect(a?.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(again?.key).toBe(a?.key);
    expect(other?.key).not.toBe(a?.key);
    expect(a?.values['labels.description']).toHaveLength(18 * 40);
  });

  it('lets the first matching rule decide, even one that keeps alerts alone', () => {
    // Prepare
    const config = rules(
      { name: 'database alarms alone', match: { category: 'Database' } },
      { name: 'cloudwatch by category', match: { source: 'cloudwatch' }, by: ['category'], windowMinutes: 5 },
      { name: 'cloudwatch by service', match: { source: 'cloudwatch' }, by: ['service'] },
    );

    // Act
    const database = groupOf(eventSignal('08'), config);
    const compute = groupOf(eventSignal('01'), config);

    // Assess
    expect(database).toBeUndefined();
    expect(compute).toMatchObject({
      rule: 'cloudwatch by category',
      key: 'cloudwatch by category|category=Infrastructure',
    });
  });

  it('groups nothing with no rules', () => {
    // Prepare
    const config = rules();

    // Act / Assess
    expect(groupOf(eventSignal('01'), config)).toBeUndefined();
  });
});

describe('grouping configuration', () => {
  it('refuses two rules of one name: a group key starts with its rule name', () => {
    // Prepare
    const raw = {
      rules: [
        { name: 'web', match: { team: 'web' }, by: ['service'] },
        { name: 'api', match: { team: 'api' }, by: ['service'] },
        { name: 'web', match: { team: 'web-2' }, by: ['service'] },
      ],
    };

    // Act
    const parse = () => parseGroupingConfig(raw);

    // Assess
    expect(parse).toThrow(
      'grouping.rules[2].name: "web" is already the name of rules[0]; rule names must be unique',
    );
  });

  it('refuses a rule that can never apply, after one that matches every alert', () => {
    // Prepare
    const raw = {
      rules: [
        { name: 'all', match: { labels: {} }, by: ['service'] },
        { name: 'never', by: [] },
      ],
    };

    // Act
    const parse = () => parseGroupingConfig(raw);

    // Assess
    expect(parse).toThrow('grouping.rules[1]: never applies: rules[0] matches every alert before it');
  });

  it('names every problem at once, one line each', () => {
    // Prepare
    const raw = { rules: [{ name: '', by: ['owner'], windowMinutes: 0, match: { sources: 'cloudwatch' } }] };

    // Act
    let message = '';
    try {
      parseGroupingConfig(raw);
    } catch (error) {
      message = (error as Error).message;
    }

    // Assess
    expect(message.split('\n')).toEqual([
      'Invalid grouping configuration:',
      '  grouping.rules[0].name: must not be empty',
      '  grouping.rules[0].match.sources: unknown key',
      '  grouping.rules[0].by[0]: must be service, team, category, subcategory, source, sourceGroupKey or labels.<name>',
      '  grouping.rules[0].windowMinutes: must be between 1 and 1440 minutes',
    ]);
  });

  it('reads GROUPING_CONFIG as the stack writes it, and refuses text that is not the configuration', () => {
    // Prepare
    const written = JSON.stringify(DEFAULT_GROUPING_CONFIG);

    // Act
    const read = GroupingConfigJson.safeParse(written);
    const notJson = GroupingConfigJson.safeParse('{"rules": [');
    const missing = GroupingConfigJson.safeParse(undefined);

    // Assess
    expect(read.data).toEqual(DEFAULT_GROUPING_CONFIG);
    expect(notJson.error?.issues[0]?.message).toBe('must be the grouping configuration as JSON');
    expect(missing.error?.issues[0]?.message).toBe('must be the grouping configuration as JSON');
  });
});

describe('alert ids', () => {
  it('are short, URL-safe and the same for the same dedup key', () => {
    // Prepare
    const key = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-prod-cpu-utilization-high';

    // Act
    const id = alertId(key);

    // Assess
    expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(alertId(key)).toBe(id);
  });

  it('tell the alerts of one group apart', () => {
    // Prepare
    const [first, second] = alertmanagerSignals();

    // Act
    const ids = [first, second].map((signal) => alertId((signal as Signal).dedupKey));

    // Assess
    expect(ids[0]).not.toBe(ids[1]);
  });
});
