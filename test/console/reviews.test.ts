import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { LocalRuntime } from '../../local/runtime';
import { apiCall, startConsole, stopConsole, watchPage } from '../support/console-browser';

const TOKEN = 'reviews-console-test-token';
const INTEGRATION_KEY = 'fedcba9876543210fedcba9876543210';
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

/** One API call as a person would make it with curl and the token: the status and the JSON answer. */
async function request<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as T };
}

const call = <T>(method: string, path: string, body?: unknown) =>
  apiCall<T>(local, TOKEN, method, path, body);

interface Review {
  version: number;
  state: string;
  rootCause?: string;
  actionItems: Array<{ id: string; title: string; owner: string; dueDate: string; status: string }>;
}

/** Reports an incident and resolves it. */
async function resolvedIncident(body: Record<string, string>): Promise<{ id: string; priority: string }> {
  const opened = await call<{ id: string; priority: string }>('POST', '/incidents', body);
  await call('POST', `/incidents/${opened.id}/resolve`, { resolution: 'Rolled back the deploy' });
  return opened;
}

/** Polls the API until the lifecycle has opened the review draft (a step after the resolution notice). */
async function draftOf(id: string): Promise<Review> {
  for (let i = 0; i < 400; i++) {
    const { status, json } = await request<Review>('GET', `/incidents/${id}/review`);
    if (status === 200) return json;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no review draft was opened for ${id}`);
}

describe('console reviews and action items (Chromium)', () => {
  it('edits the review of a resolved P1, saves it, finds its action item by owner, and shows a conflict', async () => {
    // Prepare: a P1, resolved through the API; the lifecycle opens its review draft.
    const p1 = await resolvedIncident({
      title: `Checkout down ${MARKUP}`,
      service: 'checkout',
      impact: 'high',
      urgency: 'high',
    });
    expect(p1.priority).toBe('P1');
    const draft = await draftOf(p1.id);
    expect(draft.version).toBe(1);
    if (!browser || !local) throw new Error('setup failed');
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    const { errors, failed, violations } = await watchPage(page);

    // Act: from the incident page to its review
    await page.goto(`${local.url}/?token=${TOKEN}#/incidents/${p1.id}`);
    const reviewLine = page.locator('#review-line');
    await reviewLine.getByText(/^Post-incident review: draft, due /).waitFor();
    await page.locator('#review-link').click();
    await page.locator('#review-form').waitFor();

    // Assess: the facts, read-only, with the title's markup as text; the timeline in order
    expect(await page.locator('#review-title').textContent()).toBe(
      `Review of ${p1.id}: Checkout down ${MARKUP}`,
    );
    expect(await page.locator('#fact-priority').textContent()).toBe('P1');
    expect(await page.locator('#fact-resolution').textContent()).toBe('Rolled back the deploy');
    const kinds = await page.locator('#review-timeline td.kind').allTextContents();
    expect(kinds[0]).toBe('opened');
    expect(kinds).toContain('resolved');
    expect(kinds.indexOf('opened')).toBeLessThan(kinds.indexOf('resolved'));
    expect(await page.locator('#review-summary').textContent()).toMatch(/^draft, due .* · version 1/);

    // The date of the meeting is asked for only when the review is scheduled.
    expect(await page.getByLabel('Scheduled for').isVisible()).toBe(false);
    await page.getByLabel('State').selectOption('scheduled');
    expect(await page.getByLabel('Scheduled for').isVisible()).toBe(true);
    await page.getByLabel('State').selectOption('draft');

    // Act: a root cause, a why, and an action item with no id, then save
    await page.getByLabel('Root cause').fill('A config push removed the pool size');
    await page.getByLabel('Why 1').fill('The pool size had no default');
    await page.getByLabel('What went well').fill('Paging was fast\nRollback worked');
    await page.getByRole('button', { name: 'Add an action item' }).click();
    await page.getByLabel('Item 1 title').fill('Add a default pool size!');
    await page.getByLabel('Item 1 owner').fill('bob');
    await page.getByLabel('Item 1 due date').fill('2026-12-15');
    await page.getByRole('button', { name: 'Save review' }).click();

    // Assess: saved as version 2, the id made from the title
    await page.locator('#review-status', { hasText: 'Saved: version 2.' }).waitFor();
    expect(await page.locator('#review-summary').textContent()).toMatch(/ · version 2( · |$)/);
    expect(await page.getByLabel('Item 1 id').inputValue()).toBe('add-a-default-pool-size');
    const saved = await call<Review>('GET', `/incidents/${p1.id}/review`);
    expect(saved.version).toBe(2);
    expect(saved.rootCause).toBe('A config push removed the pool size');
    expect(saved.actionItems).toEqual([
      {
        id: 'add-a-default-pool-size',
        title: 'Add a default pool size!',
        owner: 'bob',
        dueDate: '2026-12-15',
        status: 'open',
      },
    ]);

    // Act: the Markdown of the saved review
    await page.getByRole('button', { name: 'Markdown' }).click();
    const markdown = page.locator('#review-markdown');
    await markdown.getByText(/A config push removed the pool size/).waitFor();

    // Act: the action items, filtered by owner
    await page.locator('nav a[href="#/action-items"]').click();
    await page.getByRole('heading', { name: 'Action items', exact: true }).waitFor();
    await page.getByLabel('Owner').fill('bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/#\/action-items\?status=open&owner=bob$/);
    const rows = page.locator('#action-items tbody tr');
    await expect.poll(() => rows.count()).toBe(1);

    // Assess
    expect(await rows.first().locator('td').allTextContents()).toEqual([
      'Add a default pool size!',
      'bob',
      expect.stringMatching(/^2026-12-15/),
      'open',
      p1.id,
    ]);
    await page.getByLabel('Owner').fill('nobody-here');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page
      .locator('#action-items-count', { hasText: 'No open action items owned by nobody-here.' })
      .waitFor();

    // Act: back to the review by the item's link; someone else saves while lessons are typed here
    await page.goBack();
    await rows.first().getByRole('link', { name: p1.id }).click();
    await page.locator('#review-summary', { hasText: 'version 2' }).waitFor();
    await page.getByLabel('Lessons').fill('Defaults belong in code');
    await call('PUT', `/incidents/${p1.id}/review`, {
      state: 'draft',
      rootCause: 'Saved by someone else',
      actionItems: saved.actionItems,
      expectedVersion: 2,
    });
    await page.getByRole('button', { name: 'Save review' }).click();

    // Assess: refused, said so, and the typed text is still there
    const conflict = page.locator('#review-conflict');
    await conflict
      .getByText(/^Someone else saved this review \(now version 3\) after you loaded version 2/)
      .waitFor();
    expect(await page.getByLabel('Lessons').inputValue()).toBe('Defaults belong in code');

    // Act: reload
    await page.getByRole('button', { name: 'Reload the saved review' }).click();

    // Assess: theirs in the form, what was typed shown to copy from
    await page.locator('#review-summary', { hasText: 'version 3' }).waitFor();
    expect(await page.getByLabel('Root cause').inputValue()).toBe('Saved by someone else');
    expect(await page.locator('#review-unsaved-text').textContent()).toContain('- Defaults belong in code');
    expect(await conflict.isHidden()).toBe(true);

    expect(await page.locator('b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    expect(failed).toEqual([`409 PUT /incidents/${p1.id}/review`]);
    await page.close();
  });

  it('offers to open a review on a resolved incident that has none, and says 400s name the field', async () => {
    // Prepare: a P3 opens no review by itself.
    const p3 = await resolvedIncident({
      title: 'Slow thumbnails',
      service: 'media',
      impact: 'low',
      urgency: 'high',
    });
    expect(p3.priority).toBe('P3');
    if (!browser || !local) throw new Error('setup failed');
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    const { errors, failed, violations } = await watchPage(page);

    // Act
    await page.goto(`${local.url}/?token=${TOKEN}#/incidents/${p3.id}/review`);
    await page
      .locator('#review-missing-text', { hasText: `${p3.id} is resolved and has no review yet.` })
      .waitFor();
    await page.getByRole('button', { name: 'Open a review' }).click();

    // Assess
    await page.locator('#review-status', { hasText: 'Review opened: version 1.' }).waitFor();
    expect(await page.locator('#review-missing').isHidden()).toBe(true);
    expect((await call<Review>('GET', `/incidents/${p3.id}/review`)).version).toBe(1);

    // Act: an action item the API refuses (no owner)
    await page.getByRole('button', { name: 'Add an action item' }).click();
    await page.getByLabel('Item 1 title').fill('Resize thumbnails ahead');
    await page.getByLabel('Item 1 due date').fill('2026-12-20');
    await page.getByRole('button', { name: 'Save review' }).click();

    // Assess: the message names the field, and that input is marked
    await page
      .locator('#review-status', { hasText: /^Save failed: 400 invalid_request: actionItems\[0\]\.owner/ })
      .waitFor();
    expect(await page.getByLabel('Item 1 owner').getAttribute('aria-invalid')).toBe('true');

    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    // The page may have read the missing review again before the click: each answer once.
    expect([...new Set(failed)]).toEqual([
      `404 GET /incidents/${p3.id}/review`,
      `400 PUT /incidents/${p3.id}/review`,
    ]);
    await page.close();
  });
});
