import * as z from 'zod';
import { type EscalationConfig, parseEscalationConfig } from '#core/escalation';
import { SlackConfig } from '#core/slack-config';

const NotificationEnv = z.object({
  TABLE_NAME: z.string().min(1, 'must name the incidents table'),
  TOPIC_ARNS: z.string().min(2, 'must be a JSON object of notification target → SNS topic ARN'),
  ESCALATION_CONFIG: z.string().min(2, 'must be the escalation configuration as JSON'),
  /** A URL template with `{id}`; empty means "link to the incident item in the DynamoDB console". */
  INCIDENT_URL: z.string().optional(),
  /** The one people topic: pages to `person:` targets (and the people on call in `schedule:` targets). */
  PEOPLE_TOPIC_ARN: z.string().startsWith('arn:', 'must be the people SNS topic ARN'),
  /** Firebreak's ops topic: failures, and pages a schedule or person target could not deliver. */
  OPS_TOPIC_ARN: z.string().startsWith('arn:', 'must be the ops SNS topic ARN'),
  AWS_REGION: z.string().min(1),
});

/** What every function that notifies people needs: the table, the topics, the policies, the link. */
export interface NotificationConfig {
  tableName: string;
  topicArns: Record<string, string>;
  escalation: EscalationConfig;
  incidentLink: (incidentId: string) => string;
  peopleTopicArn: string;
  opsTopicArn: string;
}

export interface LifecycleConfig extends NotificationConfig {
  /** The Secrets Manager secret holding the acknowledgement links' signing key. */
  ackKeySecretArn: string;
  /** Where the API is served: pages' acknowledgement links are `<base>/ack/<token>`. */
  ackLinkBaseUrl: string;
  /** Where notices go in Slack besides SNS; absent when Slack is off. */
  slack?: SlackSettings;
}

/** What a function that talks to Slack is given: the channels, and the secret holding the bot token. */
export interface SlackSettings {
  config: SlackConfig;
  botTokenSecretArn: string;
}

/**
 * Slack, when the function is given it: `SLACK_CONFIG` (the SlackConfig as JSON) together with
 * `SLACK_BOT_TOKEN_SECRET_ARN`; neither means Slack is off. One without the other, or a malformed
 * configuration, stops the function with the variable (and the field in it) named.
 */
export function loadSlackSettings(
  what: string,
  env: Record<string, string | undefined>,
): SlackSettings | undefined {
  const { SLACK_CONFIG: text, SLACK_BOT_TOKEN_SECRET_ARN: arn } = env;
  if (text === undefined && arn === undefined) return undefined;
  const invalid = (problem: string) => new Error(`${what} configuration is invalid: ${problem}`);
  if (!text)
    throw invalid(
      'SLACK_CONFIG: must be the Slack configuration as JSON, given with SLACK_BOT_TOKEN_SECRET_ARN',
    );
  if (!arn?.startsWith('arn:'))
    throw invalid('SLACK_BOT_TOKEN_SECRET_ARN: must be the Slack bot token secret ARN');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('SLACK_CONFIG: not JSON');
  }
  const parsed = SlackConfig.safeParse(json);
  if (!parsed.success)
    throw invalid(
      parsed.error.issues
        .map((issue) => `${['SLACK_CONFIG', ...issue.path].join('.')}: ${issue.message}`)
        .join('; '),
    );
  return { config: parsed.data, botTokenSecretArn: arn };
}

const TopicArns = z.record(z.string(), z.string().startsWith('arn:'));

/**
 * Parses the variables with `schema` (which must include the notification ones) once at cold start; a
 * missing or malformed variable stops the function with its name, prefixed by `what`.
 */
export function loadNotificationConfig<T extends z.ZodObject>(
  what: string,
  env: Record<string, string | undefined>,
  schema: T,
): NotificationConfig & { env: z.infer<T> } {
  const parsed = NotificationEnv.and(schema).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${what} configuration is invalid: ${problems.join('; ')}`);
  }
  const {
    TABLE_NAME,
    TOPIC_ARNS,
    ESCALATION_CONFIG,
    INCIDENT_URL,
    AWS_REGION,
    PEOPLE_TOPIC_ARN,
    OPS_TOPIC_ARN,
  } = parsed.data as z.infer<typeof NotificationEnv>;
  const topicArns = TopicArns.safeParse(JSON.parse(TOPIC_ARNS));
  if (!topicArns.success)
    throw new Error(`${what} configuration is invalid: TOPIC_ARNS: not a target → ARN map`);
  const escalation = parseEscalationConfig(JSON.parse(ESCALATION_CONFIG));
  const missing = targetsOf(escalation).filter((target) => !topicArns.data[target]);
  if (missing.length > 0) {
    throw new Error(`${what} configuration is invalid: TOPIC_ARNS has no topic for ${missing.join(', ')}`);
  }
  return {
    env: parsed.data as z.infer<T>,
    tableName: TABLE_NAME,
    topicArns: topicArns.data,
    escalation,
    peopleTopicArn: PEOPLE_TOPIC_ARN,
    opsTopicArn: OPS_TOPIC_ARN,
    incidentLink: INCIDENT_URL
      ? (id) => INCIDENT_URL.replaceAll('{id}', encodeURIComponent(id))
      : (id) =>
          `https://${AWS_REGION}.console.aws.amazon.com/dynamodbv2/home?region=${AWS_REGION}#edit-item?table=${encodeURIComponent(
            TABLE_NAME,
          )}&itemMode=2&pk=${encodeURIComponent(`INC#${id}`)}&sk=META`,
  };
}

const LifecycleEnv = z.object({
  ACK_KEY_SECRET_ARN: z.string().startsWith('arn:', 'must be the ack-link signing key secret ARN'),
  ACK_LINK_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL the API is served at' }),
});

export function loadLifecycleConfig(env: Record<string, string | undefined>): LifecycleConfig {
  const { env: own, ...config } = loadNotificationConfig('lifecycle', env, LifecycleEnv);
  const slack = loadSlackSettings('lifecycle', env);
  return {
    ...config,
    ackKeySecretArn: own.ACK_KEY_SECRET_ARN,
    ackLinkBaseUrl: own.ACK_LINK_BASE_URL,
    ...(slack ? { slack } : {}),
  };
}

/**
 * Every notification target (topic) an escalation configuration can page: levels' topic targets and
 * fallbacks, stakeholders and management. `schedule:` and `person:` targets page through the people topic.
 */
export function targetsOf(config: EscalationConfig): string[] {
  const targets = new Set<string>();
  for (const policy of Object.values(config.policies)) {
    for (const level of policy.levels) {
      for (const target of level.targets) if (!target.includes(':')) targets.add(target);
      if (level.fallback) targets.add(level.fallback);
    }
    for (const target of policy.stakeholders) targets.add(target);
    targets.add(policy.management);
  }
  return [...targets].sort();
}
