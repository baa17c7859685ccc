import * as z from 'zod';
import { type RunbookConfig, RunbookConfigJson } from '#core/runbooks';
import {
  loadNotificationConfig,
  loadSlackSettings,
  type NotificationConfig,
  type SlackSettings,
} from '../lifecycle/config';

const RunbookEnv = z.object({
  /** The bindings, as `firebreak.runbooks` gives them (JSON). */
  RUNBOOK_CONFIG: RunbookConfigJson,
  /** The runbook-run state machine: the launcher starts one execution per run. */
  RUNBOOK_STATE_MACHINE_ARN: z.string().startsWith('arn:', 'must be the runbook state machine ARN'),
  /** The role SSM Automation assumes for Firebreak's documents (`{automationRole}` in parameters). */
  AUTOMATION_ROLE_ARN: z.string().startsWith('arn:', 'must be the automation role ARN'),
});

export interface RunbookFunctionConfig extends NotificationConfig {
  runbooks: RunbookConfig;
  runbookStateMachineArn: string;
  automationRoleArn: string;
  /** Notices to the on-call level go to Slack too; absent when Slack is off. */
  slack?: SlackSettings;
}

/** Parsed once at cold start; a missing or bad variable stops the function with a message naming it. */
export function loadRunbookFunctionConfig(env: Record<string, string | undefined>): RunbookFunctionConfig {
  const { env: own, ...config } = loadNotificationConfig('runbook', env, RunbookEnv);
  const slack = loadSlackSettings('runbook', env);
  return {
    ...config,
    runbooks: own.RUNBOOK_CONFIG,
    runbookStateMachineArn: own.RUNBOOK_STATE_MACHINE_ARN,
    automationRoleArn: own.AUTOMATION_ROLE_ARN,
    ...(slack ? { slack } : {}),
  };
}
