import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { loadIngestConfig } from '../../lambdas/ingest/config';
import { targetsOf } from '../../lambdas/lifecycle/config';
import { ACK_KEY_SECRET_ARN, PEOPLE_TOPIC_ARN, RUNBOOK_STATE_MACHINE_ARN } from '../support/api-handler';
import { STATE_MACHINE_ARN } from '../support/ingest-handler';
import { AUTOMATION_ROLE_ARN } from '../support/runbook-doubles';

const INGEST_ENV = { TABLE_NAME: 'incidents', STATE_MACHINE_ARN };

describe('GROUPING_CONFIG in the ingest function', () => {
  it('is parsed once at cold start into the rules', () => {
    // Prepare
    const grouping = {
      rules: [{ name: 'by team', match: { source: 'cloudwatch' }, by: ['team'], windowMinutes: 5 }],
    };

    // Act
    const config = loadIngestConfig({ ...INGEST_ENV, GROUPING_CONFIG: JSON.stringify(grouping) });

    // Assess
    expect(config.grouping).toEqual(grouping);
  });

  it.each([
    ['missing', {}, 'GROUPING_CONFIG: must be the grouping configuration as JSON'],
    [
      'not JSON',
      { GROUPING_CONFIG: 'rules: []' },
      'GROUPING_CONFIG: must be the grouping configuration as JSON',
    ],
    [
      'a rule with a bad field',
      { GROUPING_CONFIG: JSON.stringify({ rules: [{ name: 'r', by: ['owner'] }] }) },
      'GROUPING_CONFIG.rules.0.by.0: must be service, team, category, subcategory, source, sourceGroupKey',
    ],
  ])('stops the function, naming the variable, when it is %s', (_case, env, message) => {
    // Prepare / Act
    const load = () => loadIngestConfig({ ...INGEST_ENV, ...env });

    // Assess
    expect(load).toThrow(`ingest configuration is invalid: ${message}`);
  });
});

describe('GROUPING_CONFIG in the API function', () => {
  afterEach(() => vi.unstubAllEnvs());

  function stubApiEnv(groupingConfig: string | undefined): void {
    const topics = Object.fromEntries(
      targetsOf(DEFAULT_ESCALATION_CONFIG).map((t) => [
        t,
        `arn:aws:sns:us-east-1:111122223333:firebreak-${t}`,
      ]),
    );
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('TABLE_NAME', 'incidents');
    vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE_ARN);
    vi.stubEnv('TOPIC_ARNS', JSON.stringify(topics));
    vi.stubEnv('OPS_TOPIC_ARN', 'arn:aws:sns:us-east-1:111122223333:firebreak-ops');
    vi.stubEnv('ESCALATION_CONFIG', JSON.stringify(DEFAULT_ESCALATION_CONFIG));
    vi.stubEnv('GROUPING_CONFIG', groupingConfig);
    vi.stubEnv('RUNBOOK_STATE_MACHINE_ARN', RUNBOOK_STATE_MACHINE_ARN);
    vi.stubEnv('AUTOMATION_ROLE_ARN', AUTOMATION_ROLE_ARN);
    vi.stubEnv('ACK_KEY_SECRET_ARN', ACK_KEY_SECRET_ARN);
    vi.stubEnv('PEOPLE_TOPIC_ARN', PEOPLE_TOPIC_ARN);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.resetModules();
  }

  it('starts with the default rules as the stack writes them', async () => {
    // Prepare
    stubApiEnv(JSON.stringify(DEFAULT_GROUPING_CONFIG));

    // Act
    const module = await import('../../lambdas/api/handler');

    // Assess
    expect(typeof module.handler).toBe('function');
  });

  it('stops at cold start, naming the variable and the key, when a rule is bad', async () => {
    // Prepare
    stubApiEnv(JSON.stringify({ rules: [{ name: 'r', by: ['service'], windowMinutes: 0 }] }));

    // Act
    const load = import('../../lambdas/api/handler');

    // Assess
    await expect(load).rejects.toThrow(
      'api configuration is invalid: GROUPING_CONFIG.rules.0.windowMinutes: must be between 1 and 1440 minutes',
    );
  });

  it('stops at cold start when the variable is missing', async () => {
    // Prepare
    stubApiEnv(undefined);

    // Act
    const load = import('../../lambdas/api/handler');

    // Assess
    await expect(load).rejects.toThrow(
      'api configuration is invalid: GROUPING_CONFIG: must be the grouping configuration as JSON',
    );
  });
});
