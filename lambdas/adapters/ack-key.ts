import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, type GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { type AckLinkKey, ackKeyFromSecret, MIN_ACK_KEY_BYTES } from '#core/ack-links';

/** The keys of the acknowledgement links: sign with `current`, accept any of `all` (current first). */
export interface AckKeys {
  current: AckLinkKey;
  /** `current`, then the previous key while a rotation is recent, so links already sent keep working. */
  all: AckLinkKey[];
}

export interface AckKeySource {
  /** The keys, cached per container (or local process). */
  keys(): Promise<AckKeys>;
  /**
   * The keys read again after a link did not verify: the key may have been rotated since they were cached.
   * Rate-limited by the source, so bad links cannot turn into a read per request. A source whose keys
   * never change has none.
   */
  refresh?(): Promise<AckKeys>;
}

/** What the loader needs of a Secrets Manager client. */
export interface SecretValueReader {
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
}

export interface SecretsManagerAckKeysOptions {
  clock?: () => Date;
  /** How long keys are used before they are read again: a rotation is picked up within this. */
  maxAgeMs?: number;
  /** `refresh()` reads again at most this often. */
  minRefreshIntervalMs?: number;
}

const TEN_MINUTES = 10 * 60_000;
const ONE_MINUTE = 60_000;

/**
 * The signing key in a Secrets Manager secret (a plain secret string, e.g. the 64 characters CloudFormation
 * generates): `AWSCURRENT` signs and verifies, and `AWSPREVIOUS`, when the secret has one, still verifies
 * after a rotation. Read once, then again after `maxAgeMs`, or on `refresh()` at most once per
 * `minRefreshIntervalMs`. Should a later read fail, the keys already held stay in use (a Secrets Manager blip
 * must not break every link) and the read is tried again after `minRefreshIntervalMs`; with no keys held the
 * error is thrown. Neither the secret nor the key is ever logged or put in an error message.
 */
export class SecretsManagerAckKeys implements AckKeySource {
  private readonly clock: () => Date;
  private readonly maxAgeMs: number;
  private readonly minRefreshIntervalMs: number;
  private held: { keys: AckKeys; loadedAt: number; retryAt?: number } | undefined;
  private loading: Promise<AckKeys> | undefined;

  constructor(
    private readonly client: SecretValueReader,
    private readonly secretArn: string,
    options: SecretsManagerAckKeysOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxAgeMs = options.maxAgeMs ?? TEN_MINUTES;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? ONE_MINUTE;
  }

  keys(): Promise<AckKeys> {
    const held = this.held;
    const now = this.clock().getTime();
    if (held && now < (held.retryAt ?? held.loadedAt + this.maxAgeMs)) return Promise.resolve(held.keys);
    return this.load();
  }

  refresh(): Promise<AckKeys> {
    const held = this.held;
    const now = this.clock().getTime();
    if (held && now < Math.max(held.loadedAt + this.minRefreshIntervalMs, held.retryAt ?? 0))
      return Promise.resolve(held.keys);
    return this.load();
  }

  /** One read at a time: concurrent callers share it. */
  private load(): Promise<AckKeys> {
    this.loading ??= this.read()
      .then(
        (keys) => {
          this.held = { keys, loadedAt: this.clock().getTime() };
          return keys;
        },
        (error: unknown) => {
          if (!this.held) throw error;
          this.held = { ...this.held, retryAt: this.clock().getTime() + this.minRefreshIntervalMs };
          return this.held.keys;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async read(): Promise<AckKeys> {
    const [current, previous] = await Promise.all([
      this.version('AWSCURRENT'),
      this.version('AWSPREVIOUS').catch((error: unknown) => {
        // A secret never rotated has no previous version: normal, not a failure.
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      }),
    ]);
    if (!current)
      throw new Error(`The acknowledgement-link secret ${this.secretArn} has no AWSCURRENT value`);
    return { current, all: previous && !sameKey(previous, current) ? [current, previous] : [current] };
  }

  private async version(stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<AckLinkKey | undefined> {
    const answer = await this.client.send(
      new GetSecretValueCommand({ SecretId: this.secretArn, VersionStage: stage }),
    );
    if (answer.SecretString === undefined) {
      if (stage === 'AWSPREVIOUS') return undefined;
      throw new Error(`The acknowledgement-link secret ${this.secretArn} must be a secret string (${stage})`);
    }
    try {
      return ackKeyFromSecret(answer.SecretString);
    } catch (error) {
      // ackKeyFromSecret's messages never quote the secret; name the secret and stage it came from.
      throw new Error(
        `The acknowledgement-link secret ${this.secretArn} (${stage}) is not a usable key: ${(error as Error).message}`,
      );
    }
  }
}

/** Fixed keys: the first signs, all verify. For local mode and tests. */
export function fixedAckKeys(current: AckLinkKey, ...previous: AckLinkKey[]): AckKeySource {
  const keys: AckKeys = { current, all: [current, ...previous] };
  return { keys: () => Promise.resolve(keys) };
}

/**
 * Local mode: a random key per start, kept only in memory. Links from an earlier run stop working after a
 * restart, which is fine for a machine that holds no real pages.
 */
export function randomAckKeys(): AckKeySource {
  return fixedAckKeys(randomBytes(MIN_ACK_KEY_BYTES));
}

function sameKey(a: AckLinkKey, b: AckLinkKey): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
