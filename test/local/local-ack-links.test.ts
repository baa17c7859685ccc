import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAckLink } from '#core/ack-links';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { type LocalRuntime, startLocal } from '../../local/runtime';

const TOKEN = 'local-test-token';
let local: LocalRuntime;

beforeAll(async () => {
  local = await startLocal({
    port: 0,
    timeScale: 1,
    token: TOKEN,
    integrationKey: '0123456789abcdef0123456789abcdef',
    escalation: DEFAULT_ESCALATION_CONFIG,
    grouping: DEFAULT_GROUPING_CONFIG,
  });
});
afterAll(async () => {
  await local.stop();
});

async function report(): Promise<string> {
  const response = await fetch(`${local.url}/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Checkout returns 502',
      service: 'checkout',
      impact: 'high',
      urgency: 'high',
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('acknowledgement links in local mode', () => {
  it('verifies links signed with the runtime’s own random key: the page, then its form post, with no token', async () => {
    const id = await report();
    const claims = {
      incidentId: id,
      personId: 'alice',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    const link = `${local.url}/ack/${signAckLink(claims, (await local.ackKeys.keys()).current, 'short')}`;

    const page = await fetch(link);
    const pageHtml = await page.text();
    // What a browser sends for the page's form: no fields, form-encoded.
    const pressed = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    const incident = await fetch(`${local.url}/incidents/${id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(pageHtml).toContain('<form method="post">');
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('<h1>Acknowledged</h1>');
    expect(await incident.json()).toMatchObject({ status: 'acknowledged', assignee: 'person:alice' });
  });

  it('refuses a link signed with any other key', async () => {
    const id = await report();
    const claims = {
      incidentId: id,
      personId: 'alice',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };

    const answer = await fetch(`${local.url}/ack/${signAckLink(claims, Buffer.alloc(32, 1))}`);

    expect(answer.status).toBe(404);
  });
});
