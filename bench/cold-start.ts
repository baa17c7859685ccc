/**
 * Cold start: every Lambda handler (each `lambdas/<name>/handler.ts`) bundled as the stack deploys it
 * (lib/lambda-bundling.ts), and beside each a minimal bundle that imports only the AWS SDK clients and commands
 * that handler's own modules import, bundled with the same options. Each bundle is imported in a fresh Node
 * process (its `await import()` timed inside that process), handler and baseline one after the other in
 * alternating order, every variant in every round, so drift on this shared machine hits all of them alike.
 * The figure is the handler's import time ÷ its baseline's, paired round by round.
 *
 *   npm run bench:cold-start                                 (also the last part of `npm run bench`)
 *   npm run bench:cold-start -- --rounds=16                  more rounds than the default 8
 *   COLD_START_NODE=/path/to/node npm run bench:cold-start   imports with another Node binary
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { DEFAULT_RUNBOOK_CONFIG } from '#core/runbooks';
import { targetsOf } from '../lambdas/lifecycle/config';
import { fromRepoRoot, REPO_ROOT } from '../lib/function-defaults';
import { esbuildOptions, LAMBDA_BUNDLE, type LambdaBundleSettings } from '../lib/lambda-bundling';
import { quantile } from './stats';

const TARGET_RATIO = 1.3;
const ENABLE_SOURCE_MAPS = '--enable-source-maps';

/**
 * The source-map question, each answer a variant; the deployed settings are added if none matches them. Each
 * pair differs in one thing: 0–1 the sources inside a loaded map, 1–2 the flag (same files), 2–4 an unloaded
 * map's presence, 2–3 kept names.
 */
const VARIANTS: LambdaBundleSettings[] = [
  // Before issue 8: the map with every source file in it, loaded by Node at start.
  { minify: true, sourceMap: true, sourcesContent: true, keepNames: false, nodeOptions: ENABLE_SOURCE_MAPS },
  { minify: true, sourceMap: true, sourcesContent: false, keepNames: false, nodeOptions: ENABLE_SOURCE_MAPS },
  { minify: true, sourceMap: true, sourcesContent: false, keepNames: false },
  { minify: true, sourceMap: true, sourcesContent: false, keepNames: true },
  { minify: true, sourceMap: false, sourcesContent: false, keepNames: false },
];
/** The variant every handler is also compared with: no map, nothing but the code. */
const PLAIN = 4;

/** What the handlers parse at cold start, with values shaped as the stack sets them; no AWS call is made. */
function lambdaEnvironment(): Record<string, string> {
  const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:111122223333:${resource}`;
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'cold-start',
    AWS_SECRET_ACCESS_KEY: 'cold-start',
    // The imports run on this machine's Node (20 here; the functions run 22): the SDK's notice is noise.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'firebreak-cold-start',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    TABLE_NAME: 'firebreak-incidents',
    STATE_MACHINE_ARN: arn('states', 'stateMachine:firebreak-incident-lifecycle'),
    OPS_TOPIC_ARN: arn('sns', 'firebreak-ops'),
    PEOPLE_TOPIC_ARN: arn('sns', 'firebreak-people'),
    ACK_KEY_SECRET_ARN: arn('secretsmanager', 'secret:firebreak-ack-link-key-AbCdEf'),
    ACK_LINK_BASE_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    RUNBOOK_CONFIG: JSON.stringify(DEFAULT_RUNBOOK_CONFIG),
    RUNBOOK_STATE_MACHINE_ARN: arn('states', 'stateMachine:firebreak-runbook-run'),
    AUTOMATION_ROLE_ARN: 'arn:aws:iam::111122223333:role/firebreak-automation',
    TOPIC_ARNS: JSON.stringify(
      Object.fromEntries(
        targetsOf(DEFAULT_ESCALATION_CONFIG).map((target) => [target, arn('sns', `firebreak-${target}`)]),
      ),
    ),
    ESCALATION_CONFIG: JSON.stringify(DEFAULT_ESCALATION_CONFIG),
    GROUPING_CONFIG: JSON.stringify(DEFAULT_GROUPING_CONFIG),
    INCIDENT_URL: '',
    SCOPE_PREFIX: 'firebreak/',
  };
}

// Runs in each fresh process: times the import alone, not Node's own start. Wall time is what the issue
// measured; CPU time (all threads of the process) is what a 512 MB function, with a fraction of one vCPU,
// pays in full, and it hardly moves when other work shares this machine's two cores.
const IMPORT_TIMER = `
const cpu = process.cpuUsage();
const started = performance.now();
const bundle = await import(process.argv[2]);
const ms = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
if (typeof bundle.handler !== 'function') throw new Error(process.argv[2] + ' exports no handler');
process.stdout.write(JSON.stringify({ ms, cpuMs: (user + system) / 1000 }));
`;

interface Timing {
  ms: number;
  cpuMs: number;
}

function describe(settings: LambdaBundleSettings): string {
  const map = settings.sourceMap ? `map ${settings.sourcesContent ? 'with' : 'without'} sources` : 'no map';
  return [map, settings.keepNames ? 'names kept' : '', settings.nodeOptions ?? 'no NODE_OPTIONS']
    .filter(Boolean)
    .join(', ');
}

function sameSettings(a: LambdaBundleSettings, b: LambdaBundleSettings): boolean {
  return (
    a.minify === b.minify &&
    a.sourceMap === b.sourceMap &&
    (a.sourcesContent === b.sourcesContent || !a.sourceMap) &&
    a.keepNames === b.keepNames &&
    (a.nodeOptions ?? '') === (b.nodeOptions ?? '')
  );
}

function discoverHandlers(): string[] {
  return readdirSync(fromRepoRoot('lambdas'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(fromRepoRoot(`lambdas/${entry.name}/handler.ts`)))
    .map((entry) => entry.name)
    .sort();
}

/** Package → value bindings that the project's own modules in a bundle import from `@aws-sdk/*`. */
function sdkImports(metafile: Metafile): Map<string, Set<string>> {
  const imports = new Map<string, Set<string>>();
  const ownModules = Object.keys(metafile.inputs).filter(
    (path) => !path.startsWith('node_modules/') && /\.ts$/.test(path),
  );
  for (const path of ownModules) {
    const source = ts.createSourceFile(
      path,
      readFileSync(join(REPO_ROOT, path), 'utf8'),
      ts.ScriptTarget.Latest,
    );
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (!from.startsWith('@aws-sdk/') || !clause || clause.phaseModifier === ts.SyntaxKind.TypeKeyword)
        continue;
      const bindings = clause.namedBindings;
      if (clause.name || !bindings || !ts.isNamedImports(bindings)) {
        throw new Error(`${path}: only named imports from ${from} are understood here`);
      }
      const names = imports.get(from) ?? new Set<string>();
      for (const element of bindings.elements) {
        if (!element.isTypeOnly) names.add((element.propertyName ?? element.name).text);
      }
      if (names.size > 0) imports.set(from, names);
    }
  }
  return imports;
}

/** A module importing those bindings and nothing else; exporting them keeps tree shaking from dropping them. */
function baselineSource(imports: Map<string, Set<string>>): string {
  const packages = [...imports].sort(([a], [b]) => a.localeCompare(b));
  const names = packages.flatMap(([, bindings]) => [...bindings].sort());
  return [
    ...packages.map(([from, bindings]) => `import { ${[...bindings].sort().join(', ')} } from '${from}';`),
    `export const sdk = [${names.join(', ')}];`,
    'export const handler = async () => sdk.length;',
  ].join('\n');
}

function describeImports(imports: Map<string, Set<string>>): string {
  const bindings = [...imports.values()].reduce((count, names) => count + names.size, 0);
  return `${bindings} bindings from ${[...imports.keys()].sort().join(', ')}`;
}

interface Bundle {
  file: string;
  bytes: number;
  mapBytes: number;
}

async function bundle(
  outdir: string,
  settings: LambdaBundleSettings,
  entry: { handler: string } | { baseline: string },
): Promise<{ bundle: Bundle; metafile: Metafile }> {
  const options = esbuildOptions(
    'handler' in entry ? `lambdas/${entry.handler}/handler.ts` : '',
    outdir,
    REPO_ROOT,
    settings,
  );
  const result = await build({
    ...options,
    metafile: true,
    ...('baseline' in entry
      ? {
          entryPoints: [],
          stdin: { contents: entry.baseline, resolveDir: REPO_ROOT, sourcefile: 'baseline.ts', loader: 'ts' },
        }
      : {}),
  });
  const file = join(outdir, 'index.mjs');
  const map = `${file}.map`;
  return {
    bundle: { file, bytes: statSync(file).size, mapBytes: existsSync(map) ? statSync(map).size : 0 },
    metafile: result.metafile,
  };
}

interface Cell {
  handler: string;
  variant: number;
  code: Bundle;
  baseline: Bundle;
  handlerRuns: Timing[];
  baselineRuns: Timing[];
}

/** One handler's bundles and its baseline's in every variant, built side by side; NODE_OPTIONS needs no bundle. */
async function bundleVariants(dir: string, handler: string, variants: LambdaBundleSettings[]) {
  const keyOf = (settings: LambdaBundleSettings) => JSON.stringify({ ...settings, nodeOptions: undefined });
  const distinct = [...new Map(variants.map((settings) => [keyOf(settings), settings])).values()];
  const code = await Promise.all(
    distinct.map((settings, i) => bundle(join(dir, `${i}`, 'handler'), settings, { handler })),
  );
  const imports = sdkImports((code[0] as { metafile: Metafile }).metafile);
  const baseline = baselineSource(imports);
  const base = await Promise.all(
    distinct.map((settings, i) => bundle(join(dir, `${i}`, 'baseline'), settings, { baseline })),
  );
  const cells = variants.map((settings, variant): Cell => {
    const i = distinct.findIndex((other) => keyOf(other) === keyOf(settings));
    return {
      handler,
      variant,
      code: (code[i] as { bundle: Bundle }).bundle,
      baseline: (base[i] as { bundle: Bundle }).bundle,
      handlerRuns: [],
      baselineRuns: [],
    };
  });
  return { imports, cells };
}

function timeImport(node: string, timer: string, file: string, settings: LambdaBundleSettings): Timing {
  const env = {
    ...lambdaEnvironment(),
    ...(settings.nodeOptions ? { NODE_OPTIONS: settings.nodeOptions } : {}),
  };
  const run = spawnSync(node, [timer, pathToFileURL(file).href], { env, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) {
    throw new Error(
      `importing ${file} failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr}`,
    );
  }
  return JSON.parse(run.stdout) as Timing;
}

function spread(values: number[], digits: number): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(quantile(values, 0.5))} (${f(quantile(values, 0.25))}–${f(quantile(values, 0.75))})`;
}

const kb = (bytes: number) => (bytes === 0 ? '–' : `${(bytes / 1024).toFixed(0)} KB`);

async function main() {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '8' } } });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const node = process.env.COLD_START_NODE || process.execPath;
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();

  const variants = [...VARIANTS];
  let deployed = variants.findIndex((settings) => sameSettings(settings, LAMBDA_BUNDLE));
  if (deployed < 0) deployed = variants.push(LAMBDA_BUNDLE) - 1;

  // Bundles go to a temporary directory, removed at the end, or on Ctrl-C.
  const workdir = mkdtempSync(join(tmpdir(), 'firebreak-cold-start-'));
  const removeWorkdir = () => rmSync(workdir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    removeWorkdir();
    process.exit(130);
  });
  try {
    const timer = join(workdir, 'import-timer.mjs');
    writeFileSync(timer, IMPORT_TIMER);

    // Bundle every handler and its baseline in every variant.
    const started = performance.now();
    const cells: Cell[] = [];
    for (const handler of discoverHandlers()) {
      const { imports, cells: own } = await bundleVariants(join(workdir, handler), handler, variants);
      console.log(`${handler}: the baseline imports ${describeImports(imports)}`);
      cells.push(...own);
    }
    const buildSeconds = (performance.now() - started) / 1000;

    // One untimed pass so every file is in the page cache, then the rounds.
    for (const cell of cells) {
      const settings = variants[cell.variant] as LambdaBundleSettings;
      timeImport(node, timer, cell.code.file, settings);
      timeImport(node, timer, cell.baseline.file, settings);
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < cells.length; i++) {
        const cell = cells[(i + round) % cells.length] as Cell;
        const settings = variants[cell.variant] as LambdaBundleSettings;
        const handlerFirst = (round + i) % 2 === 0;
        if (handlerFirst) cell.handlerRuns.push(timeImport(node, timer, cell.code.file, settings));
        cell.baselineRuns.push(timeImport(node, timer, cell.baseline.file, settings));
        if (!handlerFirst) cell.handlerRuns.push(timeImport(node, timer, cell.code.file, settings));
      }
      process.stdout.write(`\rround ${round + 1}/${rounds}`);
    }
    const seconds = (performance.now() - started) / 1000;

    console.log(
      `\n\nCold start: ${cells.length / variants.length} handlers × ${variants.length} variants, ${rounds} rounds, ` +
        `imports on Node ${nodeVersion} (the functions run nodejs22.x); bundling ${buildSeconds.toFixed(0)} s, ` +
        `total ${seconds.toFixed(0)} s. ms and ratios: median (p25–p75).`,
    );
    console.log(
      '\n| handler | variant | bundle | .map | baseline bundle | import ms: handler / baseline | **ratio** | ' +
        'CPU ms: handler / baseline | **CPU ratio** | CPU ratio to plain baseline |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const verdicts: string[] = [];
    for (const cell of cells) {
      const plain = cells.find((other) => other.handler === cell.handler && other.variant === PLAIN) as Cell;
      const paired = (of: (t: Timing) => number, baseline: Timing[]) =>
        cell.handlerRuns.map((run, round) => of(run) / of(baseline[round] as Timing));
      const wall = (t: Timing) => t.ms;
      const cpu = (t: Timing) => t.cpuMs;
      const ratio = paired(wall, cell.baselineRuns);
      const cpuRatio = paired(cpu, cell.baselineRuns);
      const settings = variants[cell.variant] as LambdaBundleSettings;
      const row = [
        cell.handler,
        `${describe(settings)}${cell.variant === deployed ? ' (deployed)' : ''}`,
        kb(cell.code.bytes),
        kb(cell.code.mapBytes),
        kb(cell.baseline.bytes),
        `${spread(cell.handlerRuns.map(wall), 0)} / ${spread(cell.baselineRuns.map(wall), 0)}`,
        `**${spread(ratio, 2)}**`,
        `${spread(cell.handlerRuns.map(cpu), 0)} / ${spread(cell.baselineRuns.map(cpu), 0)}`,
        `**${spread(cpuRatio, 2)}**`,
        spread(paired(cpu, plain.baselineRuns), 2),
      ];
      console.log(`| ${row.join(' | ')} |`);
      if (cell.variant === deployed) {
        const verdict = (value: number) =>
          `${value.toFixed(2)}× (${value <= TARGET_RATIO ? 'met' : 'NOT met'})`;
        verdicts.push(
          `${cell.handler} ${verdict(quantile(ratio, 0.5))} wall, ${verdict(quantile(cpuRatio, 0.5))} CPU`,
        );
      }
    }
    console.log(`\nDeployed settings against the target (≤ ${TARGET_RATIO}×): ${verdicts.join('; ')}.`);
  } finally {
    removeWorkdir();
  }
}

await main();
