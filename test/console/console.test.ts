import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import type { RunbookRun } from '#core/runbook-run';
import { parseRunbookConfig } from '#core/runbooks';
import type { LocalRuntime } from '../../local/runtime';
import { startConsole, stopConsole, watchErrors } from '../support/console-browser';
import { loadFixture } from '../support/fixtures';
import { EXAMPLE_RUNBOOKS } from '../support/runbook-doubles';

const TOKEN = 'console-test-token';
const INTEGRATION_KEY = '0123456789abcdef0123456789abcdef';
const MARKUP = '<script>window.__pwned=1</script><b>bold</b>';

let local: LocalRuntime | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  // Local mode as `npm start` runs it (console at /, the API beside it), on a free port; real-time waits,
  // so nothing escalates during the test. Runbooks run as in local mode: the runbook-run ASL executed here,
  // SSM Automation played out by the local stand-in.
  const runbooks = parseRunbookConfig(EXAMPLE_RUNBOOKS);
  ({ local, browser } = await startConsole({
    timeScale: 1,
    token: TOKEN,
    integrationKey: INTEGRATION_KEY,
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
    runbooks,
  }));
});

afterAll(async () => {
  await stopConsole({ local, browser });
});

interface Created {
  id: string;
  priority: string;
}

/** Reports an incident through the API, as a person would with curl and the token. */
async function report(body: Record<string, string>): Promise<Created> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Created;
}

/** Sends an Alertmanager notification to local mode, as Alertmanager's webhook does. */
async function alertmanager(notification: Record<string, unknown>): Promise<string[]> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}/integrations/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INTEGRATION_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(notification),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { results: Array<{ incidentId: string }> };
  return body.results.map((result) => result.incidentId);
}

/** Replays an AWS event through local mode and returns the incident it opened or joined. */
async function replay(event: Record<string, unknown>): Promise<string> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}/local/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(response.status).toBe(200);
  const { results } = (await response.json()) as { results: Array<{ incidentId: string }> };
  return results[0]?.incidentId ?? '';
}

async function runsOf(id: string): Promise<RunbookRun[]> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}/incidents/${id}/runbooks`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { runs: RunbookRun[] }).runs;
}

interface Alert {
  alertId: string;
  title: string;
  state: string;
  firedCount: number;
  priority: string;
  source: { kind: string; name: string };
  movedTo?: string;
}

async function alertsOf(id: string): Promise<Alert[]> {
  if (!local) throw new Error('local mode is not running');
  const response = await fetch(`${local.url}/incidents/${id}/alerts`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Alert[] }).items;
}

/**
 * What went wrong on the page: script errors, errors it logged (a CSP violation), and every answer with an
 * error status (the browser logs those too; they are listed once, as `status method path`).
 */
describe('the web console in a headless browser', () => {
  it('lists open incidents by priority, acknowledges one, adds a note, and shows markup as text', async () => {
    if (!browser || !local) throw new Error('setup failed');
    const p3 = await report({ title: 'Slow thumbnails', service: 'media', impact: 'low', urgency: 'high' });
    const p1 = await report({
      title: `Checkout down ${MARKUP}`,
      description: `Customers see 502. ${MARKUP}`,
      service: 'checkout',
      team: 'payments',
      impact: 'high',
      urgency: 'high',
    });
    const p2 = await report({
      title: 'Search degraded',
      service: 'search',
      impact: 'high',
      urgency: 'medium',
    });
    expect([p1.priority, p2.priority, p3.priority]).toEqual(['P1', 'P2', 'P3']);

    const page = await browser.newPage();
    const { errors, failed } = watchErrors(page);
    // Nothing may come from anywhere but the console's own origin.
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(local?.url ?? '-')) foreign.push(request.url());
    });

    await page.goto(`${local.url}/?token=${TOKEN}`);

    // The list: P1 first, each row with its age and SLA countdown; the title's markup is text.
    const rows = page.locator('#open-incidents tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.locator('td:nth-child(1)').allTextContents()).toEqual([p1.id, p2.id, p3.id]);
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual([
      'Priority P1',
      'Priority P2',
      'Priority P3',
    ]);
    const first = rows.first();
    expect(await first.locator('td.title').textContent()).toBe(`Checkout down ${MARKUP}`);
    expect(await first.locator('td:nth-child(5)').textContent()).toBe('checkout');
    expect(await first.locator('td:nth-child(6)').textContent()).toBe('payments');
    for (const age of await rows.locator('td.age').allTextContents()) expect(age).toMatch(/^\d+ (s|min)$/);
    for (const left of await rows.locator('td.sla-cell').allTextContents()) {
      expect(left).toMatch(/^\d+ (s|min|h \d\d min) left$/);
    }
    await page.getByText('MTTA/MTTR: no resolved incidents yet.').waitFor();
    // The token left the address bar once it was read.
    expect(page.url()).not.toContain(TOKEN);

    // The incident page: fields, the description as text, the timeline.
    await first.getByRole('link', { name: p1.id }).click();
    await page.locator('#incident-title').getByText(`Checkout down ${MARKUP}`, { exact: true }).waitFor();
    expect(await page.locator('#incident-description').textContent()).toBe(`Customers see 502. ${MARKUP}`);
    await page.locator('#timeline td.kind', { hasText: 'opened' }).first().waitFor();
    const status = page.locator('#incident-fields dd').first();
    expect(await status.textContent()).toBe('triggered');

    // Acknowledge: the status and the timeline follow.
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('#incident-fields dd', { hasText: /^acknowledged$/ }).waitFor();
    const ackRow = page.locator('#timeline tbody tr', {
      has: page.locator('td.kind', { hasText: /^acknowledged$/ }),
    });
    await ackRow.waitFor();
    expect(await ackRow.locator('td.actor').textContent()).toBe('local-user');
    await expect.poll(() => page.getByRole('button', { name: 'Acknowledge' }).isDisabled()).toBe(true);

    // A note with markup shows in the timeline as text.
    await page.getByLabel('Note').fill(`Rolled back ${MARKUP}`);
    await page.getByRole('button', { name: 'Add note' }).click();
    const noteRow = page.locator('#timeline tbody tr', {
      has: page.locator('td.kind', { hasText: /^note$/ }),
    });
    await noteRow.waitFor();
    expect(await noteRow.locator('td.message > span').textContent()).toBe(`Rolled back ${MARKUP}`);

    // An API error is shown: a status update without a message is refused by the browser, so send one the
    // API refuses (only spaces, which it trims to nothing).
    await page.getByLabel('Message to stakeholders').fill('   ');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.locator('#action-status', { hasText: /Post update failed: 400 invalid_request/ }).waitFor();

    // Back to the list: the acknowledged incident is still open, with its new status.
    await page.getByRole('link', { name: '← Open incidents' }).click();
    // The badge says what it is to screen readers: `Status acknowledged`.
    await page
      .locator(`#open-incidents tr[data-id="${p1.id}"] td.status`, { hasText: /^Status acknowledged$/ })
      .waitFor();

    // Resolve another from its page: it leaves the list and counts in MTTR.
    await page.getByRole('link', { name: p3.id }).click();
    await page.getByLabel('Resolution (required)').fill('Cache flushed');
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.locator('#incident-fields dd', { hasText: /^resolved$/ }).waitFor();
    await page.locator('#timeline td.kind', { hasText: /^resolved$/ }).waitFor();
    await page.getByRole('link', { name: '← Open incidents' }).click();
    await page.getByText(/^At a glance: MTTA n\/a · MTTR \d+ s \(last 1 resolved\)$/).waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    if (process.env.CONSOLE_SCREENSHOT) await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT });

    // Nothing in the data ran or became markup.
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    expect(failed).toEqual([`400 POST /incidents/${p1.id}/updates`]);
    await page.close();
  });

  it('lists an incident’s alerts with state and counts, and merges it into another', async () => {
    if (!browser || !local) throw new Error('setup failed');
    // Two crash-looping pods of one service: one incident with two alerts; one pod recovers.
    const firing = loadFixture('13-');
    const [checkout, second] = await alertmanager(firing);
    const recovered = loadFixture('14-');
    await alertmanager({ ...recovered, alerts: (recovered.alerts as object[]).slice(0, 1) });
    const payments = await report({
      title: `Payments slow ${MARKUP}`,
      service: 'payments',
      impact: 'medium',
      urgency: 'medium',
    });
    expect(second).toBe(checkout);
    const checkoutAlerts = await alertsOf(String(checkout));
    expect(checkoutAlerts.map((alert) => alert.state)).toEqual(['resolved', 'firing']);

    const page = await browser.newPage();
    const { errors, failed } = watchErrors(page);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await page.goto(`${local.url}/?token=${TOKEN}`);

    // The list shows each incident's alerts, and how many fire when not all do.
    const row = (id: string) => page.locator(`#open-incidents tr[data-id="${id}"]`);
    await row(String(checkout)).locator('td.alert-counts', { hasText: '2 alerts · 1 firing' }).waitFor();
    expect(await row(payments.id).locator('td.alert-counts').textContent()).toBe('1 alert');

    // The incident page lists its alerts: state, title, source, first and last seen, times fired, priority.
    await row(String(checkout))
      .getByRole('link', { name: String(checkout) })
      .click();
    const alertRows = page.locator('#alerts tbody tr');
    await expect.poll(() => alertRows.count()).toBe(2);
    expect(await page.locator('#alerts-summary').textContent()).toBe('2 alerts · 1 firing');
    expect(await alertRows.locator('td.state').allTextContents()).toEqual(['resolved', 'firing']);
    expect(await alertRows.locator('td.title').allTextContents()).toEqual(checkoutAlerts.map((a) => a.title));
    expect(await alertRows.locator('td.source').allTextContents()).toEqual(
      checkoutAlerts.map((a) => `${a.source.kind}: ${a.source.name}`),
    );
    expect(await alertRows.locator('td.fired').allTextContents()).toEqual(['1', '1']);
    expect(await alertRows.locator('td.priority').allTextContents()).toEqual(
      checkoutAlerts.map((a) => a.priority),
    );
    for (const cell of await alertRows.locator('td.first-seen, td.last-seen').allTextContents()) {
      expect(cell).toMatch(/\d/);
    }

    // A merge the API refuses shows why: an incident that does not exist (404), itself (409).
    const mergeInto = page.getByLabel('Merge into incident');
    await mergeInto.fill('INC-20990101-0001');
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await page
      .locator('#action-status', {
        hasText: 'Merge failed: 404 not_found: incident INC-20990101-0001 does not exist (field: into)',
      })
      .waitFor();
    await mergeInto.fill(String(checkout));
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await page
      .locator('#action-status', {
        hasText: 'Merge failed: 409 conflict: an incident cannot be merged into itself (field: id)',
      })
      .waitFor();

    // Merged: it resolves, says where it went, and its alerts show where they moved.
    await mergeInto.fill(payments.id);
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.locator('#action-status', { hasText: 'Merge: done.' }).waitFor();
    await page.locator('#incident-fields dd', { hasText: /^resolved$/ }).waitFor();
    await page.locator('#alerts-summary', { hasText: '0 alerts · 2 moved to other incidents' }).waitFor();
    expect(await page.locator('#incident-fields dd a', { hasText: payments.id }).count()).toBe(1);
    expect(await alertRows.locator('td.title .moved').allTextContents()).toEqual([
      ` · moved to ${payments.id}`,
      ` · moved to ${payments.id}`,
    ]);
    await page.locator('#timeline td.kind', { hasText: /^merged$/ }).waitFor();
    expect(await page.getByLabel('Merge into incident').isDisabled()).toBe(true);
    expect(dialogs).toEqual(
      ['INC-20990101-0001', String(checkout), payments.id].map(
        (into) => `Merge ${checkout} into ${into}? Its alerts move there and ${checkout} resolves.`,
      ),
    );

    // The incident it went into has them all; its own alert's title (with markup) is text.
    await alertRows.first().getByRole('link', { name: payments.id }).click();
    await page.locator('#alerts-summary', { hasText: '3 alerts · 2 firing' }).waitFor();
    const paymentsAlerts = await alertsOf(payments.id);
    await expect
      .poll(() => alertRows.locator('td.title').allTextContents())
      .toEqual(paymentsAlerts.map((a) => a.title));
    expect(paymentsAlerts.map((a) => a.title).sort()).toEqual(
      [`Payments slow ${MARKUP}`, ...checkoutAlerts.map((a) => a.title)].sort(),
    );
    expect(paymentsAlerts.every((a) => a.movedTo === undefined)).toBe(true);
    await page.getByRole('link', { name: '← Open incidents' }).click();
    await row(payments.id).locator('td.alert-counts', { hasText: '3 alerts · 2 firing' }).waitFor();
    expect(await row(String(checkout)).count()).toBe(0);

    expect(await page.locator('b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(failed).toEqual([
      `404 POST /incidents/${checkout}/merge`,
      `409 POST /incidents/${checkout}/merge`,
    ]);
    await page.close();
  });

  it('asks for the token when the page has none, and uses the one given', async () => {
    if (!browser || !local) throw new Error('setup failed');
    const page = await browser.newPage();
    await page.goto(`${local.url}/`);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: 'Open incidents' }).waitFor();
    await page.locator('#open-incidents tbody tr').first().waitFor();
    await page.close();
  });

  it('asks again when the API refuses the token', async () => {
    if (!browser || !local) throw new Error('setup failed');
    const page = await browser.newPage();
    await page.goto(`${local.url}/?token=not-the-token`);
    await page.getByText('The API refused the token (401). Paste a valid one.').waitFor();
    await page.getByLabel('Token').waitFor();
    await page.close();
  });

  it('lists an incident’s runbook runs, approves one that awaits approval, and runs a bound runbook', async () => {
    if (!browser || !local) throw new Error('setup failed');
    // The EC2 CPU alarm opens an incident: its lifecycle launches the bound runbooks, the restart waits for
    // approval, the diagnostic runs at once, and recent changes are looked up.
    const id = await replay(loadFixture('01-'));
    const byBinding = async () => new Map((await runsOf(id)).map((run) => [run.binding, run]));
    await expect
      .poll(async () => (await byBinding()).get('restart-web')?.state, { timeout: 20_000 })
      .toBe('awaiting-approval');
    const restart = (await byBinding()).get('restart-web') as RunbookRun;

    const page = await browser.newPage();
    const { errors, failed } = watchErrors(page);
    await page.goto(`${local.url}/?token=${TOKEN}#/incidents/${id}`);

    // The run: binding and kind, document@version, its state, the parameters filled from the alarm.
    const row = page.locator(`#runbook-runs tr[data-run-id="${restart.runId}"]`);
    await row.waitFor();
    expect(await page.locator('#runbooks-summary').textContent()).toMatch(/· 1 awaiting approval$/);
    expect(await row.locator('td.binding').textContent()).toBe('restart-webremediation · approval');
    expect(await row.locator('td.document').textContent()).toBe('Firebreak-RestartEC2Instance@1');
    expect(await row.locator('td.state').textContent()).toBe('awaiting-approval');
    expect(await row.locator('td.parameters .parameter').allTextContents()).toEqual([
      'InstanceId=i-0a7c3e9f2b1d45e68',
      'AutomationAssumeRole=arn:aws:iam::000000000000:role/firebreak-automation',
    ]);

    // Approve, with a reason: the run says who approved it, the API agrees, and the waiting run goes on to
    // start its automation.
    await row.getByLabel('Reason for restart-web').fill('CPU pinned since the deploy');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#runbook-status', { hasText: 'Approve restart-web: done.' }).waitFor();
    await expect
      .poll(async () => (await byBinding()).get('restart-web')?.approvedBy, { timeout: 10_000 })
      .toBe('local-user');
    expect((await byBinding()).get('restart-web')).toMatchObject({
      decisionReason: 'CPU pinned since the deploy',
    });
    await expect
      .poll(() => local?.automation.list().some((started) => started.runId === restart.runId), {
        timeout: 20_000,
      })
      .toBe(true);
    await page
      .locator('#timeline tr.kind-remediation td.message', {
        hasText: 'Approved restart-web (Firebreak-RestartEC2Instance v1): CPU pinned since the deploy',
      })
      .waitFor();

    // Run a bound runbook from the page: one more run is listed.
    const before = (await runsOf(id)).length;
    await page.getByLabel('Bound runbook').selectOption('describe-instance');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('#runbook-status', { hasText: 'Run describe-instance: done.' }).waitFor();
    await expect.poll(async () => (await runsOf(id)).length).toBe(before + 1);
    await expect.poll(() => page.locator('#runbook-runs tbody tr').count()).toBe(before + 1);

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });

  it('sets an incident’s commander through the roles form, shows the API’s refusal, and clears it', async () => {
    if (!browser || !local) throw new Error('setup failed');
    const person = await fetch(`${local.url}/people/alice`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Alice Example',
        timeZone: 'Europe/Berlin',
        contacts: [{ type: 'chat', address: '@alice' }],
      }),
    });
    expect(person.status).toBe(201);
    const { id } = await report({
      title: 'Payments time out',
      service: 'payments',
      impact: 'high',
      urgency: 'low',
    });

    const page = await browser.newPage();
    const { errors, failed } = watchErrors(page);
    await page.goto(`${local.url}/?token=${TOKEN}#/incidents/${id}`);
    await page.locator('#timeline td.kind', { hasText: 'opened' }).first().waitFor();
    const rolesRow = page.locator('#incident-fields dt', { hasText: /^Roles$/ });
    expect(await rolesRow.count()).toBe(0);

    // Set the commander: the incident's fields and its timeline show it; the form shows the holder.
    const commander = page.getByLabel('Incident commander', { exact: true });
    await commander.fill('alice');
    await page.getByRole('button', { name: 'Set roles' }).click();
    await page.locator('#action-status', { hasText: 'Set roles: done.' }).waitFor();
    await page.locator('#incident-fields dd', { hasText: /^incident commander alice$/ }).waitFor();
    const entry = page.locator('#timeline tbody tr.kind-updated', {
      has: page.locator('td.message > span', { hasText: /^Incident commander: alice$/ }),
    });
    await entry.waitFor();
    expect(await entry.locator('td.actor').textContent()).toBe('local-user');
    expect(await commander.inputValue()).toBe('');
    expect(await commander.getAttribute('placeholder')).toBe('alice');

    // Someone who is not a person: the API's 400 names the role, and nothing changes.
    await page.getByLabel('Scribe', { exact: true }).fill('zed');
    await page.getByRole('button', { name: 'Set roles' }).click();
    await page
      .locator('#action-status', {
        hasText: 'Set roles failed: 400 invalid_request: scribe: person zed does not exist',
      })
      .waitFor();

    // Clear it: the roles leave the fields; the timeline says who held it.
    await page.getByLabel('Scribe', { exact: true }).fill('');
    await page.getByLabel('Clear incident commander').check();
    await page.getByRole('button', { name: 'Set roles' }).click();
    await page
      .locator('#timeline td.message > span', { hasText: /^Incident commander: nobody \(was alice\)$/ })
      .waitFor();
    await expect.poll(() => rolesRow.count()).toBe(0);
    expect(await page.getByLabel('Clear incident commander').isChecked()).toBe(false);

    expect(errors).toEqual([]);
    expect(failed).toEqual([`400 PUT /incidents/${id}/roles`]);
    await page.close();
  });
});
