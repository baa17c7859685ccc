/**
 * `npm start`: Firebreak on this machine, on embedded parts, at http://127.0.0.1:3000 (PORT).
 * FIREBREAK_TIME_SCALE divides every lifecycle wait; FIREBREAK_DATA_DIR keeps incidents on disk;
 * FIREBREAK_TOKEN and FIREBREAK_INTEGRATION_KEY fix the printed secrets. Escalation policies, grouping rules
 * and runbook bindings come from cdk.json, as for a deployment, or from the file FIREBREAK_CONFIG names;
 * FIREBREAK_AUTOMATION_OUTCOME(S) choose how local automations end; FIREBREAK_SLACK_SIGNING_SECRET serves the
 * Slack slash command and buttons, verified with that secret (sign requests with it as Slack would);
 * FIREBREAK_REVIEW_REMINDER_SECONDS sets how often overdue reviews and action items are reminded (60).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as z from 'zod';
import { parseAutomationOutcomes } from './local-automation';
import { loadLocalConfig, runtimeOptionsOf } from './local-config';
import { startLocal } from './runtime';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  FIREBREAK_TIME_SCALE: z.coerce.number().positive().default(1),
  FIREBREAK_DATA_DIR: z.string().min(1).optional(),
  FIREBREAK_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  FIREBREAK_INTEGRATION_KEY: z
    .string()
    .regex(/^[0-9a-f]{32}$/, 'must be 32 lower-case hex characters')
    .optional(),
  FIREBREAK_SLACK_SIGNING_SECRET: z.string().min(8, 'must be at least 8 characters').optional(),
  /** Seconds between looks for overdue reviews and action items (deployed: 15 minutes). */
  FIREBREAK_REVIEW_REMINDER_SECONDS: z.coerce.number().int().min(1).default(60),
});

/** The configuration and outcome variables, or the process stops naming what is wrong. */
function configuration() {
  try {
    return { config: loadLocalConfig(process.env), automationOutcomes: parseAutomationOutcomes(process.env) };
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}

/** What local Slack does in this run, in one line. */
function slackBanner(
  config: { channels: Record<string, string> } | undefined,
  signingSecret?: string,
): string {
  const posts = config
    ? `posts to ${Object.keys(config.channels).length} team channel(s) (recorded in /local/notifications)`
    : 'posts nothing (no firebreak.slack)';
  const routes = signingSecret
    ? '/integrations/slack/commands and /actions verified with FIREBREAK_SLACK_SIGNING_SECRET'
    : 'no slash command (set FIREBREAK_SLACK_SIGNING_SECRET)';
  return `${posts}; ${routes}`;
}

async function main() {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  const env = parsed.data;
  if (env.FIREBREAK_DATA_DIR) mkdirSync(env.FIREBREAK_DATA_DIR, { recursive: true });
  const token = env.FIREBREAK_TOKEN ?? randomBytes(16).toString('hex');
  const integrationKey = env.FIREBREAK_INTEGRATION_KEY ?? randomBytes(16).toString('hex');
  const { config, automationOutcomes } = configuration();

  let runtime: Awaited<ReturnType<typeof startLocal>>;
  try {
    runtime = await startLocal({
      port: env.PORT,
      timeScale: env.FIREBREAK_TIME_SCALE,
      token,
      integrationKey,
      ...runtimeOptionsOf(config),
      automationOutcomes,
      ...(env.FIREBREAK_DATA_DIR ? { dataDir: env.FIREBREAK_DATA_DIR } : {}),
      slack: {
        ...(config.slack ? { config: config.slack } : {}),
        ...(env.FIREBREAK_SLACK_SIGNING_SECRET ? { signingSecret: env.FIREBREAK_SLACK_SIGNING_SECRET } : {}),
      },
      reviewReminderIntervalMs: env.FIREBREAK_REVIEW_REMINDER_SECONDS * 1000,
    });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      console.error(
        `Port ${env.PORT} is already in use: stop what uses it, or start with PORT=<another port>.`,
      );
      process.exit(1);
    }
    throw error;
  }

  console.log(`Firebreak is running locally at ${runtime.url}`);
  console.log(`  console:          ${runtime.url}/?token=${token}`);
  console.log(`  API token:        ${token}   (Authorization: Bearer <token>)`);
  console.log(
    `  integration key:  ${integrationKey}   (routing_key for /v2/enqueue, bearer for /integrations/alertmanager)`,
  );
  console.log(
    `  time scale:       ${env.FIREBREAK_TIME_SCALE}x   data: ${env.FIREBREAK_DATA_DIR ?? 'in memory'}`,
  );
  const bindings = Object.keys(config.runbooks.bindings);
  console.log(`  configuration:    ${config.source}`);
  console.log(`  runbooks:         ${bindings.length > 0 ? bindings.join(', ') : 'none bound'}`);
  console.log(`  slack:            ${slackBanner(config.slack, env.FIREBREAK_SLACK_SIGNING_SECRET)}`);
  console.log(
    `  status page:      ${config.statusPage ? `${runtime.url}/status (public, no token)` : 'off (no firebreak.statusPage)'}`,
  );
  console.log(
    `  review reminders: every ${env.FIREBREAK_REVIEW_REMINDER_SECONDS} s (FIREBREAK_REVIEW_REMINDER_SECONDS), recorded in /local/notifications`,
  );
  console.log('Press Ctrl-C to stop.');

  const shutdown = async () => {
    console.log('\nStopping Firebreak…');
    await runtime.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

await main();
