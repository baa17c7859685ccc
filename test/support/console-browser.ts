import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type LocalOptions, type LocalRuntime, startLocal } from '../../local/runtime';

/** Debian's chromium; .ci/run installs it (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

export interface ConsoleUnderTest {
  local: LocalRuntime;
  browser: Browser;
}

/**
 * Local mode as `npm start` runs it (console at /, the API beside it) on a free port of 127.0.0.1, and a
 * headless Chromium to drive the console; the test stops both with stopConsole in its afterAll.
 */
export async function startConsole(options: Omit<LocalOptions, 'port'>): Promise<ConsoleUnderTest> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the console test needs Debian's chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (as root)`,
    );
  }
  const local = await startLocal({ ...options, port: 0 });
  try {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    return { local, browser };
  } catch (error) {
    await local.stop();
    throw error;
  }
}

export async function stopConsole(started: Partial<ConsoleUnderTest>): Promise<void> {
  await started.browser?.close();
  await started.local?.stop();
}

/** One API call as a person would make it with curl and the token; fails the test on an error status. */
export async function apiCall<T>(
  local: LocalRuntime | undefined,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return (await response.json()) as T;
}

/** What the page went through: script errors, and answers with an error status. */
export function watchErrors(page: Page): { errors: string[]; failed: string[] } {
  const errors: string[] = [];
  const failed: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      failed.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    }
  });
  return { errors, failed };
}

/**
 * watchErrors, and every violation of the page's Content-Security-Policy, recorded in the page before any
 * script runs (the init script is a string: the tests compile without the DOM's types).
 */
export async function watchPage(page: Page) {
  const seen = watchErrors(page);
  await page.addInitScript({
    content: `
      globalThis.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        globalThis.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber);
      });
    `,
  });
  const violations = () =>
    page.evaluate(() => (globalThis as Record<string, unknown>).__cspViolations as string[]);
  return { ...seen, violations };
}

/** axe-core's browser build, from node_modules: evaluated in the page (page scripts are not subject to CSP). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * An accessibility audit of the page as it is now (axe-core, WCAG 2.x A and AA rules and best practices):
 * the serious and critical violations, one line each with the elements it found.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(`
    axe.run(document, { resultTypes: ['violations'] }).then((results) =>
      results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.impact + ' ' + v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))
  `);
  return found as string[];
}
