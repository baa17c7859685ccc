import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClosingChecklistConfig } from '#core/closing-checklist';
import type { EscalationConfig } from '#core/escalation';
import type { GroupingConfig } from '#core/grouping';
import type { ProblemRules } from '#core/problems';
import type { RunbookConfig } from '#core/runbooks';
import type { SlackConfig } from '#core/slack-config';
import type { StatusPageConfig } from '#core/status-page';
import { parseFirebreakConfig } from '../lib/config';

/** What local mode takes from the `firebreak` configuration: the same keys a deployment uses. */
export interface LocalConfig {
  escalation: EscalationConfig;
  grouping: GroupingConfig;
  runbooks: RunbookConfig;
  /** `firebreak.slack`: local Slack posts pages and updates to these channels; none when absent. */
  slack?: SlackConfig;
  /** `firebreak.closingChecklist`: what closing an incident requires, per priority. */
  closingChecklist: ClosingChecklistConfig;
  /** `firebreak.problems`: when recurring incidents open a problem record. */
  problems: ProblemRules;
  /** `firebreak.statusPage`: the public status page's services; no status page when absent. */
  statusPage?: StatusPageConfig;
  /** Where it came from, for the start-up banner and error messages. */
  source: string;
}

const CDK_JSON = fileURLToPath(new URL('../cdk.json', import.meta.url));

/**
 * Local mode's configuration: the `firebreak` object of the JSON file named by `FIREBREAK_CONFIG` (relative
 * to the working directory), or else `context.firebreak` of the repository's cdk.json, validated exactly as
 * `cdk synth` validates it. Throws an Error naming the file and every bad key.
 */
export function loadLocalConfig(env: Record<string, string | undefined>, cdkJson = CDK_JSON): LocalConfig {
  const named = env.FIREBREAK_CONFIG?.trim();
  const file = named ? resolve(named) : cdkJson;
  const document = readJson(file);
  const firebreak = named ? document : contextOf(document);
  if (typeof firebreak !== 'object' || firebreak === null || Array.isArray(firebreak)) {
    throw new Error(
      `${file}: ${named ? 'must hold the firebreak object' : 'context.firebreak must be an object'}`,
    );
  }
  try {
    const config = parseFirebreakConfig(firebreak);
    // What the functions are given (RUNBOOK_CONFIG): the bindings without the synth-only document list.
    const { customDocuments: _, ...runbooks } = config.runbooks;
    return {
      escalation: config.escalation,
      grouping: config.grouping,
      runbooks,
      ...(config.slack ? { slack: config.slack } : {}),
      closingChecklist: config.closingChecklist,
      problems: config.problems,
      ...(config.statusPage ? { statusPage: config.statusPage } : {}),
      source: file,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${file}: ${message.replace(/^Invalid CDK context: /, '')}`);
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? ` (${String(error.code)})` : '';
    throw new Error(`${file}: cannot be read${code}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function contextOf(document: unknown): unknown {
  const context = (document as { context?: { firebreak?: unknown } } | null)?.context;
  return context?.firebreak ?? {};
}

/** The options of startLocal that come from the configuration, as `npm start` and `npm run demo` pass them. */
export function runtimeOptionsOf(config: LocalConfig) {
  return {
    escalation: config.escalation,
    grouping: config.grouping,
    closingChecklist: config.closingChecklist,
    runbooks: config.runbooks,
    problems: config.problems,
    ...(config.statusPage ? { statusPage: config.statusPage } : {}),
  };
}
