import { describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { FirebreakConfig, parseFirebreakConfig } from '../../lib/config';

describe('firebreak context', () => {
  it('defaults to 30 days of log retention, the default escalation policy, the default API and no optional parts', () => {
    // Prepare / Act
    const config = parseFirebreakConfig(undefined);

    // Assess
    expect(config).toEqual({
      logRetentionDays: 30,
      escalation: DEFAULT_ESCALATION_CONFIG,
      api: {
        auth: { cognito: true },
        corsOrigins: [],
        throttle: { rateLimit: 50, burstLimit: 100 },
        callbackUrls: ['http://localhost:3000/callback'],
      },
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
      incidentUrl: 'https://firebreak.example.com/incidents/{id}',
      api: {
        auth: { issuer: 'https://login.example.com', audience: ['firebreak'] },
        corsOrigins: ['https://dashboard.example.com'],
        throttle: { rateLimit: 10, burstLimit: 20 },
        callbackUrls: ['https://dashboard.example.com/callback'],
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
