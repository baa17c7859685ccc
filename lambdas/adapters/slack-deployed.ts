import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SlackConfig } from '#core/slack-config';
import type { IncidentStore } from './incident-store';
import type { PeopleStore } from './people-store';
import { SlackWebApi } from './slack-api';
import { SlackChat } from './slack-chat';
import { SecretsManagerSlackSecrets } from './slack-secrets';

/** What a deployed function is told of Slack (SLACK_CONFIG, the secrets' ARNs). */
export interface DeployedSlackSettings {
  config: SlackConfig;
  botTokenSecretArn: string;
  /** The API function's only: it verifies Slack's requests. */
  signingSecretArn?: string;
}

/**
 * Slack as a deployed function talks to it: the secrets (read on first use, cached per container), the Web
 * API with the bot token, and the chat delivery of notices to the configured channels. One place, so the
 * lifecycle, API and runbook functions build it the same way.
 */
export function deployedSlack(
  settings: DeployedSlackSettings,
  deps: {
    secretsClient: SecretsManagerClient;
    store: IncidentStore;
    people: PeopleStore;
    incidentLink: (id: string) => string;
    clock: () => Date;
  },
) {
  const secrets = new SecretsManagerSlackSecrets({
    client: deps.secretsClient,
    botTokenSecretArn: settings.botTokenSecretArn,
    ...(settings.signingSecretArn ? { signingSecretArn: settings.signingSecretArn } : {}),
  });
  const api = new SlackWebApi(() => secrets.botToken());
  const chat = new SlackChat({
    slack: api,
    config: settings.config,
    incidentLink: deps.incidentLink,
    store: deps.store,
    people: deps.people,
    clock: deps.clock,
  });
  return { secrets, api, chat };
}
