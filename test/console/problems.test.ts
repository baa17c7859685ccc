import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { LocalRuntime } from '../../local/runtime';
import { apiCall, startConsole, stopConsole, watchErrors } from '../support/console-browser';

const TOKEN = 'problems-console-test-token';
const INTEGRATION_KEY = 'abcdef0123456789abcdef0123456789';
const MARKUP = '<script>window.__pwned=1</script><b>bold</b>';

let local: LocalRuntime | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  ({ local, browser } = await startConsole({
    timeScale: 1,
    token: TOKEN,
    integrationKey: INTEGRATION_KEY,
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    problems: { threshold: 3, windowDays: 30 },
  }));
});

afterAll(async () => {
  await stopConsole({ local, browser });
});

/** One API call as a person would make it with curl and the token. */
const call = <T>(method: string, path: string, body?: unknown) =>
  apiCall<T>(local, TOKEN, method, path, body);

interface ProblemList {
  items: Array<{ id: string; incidentCount: number }>;
}

/** Polls the API until the lifecycle's problem detection has linked all three (it runs after resolution). */
async function problemOf(count: number): Promise<ProblemList['items'][number]> {
  for (let i = 0; i < 400; i++) {
    const { items } = await call<ProblemList>('GET', '/problems');
    const found = items.find((problem) => problem.incidentCount === count);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no problem was opened');
}

describe('console problems (Chromium)', () => {
  it('lists the problem three resolved incidents of one service make, shows it, and links it from each incident', async () => {
    // Prepare: three incidents of one service and category, reported and resolved through the local API.
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const incident = await call<{ id: string }>('POST', '/incidents', {
        title: `Checkout ${n} ${MARKUP}`,
        service: 'checkout',
        category: 'Application',
        impact: 'low',
        urgency: 'low',
      });
      ids.push(incident.id);
      await call('POST', `/incidents/${incident.id}/resolve`, { resolution: 'restarted' });
    }
    const problem = await problemOf(3);
    if (!browser || !local) throw new Error('setup failed');
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    const { errors, failed } = watchErrors(page);

    // Act: the list
    await page.goto(`${local.url}/?token=${TOKEN}#/problems`);
    await page.getByRole('heading', { name: 'Problems', exact: true }).waitFor();
    const row = page.locator('#problems tbody tr', { hasText: problem.id });
    await row.waitFor();

    // Assess
    expect(await row.locator('td').allTextContents()).toEqual([
      problem.id,
      'Recurring: checkout (Application), 3 incidents within 30 days',
      'the same service and category: checkout (Application)',
      '3',
      expect.any(String),
      expect.any(String),
    ]);
    expect(await page.locator('nav a[href="#/problems"]').textContent()).toBe('Problems');

    // Act: the problem
    await row.getByRole('link', { name: problem.id }).click();
    await page.locator('#problem-title', { hasText: `${problem.id}: Recurring` }).waitFor();

    // Assess
    const incidents = page.locator('#problem-incidents tbody tr');
    await expect.poll(() => incidents.count()).toBe(3);
    expect(await incidents.locator('td:first-child a').allTextContents()).toEqual(ids);
    expect(await incidents.nth(0).locator('td').nth(1).textContent()).toBe(`Checkout 1 ${MARKUP}`);
    expect(await page.locator('#problem-total-downtime').textContent()).toMatch(/^\d+ (s|min)/);
    expect(await page.locator('#action-items-summary').textContent()).toBe('None open.');
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();

    // Act: an incident, then its link back to the problem
    await incidents.nth(1).getByRole('link', { name: ids[1] }).click();
    const link = page.locator('#problem-link');
    await link.waitFor();

    // Assess
    expect(await link.textContent()).toBe(problem.id);
    await link.click();
    await page.locator('#problem-title', { hasText: problem.id }).waitFor();
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
  });
});
