import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** Where the console asks for third-party files: `/console/vendor/<name>`. */
export const VENDOR_PREFIX = '/console/vendor/';

const require = createRequire(import.meta.url);

/**
 * The third-party files the console may load, by the name it asks for, each from its pinned package in
 * node_modules. An allow-list of exact names, never a path: nothing else under node_modules is served.
 * uPlot (MIT) draws the reports page's charts.
 */
const VENDOR_FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  'uPlot.esm.js': { file: 'uplot/dist/uPlot.esm.js', contentType: 'text/javascript' },
  'uPlot.min.css': { file: 'uplot/dist/uPlot.min.css', contentType: 'text/css' },
};

/**
 * Every vendor file by the name the console asks for, with where it is on disk: the deployed stack uploads
 * exactly these next to the console's own files.
 */
export function vendorFilePaths(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(VENDOR_FILES).map(([name, { file }]) => [name, require.resolve(file)]),
  );
}

/** A vendor file's content and type; undefined for any name not on the list. */
export async function vendorFile(
  name: string,
): Promise<{ contentType: string; content: Buffer } | undefined> {
  if (!Object.hasOwn(VENDOR_FILES, name)) return undefined;
  const found = VENDOR_FILES[name];
  if (!found) return undefined;
  return { contentType: found.contentType, content: await readFile(require.resolve(found.file)) };
}
