import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAckLink } from '#core/ack-links';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { RunbookRun } from '#core/runbook-run';
import { parseRunbookConfig } from '#core/runbooks';
import type { LocalRuntime } from '../../local/runtime';
import {
  apiCall,
  seriousAccessibilityViolations,
  startConsole,
  stopConsole,
  watchErrors,
} from '../support/console-browser';
import { contrastRatio, over, parseColour, type Rgba } from '../support/contrast';
import { loadFixture } from '../support/fixtures';
import { EXAMPLE_RUNBOOKS } from '../support/runbook-doubles';

// The console as the on-call engineer meets it: on a phone (390×844) and a laptop (1280×800), by day and
// at night (prefers-color-scheme), by touch and by keyboard, with a screen reader's live regions.

const TOKEN = 'phone-test-token';
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };
const SCREENS = [
  ['phone', PHONE],
  ['laptop', LAPTOP],
] as const;
const SCHEMES = ['light', 'dark'] as const;

let local: LocalRuntime | undefined;
let browser: Browser | undefined;
/** The EC2 CPU alarm's incident: triggered, two alerts' worth of page, a restart awaiting approval. */
let cpuIncident: string;

beforeAll(async () => {
  ({ local, browser } = await startConsole({
    timeScale: 1,
    token: TOKEN,
    integrationKey: '0123456789abcdef0123456789abcdef',
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    runbooks: parseRunbookConfig(EXAMPLE_RUNBOOKS),
  }));
  // What a night looks like in the list: a P1 with a long title, others behind it.
  await report({
    title:
      'checkout-api p99 latency above 2 s in eu-west-1 for 10 minutes: card payments time out for most customers',
    service: 'checkout-api',
    team: 'payments',
    impact: 'high',
    urgency: 'high',
  });
  await report({ title: 'Search results stale', service: 'search', impact: 'medium', urgency: 'medium' });
  await report({ title: 'Nightly export late', service: 'exports', impact: 'low', urgency: 'low' });
  cpuIncident = await replay(loadFixture('01-'));
  // Its lifecycle launches the bound runbooks; the restart waits for approval.
  for (let tries = 0; ; tries += 1) {
    const restart = (await runsOf(cpuIncident)).find((run) => run.binding === 'restart-web');
    if (restart?.state === 'awaiting-approval') break;
    if (tries >= 200)
      throw new Error(`the restart is ${restart?.state ?? 'not requested'}, not awaiting approval`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  await stopConsole({ local, browser });
});

async function report(body: Record<string, string>): Promise<string> {
  return (await apiCall<{ id: string }>(local, TOKEN, 'POST', '/incidents', body)).id;
}

async function replay(event: Record<string, unknown>): Promise<string> {
  const answer = await apiCall<{ results: Array<{ incidentId: string }> }>(
    local,
    TOKEN,
    'POST',
    '/local/events',
    event,
  );
  return answer.results[0]?.incidentId ?? '';
}

async function runsOf(id: string): Promise<RunbookRun[]> {
  return (await apiCall<{ runs: RunbookRun[] }>(local, TOKEN, 'GET', `/incidents/${id}/runbooks`)).runs;
}

async function statusOf(id: string): Promise<string> {
  return (await apiCall<{ status: string }>(local, TOKEN, 'GET', `/incidents/${id}`)).status;
}

async function open(
  screen: { width: number; height: number },
  colorScheme: 'light' | 'dark',
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  if (!browser) throw new Error('setup failed');
  const context = await browser.newContext({ viewport: screen, colorScheme });
  const page = await context.newPage();
  const { errors } = watchErrors(page);
  return { context, page, errors };
}

/** Whether the page is wider than the screen (what makes a phone scroll sideways). */
function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth > window.innerWidth') as Promise<boolean>;
}

/** Where an element is on the screen before any scrolling, and the screen's height. */
async function placeOf(page: Page, selector: string) {
  return (await page.evaluate(`(() => {
    const box = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
    return { top: box.top, bottom: box.bottom, left: box.left, right: box.right,
      height: window.innerHeight, width: window.innerWidth };
  })()`)) as { top: number; bottom: number; left: number; right: number; height: number; width: number };
}

interface Painted {
  what: string;
  colour: string;
  /** The element's own background, then each ancestor's, up to the root. */
  backgrounds: string[];
}

/**
 * The text colour of every element matching `selector` and the backgrounds behind it, as the browser
 * computed them; the contrast is worked out here, compositing each background over the ones below it.
 */
async function painted(page: Page, selector: string): Promise<Painted[]> {
  return (await page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((node) => {
    const backgrounds = [];
    for (let at = node; at; at = at.parentElement) backgrounds.push(getComputedStyle(at).backgroundColor);
    return { what: node.className + ' ' + node.textContent, colour: getComputedStyle(node).color, backgrounds };
  })`)) as Painted[];
}

function contrastOf({ colour, backgrounds }: Painted): number {
  const layers = backgrounds.map(parseColour).reverse();
  const behind = layers.reduce<Rgba>((below, layer) => over(layer, below), [255, 255, 255, 1]);
  return contrastRatio(over(parseColour(colour), behind), behind);
}

/** Every badge kind the list and the incident page draw, on a plain row and on a P1 row. */
const BADGE_SAMPLES = `(() => {
  const kinds = ['priority-P1', 'priority-P2', 'priority-P3', 'priority-P4', 'status-triggered',
    'status-acknowledged', 'status-resolved', 'status-closed', 'alert-firing', 'alert-resolved'];
  const samples = document.createElement('div');
  samples.id = 'badge-samples';
  for (const row of ['', 'row-P1']) {
    const line = document.createElement('p');
    line.className = row;
    for (const kind of kinds) {
      const badge = document.createElement('span');
      badge.className = 'badge ' + kind;
      badge.textContent = kind.split('-').pop();
      line.append(badge);
    }
    samples.append(line);
  }
  document.getElementById('app').append(samples);
})()`;

describe('the console on a phone and at night', () => {
  describe.each(SCREENS)('on a %s', (_name, screen) => {
    it.each(SCHEMES)(
      'in the %s theme: nothing wider than the screen, Acknowledge on the first screen, no serious accessibility findings',
      async (scheme) => {
        const { context, page, errors } = await open(screen, scheme);
        try {
          await page.goto(`${local?.url}/?token=${TOKEN}#/`);
          await page.locator(`#open-incidents tr[data-id="${cpuIncident}"]`).waitFor();
          expect(await scrollsSideways(page)).toBe(false);
          expect(await seriousAccessibilityViolations(page)).toEqual([]);

          // The incident page of a triggered incident: the action bar is on the first screen.
          await page.goto(`${local?.url}/?token=${TOKEN}#/incidents/${cpuIncident}`);
          await page.locator('#approve-buttons button').waitFor();
          expect(await scrollsSideways(page)).toBe(false);
          for (const selector of ['#acknowledge', '#resolve-jump', '#approve-buttons button']) {
            const place = await placeOf(page, selector);
            expect(place.top, selector).toBeGreaterThanOrEqual(0);
            expect(place.bottom, selector).toBeLessThanOrEqual(place.height);
            expect(place.right, selector).toBeLessThanOrEqual(place.width);
          }
          // ... above the metadata.
          expect((await placeOf(page, '#action-bar')).bottom).toBeLessThanOrEqual(
            (await placeOf(page, '#incident-fields')).top,
          );
          expect(await page.locator('#acknowledge').isEnabled()).toBe(true);
          expect(await seriousAccessibilityViolations(page)).toEqual([]);
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      },
      60_000,
    );
  });

  it.each(SCHEMES)(
    'draws every priority and status badge at WCAG AA contrast (4.5:1) in the %s theme',
    async (scheme) => {
      const { context, page } = await open(PHONE, scheme);
      try {
        await page.goto(`${local?.url}/?token=${TOKEN}#/`);
        await page.locator('#open-incidents tbody tr').first().waitFor();
        await page.evaluate(BADGE_SAMPLES);
        const badges = await painted(page, '.badge');
        // The list's own badges, and each sample kind on a plain row and a P1 row.
        expect(badges.length).toBeGreaterThanOrEqual(20);
        for (const badge of badges) expect(contrastOf(badge), badge.what).toBeGreaterThanOrEqual(4.5);
        // The two themes are different colours, not one theme twice (the root element's background).
        const background = badges[0]?.backgrounds.at(-1);
        expect(background).toBe(scheme === 'dark' ? 'rgb(18, 20, 23)' : 'rgb(255, 255, 255)');
      } finally {
        await context.close();
      }
    },
  );

  it('the accessibility audit is no formality: it finds a button without a name', async () => {
    const { context, page } = await open(PHONE, 'light');
    try {
      await page.goto(`${local?.url}/?token=${TOKEN}#/`);
      await page.locator('#open-incidents tbody tr').first().waitFor();
      await page.evaluate(`document.getElementById('app').append(document.createElement('button'))`);
      expect((await seriousAccessibilityViolations(page)).join('\n')).toMatch(/^critical button-name: /m);
    } finally {
      await context.close();
    }
  });

  it('on a phone, by keyboard alone: a visible focus ring, Acknowledge with Enter, Approve from the action bar', async () => {
    const id = await report({
      title: 'Orders queue backing up',
      service: 'orders',
      impact: 'high',
      urgency: 'medium',
    });
    const { context, page, errors } = await open(PHONE, 'dark');
    try {
      await page.goto(`${local?.url}/?token=${TOKEN}#/incidents/${id}`);
      await page.locator('#acknowledge:enabled').waitFor();
      // Tab from the top of the page until Acknowledge has the focus: no mouse anywhere.
      let steps = 0;
      while (!(await page.evaluate(`document.activeElement?.id === 'acknowledge'`))) {
        await page.keyboard.press('Tab');
        steps += 1;
        expect(steps, 'Acknowledge is reachable by Tab').toBeLessThan(30);
      }
      const ring = (await page.evaluate(`(() => {
        const style = getComputedStyle(document.activeElement);
        return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
          background: getComputedStyle(document.body).backgroundColor };
      })()`)) as { style: string; width: number; colour: string; background: string };
      expect(ring.style).toBe('solid');
      expect(ring.width).toBeGreaterThanOrEqual(2);
      expect(contrastRatio(ring.colour, ring.background)).toBeGreaterThanOrEqual(3);

      await page.keyboard.press('Enter');
      await page.locator('#action-status', { hasText: 'Acknowledge: done.' }).waitFor();
      expect(await statusOf(id)).toBe('acknowledged');
      await expect.poll(() => page.locator('#acknowledge').isDisabled()).toBe(true);

      // Resolve… takes the focus to the resolution, which needs words.
      await page.locator('#resolve-jump').click();
      expect(await page.evaluate(`document.activeElement?.id`)).toBe('resolution');

      // The restart awaiting approval: approved from the bar, first screen, one tap.
      await page.goto(`${local?.url}/?token=${TOKEN}#/incidents/${cpuIncident}`);
      const approve = page.getByRole('button', { name: 'Approve restart-web' });
      await approve.waitFor();
      await approve.click();
      await expect
        .poll(async () => (await runsOf(cpuIncident)).find((r) => r.binding === 'restart-web')?.approvedBy)
        .toBe('local-user');
      await page.locator('#action-status', { hasText: 'Approve restart-web: done.' }).waitFor();
      await expect.poll(() => approve.count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('tells a screen reader politely when the list was updated and when a new incident arrives', async () => {
    const { context, page } = await open(PHONE, 'light');
    try {
      await page.goto(`${local?.url}/?token=${TOKEN}#/`);
      await page.locator('#open-incidents tbody tr').first().waitFor();
      const refreshed = page.locator('#refreshed');
      expect(await refreshed.getAttribute('role')).toBe('status');
      expect(await refreshed.getAttribute('aria-live')).toBe('polite');
      await expect.poll(() => refreshed.textContent()).toMatch(/^Updated \d\d:\d\d:\d\d$/);
      const announcer = page.locator('#announcer');
      expect(await announcer.getAttribute('aria-live')).toBe('polite');
      // Nothing is announced for what was already there.
      expect(await announcer.textContent()).toBe('');

      const id = await report({
        title: 'Login errors rising',
        service: 'auth',
        impact: 'high',
        urgency: 'high',
      });
      await expect
        .poll(() => announcer.textContent(), { timeout: 15_000 })
        .toBe(`New incident: P1 ${id} Login errors rising`);
    } finally {
      await context.close();
    }
  }, 30_000);

  it.each(SCHEMES)(
    'renders the acknowledgement link from a page on a phone in the %s theme, with the console’s colours',
    async (scheme) => {
      if (!local) throw new Error('setup failed');
      const id = await report({
        title: 'Payments webhook failing',
        service: 'payments',
        impact: 'high',
        urgency: 'high',
      });
      const claims = {
        incidentId: id,
        personId: 'alice',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      };
      const link = `${local.url}/ack/${signAckLink(claims, (await local.ackKeys.keys()).current, 'short')}`;
      const { context, page } = await open(PHONE, scheme);
      try {
        await page.goto(link);
        const button = page.getByRole('button', { name: 'Acknowledge as alice' });
        await button.waitFor();
        expect(await scrollsSideways(page)).toBe(false);
        const place = await placeOf(page, 'button');
        expect(place.bottom).toBeLessThanOrEqual(place.height);
        expect(await seriousAccessibilityViolations(page)).toEqual([]);
        for (const element of await painted(page, 'h1, p, dt, dd, .badge, button')) {
          expect(contrastOf(element), element.what).toBeGreaterThanOrEqual(4.5);
        }
        const background = (await painted(page, 'body'))[0]?.backgrounds[0];
        expect(background).toBe(scheme === 'dark' ? 'rgb(18, 20, 23)' : 'rgb(255, 255, 255)');

        await button.click();
        await page.getByRole('heading', { name: 'Acknowledged' }).waitFor();
        expect(await statusOf(id)).toBe('acknowledged');
      } finally {
        await context.close();
      }
    },
  );
});
