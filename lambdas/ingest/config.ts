import * as z from 'zod';
import { type GroupingConfig, GroupingConfigJson } from '#core/grouping';
import { type RunbookConfig, RunbookConfigJson } from '#core/runbooks';

const IngestEnv = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME must name the incidents table'),
  STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be the incident lifecycle state machine ARN'),
  /** Incident numbers reserved per counter write; 1 keeps the day's numbers dense. */
  ID_BLOCK_SIZE: z.coerce.number().int().min(1).max(100).default(1),
  /** The grouping rules as JSON, set by the stack from `firebreak.grouping`. */
  GROUPING_CONFIG: GroupingConfigJson,
  /** Set together when runbooks are deployed: an alert joining an open incident launches its runbooks. */
  RUNBOOK_STATE_MACHINE_ARN: z
    .string()
    .startsWith('arn:', 'must be the runbook state machine ARN')
    .optional(),
  RUNBOOK_CONFIG: z.string().optional(),
  /** The role SSM Automation assumes (`{automationRole}` in parameters); without it such runs are refused. */
  AUTOMATION_ROLE_ARN: z.string().startsWith('arn:', 'must be the automation role ARN').optional(),
});

const RunbookConfigVariable = z.object({ RUNBOOK_CONFIG: RunbookConfigJson });
export type IngestConfig = {
  tableName: string;
  stateMachineArn: string;
  idBlockSize: number;
  grouping: GroupingConfig;
  /** Present when the runbook state machine is deployed. */
  runbooks?: { config: RunbookConfig; stateMachineArn: string; automationRoleArn?: string };
};

/** Parsed once at cold start; a missing or bad variable stops the function with a message naming it. */
export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const parsed = IngestEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`ingest configuration is invalid: ${problems.join('; ')}`);
  }
  const { RUNBOOK_STATE_MACHINE_ARN: runbookArn, RUNBOOK_CONFIG: runbookConfig } = parsed.data;
  if ((runbookArn === undefined) !== (runbookConfig === undefined)) {
    throw new Error(
      'ingest configuration is invalid: RUNBOOK_STATE_MACHINE_ARN and RUNBOOK_CONFIG are set together or not at all',
    );
  }
  let runbooks: IngestConfig['runbooks'];
  if (runbookArn !== undefined) {
    const config = RunbookConfigVariable.safeParse({ RUNBOOK_CONFIG: runbookConfig });
    if (!config.success) {
      const problems = config.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new Error(`ingest configuration is invalid: ${problems.join('; ')}`);
    }
    runbooks = {
      config: config.data.RUNBOOK_CONFIG,
      stateMachineArn: runbookArn,
      ...(parsed.data.AUTOMATION_ROLE_ARN ? { automationRoleArn: parsed.data.AUTOMATION_ROLE_ARN } : {}),
    };
  }
  return {
    tableName: parsed.data.TABLE_NAME,
    stateMachineArn: parsed.data.STATE_MACHINE_ARN,
    idBlockSize: parsed.data.ID_BLOCK_SIZE,
    grouping: parsed.data.GROUPING_CONFIG,
    ...(runbooks ? { runbooks } : {}),
  };
}
