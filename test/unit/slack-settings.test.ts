import { describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { loadLifecycleConfig, loadSlackSettings, targetsOf } from '../../lambdas/lifecycle/config';

const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-slack-bot-token-AbCdEf';
const CONFIG = { channels: { payments: 'C0PAYMENTS' }, incidentChannels: ['P1'] };

describe('loadSlackSettings', () => {
  it('is off when neither variable is set', () => {
    expect(loadSlackSettings('lifecycle', {})).toBeUndefined();
  });

  it('reads the configuration and the bot token secret', () => {
    expect(
      loadSlackSettings('lifecycle', {
        SLACK_CONFIG: JSON.stringify(CONFIG),
        SLACK_BOT_TOKEN_SECRET_ARN: ARN,
      }),
    ).toEqual({ config: CONFIG, botTokenSecretArn: ARN });
  });

  it('refuses one variable without the other, naming the one missing', () => {
    expect(() => loadSlackSettings('lifecycle', { SLACK_CONFIG: JSON.stringify(CONFIG) })).toThrow(
      'lifecycle configuration is invalid: SLACK_BOT_TOKEN_SECRET_ARN: must be the Slack bot token secret ARN',
    );
    expect(() => loadSlackSettings('lifecycle', { SLACK_BOT_TOKEN_SECRET_ARN: ARN })).toThrow(
      'lifecycle configuration is invalid: SLACK_CONFIG: must be the Slack configuration as JSON',
    );
  });

  it('names the field of a malformed configuration', () => {
    const env = (config: string) => ({ SLACK_CONFIG: config, SLACK_BOT_TOKEN_SECRET_ARN: ARN });

    expect(() => loadSlackSettings('lifecycle', env('{'))).toThrow('SLACK_CONFIG: not JSON');
    expect(() => loadSlackSettings('lifecycle', env('{"channels":{"payments":"#payments"}}'))).toThrow(
      'lifecycle configuration is invalid: SLACK_CONFIG.channels.payments: must be a Slack channel id like C0123ABCD (not a #name)',
    );
  });
});

describe('loadLifecycleConfig with Slack', () => {
  const topics = Object.fromEntries(
    targetsOf(DEFAULT_ESCALATION_CONFIG).map((t) => [t, `arn:aws:sns:us-east-1:111122223333:firebreak-${t}`]),
  );
  const env = {
    TABLE_NAME: 'firebreak',
    TOPIC_ARNS: JSON.stringify(topics),
    ESCALATION_CONFIG: JSON.stringify(DEFAULT_ESCALATION_CONFIG),
    PEOPLE_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:firebreak-people',
    OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:firebreak-ops',
    ACK_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-ack-key-AbCdEf',
    ACK_LINK_BASE_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    AWS_REGION: 'us-east-1',
  };

  it('carries the Slack settings when given, and none otherwise', () => {
    const on = loadLifecycleConfig({
      ...env,
      SLACK_CONFIG: JSON.stringify(CONFIG),
      SLACK_BOT_TOKEN_SECRET_ARN: ARN,
    });
    const off = loadLifecycleConfig(env);

    expect(on.slack?.botTokenSecretArn).toBe(ARN);
    expect(on.slack?.config.incidentChannels).toEqual(['P1']);
    expect(off.slack).toBeUndefined();
  });
});
