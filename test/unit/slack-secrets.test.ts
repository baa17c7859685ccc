import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  fixedSlackSecrets,
  SecretsManagerSlackSecrets,
  SLACK_SECRET_PLACEHOLDER_KEY,
  SlackSecretError,
} from '#adapters/slack-secrets';

const SIGNING_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:SlackSigningSecret-Ab12Cd';
const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:SlackBotToken-Ef34Gh';
const FIRST_SECRET = '8f742231b10e8888abcd99efef0185a5';
const SECOND_SECRET = '0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6';
const BOT_TOKEN = 'xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx';
/** What the stack stores until the operator puts the real value (lib/slack.ts). */
const PLACEHOLDER = JSON.stringify({
  [SLACK_SECRET_PLACEHOLDER_KEY]: 'Replace this with the Slack signing secret',
  generated: 'Zq8Wn3Rt6Yk1Pm4Lx7Cv0Bs9',
});
const START = new Date('2026-12-01T10:00:00Z');

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('SecretsManagerSlackSecrets', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const reads = (arn: string) =>
    secretsManager.commandCalls(GetSecretValueCommand).filter((call) => call.args[0].input.SecretId === arn)
      .length;
  const slackSecrets = () =>
    new SecretsManagerSlackSecrets({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      signingSecretArn: SIGNING_ARN,
      botTokenSecretArn: TOKEN_ARN,
    });
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

  beforeEach(() => {
    secretsManager.reset();
    // Only Date: the cache (Powertools') and the rate limit both go by the system clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
  });
  afterEach(() => {
    vi.useRealTimers();
    secretsManager.reset();
  });

  it('reads the signing secret and the bot token, each from its own secret', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: FIRST_SECRET })
      .on(GetSecretValueCommand, { SecretId: TOKEN_ARN })
      .resolves({ SecretString: BOT_TOKEN });
    const secrets = slackSecrets();

    // Act
    const signing = await secrets.signingSecrets();
    const token = await secrets.botToken();

    // Assess
    expect(signing).toEqual([FIRST_SECRET]);
    expect(token).toBe(BOT_TOKEN);
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SIGNING_ARN },
      { SecretId: TOKEN_ARN },
    ]);
  });

  it('caches each secret in the container for five minutes, then reads it again', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: FIRST_SECRET });
    secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: BOT_TOKEN });
    const secrets = slackSecrets();

    // Act
    await secrets.signingSecrets();
    await secrets.botToken();
    advance(4 * 60_000);
    await secrets.signingSecrets();
    await secrets.botToken();
    const readsWithinFiveMinutes = [reads(SIGNING_ARN), reads(TOKEN_ARN)];
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: SECOND_SECRET });
    advance(61_000 + 1);
    const after = await secrets.signingSecrets();

    // Assess
    expect(readsWithinFiveMinutes).toEqual([1, 1]);
    expect(after).toEqual([SECOND_SECRET]);
    expect(reads(SIGNING_ARN)).toBe(2);
  });

  it('refreshes the signing secret past the cache after a failed verification, at most once a minute', async () => {
    // Prepare: Slack's secret was regenerated and put after the container cached the old one.
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: FIRST_SECRET });
    const secrets = slackSecrets();
    await secrets.signingSecrets();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: SECOND_SECRET });

    // Act
    const refreshed = await secrets.refreshSigningSecrets();
    const readsAfterFirstRefresh = reads(SIGNING_ARN);
    const burst = await Promise.all([
      secrets.refreshSigningSecrets(),
      secrets.refreshSigningSecrets(),
      secrets.refreshSigningSecrets(),
    ]);
    advance(59_000);
    await secrets.refreshSigningSecrets();
    const readsWithinTheMinute = reads(SIGNING_ARN);
    advance(1_000);
    await secrets.refreshSigningSecrets();

    // Assess
    expect(refreshed).toEqual([SECOND_SECRET]);
    expect(readsAfterFirstRefresh).toBe(2);
    expect(burst).toEqual([[SECOND_SECRET], [SECOND_SECRET], [SECOND_SECRET]]);
    expect(readsWithinTheMinute).toBe(2);
    expect(reads(SIGNING_ARN)).toBe(3);
    // The refreshed value is the cached one from then on.
    expect(await secrets.signingSecrets()).toEqual([SECOND_SECRET]);
    expect(reads(SIGNING_ARN)).toBe(3);
  });

  it('shares one refresh among concurrent callers', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: FIRST_SECRET });
    const secrets = slackSecrets();

    // Act
    const answers = await Promise.all([secrets.refreshSigningSecrets(), secrets.refreshSigningSecrets()]);

    // Assess
    expect(answers).toEqual([[FIRST_SECRET], [FIRST_SECRET]]);
    expect(reads(SIGNING_ARN)).toBe(1);
  });

  it('refuses the placeholder the stack created, saying how to put the real value, and never quoting it', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: PLACEHOLDER });
    secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: PLACEHOLDER });
    const secrets = slackSecrets();

    // Act
    const signing = secrets.signingSecrets();
    const token = secrets.botToken();

    // Assess
    await expect(signing).rejects.toThrow(SlackSecretError);
    await expect(signing).rejects.toThrow(
      `The Slack signing secret ${SIGNING_ARN} still holds the placeholder the stack created: put the app's ` +
        `signing secret with \`aws secretsmanager put-secret-value --secret-id ${SIGNING_ARN} --secret-string <signing-secret>\``,
    );
    await expect(token).rejects.toThrow(
      `The Slack bot token ${TOKEN_ARN} still holds the placeholder the stack created`,
    );
    for (const failed of [signing, token]) {
      const error = (await failed.catch((caught: unknown) => caught)) as Error;
      expect(error.message).not.toContain('Zq8Wn3Rt6Yk1Pm4Lx7Cv0Bs9');
      expect(error.message).not.toContain('Replace this');
    }
  });

  it.each([
    [
      'a JSON object',
      JSON.stringify({ signingSecret: FIRST_SECRET }),
      'must hold the signing secret itself as a plain string, not a JSON object',
    ],
    ['an empty string', '  \n', 'is empty'],
    ['two words', `${FIRST_SECRET} ${SECOND_SECRET}`, 'must be one word, with no spaces or line breaks'],
  ])('refuses %s as the signing secret without quoting it', async (_case, value, problem) => {
    // Prepare
    secretsManager.on(GetSecretValueCommand, { SecretId: SIGNING_ARN }).resolves({ SecretString: value });

    // Act
    const error = (await slackSecrets()
      .signingSecrets()
      .catch((caught: unknown) => caught)) as Error;

    // Assess
    expect(error).toBeInstanceOf(SlackSecretError);
    expect(error.message).toBe(`The Slack signing secret ${SIGNING_ARN} ${problem}`);
    expect(error.message).not.toContain(FIRST_SECRET);
  });

  it('refuses a binary secret', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretBinary: new Uint8Array(32) });

    // Act / Assess
    await expect(slackSecrets().signingSecrets()).rejects.toThrow(
      `The Slack signing secret ${SIGNING_ARN} must be a secret string, not binary`,
    );
  });

  it('takes a signing secret put from a file, with its trailing newline dropped', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: SIGNING_ARN })
      .resolves({ SecretString: `${FIRST_SECRET}\n` });

    // Act / Assess
    expect(await slackSecrets().signingSecrets()).toEqual([FIRST_SECRET]);
  });

  it('takes a bot token, also a rotating one, and refuses a user token or another string without quoting it', async () => {
    // Prepare
    const userToken = 'xoxp-1111111111-2222222222-3333333333-abcdef0123456789';
    const secrets = (token: string) => {
      secretsManager.reset();
      secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: token });
      return slackSecrets();
    };

    // Act
    const bot = await secrets(BOT_TOKEN).botToken();
    const rotating = await secrets(`xoxe.${BOT_TOKEN}`).botToken();
    const user = (await secrets(userToken)
      .botToken()
      .catch((caught: unknown) => caught)) as Error;

    // Assess
    expect(bot).toBe(BOT_TOKEN);
    expect(rotating).toBe(`xoxe.${BOT_TOKEN}`);
    expect(user.message).toBe(
      `The Slack bot token ${TOKEN_ARN} must be the app's bot token (xoxb-…), from OAuth & Permissions`,
    );
    expect(user.message).not.toContain(userToken);
  });

  it('fails a first read that Secrets Manager refuses, naming the secret, and reads again on the next call', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand, { SecretId: TOKEN_ARN })
      .rejectsOnce(
        Object.assign(new Error('User is not authorized to perform GetSecretValue'), {
          name: 'AccessDeniedException',
        }),
      )
      .resolves({ SecretString: BOT_TOKEN });
    const secrets = slackSecrets();

    // Act
    const failed = (await secrets.botToken().catch((caught: unknown) => caught)) as Error;
    const retried = await secrets.botToken();

    // Assess
    expect(failed.message).toBe(
      `Could not read the Slack bot token ${TOKEN_ARN}: User is not authorized to perform GetSecretValue`,
    );
    expect(retried).toBe(BOT_TOKEN);
    expect(reads(TOKEN_ARN)).toBe(2);
  });

  it('keeps the value it holds when a later read fails, and tries again a minute later', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: BOT_TOKEN });
    const secrets = slackSecrets();
    await secrets.botToken();
    secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).rejects(throttled());

    // Act
    advance(5 * 60_000 + 1_000);
    const stale = await secrets.botToken();
    const readsAfterFailure = reads(TOKEN_ARN);
    advance(30_000);
    await secrets.botToken();
    const readsWithinTheMinute = reads(TOKEN_ARN);
    const rotated = 'xoxb-1111111111-2222222222222-ZyXwVuTsRqPoNmLkJiHgFeDc';
    secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: rotated });
    advance(30_000);
    const fresh = await secrets.botToken();

    // Assess
    expect(stale).toBe(BOT_TOKEN);
    expect(readsAfterFailure).toBe(2);
    expect(readsWithinTheMinute).toBe(2);
    expect(fresh).toBe(rotated);
  });

  it('says which secret a function was not given, reading nothing', async () => {
    // Prepare
    const apiOnly = new SecretsManagerSlackSecrets({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      signingSecretArn: SIGNING_ARN,
    });
    const lifecycleOnly = new SecretsManagerSlackSecrets({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      botTokenSecretArn: TOKEN_ARN,
    });

    // Act / Assess
    await expect(apiOnly.botToken()).rejects.toThrow('No Slack bot token is configured for this function');
    await expect(lifecycleOnly.signingSecrets()).rejects.toThrow(
      'No Slack signing secret is configured for this function',
    );
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('fixedSlackSecrets', () => {
  it('gives the signing secret and the bot token it was made with', async () => {
    // Prepare
    const secrets = fixedSlackSecrets(FIRST_SECRET, BOT_TOKEN);

    // Act / Assess
    expect(await secrets.signingSecrets()).toEqual([FIRST_SECRET]);
    expect(await secrets.botToken()).toBe(BOT_TOKEN);
    expect(secrets.refreshSigningSecrets).toBeUndefined();
  });

  it('refuses to give a bot token it was not given', async () => {
    await expect(fixedSlackSecrets(FIRST_SECRET).botToken()).rejects.toThrow(
      'No Slack bot token is configured',
    );
  });
});
