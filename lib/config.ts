import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

/** The retention periods CloudWatch Logs accepts, as CDK lists them (numeric enum values only). */
const RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const OrganizationId = z
  .string()
  .regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations id like o-a1b2c3d4e5');
const EventBusArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._\-/]+$/,
    'must be an EventBridge event bus ARN like arn:aws:events:eu-west-1:111111111111:event-bus/firebreak-central',
  );

export const CentralBusConfig = z
  .strictObject({
    /** Accounts whose forwarders may put events on the central bus. */
    sourceAccounts: z.array(AccountId).min(1, 'must list at least one account').optional(),
    /** Every account of this organization may put events on the central bus. */
    organizationId: OrganizationId.optional(),
  })
  .refine((bus) => bus.sourceAccounts !== undefined || bus.organizationId !== undefined, {
    message: 'needs sourceAccounts, organizationId or both',
  });

export const ForwarderConfig = z.strictObject({
  /** The central account's `firebreak-central` bus that member accounts forward their events to. */
  centralBusArn: EventBusArn,
});

/** The `firebreak` object in CDK context (cdk.json, or `-c firebreak='{...}'`). */
export const FirebreakConfig = z.strictObject({
  logRetentionDays: z
    .number()
    .refine((days) => RETENTION_DAYS.includes(days), {
      message: `must be one of the retention periods CloudWatch Logs allows: ${RETENTION_DAYS.join(', ')}`,
    })
    .default(RetentionDays.ONE_MONTH),
  alarmEmail: z.email('must be an email address').optional(),
  centralBus: CentralBusConfig.optional(),
  forwarder: ForwarderConfig.optional(),
});

export type FirebreakConfig = z.infer<typeof FirebreakConfig>;
export type CentralBusConfig = z.infer<typeof CentralBusConfig>;
export type ForwarderConfig = z.infer<typeof ForwarderConfig>;

export const CONTEXT_KEY = 'firebreak';

/** `firebreak.centralBus.sourceAccounts[1]` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : `${text}.${String(segment)}`),
    CONTEXT_KEY,
  );
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  // Name each unknown key in the path rather than as a list in the message.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

/**
 * Parses the `firebreak` context value once, for bin and tests alike. Accepts the object from cdk.json or a
 * JSON string from `-c firebreak=...`; throws an Error naming every bad key.
 */
export function parseFirebreakConfig(raw: unknown): FirebreakConfig {
  let value = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new Error(`Invalid CDK context: ${CONTEXT_KEY}: must be a JSON object`);
    }
  }
  const parsed = FirebreakConfig.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(describeIssue);
    throw new Error(`Invalid CDK context: ${problems.join('; ')}`);
  }
  return parsed.data;
}
