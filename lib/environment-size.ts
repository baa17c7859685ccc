import type { EscalationConfig } from '#core/escalation';
import { notificationTargets } from './notifications';

/** Lambda's limit on all environment variables of a function together (names and values). */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** The longest topic ARN prefix any partition and region gives, to size TOPIC_ARNS before ARNs exist. */
const LONGEST_TOPIC_ARN_PREFIX = 'arn:aws-iso-b:sns:us-isob-east-1:123456789012:';
/** The longest the ARNs of a state machine and a role named at deploy can be, for the same reason. */
export const LONGEST_STATE_MACHINE_ARN = `${LONGEST_TOPIC_ARN_PREFIX.replace(':sns:', ':states:')}stateMachine:${'x'.repeat(80)}`;
export const LONGEST_ROLE_ARN = `arn:aws-iso-b:iam::123456789012:role/${'x'.repeat(64)}`;
/** The variables of paging people (people and ops topics, ack-link key and base URL) at their longest, per function. */
const LONGEST_PEOPLE_TOPIC_ARN = `${LONGEST_TOPIC_ARN_PREFIX}firebreak-people`;
/** A secret's ARN ends in `-` and the 6 random characters Secrets Manager appends to its name. */
const SECRET_SUFFIX_LENGTH = 6;
export const LONGEST_SECRET_ARN = `${LONGEST_TOPIC_ARN_PREFIX.replace(':sns:', ':secretsmanager:')}secret:${'x'.repeat(64)}-${'x'.repeat(SECRET_SUFFIX_LENGTH)}`;
const LONGEST_API_ENDPOINT = `https://${'x'.repeat(10)}.execute-api.us-isob-east-1.${'x'.repeat(24)}`;
export const PAGING_PEOPLE_AT_MOST = {
  lifecycle: {
    PEOPLE_TOPIC_ARN: LONGEST_PEOPLE_TOPIC_ARN,
    ACK_KEY_SECRET_ARN: LONGEST_SECRET_ARN,
    ACK_LINK_BASE_URL: LONGEST_API_ENDPOINT,
  },
  api: {
    PEOPLE_TOPIC_ARN: LONGEST_PEOPLE_TOPIC_ARN,
    ACK_KEY_SECRET_ARN: LONGEST_SECRET_ARN,
    OPS_TOPIC_ARN: `${LONGEST_TOPIC_ARN_PREFIX}firebreak-ops`,
  },
  runbook: { PEOPLE_TOPIC_ARN: LONGEST_PEOPLE_TOPIC_ARN },
} as const satisfies Record<string, Record<string, string>>;
/** Room for table names, ARNs and the Powertools variables, whose values are known only at deploy. */
const OTHER_VARIABLES_ALLOWANCE = 600;

/** TOPIC_ARNS as long as it can be at deploy: every target's topic under the longest ARN prefix. */
export function longestTopicArns(escalation: EscalationConfig): string {
  return JSON.stringify(
    Object.fromEntries(
      notificationTargets(escalation).map((target) => [
        target,
        `${LONGEST_TOPIC_ARN_PREFIX}firebreak-${target}`,
      ]),
    ),
  );
}

/**
 * About how many bytes a function's environment takes: the variables known at synth (configuration
 * travels there as JSON), plus room for those known only at deploy. Configuration too large for Lambda's
 * 4 KB would fail the deployment, so the constructs measure it and fail the synth instead, naming the key.
 */
export function environmentSize(knownAtSynth: Record<string, string>): number {
  return Object.entries(knownAtSynth).reduce(
    (size, [name, value]) => size + Buffer.byteLength(name) + Buffer.byteLength(value),
    OTHER_VARIABLES_ALLOWANCE,
  );
}

/**
 * The escalation config travels in the environment of every function that notifies people, the lifecycle
 * function's being the smallest: a config too large for it fails the synth, naming the key to shrink.
 */
export function assertEscalationFits(
  escalation: EscalationConfig,
  incidentUrl: string | undefined,
  alongside: Readonly<Record<string, string>> = {},
): void {
  const size = environmentSize({
    ESCALATION_CONFIG: JSON.stringify(escalation),
    TOPIC_ARNS: longestTopicArns(escalation),
    INCIDENT_URL: incidentUrl ?? '',
    ...alongside,
  });
  if (size > LAMBDA_ENVIRONMENT_LIMIT) {
    throw new Error(
      `Invalid CDK context: firebreak.escalation: too large for the lifecycle function's environment ` +
        `(about ${size} of Lambda's ${LAMBDA_ENVIRONMENT_LIMIT} bytes with its topic ARNs): use fewer or shorter ` +
        'policies, levels and target names',
    );
  }
}

/** A context key that travels in functions' environments, and what to shorten when it does not fit. */
const TRAVELLING_KEYS = {
  /** RUNBOOK_CONFIG, in every function that launches runs. */
  'firebreak.runbooks': 'use fewer bindings or shorter descriptions, matches and parameters',
  /** SLACK_CONFIG, in every function that posts to Slack. */
  'firebreak.slack': 'use fewer team channels or shorter team names',
} as const;

/**
 * Checked after the function's own variables, so that the context key that pushes it over Lambda's 4 KB
 * is named, with what to shorten.
 */
function assertKeyFits(
  key: keyof typeof TRAVELLING_KEYS,
  functionName: string,
  variables: Record<string, string>,
  alongside: string,
): void {
  const size = environmentSize(variables);
  if (size > LAMBDA_ENVIRONMENT_LIMIT) {
    throw new Error(
      `Invalid CDK context: ${key}: too large for the ${functionName} function's environment ` +
        `together with ${alongside} (about ${size} of Lambda's ${LAMBDA_ENVIRONMENT_LIMIT} bytes): ` +
        TRAVELLING_KEYS[key],
    );
  }
}

/** The runbook bindings (RUNBOOK_CONFIG) fit the function's environment, or `firebreak.runbooks` is named. */
export function assertRunbooksFit(
  functionName: string,
  variables: Record<string, string>,
  alongside: string,
) {
  assertKeyFits('firebreak.runbooks', functionName, variables, alongside);
}

/** `firebreak.slack` (SLACK_CONFIG) fits the function's environment, or it is named. */
export function assertSlackFits(functionName: string, variables: Record<string, string>, alongside: string) {
  assertKeyFits('firebreak.slack', functionName, variables, alongside);
}
