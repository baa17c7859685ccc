import * as z from 'zod';
import { type GroupingConfig, GroupingConfigJson } from '#core/grouping';

const IngestEnv = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME must name the incidents table'),
  STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be the incident lifecycle state machine ARN'),
  /** Incident numbers reserved per counter write; 1 keeps the day's numbers dense. */
  ID_BLOCK_SIZE: z.coerce.number().int().min(1).max(100).default(1),
  /** The grouping rules as JSON, set by the stack from `firebreak.grouping`. */
  GROUPING_CONFIG: GroupingConfigJson,
});
export type IngestConfig = {
  tableName: string;
  stateMachineArn: string;
  idBlockSize: number;
  grouping: GroupingConfig;
};

/** Parsed once at cold start; a missing or bad variable stops the function with a message naming it. */
export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const parsed = IngestEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`ingest configuration is invalid: ${problems.join('; ')}`);
  }
  return {
    tableName: parsed.data.TABLE_NAME,
    stateMachineArn: parsed.data.STATE_MACHINE_ARN,
    idBlockSize: parsed.data.ID_BLOCK_SIZE,
    grouping: parsed.data.GROUPING_CONFIG,
  };
}
