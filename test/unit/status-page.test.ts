import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_UPDATES,
  type StatusIncident,
  StatusPageConfig,
  statusPage,
  statusPageHtml,
} from '#core/status-page';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

const CONFIG = StatusPageConfig.parse({
  title: 'Example status',
  services: [
    { name: 'Checkout', services: ['checkout-api', 'payments'] },
    { name: 'Search', services: ['search'] },
  ],
});

function incident(over: Partial<StatusIncident> = {}): StatusIncident {
  return { service: 'checkout-api', priority: 'P1', status: 'triggered', publicUpdates: [], ...over };
}

describe('the status page', () => {
  it('shows each configured service at the worst state of its open incidents', () => {
    const page = statusPage(
      CONFIG,
      [
        incident({ priority: 'P2', service: 'payments' }),
        incident({ priority: 'P1', status: 'resolved', resolvedAt: hoursAgo(1) }),
        incident({ priority: 'P3', service: 'search' }),
        incident({ priority: 'P1', service: 'internal-batch' }),
      ],
      NOW,
    );
    expect(page.services.map((service) => [service.name, service.status])).toEqual([
      ['Checkout', 'degraded'],
      ['Search', 'operational'],
    ]);
    expect(page.title).toBe('Example status');
  });

  it('lists public updates of open and recently resolved incidents, newest first, at most MAX_UPDATES', () => {
    const updates = Array.from({ length: 12 }, (_, i) => ({
      at: hoursAgo(12 - i),
      phase: 'Monitoring',
      message: `update ${i}`,
    }));
    const page = statusPage(
      CONFIG,
      [
        incident({ publicUpdates: updates }),
        incident({
          status: 'resolved',
          resolvedAt: hoursAgo(30),
          publicUpdates: [{ at: hoursAgo(31), phase: 'Identified', message: 'old news' }],
        }),
      ],
      NOW,
    );
    const shown = page.services[0]?.updates ?? [];
    expect(shown).toHaveLength(MAX_UPDATES);
    expect(shown[0]?.message).toBe('update 11');
    expect(shown.some((update) => update.message === 'old news')).toBe(false);
  });

  it('never shows anything of an incident but its public updates, whatever the incident holds', () => {
    const hostile = fc.string({ minLength: 6, maxLength: 40 }).map((text) => `SECRET-${text}`);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: hostile,
            title: hostile,
            note: hostile,
            alert: hostile,
            service: fc.constantFrom('checkout-api', 'payments', 'search'),
            priority: fc.constantFrom('P1' as const, 'P2' as const, 'P3' as const, 'P4' as const),
            public: fc.string({ maxLength: 20 }).map((text) => `public ${text}`),
          }),
          { maxLength: 8 },
        ),
        (records) => {
          const incidents = records.map((record) => ({
            // What an incident really carries beside what the page may read.
            id: record.id,
            title: record.title,
            description: record.note,
            timeline: [{ kind: 'note', message: record.note }],
            alerts: { [record.alert]: 'firing' },
            service: record.service,
            priority: record.priority,
            status: 'triggered' as const,
            publicUpdates: [
              {
                at: NOW.toISOString(),
                phase: 'Investigating',
                message: record.public,
                internal: record.note,
              },
            ],
          }));
          const page = statusPage(CONFIG, incidents, NOW);
          const json = JSON.stringify(page);
          const html = statusPageHtml(page);
          for (const record of records) {
            for (const secret of [record.id, record.title, record.note, record.alert]) {
              expect(json).not.toContain(secret);
              expect(html).not.toContain(secret);
            }
          }
        },
      ),
    );
  });

  it('escapes every text in the HTML, which has no script', () => {
    const html = statusPageHtml(
      statusPage(
        CONFIG,
        [
          incident({
            publicUpdates: [
              { at: hoursAgo(1), phase: 'Identified', message: '<script>alert(1)</script> & "x"' },
            ],
          }),
        ],
        NOW,
      ),
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('Checkout <span class="outage">Outage</span>');
  });

  it('refuses a configuration without services, naming the field', () => {
    const bad = StatusPageConfig.safeParse({ services: [] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['services']);
    expect(StatusPageConfig.safeParse({ services: [{ name: 'X', services: [] }] }).success).toBe(false);
  });
});
