import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLOSING_CHECKLIST } from '#core/closing-checklist';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { buildApp } from '../../lib/app';
import { FirebreakConfig, parseFirebreakConfig } from '../../lib/config';
import { appContext, type Synthesized, synthesize } from './support';

describe('firebreak context', () => {
  it('defaults to 30 days of log retention, the default escalation policy and grouping, no runbooks, the default API and no optional parts', () => {
    // Prepare / Act
    const config = parseFirebreakConfig(undefined);

    // Assess
    expect(config).toEqual({
      logRetentionDays: 30,
      escalation: DEFAULT_ESCALATION_CONFIG,
      grouping: DEFAULT_GROUPING_CONFIG,
      runbooks: { ...DEFAULT_RUNBOOK_CONFIG, customDocuments: [] },
      api: {
        auth: { cognito: true },
        corsOrigins: [],
        throttle: { rateLimit: 50, burstLimit: 100 },
        callbackUrls: ['http://localhost:3000/callback'],
      },
      closingChecklist: DEFAULT_CLOSING_CHECKLIST,
      problems: { threshold: 3, windowDays: 30 },
      console: {},
    });
  });

  it('accepts every optional part and a JSON string from `cdk -c firebreak=...`', () => {
    // Prepare
    const raw = JSON.stringify({
      logRetentionDays: 365,
      alarmEmail: 'oncall@example.com',
      centralBus: { sourceAccounts: ['111111111111'], organizationId: 'o-a1b2c3d4e5' },
      forwarder: { centralBusArn: 'arn:aws:events:eu-west-1:333333333333:event-bus/firebreak-central' },
      escalation: DEFAULT_ESCALATION_CONFIG,
      grouping: {
        rules: [
          {
            name: 'checkout alerts together',
            match: { source: 'alertmanager', labels: { cluster: 'prod-use1' } },
            by: ['team', 'category'],
            windowMinutes: 30,
          },
          {
            name: 'by alert group',
            match: { source: ['alertmanager'] },
            by: ['sourceGroupKey'],
            windowMinutes: 5,
          },
        ],
      },
      incidentUrl: 'https://firebreak.example.com/incidents/{id}',
      // Every key written out, as the parsed config has them.
      runbooks: {
        bindings: {
          'restart-web': {
            description: 'Restart a web instance stuck at full CPU',
            match: { alarmName: 'web-*-cpu', namespace: 'AWS/EC2', metric: 'CPUUtilization' },
            document: { name: 'Firebreak-RestartEC2Instance', version: '1' },
            parameters: { InstanceId: '{dimension.InstanceId}', AutomationAssumeRole: '{automationRole}' },
            kind: 'remediation',
            mode: 'approval',
            settleMinutes: 10,
            approvalTimeoutMinutes: 30,
          },
          'check-deploys': {
            match: { service: 'checkout' },
            document: { name: 'Team-CheckDeploys', version: '$LATEST' },
            parameters: {},
            kind: 'diagnostic',
            mode: 'auto',
            settleMinutes: 0,
            approvalTimeoutMinutes: 30,
          },
        },
        circuitBreaker: { maxRunsPerHour: 3, cooldownMinutes: 120 },
        changesLookbackHours: 6,
        customDocuments: ['Team-CheckDeploys'],
      },
      api: {
        auth: { issuer: 'https://login.example.com', audience: ['firebreak'] },
        corsOrigins: ['https://dashboard.example.com'],
        throttle: { rateLimit: 10, burstLimit: 20 },
        callbackUrls: ['https://dashboard.example.com/callback'],
      },
      slack: {
        channels: { payments: 'C0PAYMENTS1' },
        defaultChannel: 'C0INCIDENTS',
        incidentChannels: ['P1'],
      },
      closingChecklist: {
        P1: ['resolved', 'resolution-summary', 'review'],
        P2: ['resolution-summary'],
        P3: [],
        P4: [],
      },
      problems: { threshold: 4, windowDays: 14 },
      statusPage: {
        title: 'Example status',
        services: [{ name: 'Checkout', services: ['checkout', 'payments'] }],
        recentHours: 12,
      },
      console: {
        domainName: 'console.example.com',
        certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012',
        clientId: 'firebreak-console',
      },
    });

    // Act
    const config = parseFirebreakConfig(raw);

    // Assess
    expect(config).toEqual(JSON.parse(raw));
  });

  it('exports the schema for other tools', () => {
    // Prepare / Act
    const result = FirebreakConfig.safeParse({ centralBus: { organizationId: 'o-a1b2c3d4e5' } });

    // Assess
    expect(result.success).toBe(true);
  });

  it.each([
    [
      'a bad source account',
      { centralBus: { sourceAccounts: ['111111111111', '12345'] } },
      'firebreak.centralBus.sourceAccounts[1]: must be a 12-digit AWS account id',
    ],
    [
      'a bad organization id',
      { centralBus: { organizationId: 'org-123' } },
      'firebreak.centralBus.organizationId: must be an AWS Organizations id',
    ],
    [
      'a central bus with neither accounts nor organization',
      { centralBus: {} },
      'firebreak.centralBus: needs sourceAccounts, organizationId or both',
    ],
    [
      'an ARN that is not an event bus',
      { forwarder: { centralBusArn: 'arn:aws:sns:eu-west-1:333333333333:firebreak-central' } },
      'firebreak.forwarder.centralBusArn: must be an EventBridge event bus ARN',
    ],
    [
      'a retention CloudWatch Logs does not offer',
      { logRetentionDays: 31 },
      'firebreak.logRetentionDays: must be one of the retention periods CloudWatch Logs allows',
    ],
    ['a bad email', { alarmEmail: 'ops at example.com' }, 'firebreak.alarmEmail: must be an email address'],
    ['an unknown top-level key', { logRetention: 30 }, 'firebreak.logRetention: unknown key'],
    [
      'a Slack channel by name',
      { slack: { channels: { payments: '#payments' } } },
      'firebreak.slack.channels.payments: must be a Slack channel id like C0123ABCD (not a #name)',
    ],
    [
      'a Slack default channel by name',
      { slack: { defaultChannel: 'incidents' } },
      'firebreak.slack.defaultChannel: must be a Slack channel id like C0123ABCD (not a #name)',
    ],
    [
      'a priority that does not exist for incident channels',
      { slack: { incidentChannels: ['P1', 'SEV1'] } },
      'firebreak.slack.incidentChannels[1]: ',
    ],
    ['an unknown Slack key', { slack: { channel: 'C0123ABCD' } }, 'firebreak.slack.channel: unknown key'],
    [
      'a closing checklist item that does not exist',
      { closingChecklist: { P1: ['resolved', 'postmortem'], P2: [], P3: [], P4: [] } },
      'firebreak.closingChecklist.P1[1]: ',
    ],
    [
      'a closing checklist without a priority',
      { closingChecklist: { P1: [], P2: [], P3: [] } },
      'firebreak.closingChecklist.P4: ',
    ],
    [
      'a problem threshold of one incident',
      { problems: { threshold: 1 } },
      'firebreak.problems.threshold: must be at least 2 incidents',
    ],
    [
      'a status page without services',
      { statusPage: { services: [] } },
      'firebreak.statusPage.services: must list at least one customer-facing service',
    ],
    [
      'a status page service without Firebreak services',
      { statusPage: { services: [{ name: 'Checkout', services: [] }] } },
      'firebreak.statusPage.services[0].services: must name at least one service',
    ],
    [
      'an unknown nested key',
      { centralBus: { organizationId: 'o-a1b2c3d4e5', accounts: ['111111111111'] } },
      'firebreak.centralBus.accounts: unknown key',
    ],
  ])('rejects %s with a message naming the key', (_case, raw, message) => {
    // Prepare / Act
    const parse = () => parseFirebreakConfig(raw);

    // Assess
    expect(parse).toThrow(message);
  });

  it('names every problem at once', () => {
    // Prepare / Act
    const parse = () => parseFirebreakConfig({ logRetentionDays: 2, forwarder: { centralBusArn: 'x' } });

    // Assess
    expect(parse).toThrow(/firebreak\.logRetentionDays: .*; firebreak\.forwarder\.centralBusArn: /);
  });

  it('rejects context that is not JSON', () => {
    // Prepare / Act
    const parse = () => parseFirebreakConfig('{logRetentionDays: 30');

    // Assess
    expect(parse).toThrow('firebreak: must be a JSON object');
  });
});

describe('firebreak.slack context', () => {
  it('is off when absent, and on with no channels when empty', () => {
    // Act
    const off = parseFirebreakConfig({});
    const empty = parseFirebreakConfig({ slack: {} });

    // Assess
    expect(off.slack).toBeUndefined();
    expect(empty.slack).toEqual({ channels: {}, incidentChannels: [] });
  });
});

describe('firebreak.grouping context', () => {
  it('fills in what a rule leaves out: every alert matches, no fields, a 10-minute window', () => {
    // Prepare / Act
    const config = parseFirebreakConfig({ grouping: { rules: [{ name: 'everything alone' }] } });

    // Assess
    expect(config.grouping).toEqual({
      rules: [{ name: 'everything alone', match: {}, by: [], windowMinutes: 10 }],
    });
  });

  it('takes an empty rule list: nothing is grouped', () => {
    // Prepare / Act
    const config = parseFirebreakConfig({ grouping: { rules: [] } });

    // Assess
    expect(config.grouping).toEqual({ rules: [] });
  });

  const rule = (overrides: Record<string, unknown>) => ({ name: 'rule', by: ['service'], ...overrides });

  it.each([
    [
      'a field no alert has',
      { rules: [rule({ name: 'a' }), rule({ name: 'b', by: ['service', 'owner'] })] },
      'firebreak.grouping.rules[1].by[1]: must be service, team, category, subcategory, source, sourceGroupKey or labels.<name>',
    ],
    [
      'more than five fields',
      { rules: [rule({ by: ['service', 'team', 'category', 'subcategory', 'source', 'labels.pod'] })] },
      'firebreak.grouping.rules[0].by: must have at most 5 fields',
    ],
    [
      'a window of no time',
      { rules: [rule({ windowMinutes: 0 })] },
      'firebreak.grouping.rules[0].windowMinutes: must be between 1 and 1440 minutes',
    ],
    [
      'a window of over a day',
      { rules: [rule({ windowMinutes: 1441 })] },
      'firebreak.grouping.rules[0].windowMinutes: must be between 1 and 1440 minutes',
    ],
    [
      'a window in fractions of a minute',
      { rules: [rule({ windowMinutes: 2.5 })] },
      'firebreak.grouping.rules[0].windowMinutes: must be a whole number of minutes',
    ],
    [
      'an unknown source kind',
      { rules: [rule({ match: { source: 'datadog' } })] },
      'firebreak.grouping.rules[0].match.source: must be one of cloudwatch, guardduty, securityhub, health, alertmanager, pagerduty, manual, or a list of them',
    ],
    [
      'a category outside the catalogue in a list',
      { rules: [rule({ match: { category: ['Database', 'Kubernetes'] } })] },
      'firebreak.grouping.rules[0].match.category: must be one of Infrastructure, Application',
    ],
    [
      'an empty list of teams',
      { rules: [rule({ match: { team: [] } })] },
      'firebreak.grouping.rules[0].match.team: must name at least one value',
    ],
    [
      'a rule without a name',
      { rules: [{ by: ['service'] }] },
      'firebreak.grouping.rules[0].name: is required',
    ],
    ['no rules key', {}, 'firebreak.grouping.rules: is required'],
    [
      'an unknown match key',
      { rules: [rule({ match: { teams: 'web' } })] },
      'firebreak.grouping.rules[0].match.teams: unknown key',
    ],
    [
      'an unknown rule key',
      { rules: [rule({ window: 10 })] },
      'firebreak.grouping.rules[0].window: unknown key',
    ],
    [
      'two rules of one name',
      {
        rules: [rule({ name: 'web', match: { team: 'web' } }), rule({ name: 'web', match: { team: 'api' } })],
      },
      'firebreak.grouping.rules[1].name: "web" is already the name of rules[0]; rule names must be unique',
    ],
    [
      'a rule after one that matches every alert',
      { rules: [rule({ name: 'all' }), rule({ name: 'web', match: { team: 'web' } })] },
      'firebreak.grouping.rules[1]: never applies: rules[0] matches every alert before it',
    ],
  ])('rejects %s with a message naming the key', (_case, grouping, message) => {
    // Prepare / Act
    const parse = () => parseFirebreakConfig({ grouping });

    // Assess
    expect(parse).toThrow(message);
  });
});

describe('firebreak.grouping in the functions that apply alerts', () => {
  const grouping = {
    rules: [
      { name: 'security alone', match: { category: 'Security' }, by: [], windowMinutes: 10 },
      {
        name: 'by team and category',
        match: { source: ['cloudwatch'] },
        by: ['team', 'category'],
        windowMinutes: 15,
      },
      { name: 'by alert group', match: { source: 'alertmanager' }, by: ['sourceGroupKey'], windowMinutes: 5 },
    ],
  };
  let synthesized: Synthesized;

  beforeAll(() => {
    synthesized = synthesize({ grouping });
  });
  afterAll(() => synthesized.dispose());

  it.each([
    ['ingest', 'firebreak-ingest'],
    ['API', 'firebreak-api'],
  ])('gives the %s function the rules as GROUPING_CONFIG, in JSON', (_name, service) => {
    // Assess
    synthesized.templates.firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: service,
          GROUPING_CONFIG: JSON.stringify(grouping),
        },
      },
    });
  });

  it('gives the lifecycle function none: it never applies alerts', () => {
    // Assess
    synthesized.templates.firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { POWERTOOLS_SERVICE_NAME: 'firebreak-lifecycle', GROUPING_CONFIG: Match.absent() },
      },
    });
  });
});

describe('a grouping config too large for a Lambda environment', () => {
  /** `count` rules of about 150 bytes of JSON each. */
  const rules = (count: number) => ({
    rules: Array.from({ length: count }, (_, i) => ({
      name: `team ${i} alerts by service and category`.padEnd(60, '.'),
      match: { team: `team-${i}` },
      by: ['service', 'category'],
      windowMinutes: 10,
    })),
  });

  function build(grouping: unknown) {
    const outdir = mkdtempSync(join(tmpdir(), 'firebreak-grouping-'));
    try {
      buildApp({ context: appContext({ grouping }), outdir });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('stops the build, naming firebreak.grouping, when the rules alone overflow the ingest function', () => {
    // Prepare / Act: 30 rules, about 4.4 KB of JSON.
    const attempt = () => build(rules(30));

    // Assess
    expect(attempt).toThrow(/firebreak\.grouping: too large for the ingest function's environment/);
  });

  it('stops the build when the rules fit the ingest function but not the API with the escalation config', () => {
    // Prepare / Act: 20 rules, about 2.9 KB of JSON; the API also carries the escalation and topic ARNs.
    const attempt = () => build(rules(20));

    // Assess
    expect(attempt).toThrow(
      /firebreak\.grouping: too large for the API function's environment together with firebreak\.escalation/,
    );
  });
});
