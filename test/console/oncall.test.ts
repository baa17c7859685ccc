import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { LocalRuntime } from '../../local/runtime';
import { apiCall, startConsole, stopConsole, watchErrors } from '../support/console-browser';

const TOKEN = 'oncall-console-test-token';
const INTEGRATION_KEY = 'fedcba9876543210fedcba9876543210';
const MARKUP = '<script>window.__pwned=1</script><b>bold</b>';
/** The viewer's zone, not the schedules' (Europe/Berlin): the page converts between them. */
const VIEWER_ZONE = 'America/New_York';
const MINUTE = 60_000;

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

interface Person {
  id: string;
  name: string;
  timeZone: string;
  contacts: Array<{ type: string; address: string; state: string }>;
}
interface Shift {
  person: string | null;
  start: string;
  end: string;
  source: string;
}
interface OnCall {
  person: string | null;
  until: string;
}
interface Override {
  id: string;
  person: string;
  start: string;
  end: string;
}

/** What the page went through: script errors, errors it logged, answers with an error status. */
/** A page in the viewer's zone, on the on-call view; `watch` sees it before it loads. */
async function openOnCall(watch: (page: Page) => void | Promise<void> = () => {}): Promise<Page> {
  if (!browser || !local) throw new Error('setup failed');
  const context = await browser.newContext({ timezoneId: VIEWER_ZONE, locale: 'en-US' });
  const page = await context.newPage();
  await watch(page);
  await page.goto(`${local.url}/?token=${TOKEN}#/oncall`);
  await page.getByRole('heading', { name: 'On call', exact: true }).waitFor();
  return page;
}

/** What a `datetime-local` input shows for an instant, on the viewer's clock. */
function viewerInputValue(ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: VIEWER_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

describe('the on-call console in a headless browser', () => {
  it('adds a person through the form, lists their contact methods with their states, and edits them', async () => {
    const page = await openOnCall();
    const { errors, failed } = watchErrors(page);
    const form = page.locator('form.person-form');
    await page.getByText('No people yet: add one with the form below.').waitFor();

    // A person with three contact methods, the SMS number mistyped: the API's 400 names it, beside the form.
    await form.getByLabel('Id', { exact: true }).fill('alice');
    await form.getByLabel('Name').fill(`Alice ${MARKUP}`);
    await form.getByLabel('Time zone').fill('Europe/Berlin');
    await form.getByLabel('Contact 1 type').selectOption('email');
    await form.getByLabel('Contact 1 address').fill('alice@example.com');
    await form.getByRole('button', { name: 'Add contact method' }).click();
    await form.getByLabel('Contact 2 type').selectOption('sms');
    await form.getByLabel('Contact 2 address').fill('0151 1234567');
    await form.getByRole('button', { name: 'Add contact method' }).click();
    await form.getByLabel('Contact 3 type').selectOption('chat');
    await form.getByLabel('Contact 3 address').fill('@alice');
    await form.getByRole('button', { name: 'Save person' }).click();
    await form
      .locator('#person-status.error', {
        hasText:
          'Save alice failed: 400 invalid_request: contacts[1].address: must be a phone number in E.164',
      })
      .waitFor();
    expect(await form.getByLabel('Contact 2 address').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Contact 2 address').fill('+4915112345678');
    await form.getByRole('button', { name: 'Save person' }).click();
    await form.locator('#person-status', { hasText: 'Save alice: done.' }).waitFor();

    // Listed as the API has them: each contact method with its state in words.
    const row = page.locator('#people tr[data-person-id="alice"]');
    await row.waitFor();
    const stored = await call<Person>('GET', '/people/alice');
    expect(stored.contacts.map((contact) => contact.state)).toEqual([
      'pending-confirmation',
      'confirmed',
      'confirmed',
    ]);
    expect(await row.locator('td.name').textContent()).toBe(`Alice ${MARKUP}`);
    expect(await row.locator('td.zone').textContent()).toBe('Europe/Berlin');
    expect(await row.locator('li.contact').allTextContents()).toEqual([
      'email alice@example.com pending confirmation',
      'SMS +4915112345678 confirmed',
      'chat handle @alice confirmed (used by chat integrations)',
    ]);

    // The list is read again every few seconds; a focused button stays focused.
    await expectFocusThroughRefresh(page, row.getByRole('button', { name: /^Edit/ }));

    // Edit: the form takes the person, the id cannot change; drop the SMS number and rename.
    await row.getByRole('button', { name: /^Edit/ }).click();
    await page.getByRole('heading', { name: 'Edit alice' }).waitFor();
    expect(await form.getByLabel('Id', { exact: true }).inputValue()).toBe('alice');
    expect(await form.getByLabel('Id', { exact: true }).getAttribute('readonly')).not.toBeNull();
    expect(await form.getByLabel('Contact 3 address').inputValue()).toBe('@alice');
    await form.getByLabel('Name').fill('Alice Liddell');
    await form.getByRole('button', { name: 'Remove contact 2' }).click();
    expect(await form.getByLabel('Contact 2 address').inputValue()).toBe('@alice');
    await form.getByRole('button', { name: 'Save person' }).click();
    await form.locator('#person-status', { hasText: 'Save alice: done.' }).waitFor();
    await row.locator('td.name', { hasText: 'Alice Liddell' }).waitFor();
    expect(await row.locator('li.contact').allTextContents()).toEqual([
      'email alice@example.com pending confirmation',
      'chat handle @alice confirmed (used by chat integrations)',
    ]);
    const edited = await call<Person>('GET', '/people/alice');
    expect(edited).toMatchObject({ name: 'Alice Liddell', timeZone: 'Europe/Berlin' });
    expect(edited.contacts.map((contact) => contact.address)).toEqual(['alice@example.com', '@alice']);
    // Back to adding: the form is empty again.
    await page.getByRole('heading', { name: 'Add a person' }).waitFor();

    expect(await page.locator('b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(failed).toEqual(['400 PUT /people/alice']);
    await page.context().close();
  });

  it('shows who is on call now and two weeks of shifts, adds an override through the form, and deletes it', async () => {
    // Two people in a daily rotation that always covers; a daytime-only schedule (gaps at night); an empty
    // one (nobody on call, ever).
    for (const id of ['bob', 'carol']) {
      await call('PUT', `/people/${id}`, {
        name: `${id[0]?.toUpperCase()}${id.slice(1)}`,
        timeZone: 'Europe/Berlin',
        contacts: [{ type: 'email', address: `${id}@example.com` }],
      });
    }
    const layer = { people: ['bob', 'carol'], start: '2026-01-05T09:00', shift: { length: 1, unit: 'days' } };
    await call('PUT', '/schedules/primary', { name: 'Primary', timeZone: 'Europe/Berlin', layers: [layer] });
    const allWeek = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    await call('PUT', '/schedules/daytime', {
      name: 'Daytime',
      timeZone: 'Europe/Berlin',
      layers: [{ ...layer, restrictions: [{ days: allWeek, from: '08:00', to: '20:00' }] }],
    });
    await call('PUT', '/schedules/empty', { name: 'Empty', timeZone: 'Europe/Berlin', layers: [] });
    const before = await call<OnCall>('GET', '/schedules/primary/oncall');
    expect(before.person).not.toBeNull();

    // What the page asks: the range of each calendar, the key of each override submission.
    const shiftQueries = new Map<string, string>();
    const idempotencyKeys: string[] = [];
    let watched: ReturnType<typeof watchErrors> | undefined;
    const page = await openOnCall((page) => {
      watched = watchErrors(page);
      page.on('request', (request) => {
        const url = new URL(request.url());
        const shiftsOf = /^\/schedules\/([^/]+)\/shifts$/.exec(url.pathname)?.[1];
        if (shiftsOf) shiftQueries.set(shiftsOf, url.search);
        if (request.method() === 'POST') idempotencyKeys.push(request.headers()['idempotency-key'] ?? '');
      });
    });
    const { errors, failed } = watched ?? watchErrors(page);

    // On call now: a person for the rotation, a warning in words for the empty schedule.
    const nowRow = (id: string) => page.locator(`#oncall-now tr[data-schedule="${id}"]`);
    const label = (id: string | null) => (id === 'bob' ? 'Bob (bob)' : id === 'carol' ? 'Carol (carol)' : '');
    await nowRow('primary')
      .locator('td.person', { hasText: label(before.person) })
      .waitFor();
    const until = await page.evaluate(
      (iso) => new Date(iso).toLocaleString(undefined, { hour12: false }),
      before.until,
    );
    expect(await nowRow('primary').locator('td.until').textContent()).toBe(`until ${until}`);
    expect(await nowRow('empty').locator('td.person').textContent()).toBe('⚠ Nobody is on call');
    expect(await nowRow('empty').locator('td.until').textContent()).toMatch(/^at least until /);

    // The calendar: fourteen days from the viewer's midnight, and exactly the shifts the API lists.
    const midnight = await page.evaluate(() => {
      const now = new Date();
      return new Date(now.getFullYear(), now.getMonth(), now.getDate()).toISOString();
    });
    for (const id of ['primary', 'daytime', 'empty']) {
      const section = page.locator(`section.schedule[data-schedule="${id}"]`);
      await expect.poll(() => section.locator('table.calendar tbody tr').count()).toBe(14);
      const query = new URLSearchParams(shiftQueries.get(id));
      expect(query.get('from')).toBe(midnight);
      const { shifts } = await call<{ shifts: Shift[] }>('GET', `/schedules/${id}/shifts?${query}`);
      expect(await shown(page, id)).toEqual(shifts.map(essentials));
      expect(shifts.length).toBeGreaterThan(0);
    }
    // Gaps show in words; today's first segment starts at the viewer's midnight.
    const daytime = page.locator('section.schedule[data-schedule="daytime"]');
    expect(await daytime.locator('li.shift-none').first().textContent()).toMatch(
      /^\d\d:\d\d–(\d\d:\d\d|24:00) ⚠ nobody on call$/,
    );
    const today = page.locator('section.schedule[data-schedule="primary"] table.calendar tbody tr').first();
    expect(await today.locator('li.shift .times').first().textContent()).toMatch(/^00:00–/);
    expect(await page.locator('section.schedule[data-schedule="empty"] li.shift').first().textContent()).toBe(
      '00:00–24:00 ⚠ nobody on call',
    );

    // An override for whoever is not on call now, from this minute for two hours (viewer's clock).
    const other = before.person === 'bob' ? 'carol' : 'bob';
    const start = Math.floor(Date.now() / MINUTE) * MINUTE;
    const end = start + 120 * MINUTE;
    const primary = page.locator('section.schedule[data-schedule="primary"]');
    await expectFocusThroughRefresh(page, primary.getByLabel('Start'));
    await primary.getByLabel('Person').selectOption(other);
    // First the wrong way round: the API's 400 names the end, shown beside the form.
    await primary.getByLabel('Start').fill(viewerInputValue(end));
    await primary.getByLabel('End').fill(viewerInputValue(start));
    await primary.getByRole('button', { name: 'Add override' }).click();
    await primary
      .locator('.action-status.error', {
        hasText: 'Add override failed: 400 invalid_request: end: must be after start (field: end)',
      })
      .waitFor();
    expect(await primary.getByLabel('End').getAttribute('aria-invalid')).toBe('true');
    await primary.getByLabel('Start').fill(viewerInputValue(start));
    await primary.getByLabel('End').fill(viewerInputValue(end));
    await primary.getByRole('button', { name: 'Add override' }).click();
    await primary.locator('.action-status', { hasText: 'Add override: done.' }).waitFor();

    // Stored as the instants the viewer meant; each submission had its own key.
    const { overrides } = await call<{ overrides: Override[] }>('GET', '/schedules/primary');
    expect(overrides).toHaveLength(1);
    const [override] = overrides as [Override];
    expect(override).toMatchObject({
      person: other,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
    });
    expect(idempotencyKeys).toHaveLength(2);
    for (const key of idempotencyKeys) expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(idempotencyKeys[0]).not.toBe(idempotencyKeys[1]);

    // On call now follows, the override is listed, and the calendar marks it as one.
    await nowRow('primary')
      .locator('td.person', { hasText: label(other) })
      .waitFor();
    const listed = primary.locator(`table.overrides tr[data-override-id="${override.id}"]`);
    await listed.waitFor();
    expect(await listed.locator('td.person').textContent()).toBe(label(other));
    const marked = primary.locator('li.shift-override').first();
    await marked.waitFor();
    expect(await marked.textContent()).toMatch(
      new RegExp(`^\\d\\d:\\d\\d–\\d\\d:\\d\\d ${label(other).replace(/[()]/g, '\\$&')} override$`),
    );
    const withOverride = await call<{ shifts: Shift[] }>(
      'GET',
      `/schedules/primary/shifts?${new URLSearchParams(shiftQueries.get('primary'))}`,
    );
    await expect.poll(() => shown(page, 'primary')).toEqual(withOverride.shifts.map(essentials));
    if (process.env.CONSOLE_SCREENSHOT)
      await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT, fullPage: true });

    // Delete it: back to the rotation.
    await listed.getByRole('button', { name: `Delete override for ${label(other)}` }).click();
    await primary
      .locator('.action-status', { hasText: `Delete override for ${label(other)}: done.` })
      .waitFor();
    await nowRow('primary')
      .locator('td.person', { hasText: label(before.person) })
      .waitFor();
    await listed.waitFor({ state: 'detached' });
    expect(await primary.getByText('No current or future overrides.').isVisible()).toBe(true);
    expect(await primary.locator('li.shift-override').count()).toBe(0);
    expect((await call<{ overrides: Override[] }>('GET', '/schedules/primary')).overrides).toEqual([]);

    expect(errors).toEqual([]);
    expect(failed).toEqual(['400 POST /schedules/primary/overrides']);
    await page.context().close();
  });
});

describe('contact states the API reports', () => {
  it('shows a failed contact method with its problem, in words', async () => {
    // Nothing local makes a subscription fail, so the answer is changed on its way to the page: the stored
    // people as the API lists them, one email marked failed the way the people store records it.
    await call('PUT', '/people/dave', {
      name: 'Dave',
      timeZone: 'Europe/Berlin',
      contacts: [
        { type: 'email', address: 'dave@example.com' },
        { type: 'sms', address: '+4915100000000' },
      ],
    });
    const page = await openOnCall(async (page) => {
      await page.route(
        (url) => url.pathname === '/people',
        async (route) => {
          const answer = await route.fetch();
          const body = (await answer.json()) as { items: Person[] };
          const email = body.items.find((person) => person.id === 'dave')?.contacts[0];
          if (email) Object.assign(email, { state: 'failed', problem: `the address bounced ${MARKUP}` });
          await route.fulfill({ response: answer, json: body });
        },
      );
    });
    const row = page.locator('#people tr[data-person-id="dave"]');
    await row.waitFor();
    expect(await row.locator('li.contact').allTextContents()).toEqual([
      `email dave@example.com ⚠ failedProblem: the address bounced ${MARKUP}`,
      'SMS +4915100000000 confirmed',
    ]);
    expect(await row.locator('li.contact .problem').textContent()).toBe(
      `Problem: the address bounced ${MARKUP}`,
    );
    expect(await page.locator('b').count()).toBe(0);
    await page.context().close();
  });
});

/** Focuses `control`, waits for the page's next refresh, and expects the focus still on it. */
async function expectFocusThroughRefresh(page: Page, control: Locator): Promise<void> {
  await control.focus();
  const refreshed = await page.locator('#refreshed').textContent();
  await expect.poll(() => page.locator('#refreshed').textContent(), { timeout: 15_000 }).not.toBe(refreshed);
  expect(await control.evaluate((node) => node === node.ownerDocument.activeElement)).toBe(true);
}

/** What the calendar shows of a shift: who, when, and whether an override or a layer decided. */
function essentials({ person, start, end, source }: Shift): Shift {
  return { person, start, end, source };
}

/**
 * The shifts a schedule's calendar shows: each segment carries its shift, and a shift across midnight is
 * cut into one segment per day, so consecutive repeats are one shift.
 */
async function shown(page: Page, scheduleId: string): Promise<Shift[]> {
  const segments = await page
    .locator(`section.schedule[data-schedule="${scheduleId}"] li.shift`)
    .evaluateAll((items) =>
      items.map((item) => {
        const data = (item as unknown as { dataset: Record<string, string | undefined> }).dataset;
        return { person: data.person || null, start: data.start, end: data.end, source: data.source };
      }),
    );
  const shifts: Shift[] = [];
  for (const segment of segments) {
    const last = shifts.at(-1);
    if (last && last.start === segment.start && last.end === segment.end) continue;
    shifts.push(segment as Shift);
  }
  return shifts;
}
