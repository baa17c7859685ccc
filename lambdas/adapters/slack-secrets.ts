import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The Slack app's secrets: the signing secret that verifies Slack's requests, the bot token that calls Slack. */
export interface SlackSecrets {
  /** The signing secrets to verify requests with (the current one), cached per container. */
  signingSecrets(): Promise<string[]>;
  /** Read again after a request failed verification (the secret may have been rotated); rate-limited (≤ 1/min). */
  refreshSigningSecrets?(): Promise<string[]>;
  botToken(): Promise<string>;
}

/** How long a secret is used before it is read again: a new value is picked up within this. */
export const SLACK_SECRETS_MAX_AGE_SECONDS = 5 * 60;
/** `refreshSigningSecrets()` reads again at most this often, and a failed read is not retried sooner. */
export const SLACK_SECRETS_RETRY_MS = 60_000;

/**
 * The key of the JSON object the stack stores in each Slack secret until the operator puts the real value
 * (lib/slack.ts writes it). A real signing secret or bot token is a plain string, never a JSON object.
 */
export const SLACK_SECRET_PLACEHOLDER_KEY = 'placeholder';

/** Thrown when a secret holds something that is not a usable value: loud, and never retried around. */
export class SlackSecretError extends Error {
  override readonly name = 'SlackSecretError';
}

type SecretKind = 'signing secret' | 'bot token';

export interface SecretsManagerSlackSecretsOptions {
  client: SecretsManagerClient;
  /** SLACK_SIGNING_SECRET_ARN: the API function's, which verifies Slack's requests. */
  signingSecretArn?: string;
  /** SLACK_BOT_TOKEN_SECRET_ARN: the functions that call Slack's Web API. */
  botTokenSecretArn?: string;
}

/**
 * The Slack secrets in Secrets Manager, read through Powertools' SecretsProvider and cached per container for
 * SLACK_SECRETS_MAX_AGE_SECONDS. Each secret is a plain secret string: the signing secret as Slack shows it,
 * the bot token `xoxb-…`. A secret that still holds the stack's placeholder is refused, saying how to put the
 * real value. Should a later read fail (a Secrets Manager blip), the value already held stays in use and the
 * read is tried again after SLACK_SECRETS_RETRY_MS. Nothing here logs, and no error carries a secret's value:
 * errors name the secret's ARN and what is wrong with it.
 */
export class SecretsManagerSlackSecrets implements SlackSecrets {
  private readonly provider: SecretsProvider;
  private readonly signingSecretArn: string | undefined;
  private readonly botTokenSecretArn: string | undefined;
  /** The last good value of each secret, and until when a failed read is not tried again. */
  private readonly held = new Map<string, { value: string; retryAt?: number }>();
  private lastRefreshAt: number | undefined;
  private refreshing: Promise<string[]> | undefined;

  constructor(options: SecretsManagerSlackSecretsOptions) {
    this.provider = new SecretsProvider({ awsSdkV3Client: options.client });
    this.signingSecretArn = options.signingSecretArn;
    this.botTokenSecretArn = options.botTokenSecretArn;
  }

  async signingSecrets(): Promise<string[]> {
    return [await this.read('signing secret', this.signingSecretArn, false)];
  }

  /**
   * The signing secret read again, skipping the cache: Slack signs with a regenerated secret as soon as it
   * is regenerated, before the cache here would expire. At most once per SLACK_SECRETS_RETRY_MS per container,
   * so requests that fail verification cannot turn into a read each; callers within that share the answer.
   */
  refreshSigningSecrets(): Promise<string[]> {
    if (this.refreshing) return this.refreshing;
    const now = Date.now();
    if (this.lastRefreshAt !== undefined && now < this.lastRefreshAt + SLACK_SECRETS_RETRY_MS)
      return this.signingSecrets();
    this.lastRefreshAt = now;
    this.refreshing = this.read('signing secret', this.signingSecretArn, true)
      .then((secret) => [secret])
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  botToken(): Promise<string> {
    return this.read('bot token', this.botTokenSecretArn, false);
  }

  private async read(kind: SecretKind, arn: string | undefined, forceFetch: boolean): Promise<string> {
    if (arn === undefined) throw new SlackSecretError(`No Slack ${kind} is configured for this function`);
    const held = this.held.get(arn);
    if (held?.retryAt !== undefined && Date.now() < held.retryAt) return held.value;
    let raw: string | Uint8Array | undefined;
    try {
      raw = await this.provider.get(arn, { maxAge: SLACK_SECRETS_MAX_AGE_SECONDS, forceFetch });
    } catch (error) {
      if (held) {
        this.held.set(arn, { value: held.value, retryAt: Date.now() + SLACK_SECRETS_RETRY_MS });
        return held.value;
      }
      // The SDK's messages name the secret and the failure (not found, access denied), never a value.
      throw new Error(`Could not read the Slack ${kind} ${arn}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const value = usableSecret(kind, arn, raw);
    this.held.set(arn, { value });
    return value;
  }
}

/**
 * The secret's value, or a SlackSecretError saying what is wrong with it without quoting it: the stack's
 * placeholder still in place, JSON instead of the plain value, a binary or empty secret, a bot token of
 * another kind. Surrounding white space (a newline from `--secret-string file://…`) is dropped.
 */
export function usableSecret(kind: SecretKind, arn: string, raw: string | Uint8Array | undefined): string {
  if (typeof raw !== 'string')
    throw new SlackSecretError(`The Slack ${kind} ${arn} must be a secret string, not binary`);
  const value = raw.trim();
  if (value.startsWith('{')) {
    if (isPlaceholder(value)) {
      throw new SlackSecretError(
        `The Slack ${kind} ${arn} still holds the placeholder the stack created: put the app's ${kind} ` +
          `with \`aws secretsmanager put-secret-value --secret-id ${arn} --secret-string <${kind.replace(' ', '-')}>\``,
      );
    }
    throw new SlackSecretError(
      `The Slack ${kind} ${arn} must hold the ${kind} itself as a plain string, not a JSON object`,
    );
  }
  if (value === '') throw new SlackSecretError(`The Slack ${kind} ${arn} is empty`);
  if (/\s/.test(value))
    throw new SlackSecretError(`The Slack ${kind} ${arn} must be one word, with no spaces or line breaks`);
  // Bot tokens start with xoxb- (xoxe.xoxb- with token rotation on); a user token would act as a person.
  if (kind === 'bot token' && !/^(xoxe\.)?xoxb-/.test(value))
    throw new SlackSecretError(
      `The Slack bot token ${arn} must be the app's bot token (xoxb-…), from OAuth & Permissions`,
    );
  return value;
}

function isPlaceholder(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && SLACK_SECRET_PLACEHOLDER_KEY in parsed;
  } catch {
    return false;
  }
}

/** Fixed secrets, for local mode and tests; without a bot token, asking for one fails. */
export function fixedSlackSecrets(signingSecret: string, botToken?: string): SlackSecrets {
  return {
    signingSecrets: () => Promise.resolve([signingSecret]),
    botToken: () =>
      botToken === undefined
        ? Promise.reject(new SlackSecretError('No Slack bot token is configured'))
        : Promise.resolve(botToken),
  };
}
