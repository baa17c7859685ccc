import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_CONFIG } from '#core/escalation';
import { DEFAULT_GROUPING_CONFIG } from '#core/grouping';
import { StatusPageConfig } from '#core/status-page';
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
    statusPage: StatusPageConfig.parse({ services: [{ name: 'Checkout', services: ['checkout'] }] }),
  });
});
afterAll(async () => {
  await local.stop();
});

const withToken = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('the status page in local mode', () => {
  it('serves GET /status with no token, JSON or HTML, with the public updates posted with the token', async () => {
    // Prepare
    const reported = await fetch(`${local.url}/incidents`, {
      method: 'POST',
      headers: withToken,
      body: JSON.stringify({ title: 'Checkout down', service: 'checkout', impact: 'high', urgency: 'high' }),
    });
    const { id } = (await reported.json()) as { id: string };
    const posted = await fetch(`${local.url}/incidents/${id}/updates`, {
      method: 'POST',
      headers: withToken,
      body: JSON.stringify({ phase: 'Identified', message: 'Payments fail; fix under way', public: true }),
    });
    expect(posted.status).toBe(200);

    // Act
    const json = await fetch(`${local.url}/status`);
    const html = await fetch(`${local.url}/status`, { headers: { accept: 'text/html' } });

    // Assess
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({
      services: [
        {
          name: 'Checkout',
          status: 'outage',
          updates: [{ at: expect.any(String), phase: 'Identified', message: 'Payments fail; fix under way' }],
        },
      ],
    });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('cache-control')).toBe('public, max-age=30');
    expect(await html.text()).toContain('Payments fail; fix under way');
  });
});
