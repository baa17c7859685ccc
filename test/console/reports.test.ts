import { request as httpRequest } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { LocalRuntime } from '../../local/runtime';
import { apiCall, startConsole, stopConsole, watchPage } from '../support/console-browser';

const TOKEN = 'reports-console-test-token';
const INTEGRATION_KEY = '0123456789abcdef0123456789abcdef';
const MARKUP = '<img src=x onerror="window.__pwned=1"><b>bold</b>';

let local: LocalRuntime | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  ({ local, browser } = await startConsole({
    timeScale: 1,
    token: TOKEN,
    integrationKey: INTEGRATION_KEY,
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
  }));
});

afterAll(async () => {
  await stopConsole({ local, browser });
});

/** One API call as a person would make it with curl and the token. */
const call = <T>(method: string, path: string, body?: unknown) =>
  apiCall<T>(local, TOKEN, method, path, body);

/** A GET with the path exactly as written (fetch would resolve `..` and `%2e%2e` before sending). */
function rawGet(path: string): Promise<{ status: number; type: string; body: string }> {
  if (!local) throw new Error('local mode is not running');
  const url = new URL(local.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

interface Opened {
  id: string;
  priority: string;
}

/** Reports an incident, then acknowledges and resolves it as `then` says. */
async function incident(
  body: Record<string, string>,
  then: Array<'acknowledge' | 'resolve'> = [],
): Promise<Opened> {
  const opened = await call<Opened>('POST', '/incidents', body);
  for (const step of then) {
    await call('POST', `/incidents/${opened.id}/${step}`, step === 'resolve' ? { resolution: 'fixed' } : {});
  }
  return opened;
}

/** The summary table's rows: [group, incidents, …]. */
async function summaryRows(page: Page): Promise<string[][]> {
  return page
    .locator('#reports-summary tbody tr')
    .evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? '')));
}

describe('the reports page in a headless browser', () => {
  it('draws the trends and the by-priority and by-service charts with uPlot, and tables the figures', async () => {
    if (!browser || !local) throw new Error('setup failed');
    // Three P1 (two acknowledged, one of them resolved), one P2 resolved without an acknowledgement, two P3.
    const made = [
      await incident({ title: 'Checkout down', service: 'checkout', impact: 'high', urgency: 'high' }, [
        'acknowledge',
        'resolve',
      ]),
      await incident({ title: 'Checkout slow', service: 'checkout', impact: 'high', urgency: 'high' }, [
        'acknowledge',
      ]),
      await incident({ title: 'Login fails', service: 'auth', impact: 'high', urgency: 'high' }),
      await incident({ title: 'Search degraded', service: 'search', impact: 'high', urgency: 'medium' }, [
        'resolve',
      ]),
      await incident({ title: 'Thumbnails slow', service: MARKUP, impact: 'low', urgency: 'high' }),
      await incident({ title: 'Reports late', service: 'auth', impact: 'medium', urgency: 'medium' }),
    ];
    expect(made.map((opened) => opened.priority)).toEqual(['P1', 'P1', 'P1', 'P2', 'P3', 'P3']);

    const page = await browser.newPage();
    const { errors, failed, violations } = await watchPage(page);
    await page.goto(`${local.url}/?token=${TOKEN}#/reports`);
    await page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();

    // Six uPlot charts, each a canvas with its legend.
    await expect.poll(() => page.locator('#reports .uplot canvas').count()).toBe(6);
    const legend = async (chart: string) =>
      page.locator(`#${chart} .u-legend .u-series .u-label`).allTextContents();
    expect(await legend('chart-mtta')).toEqual(['Week', 'MTTA p50', 'MTTA p90']);
    expect(await legend('chart-mttr')).toEqual(['Week', 'MTTR p50', 'MTTR p90']);
    expect(await legend('chart-weekly-priority')).toEqual(['Week', 'P1', 'P2', 'P3', 'P4']);
    expect(await legend('chart-sla')).toEqual(['Week', 'SLA breaches']);
    expect(await legend('chart-by-priority')).toEqual(['Group', 'Incidents']);
    expect(await legend('chart-by-service')).toEqual(['Group', 'Incidents']);

    // The figures of the last 30 days by priority: the counts made above, durations in words.
    await expect.poll(() => summaryRows(page)).toHaveLength(3);
    const rows = await summaryRows(page);
    expect(rows.map(([key, count]) => [key, count])).toEqual([
      ['P1', '3'],
      ['P2', '1'],
      ['P3', '2'],
    ]);
    const [p1, p2, p3] = rows;
    expect(p1?.[3]).toMatch(/^mean \d+ s · p50 \d+ s · p90 \d+ s$/);
    expect(p1?.[4]).toMatch(/^mean \d+ s · p50 \d+ s · p90 \d+ s$/);
    expect(p2?.[3]).toBe('—');
    expect(p3?.[4]).toBe('—');

    // By service: the service named in markup is a row of text, nothing of it run or parsed.
    await page.locator('#reports-group').selectOption('service');
    await expect
      .poll(async () => (await summaryRows(page)).map(([key, count]) => [key, count]))
      .toEqual(
        [
          ['<img src=x onerror="window.__pwned=1"><b>bold</b>', '1'],
          ['auth', '2'],
          ['checkout', '2'],
          ['search', '1'],
        ].sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
    expect(await page.locator('#reports-summary img, #reports-summary b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();

    // Another range reads the summary again; the same incidents are in the last 7 days.
    await page.locator('#reports-group').selectOption('priority');
    await page.locator('#reports-range').selectOption('7');
    await expect
      .poll(async () => (await summaryRows(page)).map(([key, count]) => [key, count]))
      .toEqual([
        ['P1', '3'],
        ['P2', '1'],
        ['P3', '2'],
      ]);

    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    // The watch does see a violation: an inline style attribute, which the CSP refuses.
    await page.locator('body').evaluate((body) => body.setAttribute('style', 'color: red'));
    await expect.poll(async () => (await violations()).length).toBeGreaterThan(0);
    await page.close();
  });

  it('serves exactly uPlot’s ESM build and stylesheet under /console/vendor/, nothing else', async () => {
    const script = await rawGet('/console/vendor/uPlot.esm.js');
    const sheet = await rawGet('/console/vendor/uPlot.min.css');
    expect([script.status, script.type]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(script.body).toContain('export { uPlot as default }');
    expect([sheet.status, sheet.type]).toEqual([200, 'text/css; charset=utf-8']);

    for (const path of [
      '/console/vendor/uPlot.cjs.js',
      '/console/vendor/package.json',
      '/console/vendor/../../package.json',
      '/console/vendor/%2e%2e/%2e%2e/package.json',
      '/console/vendor/..%2f..%2fpackage.json',
      '/console/vendor/uplot/dist/uPlot.esm.js',
      '/console/vendor/constructor',
      '/console/vendor/__proto__',
      '/console/vendor/',
    ]) {
      expect((await rawGet(path)).status, path).toBe(404);
    }
  });
});
