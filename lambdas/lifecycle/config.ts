import { z } from 'zod';
import { type EscalationConfig, parseEscalationConfig } from '#core/escalation';

const LifecycleEnv = z.object({
  TABLE_NAME: z.string().min(1, 'must name the incidents table'),
  TOPIC_ARNS: z.string().min(2, 'must be a JSON object of notification target → SNS topic ARN'),
  OPS_TOPIC_ARN: z.string().startsWith('arn:', 'must be the ops SNS topic ARN'),
  ESCALATION_CONFIG: z.string().min(2, 'must be the escalation configuration as JSON'),
  /** A URL template with `{id}`; empty means "link to the incident item in the DynamoDB console". */
  INCIDENT_URL: z.string().optional(),
  AWS_REGION: z.string().min(1),
});

export interface LifecycleConfig {
  tableName: string;
  topicArns: Record<string, string>;
  opsTopicArn: string;
  escalation: EscalationConfig;
  incidentLink: (incidentId: string) => string;
}

const TopicArns = z.record(z.string(), z.string().startsWith('arn:'));

/** Parsed once at cold start; a missing or malformed variable stops the function with its name. */
export function loadLifecycleConfig(env: Record<string, string | undefined>): LifecycleConfig {
  const parsed = LifecycleEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`lifecycle configuration is invalid: ${problems.join('; ')}`);
  }
  const { TABLE_NAME, TOPIC_ARNS, OPS_TOPIC_ARN, ESCALATION_CONFIG, INCIDENT_URL, AWS_REGION } = parsed.data;
  const topicArns = TopicArns.safeParse(JSON.parse(TOPIC_ARNS));
  if (!topicArns.success)
    throw new Error('lifecycle configuration is invalid: TOPIC_ARNS: not a target → ARN map');
  const escalation = parseEscalationConfig(JSON.parse(ESCALATION_CONFIG));
  const missing = targetsOf(escalation).filter((target) => !topicArns.data[target]);
  if (missing.length > 0) {
    throw new Error(`lifecycle configuration is invalid: TOPIC_ARNS has no topic for ${missing.join(', ')}`);
  }
  return {
    tableName: TABLE_NAME,
    topicArns: topicArns.data,
    opsTopicArn: OPS_TOPIC_ARN,
    escalation,
    incidentLink: INCIDENT_URL
      ? (id) => INCIDENT_URL.replaceAll('{id}', encodeURIComponent(id))
      : (id) =>
          `https://${AWS_REGION}.console.aws.amazon.com/dynamodbv2/home?region=${AWS_REGION}#edit-item?table=${encodeURIComponent(
            TABLE_NAME,
          )}&itemMode=2&pk=${encodeURIComponent(`INC#${id}`)}&sk=META`,
  };
}

/** Every notification target an escalation configuration can page. */
export function targetsOf(config: EscalationConfig): string[] {
  const targets = new Set<string>();
  for (const policy of Object.values(config.policies)) {
    for (const level of policy.levels) for (const target of level.targets) targets.add(target);
    for (const target of policy.stakeholders) targets.add(target);
    targets.add(policy.management);
  }
  return [...targets].sort();
}
