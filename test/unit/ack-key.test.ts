import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedAckKeys, randomAckKeys, SecretsManagerAckKeys } from '#adapters/ack-key';
import { ackKeyFromSecret, MIN_ACK_KEY_BYTES, signAckLink, verifyAckLink } from '#core/ack-links';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:firebreak-ack-key-Xy12Ab';
/** 64 letters and digits, as CloudFormation generates the secret (`excludePunctuation`). */
const FIRST = 'Qk7Xn2Vb9TzLw4Hc8RmPj3Ds6Fy1Ga5Ue0Ko7Ni2Mt9Bq4Wx8Zl3Cv6Jh1Ep5Ys0';
const SECOND = 'Ra8Yo3Wc0UaMx5Id9SnQk4Et7Gz2Hb6Vf1Lp8Oj3Nu0Cr5Xy9Am4Dw7Ki2Fq6Zt1';
const THIRD = 'Tz4Pq9Lm2Xc7Vb1Nk6Hd3Js8Fg5Wa0Er4Ty9Ui2Op7As1Df6Gh3Jk8Lz5Xc0Vb4Nm';
const START = Date.parse('2026-11-27T10:00:00Z');

const notFound = () =>
  Object.assign(
    new Error("Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"),
    {
      name: 'ResourceNotFoundException',
    },
  );

describe('SecretsManagerAckKeys', () => {
  const secrets = mockClient(SecretsManagerClient);
  let now = START;
  const clock = () => new Date(now);
  const stage = (name: 'AWSCURRENT' | 'AWSPREVIOUS') => ({ SecretId: SECRET_ARN, VersionStage: name });
  const reads = () => secrets.commandCalls(GetSecretValueCommand).length;
  const loader = () => new SecretsManagerAckKeys(new SecretsManagerClient({}), SECRET_ARN, { clock });

  beforeEach(() => {
    secrets.reset();
    now = START;
  });
  afterEach(() => secrets.reset());

  it('reads AWSCURRENT to sign and AWSCURRENT + AWSPREVIOUS to verify', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .resolves({ SecretString: FIRST })
      .on(GetSecretValueCommand, stage('AWSPREVIOUS'))
      .resolves({ SecretString: SECOND });

    // Act
    const keys = await loader().keys();

    // Assess
    expect(keys.current).toEqual(ackKeyFromSecret(FIRST));
    expect(keys.all).toEqual([ackKeyFromSecret(FIRST), ackKeyFromSecret(SECOND)]);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      stage('AWSCURRENT'),
      stage('AWSPREVIOUS'),
    ]);
  });

  it('takes a secret never rotated (no AWSPREVIOUS) as normal: the current key alone', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .resolves({ SecretString: FIRST })
      .on(GetSecretValueCommand, stage('AWSPREVIOUS'))
      .rejects(notFound());

    // Act
    const keys = await loader().keys();

    // Assess
    expect(keys.all).toEqual([ackKeyFromSecret(FIRST)]);
  });

  it('reads once per container while the keys are fresh, sharing one read among concurrent callers', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: FIRST });
    secrets.on(GetSecretValueCommand, stage('AWSPREVIOUS')).rejects(notFound());
    const source = loader();

    // Act
    await Promise.all([source.keys(), source.keys(), source.keys()]);
    now += 9 * 60_000;
    await source.keys();

    // Assess
    expect(reads()).toBe(2);
  });

  it('reads again after ten minutes, so a rotated key is picked up', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: FIRST });
    secrets.on(GetSecretValueCommand, stage('AWSPREVIOUS')).rejects(notFound());
    const source = loader();
    await source.keys();
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: SECOND });
    secrets.on(GetSecretValueCommand, stage('AWSPREVIOUS')).resolves({ SecretString: FIRST });

    // Act
    now += 10 * 60_000;
    const keys = await source.keys();

    // Assess
    expect(keys.current).toEqual(ackKeyFromSecret(SECOND));
    expect(keys.all).toEqual([ackKeyFromSecret(SECOND), ackKeyFromSecret(FIRST)]);
  });

  it('refreshes on demand (a link that did not verify) at most once a minute', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: FIRST });
    secrets.on(GetSecretValueCommand, stage('AWSPREVIOUS')).rejects(notFound());
    const source = loader();
    await source.keys();
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: SECOND });

    // Act
    now += 30_000;
    const tooSoon = await source.refresh();
    const readsTooSoon = reads();
    now += 30_000;
    const refreshed = await source.refresh();
    const again = await source.refresh();

    // Assess
    expect(tooSoon.current).toEqual(ackKeyFromSecret(FIRST));
    expect(readsTooSoon).toBe(2);
    expect(refreshed.current).toEqual(ackKeyFromSecret(SECOND));
    expect(again.current).toEqual(ackKeyFromSecret(SECOND));
    expect(reads()).toBe(4);
  });

  it('lists a key once when AWSPREVIOUS holds the same value as AWSCURRENT', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: THIRD });

    // Act
    const keys = await loader().keys();

    // Assess
    expect(keys.all).toEqual([ackKeyFromSecret(THIRD)]);
  });

  it('fails the first read loudly, naming the secret but never its value, and tries again on the next call', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolvesOnce({ SecretString: 'not base64!' });
    secrets.on(GetSecretValueCommand, stage('AWSPREVIOUS')).rejects(notFound());
    const source = loader();

    // Act
    const failed = source.keys();
    await failed.catch(() => undefined);
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: FIRST });
    const retried = await source.keys();

    // Assess
    await expect(failed).rejects.toThrow(
      `The acknowledgement-link secret ${SECRET_ARN} (AWSCURRENT) is not a usable key: The acknowledgement-link key must be base64`,
    );
    await expect(failed).rejects.not.toThrow('not base64!');
    expect(retried.current).toEqual(ackKeyFromSecret(FIRST));
  });

  it('keeps the keys it has when a later read fails, and reads again a minute later', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: FIRST });
    secrets.on(GetSecretValueCommand, stage('AWSPREVIOUS')).rejects(notFound());
    const source = loader();
    await source.keys();
    secrets
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    now += 10 * 60_000;
    const stale = await source.keys();
    const readsAfterFailure = reads();
    now += 30_000;
    await source.keys();
    const readsWithinTheMinute = reads();
    secrets.on(GetSecretValueCommand, stage('AWSCURRENT')).resolves({ SecretString: SECOND });
    now += 30_000;
    const fresh = await source.keys();

    // Assess
    expect(stale.current).toEqual(ackKeyFromSecret(FIRST));
    expect(readsWithinTheMinute).toBe(readsAfterFailure);
    expect(fresh.current).toEqual(ackKeyFromSecret(SECOND));
  });

  it('refuses a binary secret with no secret string', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array(32) });

    // Act / Assess
    await expect(loader().keys()).rejects.toThrow(`${SECRET_ARN} must be a secret string (AWSCURRENT)`);
  });
});

describe('local and fixed keys', () => {
  it('gives local mode a fresh random key per start, that signs and verifies', async () => {
    // Prepare
    const first = await randomAckKeys().keys();
    const second = await randomAckKeys().keys();
    const claims = { incidentId: 'INC-20261127-0042', personId: 'alice', expiresAt: '2026-11-27T11:00:00Z' };

    // Act
    const token = signAckLink(claims, first.current);

    // Assess
    expect(first.current.length).toBeGreaterThanOrEqual(MIN_ACK_KEY_BYTES);
    expect(first.all).toEqual([first.current]);
    expect(Buffer.from(first.current).equals(Buffer.from(second.current))).toBe(false);
    expect(verifyAckLink(token, first.all, '2026-11-27T10:00:00Z')).toMatchObject({ ok: true });
    expect(verifyAckLink(token, second.all, '2026-11-27T10:00:00Z')).toMatchObject({ ok: false });
  });

  it('signs with the first fixed key and verifies with all of them', async () => {
    const current = Buffer.alloc(32, 1);
    const previous = Buffer.alloc(32, 2);

    const keys = await fixedAckKeys(current, previous).keys();

    expect(keys).toEqual({ current, all: [current, previous] });
  });
});
