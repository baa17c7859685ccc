import * as z from 'zod';
import { type EscalationConfig, parseEscalationConfig } from '#core/escalation';
import { managementTargets, reviewPageLink } from '#core/review-reminders';

const ReminderEnv = z.object({
  TABLE_NAME: z.string().min(1, 'must name the incidents table'),
  ESCALATION_CONFIG: z.string().min(2, 'must be the escalation configuration as JSON'),
  /** Only the topics a reminder can go to: each policy's management target → its SNS topic ARN. */
  MANAGEMENT_TOPIC_ARNS: z.string().min(2, 'must be a JSON object of management target → SNS topic ARN'),
  /** The one people topic: reminders to owners go there with their `person` attribute. */
  PEOPLE_TOPIC_ARN: z.string().startsWith('arn:', 'must be the people SNS topic ARN'),
  /** A URL template with `{id}` (`firebreak.incidentUrl`); empty: reminders name the API path instead. */
  INCIDENT_URL: z.string().optional(),
});

export interface ReminderConfig {
  tableName: string;
  escalation: EscalationConfig;
  /** Management target → topic ARN, for every policy's management target. */
  managementTopicArns: Record<string, string>;
  peopleTopicArn: string;
  /** The review's console page of an incident, when an incident URL is configured. */
  reviewLink: (incidentId: string) => string | undefined;
}

const TopicArns = z.record(z.string(), z.string().startsWith('arn:'));

/**
 * Parses the reminder function's variables once at cold start; a missing or malformed one stops it with
 * the variable named.
 */
export function loadReminderConfig(env: Record<string, string | undefined>): ReminderConfig {
  const invalid = (problem: string) => new Error(`review reminders configuration is invalid: ${problem}`);
  const parsed = ReminderEnv.safeParse(env);
  if (!parsed.success)
    throw invalid(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  const { TABLE_NAME, ESCALATION_CONFIG, MANAGEMENT_TOPIC_ARNS, PEOPLE_TOPIC_ARN, INCIDENT_URL } =
    parsed.data;
  const escalation = parseEscalationConfig(json(ESCALATION_CONFIG, 'ESCALATION_CONFIG', invalid));
  const arns = TopicArns.safeParse(json(MANAGEMENT_TOPIC_ARNS, 'MANAGEMENT_TOPIC_ARNS', invalid));
  if (!arns.success) throw invalid('MANAGEMENT_TOPIC_ARNS: not a target → ARN map');
  const missing = managementTargets(escalation).filter((target) => !arns.data[target]);
  if (missing.length > 0) throw invalid(`MANAGEMENT_TOPIC_ARNS has no topic for ${missing.join(', ')}`);
  return {
    tableName: TABLE_NAME,
    escalation,
    managementTopicArns: arns.data,
    peopleTopicArn: PEOPLE_TOPIC_ARN,
    reviewLink: (id) =>
      reviewPageLink(INCIDENT_URL ? INCIDENT_URL.replaceAll('{id}', encodeURIComponent(id)) : undefined),
  };
}

function json(text: string, name: string, invalid: (problem: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`${name}: not JSON`);
  }
}
