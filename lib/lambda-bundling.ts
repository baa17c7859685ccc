import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** Node.js major of the Lambda runtime (`Runtime.NODEJS_22_X`), as an esbuild target. */
export const LAMBDA_TARGET = 'node22';

// ESM bundles still contain CommonJS dependencies that call require(); give them one.
const REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module';" +
  'const require = topLevelCreateRequire(import.meta.url);';

const MAIN_FIELDS = ['module', 'main'];

/** The choices that change what a function loads at cold start: its bundle and how Node runs it. */
export interface LambdaBundleSettings {
  readonly minify: boolean;
  /** Writes `index.mjs.map` next to the bundle (shipped in the asset, read only with source maps enabled). */
  readonly sourceMap: boolean;
  /** Embeds every source file in the map; without it the map holds positions and names only. */
  readonly sourcesContent: boolean;
  /** Keeps function and class names through minification, so stack traces name them without a map. */
  readonly keepNames: boolean;
  /** The function's `NODE_OPTIONS`, or none. */
  readonly nodeOptions?: string;
}

/**
 * What every Firebreak function deploys, decided by `npm run bench:cold-start` (BENCHMARKS.md, "Cold start"):
 * `--enable-source-maps` made Node read and parse the map at every cold start, 40–50 ms of CPU, a fifth to a
 * quarter of the handler's import. So Node does not load it. The map, without the sources, still ships beside
 * the bundle: it maps a stack trace's `index.mjs:1:<column>` offline, and setting `NODE_OPTIONS` to
 * `--enable-source-maps` on one function maps its traces in the logs without a rebuild, at that cost. Kept
 * names would name the functions in traces without it, but add about 5 % to every cold start's import.
 */
export const LAMBDA_BUNDLE: LambdaBundleSettings = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  keepNames: false,
};

/** `NodejsFunction` bundling options for `settings`: the local esbuild (no Docker), the AWS SDK bundled. */
export function cdkBundling(settings: LambdaBundleSettings = LAMBDA_BUNDLE): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    mainFields: MAIN_FIELDS,
    banner: REQUIRE_BANNER,
    minify: settings.minify,
    sourceMap: settings.sourceMap,
    sourcesContent: settings.sourcesContent,
    keepNames: settings.keepNames,
    target: LAMBDA_TARGET,
    // Ship the SDK version the tests ran against, not whichever one the runtime carries today.
    bundleAwsSDK: true,
  };
}

/** The function environment's share of `settings`: `NODE_OPTIONS`, when there are any. */
export function nodeEnvironment(settings: LambdaBundleSettings = LAMBDA_BUNDLE): Record<string, string> {
  return settings.nodeOptions ? { NODE_OPTIONS: settings.nodeOptions } : {};
}

/**
 * The esbuild build that `NodejsFunction` runs for `cdkBundling(settings)` (its local bundling calls the
 * esbuild CLI from the project root with these flags), for tools that bundle a handler as deployed without
 * synthesizing the app, such as bench/cold-start.ts. test/infra/bundling.test.ts checks that both give the
 * same file.
 */
export function esbuildOptions(
  entry: string,
  outdir: string,
  projectRoot: string,
  settings: LambdaBundleSettings = LAMBDA_BUNDLE,
): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: [entry],
    outfile: `${outdir}/index.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_TARGET,
    mainFields: MAIN_FIELDS,
    banner: { js: REQUIRE_BANNER },
    minify: settings.minify,
    sourcemap: settings.sourceMap,
    sourcesContent: settings.sourcesContent,
    keepNames: settings.keepNames,
    logLevel: 'warning',
  };
}
