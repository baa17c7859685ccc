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

describe('a page to the person on call, end to end in local mode', () => {
  it('pages the person a schedule names by SMS, and the short link in the SMS acknowledges for them', async () => {
    const escalation = structuredClone(DEFAULT_ESCALATION_CONFIG);
    const policy = escalation.policies.default;
    if (!policy) throw new Error('the default escalation config has no default policy');
    policy.levels = [{ name: 'primary on-call', delayMinutes: 0, targets: ['schedule:primary'] }];
    const paging = await startLocal({
      port: 0,
      timeScale: 1,
      token: TOKEN,
      integrationKey: '0123456789abcdef0123456789abcdef',
      escalation,
      grouping: DEFAULT_GROUPING_CONFIG,
    });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${paging.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    try {
      await call('PUT', '/people/alice', {
        name: 'Alice',
        timeZone: 'Europe/Berlin',
        contacts: [{ type: 'sms', address: '+4915100000001' }],
      });
      await call('PUT', '/schedules/primary', {
        name: 'Primary',
        timeZone: 'Europe/Berlin',
        layers: [{ people: ['alice'], start: '2026-01-05T09:00', shift: { length: 1, unit: 'weeks' } }],
      });
      const opened = await call('POST', '/incidents', {
        title: 'Checkout returns 502',
        service: 'checkout',
        impact: 'high',
        urgency: 'high',
      });
      const { id } = (await opened.json()) as { id: string };

      type Recorded = {
        person?: string;
        contact?: { type: string; address: string };
        kind: string;
        text: string;
      };
      let sms: Recorded | undefined;
      for (let i = 0; i < 400 && !sms; i++) {
        const items = ((await (await call('GET', '/local/notifications')).json()) as { items: Recorded[] })
          .items;
        sms = items.find((item) => item.person === 'alice' && item.kind === 'initial');
        if (!sms) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(sms?.contact).toEqual({ type: 'sms', address: '+4915100000001' });
      const link = sms?.text.match(/Ack: (\S+)$/)?.[1] ?? '';
      expect(link.startsWith(`${paging.url}/ack/2.`)).toBe(true);

      expect((await fetch(link)).status).toBe(200);
      const before = (await (await call('GET', `/incidents/${id}`)).json()) as { status: string };
      expect(before.status).toBe('triggered');
      const pressed = await fetch(link, { method: 'POST' });
      const after = (await (await call('GET', `/incidents/${id}`)).json()) as {
        status: string;
        assignee?: string;
        pagedTargets?: string[];
      };
      expect(pressed.status).toBe(200);
      expect(after.status).toBe('acknowledged');
      expect(after.pagedTargets).toEqual(['person:alice']);
    } finally {
      await paging.stop();
    }
  });
});
