import type { EscalationConfig } from '#core/escalation';
import { notificationTargets } from './notifications';

/** Lambda's limit on all environment variables of a function together (names and values). */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** The longest topic ARN prefix any partition and region gives, to size TOPIC_ARNS before ARNs exist. */
const LONGEST_TOPIC_ARN_PREFIX = 'arn:aws-iso-b:sns:us-isob-east-1:123456789012:';
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
