import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AckKeySecret } from './ack-key';
import { Api } from './api';
import { CentralBus } from './central-bus';
import type { FirebreakConfig } from './config';
import { ConsoleHosting } from './console-hosting';
import { consoleRuntimeConfig, signInOrigins } from './console-sign-in';
import { FirebreakDashboard } from './dashboard';
import type { IncidentStore } from './incident-store';
import { Ingestion } from './ingestion';
import { Lifecycle } from './lifecycle';
import { Notifications } from './notifications';
import { Observability } from './observability';
import { OperationsKey } from './operations-key';
import type { MessagingPartProps, TablePartProps } from './part-props';
import { PeopleTopic } from './people-topic';
import { Remediation } from './remediation';
import { Reviews } from './reviews';
import { SLACK_ACTIONS_PATH, SLACK_COMMANDS_PATH, SlackIntegration } from './slack';

export interface FirebreakStackProps extends StackProps {
  /** From the stateful FirebreakData stack. */
  readonly store: Pick<IncidentStore, 'table' | 'key'>;
  readonly config: FirebreakConfig;
}

/** The stateless stack: everything but the data, safe to redeploy or replace at any time. */
export class FirebreakStack extends Stack {
  readonly ingestion: Ingestion;
  readonly lifecycle: Lifecycle;
  readonly notifications: Notifications;
  readonly peopleTopic: PeopleTopic;
  readonly ackKey: AckKeySecret;
  readonly observability: Observability;
  readonly centralBus?: CentralBus;
  readonly operationsKey: OperationsKey;
  readonly remediation: Remediation;
  readonly api: Api;
  /** Present when `firebreak.slack` is set. */
  readonly slack?: SlackIntegration;
  /** The incident response's metrics dashboard and the SLA-breach alarms to management. */
  readonly dashboard: FirebreakDashboard;
  /** Reminders of overdue post-incident reviews and action items, every 15 minutes. */
  readonly reviews: Reviews;
  /** The web console, served by CloudFront from a private bucket. */
  readonly console: ConsoleHosting;

  constructor(scope: Construct, id: string, props: FirebreakStackProps) {
    super(scope, id, props);
    const { config, store } = props;

    const operationsKey = new OperationsKey(this, 'OperationsKey', {
      description: 'Firebreak dead-letter queues, ops and notification topics, and log groups',
    });
    this.operationsKey = operationsKey;
    if (config.centralBus) this.centralBus = new CentralBus(this, 'CentralBus', config.centralBus);

    // First the ops topic, which the lifecycle reports to; each part's alarms are added once it exists.
    this.observability = new Observability(this, 'Observability', {
      operationsKey,
      alarmEmail: config.alarmEmail,
    });

    this.notifications = new Notifications(this, 'Notifications', {
      escalation: config.escalation,
      encryptionKey: operationsKey.key,
    });
    // Paging people: one topic, a subscription per contact method; acknowledge links signed with this key.
    this.peopleTopic = new PeopleTopic(this, 'PeopleTopic', { encryptionKey: operationsKey.key });
    this.ackKey = new AckKeySecret(this, 'AckKey', { encryptionKey: operationsKey.key });
    // Slack's signing secret and bot token, under the same key; the functions that use them get them below.
    if (config.slack) {
      this.slack = new SlackIntegration(this, 'Slack', {
        config: config.slack,
        encryptionKey: operationsKey.key,
      });
    }

    // The console first: every notification links to an incident's page in it unless incidentUrl says otherwise.
    this.console = new ConsoleHosting(this, 'Console', {
      config: config.console,
      logRetention: config.logRetentionDays,
      operationsKey,
    });
    const incidentUrl = config.incidentUrl ?? this.console.incidentUrl;
    // What every part with functions on the table, and every part that tells people, is given.
    const tablePart: TablePartProps = {
      table: store.table,
      tableKey: store.key,
      operationsKey,
      logRetention: config.logRetentionDays,
    };
    const messaging: MessagingPartProps = {
      escalation: config.escalation,
      incidentUrl,
      notifications: this.notifications,
    };

    // Before the lifecycle, whose opening of an incident launches its runbooks through the runbook function.
    this.remediation = new Remediation(this, 'Remediation', {
      ...tablePart,
      ...messaging,
      opsTopic: this.observability.topic,
      runbooks: config.runbooks,
      peopleTopic: this.peopleTopic,
      slack: this.slack,
    });

    this.lifecycle = new Lifecycle(this, 'Lifecycle', {
      ...tablePart,
      ...messaging,
      opsTopic: this.observability.topic,
      runbookFunction: this.remediation.function,
      peopleTopic: this.peopleTopic,
      ackKey: this.ackKey,
      slack: this.slack,
      problems: config.problems,
    });

    this.ingestion = new Ingestion(this, 'Ingestion', {
      ...tablePart,
      eventBuses: [
        { id: 'Default' },
        ...(this.centralBus ? [{ id: 'Central', bus: this.centralBus.bus }] : []),
      ],
      stateMachine: this.lifecycle.stateMachine,
      grouping: config.grouping,
      runbooks: this.remediation.launch,
    });

    this.api = new Api(this, 'Api', {
      ...tablePart,
      ...messaging,
      config: config.api,
      grouping: config.grouping,
      closingChecklist: config.closingChecklist,
      stateMachine: this.lifecycle.stateMachine,
      runbooks: this.remediation.launch,
      peopleTopic: this.peopleTopic,
      opsTopic: this.observability.topic,
      ackKey: this.ackKey,
      slack: this.slack,
      statusPage: config.statusPage,
      console: { origin: this.console.origin, url: this.console.url },
    });
    this.serveConsole(config);
    // The links in pages point at the API, built after the lifecycle it starts executions of.
    this.lifecycle.linkAcknowledgementsTo(this.api.httpApi.apiEndpoint);
    this.addApiOutputs(this.api);
    if (this.slack) this.addSlackOutputs(this.slack, this.api);
    if (config.statusPage) {
      new CfnOutput(this, 'StatusPageUrl', {
        description: 'The public status page (no credentials; HTML for a browser, JSON otherwise)',
        value: this.api.statusPageUrl(),
      });
    }

    this.reviews = new Reviews(this, 'Reviews', {
      ...tablePart,
      ...messaging,
      peopleTopic: this.peopleTopic,
    });

    this.observability.watchQueue('UndeliveredEvents', this.ingestion.deliveryDeadLetterQueue);
    this.observability.watchQueue('FailedIngestInvocations', this.ingestion.failedInvocationQueue);
    this.observability.watchQueue('UndeliveredExecutionFailures', this.lifecycle.deadLetterQueue);
    this.observability.watchQueue('UndeliveredRunFailures', this.remediation.deadLetterQueue);
    this.observability.watchFunction('IngestFunction', this.ingestion.function);
    this.observability.watchFunction('LifecycleFunction', this.lifecycle.function);
    this.observability.watchFunction('ApiFunction', this.api.function);
    this.observability.watchFunction('RunbookFunction', this.remediation.function);
    this.observability.watchFunction('ReviewReminderFunction', this.reviews.reminderFunction);

    this.dashboard = new FirebreakDashboard(this, 'Dashboard', {
      escalation: config.escalation,
      topics: this.notifications.topics,
      operationsKey,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: "CloudWatch dashboard of the incident response's metrics",
      value: this.dashboard.url,
    });
  }

  /**
   * The console's files and config.json, and the origins its CSP lets it talk to. The API's id is API Gateway's
   * and the API's CORS names the console's cloudfront.net name, so the CSP naming the API would make the
   * distribution and the API refer to each other, which CloudFormation refuses: at its cloudfront.net name the
   * console may call API Gateway in the stack's region (`https://*.execute-api.<region>.<suffix>`); at a domain
   * of its own, CORS names that domain and the CSP names the API exactly.
   */
  private serveConsole(config: FirebreakConfig): void {
    const api =
      config.console.domainName !== undefined
        ? this.api.httpApi.apiEndpoint
        : `https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    const signIn = signInOrigins(this.api);
    this.console.serve(consoleRuntimeConfig(this.api, config.console), {
      api,
      signIn: signIn.connect,
      formActions: signIn.formActions,
    });
    new CfnOutput(this, 'ConsoleUrl', { description: 'The web console', value: this.console.url });
    if (config.console.domainName !== undefined) {
      new CfnOutput(this, 'ConsoleDistributionDomainName', {
        description: `Point ${config.console.domainName} here (a CNAME, or a Route 53 alias to CloudFront)`,
        value: this.console.distribution.distributionDomainName,
      });
    }
  }

  /**
   * What setting up the Slack app needs: the secrets to put its signing secret and bot token in, and the
   * request URLs to paste into its Slash Commands and Interactivity pages.
   */
  private addSlackOutputs(slack: SlackIntegration, api: Api): void {
    new CfnOutput(this, 'SlackSigningSecretArn', {
      description: "Put the Slack app's signing secret here (aws secretsmanager put-secret-value)",
      value: slack.signingSecret.secretArn,
    });
    new CfnOutput(this, 'SlackBotTokenSecretArn', {
      description: "Put the Slack app's bot token (xoxb-…) here (aws secretsmanager put-secret-value)",
      value: slack.botToken.secretArn,
    });
    new CfnOutput(this, 'SlackCommandsUrl', {
      description: 'Request URL of the /incident slash command in the Slack app',
      value: api.slackRequestUrl(SLACK_COMMANDS_PATH),
    });
    new CfnOutput(this, 'SlackActionsUrl', {
      description: "Request URL of the Slack app's Interactivity (the buttons of Firebreak's messages)",
      value: api.slackRequestUrl(SLACK_ACTIONS_PATH),
    });
  }

  /** What a client needs to call the API: its URL and, with the stack's user pool, where to get tokens. */
  private addApiOutputs(api: Api): void {
    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the incident API', value: api.stage.url });
    if (!api.cognito) return;
    const { userPool, domain, machineClient, webClient } = api.cognito;
    new CfnOutput(this, 'UserPoolId', { description: 'API user pool', value: userPool.userPoolId });
    new CfnOutput(this, 'AuthBaseUrl', {
      description: 'Cognito domain of the user pool: /oauth2/token, /oauth2/authorize',
      value: domain.baseUrl(),
    });
    new CfnOutput(this, 'MachineClientId', {
      description: 'App client for scripts and bots (client credentials; read the secret in Cognito)',
      value: machineClient.userPoolClientId,
    });
    new CfnOutput(this, 'WebClientId', {
      description: 'App client for people signing in (authorization code; a public client, so use PKCE)',
      value: webClient.userPoolClientId,
    });
  }
}
