import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { REPO_ROOT } from '../../lib/function-defaults';
import { esbuildOptions } from '../../lib/lambda-bundling';
import { LAMBDA_CONTEXT } from '../support/ingest-handler';
import { resourcesOfType, type Synthesized, synthesize } from './support';

/** The one real bundling run of the suite: local esbuild, no Docker, no network. */
describe('ingest function bundle', () => {
  let synthesized: Synthesized;
  let bundleDir: string;

  beforeAll(() => {
    synthesized = synthesize({}, { bundle: true });
    // One bundle per function (ingest, lifecycle, API, runbooks, review reminders, the user pool's pre token
    // generation trigger) and the state machine definition files; and the console's: its files, the two
    // vendored uPlot files and config.json, and CDK's deployment function with its AWS CLI layer.
    const assets = readdirSync(synthesized.outdir).filter((name) => name.startsWith('asset.'));
    expect(assets.filter((name) => !name.endsWith('.json'))).toHaveLength(6 + 6);
    const { firebreak } = synthesized;
    const ingest = resourcesOfType(synthesized.templates.firebreak, 'AWS::Lambda::Function').find(
      ([, props]) =>
        JSON.stringify(props.Role) ===
        JSON.stringify(firebreak.resolve(firebreak.ingestion.function.role?.roleArn)),
    );
    if (!ingest) throw new Error('no ingest function in the template');
    const s3Key = (ingest[1].Code as { S3Key: string }).S3Key;
    bundleDir = join(synthesized.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    // Synthesis with a real esbuild run per function: far over the default hook time on a loaded 2-core machine.
  }, 180_000);
  afterAll(() => synthesized.dispose());

  it('is one minified ESM file, AWS SDK included, within a cold-start budget, with its source map', () => {
    // Assess
    expect(readdirSync(bundleDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
    expect(code.length).toBeLessThan(1_500_000);
    expect(code).toContain('DynamoDBClient');
    expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
  });

  it('ships a map of positions without the sources, which no function loads at start', () => {
    // Prepare
    const map = JSON.parse(readFileSync(join(bundleDir, 'index.mjs.map'), 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    // Firebreak's own functions; CDK's BucketDeployment function (Python, copying the console's files) is CDK's.
    const functions = resourcesOfType(synthesized.templates.firebreak, 'AWS::Lambda::Function').filter(
      ([, props]) => String(props.Runtime).startsWith('nodejs'),
    );

    // Assess: mapping costs about 50 ms of every cold start (BENCHMARKS.md, "Cold start").
    expect(map.sources.some((source) => source.endsWith('lambdas/ingest/handler.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
    expect(functions).toHaveLength(6);
    for (const [, props] of functions) {
      const variables = (props.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.NODE_OPTIONS).toBeUndefined();
    }
  });

  it('defines require for the CommonJS dependencies inside the ESM bundle', () => {
    // Assess
    const code = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire as topLevelCreateRequire } from 'node:module';")).toBe(
      true,
    );
  });

  it('loads in Node and exports the handler', async () => {
    // Prepare: the handler parses its configuration at load time, as on a cold start.
    const saved = {
      TABLE_NAME: process.env.TABLE_NAME,
      STATE_MACHINE_ARN: process.env.STATE_MACHINE_ARN,
      GROUPING_CONFIG: process.env.GROUPING_CONFIG,
      AWS_REGION: process.env.AWS_REGION,
    };
    process.env.TABLE_NAME = 'firebreak-bundle-test';
    process.env.STATE_MACHINE_ARN =
      'arn:aws:states:eu-west-1:111111111111:stateMachine:firebreak-incident-lifecycle';
    process.env.GROUPING_CONFIG = JSON.stringify(DEFAULT_GROUPING_CONFIG);
    process.env.AWS_REGION = 'eu-west-1';

    try {
      // Act
      const bundle = (await import(pathToFileURL(join(bundleDir, 'index.mjs')).href)) as {
        handler?: unknown;
      };

      // Assess
      expect(typeof bundle.handler).toBe('function');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('is what the function deploys', () => {
    // Assess
    synthesized.templates.firebreak.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Key: `${bundleDir.split('asset.')[1]}.zip` },
    });
  });

  it('is the file esbuildOptions builds, so the cold-start benchmark measures what deploys', async () => {
    // Prepare
    const outdir = join(synthesized.outdir, 'esbuild-options');

    // Act
    await build(esbuildOptions('lambdas/ingest/handler.ts', outdir, REPO_ROOT));

    // Assess
    expect(readFileSync(join(outdir, 'index.mjs'), 'utf8')).toBe(
      readFileSync(join(bundleDir, 'index.mjs'), 'utf8'),
    );
    expect(readdirSync(outdir).sort()).toEqual(readdirSync(bundleDir).sort());
  });

  it("bundles the pre token generation trigger so that, as deployed, it takes a viewer's write scopes", async () => {
    // Prepare: its bundle, found by its role as the ingest one is; configuration as the stack sets it.
    const { firebreak } = synthesized;
    const trigger = resourcesOfType(synthesized.templates.firebreak, 'AWS::Lambda::Function').find(
      ([, props]) =>
        JSON.stringify(props.Role) ===
        JSON.stringify(firebreak.resolve(firebreak.api.cognito?.preTokenFunction.role?.roleArn)),
    );
    if (!trigger) throw new Error('no pre token generation function in the template');
    const s3Key = (trigger[1].Code as { S3Key: string }).S3Key;
    const triggerDir = join(synthesized.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const variables = (trigger[1].Environment as { Variables: Record<string, string> }).Variables;
    const event = JSON.parse(
      readFileSync(
        new URL('../fixtures/cognito/pre-token-generation-v2-viewer.json', import.meta.url),
        'utf8',
      ),
    ) as unknown;
    const saved = {
      SCOPE_PREFIX: process.env.SCOPE_PREFIX,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
    };
    process.env.SCOPE_PREFIX = variables.SCOPE_PREFIX;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

    try {
      // Act
      const bundle = (await import(pathToFileURL(join(triggerDir, 'index.mjs')).href)) as {
        handler: (event: unknown, context: unknown) => Promise<{ response: unknown }>;
      };
      const result = await bundle.handler(event, LAMBDA_CONTEXT);

      // Assess
      expect(readdirSync(triggerDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(result.response).toEqual({
        claimsAndScopeOverrideDetails: {
          accessTokenGeneration: { scopesToSuppress: ['firebreak/incidents:write', 'firebreak/admin'] },
        },
      });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
