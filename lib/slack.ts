import { Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SlackConfig } from '#core/slack-config';
import { LONGEST_SECRET_ARN } from './environment-size';
import type { FirebreakFunction } from './function-defaults';
import { grantSecretRead } from './secret-grant';

/** The variables the functions read Slack's settings from (lambdas/adapters/slack-secrets.ts reads the ARNs). */
export const SLACK_ENVIRONMENT = {
  /** `firebreak.slack` as JSON: the core's SlackConfig. */
  config: 'SLACK_CONFIG',
  /** The API function only: it verifies Slack's requests. */
  signingSecretArn: 'SLACK_SIGNING_SECRET_ARN',
  /** The functions that post to Slack: the API, lifecycle and runbook functions. */
  botTokenSecretArn: 'SLACK_BOT_TOKEN_SECRET_ARN',
} as const;

/** The routes Slack's app calls: the `/incident` slash command and the buttons of Firebreak's messages. */
export const SLACK_COMMANDS_PATH = '/integrations/slack/commands';
export const SLACK_ACTIONS_PATH = '/integrations/slack/actions';

/**
 * The key of the JSON object each secret holds until the operator puts the real value; the functions refuse
 * it with a message saying so (SLACK_SECRET_PLACEHOLDER_KEY in lambdas/adapters/slack-secrets.ts, which a
 * test checks against this template). A real signing secret or bot token is a plain string, never JSON.
 */
const PLACEHOLDER_KEY = 'placeholder';

/**
 * Why neither secret has a rotation function (cdk-nag AwsSolutions-SMG4). Both values are made by Slack, in
 * the app's settings, where no Lambda can make a new one.
 */
const NO_ROTATION_REASON: Record<'signing secret' | 'bot token', string> = {
  'signing secret':
    "Slack owns this value: a new signing secret is made only by regenerating it in the Slack app's Basic " +
    'Information page, which no rotation function can do. The operator then puts it with `aws secretsmanager ' +
    'put-secret-value`; the API function reads it again when a request fails verification (at most once a ' +
    'minute) and in any case within five minutes, so a regenerated secret is picked up without a redeploy.',
  'bot token':
    'Slack owns this value: a new bot token is issued only by reinstalling the Slack app or revoking the old ' +
    'one in its OAuth & Permissions page, which no rotation function can do. The operator then puts it with ' +
    '`aws secretsmanager put-secret-value`; every function reads it again within five minutes, no redeploy.',
};

/** What a secret's placeholder says, kept constant: see the note on `placeholderSecret`. */
function placeholderText(kind: 'signing secret' | 'bot token'): string {
  return (
    `Not set: put the Slack app's ${kind} with aws secretsmanager put-secret-value --secret-id <this ` +
    `secret's ARN> --secret-string <the ${kind}>`
  );
}

export interface SlackIntegrationProps {
  readonly config: SlackConfig;
  /** The stack's customer-managed key (the operations key, as the ack-link key uses). */
  readonly encryptionKey: IKey;
}

/**
 * Slack, when `firebreak.slack` is set: the Slack app's signing secret (the API function verifies Slack's
 * requests with it) and bot token (the functions that post to Slack call its Web API with it), each in a
 * Secrets Manager secret encrypted with the stack's customer-managed key. The stack cannot know either value:
 * each secret starts with a placeholder that the functions refuse, naming the command that puts the real one.
 * The grants are exactly the ack-link key's: GetSecretValue on the one secret, Decrypt only through Secrets
 * Manager for that secret.
 */
export class SlackIntegration extends Construct {
  readonly config: SlackConfig;
  readonly signingSecret: Secret;
  readonly botToken: Secret;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: SlackIntegrationProps) {
    super(scope, id);
    this.config = props.config;
    this.encryptionKey = props.encryptionKey;
    this.signingSecret = this.placeholderSecret('SigningSecret', 'signing secret');
    this.botToken = this.placeholderSecret('BotToken', 'bot token');
  }

  /** The variables a function gets from `grantChat` (and `grantRequestVerification`), at their longest. */
  environmentAtMost(options: { verifiesRequests: boolean }): Record<string, string> {
    return {
      [SLACK_ENVIRONMENT.config]: JSON.stringify(this.config),
      [SLACK_ENVIRONMENT.botTokenSecretArn]: LONGEST_SECRET_ARN,
      ...(options.verifiesRequests ? { [SLACK_ENVIRONMENT.signingSecretArn]: LONGEST_SECRET_ARN } : {}),
    };
  }

  /** For a function that posts to Slack: the bot token (SLACK_BOT_TOKEN_SECRET_ARN) and SLACK_CONFIG. */
  grantChat(fn: FirebreakFunction): void {
    grantSecretRead(fn, this.botToken, this.encryptionKey, SLACK_ENVIRONMENT.botTokenSecretArn);
    fn.addEnvironment(SLACK_ENVIRONMENT.config, JSON.stringify(this.config));
  }

  /** For the function behind the Slack routes: the signing secret (SLACK_SIGNING_SECRET_ARN). */
  grantRequestVerification(fn: FirebreakFunction): void {
    grantSecretRead(fn, this.signingSecret, this.encryptionKey, SLACK_ENVIRONMENT.signingSecretArn);
  }

  /**
   * A secret holding `{"placeholder": "…", "generated": "<random>"}` until the operator puts the real value.
   * CloudFormation generates a new value whenever GenerateSecretString changes, which would overwrite the value
   * the operator put: so these properties never change (the placeholder text names no ARN or token either).
   * CloudFormation requires a generated field with a template; it means nothing.
   */
  private placeholderSecret(id: string, kind: 'signing secret' | 'bot token'): Secret {
    const secret = new Secret(this, id, {
      description: `Firebreak: the Slack app's ${kind} (put it with aws secretsmanager put-secret-value)`,
      encryptionKey: this.encryptionKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ [PLACEHOLDER_KEY]: placeholderText(kind) }),
        generateStringKey: 'generated',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: NO_ROTATION_REASON[kind] });
    return secret;
  }
}
