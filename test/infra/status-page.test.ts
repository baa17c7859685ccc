import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { StatusPageConfig } from '#core/status-page';
import { createApiRoutes } from '../../lambdas/api/routes';
import { STATUS_PAGE_ROUTES } from '../../lib/api';
import {
  asArray,
  FULL_CONFIG,
  identityStatements,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './support';

const STATUS_PAGE = {
  title: 'Example status',
  services: [{ name: 'Checkout', services: ['checkout', 'payments'] }],
  recentHours: 12,
};

type Route = { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown; Target: unknown };
const routesOf = (template: Template): Route[] =>
  resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, props]) => props as unknown as Route);

/** The API function's variables. */
function apiVariables(template: Template): Record<string, unknown> {
  const [, fn] =
    resourcesOfType(template, 'AWS::Lambda::Function').find(
      ([, props]) =>
        (props.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME ===
        'firebreak-api',
    ) ?? [];
  if (!fn) throw new Error('no API function');
  return (fn.Environment as { Variables: Record<string, unknown> }).Variables;
}

const batchGets = (template: Template) =>
  identityStatements(template).filter(({ statement }) =>
    asArray(statement.Action).some((action) => action === 'dynamodb:BatchGetItem'),
  );

describe('the public status page on: GET /status without an authorizer', () => {
  let synthesized: Synthesized;
  let firebreak: Template;

  beforeAll(() => {
    // Synthesized with cdk-nag, as bin/firebreak.ts does: an unacknowledged finding would fail here.
    synthesized = synthesize({ ...FULL_CONFIG, statusPage: STATUS_PAGE });
    firebreak = synthesized.templates.firebreak;
  });
  afterAll(() => synthesized.dispose());

  it('deploys GET /status with no authorizer, to the one API integration', () => {
    // Act
    const status = routesOf(firebreak).find((route) => route.RouteKey === 'GET /status');
    const incidents = routesOf(firebreak).find((route) => route.RouteKey === 'GET /incidents');

    // Assess
    expect(status).toEqual(expect.objectContaining({ AuthorizationType: 'NONE' }));
    expect(status?.AuthorizerId).toBeUndefined();
    expect(status?.Target).toEqual(incidents?.Target);
  });

  it('serves exactly the deployed status route, as public (scope none), when configured', () => {
    // Prepare: the function's route table as its handler builds it (nothing is called).
    const served = createApiRoutes({
      runbooks: { runs: {}, launcher: {}, approvals: {}, config: DEFAULT_RUNBOOK_CONFIG },
      status: {},
      statusPage: StatusPageConfig.parse(STATUS_PAGE),
    } as never);

    // Assess
    expect(STATUS_PAGE_ROUTES.map((route) => [`${route.method} ${route.path}`, route.access])).toEqual([
      ['GET /status', 'public'],
    ]);
    expect(served['GET /status']?.scope).toBe('none');
  });

  it('acknowledges cdk-nag APIG4 on that route alone, with the reason written out', () => {
    // Act
    const route = synthesized.firebreak.api.routes['GET /status'];
    const acknowledged = (route?.node.metadata ?? [])
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    // Assess
    expect(acknowledged.map(([id]) => id.replace(/^annotation::/i, ''))).toEqual(['AwsSolutions-APIG4']);
    expect(acknowledged[0]?.[1]).toMatch(/public status page.*"public": true.*firebreak\.statusPage/s);
  });

  it('gives the API function the configuration as STATUS_PAGE, and BatchGetItem on the table only', () => {
    // Assess
    expect(JSON.parse(String(apiVariables(firebreak).STATUS_PAGE))).toEqual(STATUS_PAGE);
    const statements = batchGets(firebreak);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.where).toMatch(/^ApiFunctionRole/);
    // CDK merges it into the function's statement on the table itself (never an index).
    expect(JSON.stringify(statements[0]?.statement.Resource)).not.toContain('/index');
  });

  it('outputs the page’s address', () => {
    // Assess
    const outputs = firebreak.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.StatusPageUrl?.Value)).toContain('/status');
  });
});

describe('the public status page off (no firebreak.statusPage)', () => {
  let synthesized: Synthesized;
  let firebreak: Template;

  beforeAll(() => {
    synthesized = synthesize(FULL_CONFIG);
    firebreak = synthesized.templates.firebreak;
  });
  afterAll(() => synthesized.dispose());

  it('deploys no status route, no STATUS_PAGE, no BatchGetItem and no output', () => {
    // Assess
    expect(routesOf(firebreak).map((route) => route.RouteKey)).not.toContain('GET /status');
    expect(apiVariables(firebreak)).not.toHaveProperty('STATUS_PAGE');
    expect(batchGets(firebreak)).toEqual([]);
    expect(firebreak.toJSON().Outputs).not.toHaveProperty('StatusPageUrl');
  });

  it('refuses a malformed firebreak.statusPage at synth, naming the field', () => {
    // Assess
    expect(() => synthesize({ ...FULL_CONFIG, statusPage: { services: [] } })).toThrow(
      /firebreak\.statusPage\.services/,
    );
  });
});
