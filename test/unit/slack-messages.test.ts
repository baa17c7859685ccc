import { describe, expect, it } from 'vitest';
import { openIncident } from '#core/incident';
import { Incident, type Signal } from '#core/model';
import { ACTION_ACKNOWLEDGE, ACTION_RESOLVE } from '#core/slack-actions';
import { incidentMessage } from '#core/slack-messages';
import { initialPage } from '#core/templates';

const LINK = 'https://firebreak.example.com/incidents/INC-20261127-0042';

const signal: Signal = {
  action: 'trigger',
  dedupKey: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx',
  eventId: 'evt-1',
  occurredAt: '2026-11-27T09:59:30.000Z',
  source: {
    kind: 'cloudwatch',
    ref: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-5xx',
    name: 'checkout-5xx',
  },
  title: 'checkout-5xx is in ALARM',
  description: 'Share of 5xx responses above 5%.',
  summary: '',
  service: 'checkout-api',
  team: 'orders',
  category: 'Application',
  subcategory: 'Availability',
  severity: 'critical',
  impact: 'high',
  urgency: 'high',
  labels: {},
  details: {},
  related: [],
  autoResolve: true,
};

function incident(overrides: Partial<Incident> = {}): Incident {
  const opened = openIncident(signal, 'INC-20261127-0042', new Date('2026-11-27T10:00:00.000Z'));
  return Incident.parse({ ...opened, ...overrides });
}

type Block = { type: string; [key: string]: unknown };
type Button = { action_id: string; value: string; style?: string; confirm?: unknown };
const blocksOf = (message: { blocks: unknown[] }) => message.blocks as Block[];
const block = (message: { blocks: unknown[] }, type: string) =>
  blocksOf(message).find((b) => b.type === type);
const buttons = (message: { blocks: unknown[] }) => (block(message, 'actions')?.elements ?? []) as Button[];

describe('incidentMessage', () => {
  it('shows a page as header, fields, its text and a link, with the plain text as fallback', () => {
    // Prepare
    const page = initialPage(incident(), { link: LINK, level: { name: 'primary on-call', number: 1 } });

    // Act
    const message = incidentMessage(incident({ assignee: 'alice' }), page, LINK);

    // Assess
    expect(message.text).toBe(page.text);
    expect(block(message, 'header')).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'P1 INC-20261127-0042: checkout-5xx is in ALARM' },
    });
    expect(block(message, 'section')?.fields).toEqual([
      { type: 'mrkdwn', text: '*Priority*\nP1 (critical)' },
      { type: 'mrkdwn', text: '*Status*\ntriggered' },
      { type: 'mrkdwn', text: '*Service*\ncheckout-api' },
      { type: 'mrkdwn', text: '*Team*\norders' },
      { type: 'mrkdwn', text: '*Assignee*\nalice' },
    ]);
    expect(blocksOf(message)[2]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: page.text } });
    expect(block(message, 'context')?.elements).toEqual([
      { type: 'mrkdwn', text: `<${LINK}|Open INC-20261127-0042 in Firebreak>` },
    ]);
  });

  it('offers Acknowledge and Resolve while triggered, each carrying the incident id', () => {
    // Act
    const message = incidentMessage(incident(), undefined, LINK);

    // Assess
    expect(buttons(message).map((b) => [b.action_id, b.value, b.style])).toEqual([
      [ACTION_ACKNOWLEDGE, 'INC-20261127-0042', 'primary'],
      [ACTION_RESOLVE, 'INC-20261127-0042', 'danger'],
    ]);
    expect(buttons(message)[1]?.confirm).toMatchObject({
      title: { type: 'plain_text', text: 'Resolve INC-20261127-0042?' },
      confirm: { type: 'plain_text', text: 'Resolve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    });
  });

  it('offers only Resolve once acknowledged, and no button once resolved or closed', () => {
    const acknowledged = incidentMessage(
      incident({ status: 'acknowledged', assignee: 'alice', acknowledgedAt: '2026-11-27T10:05:00.000Z' }),
      undefined,
      LINK,
    );
    const resolved = incidentMessage(incident({ status: 'resolved' }), undefined, LINK);
    const closed = incidentMessage(incident({ status: 'closed' }), undefined, LINK);

    expect(buttons(acknowledged).map((b) => b.action_id)).toEqual([ACTION_RESOLVE]);
    expect(block(resolved, 'actions')).toBeUndefined();
    expect(block(closed, 'actions')).toBeUndefined();
  });

  it('says where a changed incident stands when there is no notice', () => {
    const acknowledged = incidentMessage(
      incident({ status: 'acknowledged', assignee: 'alice', acknowledgedAt: '2026-11-27T10:05:00.000Z' }),
      undefined,
      LINK,
    );
    const resolved = incidentMessage(
      incident({
        status: 'resolved',
        resolvedBy: 'bob',
        resolvedAt: '2026-11-27T10:40:00.000Z',
        resolution: 'Rolled back the deploy',
      }),
      undefined,
      LINK,
    );

    expect(acknowledged.text).toBe(
      'P1 CRITICAL incident INC-20261127-0042 on checkout-api: checkout-5xx is in ALARM\n' +
        'Acknowledged by alice at 2026-11-27 10:05 UTC.',
    );
    expect(resolved.text.split('\n').slice(1)).toEqual([
      'Resolved by bob at 2026-11-27 10:40 UTC.',
      'Resolution: Rolled back the deploy',
    ]);
  });

  it('escapes what the incident carries, so nobody is mentioned and no link is faked', () => {
    // Prepare
    const hostile = incident({ service: '<!channel> & co', title: 'Broken <https://evil.example|click>' });

    // Act
    const message = incidentMessage(hostile, undefined, `${LINK}?a=1&b=|x>`);

    // Assess
    // Everything but the header is mrkdwn, which Slack reads links and mentions in.
    const json = JSON.stringify(blocksOf(message).filter((b) => b.type !== 'header'));
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil');
    expect(block(message, 'section')?.fields).toContainEqual({
      type: 'mrkdwn',
      text: '*Service*\n&lt;!channel&gt; &amp; co',
    });
    expect(block(message, 'context')?.elements).toEqual([
      { type: 'mrkdwn', text: `<${LINK}?a=1&amp;b=%7Cx&gt;|Open INC-20261127-0042 in Firebreak>` },
    ]);
    // The header is plain text: shown as written, nothing to escape.
    expect(block(message, 'header')?.text).toEqual({
      type: 'plain_text',
      text: 'P1 INC-20261127-0042: Broken <https://evil.example|click>',
    });
  });

  it("keeps within Block Kit's limits however long the incident's text", () => {
    // Prepare
    const long = incident({ title: 'T'.repeat(500), service: 's'.repeat(3000) });
    const text = `${'&'.repeat(2000)}${'x'.repeat(5000)}`;

    // Act
    const message = incidentMessage(long, { subject: 'subject', text }, LINK);

    // Assess
    const header = block(message, 'header')?.text as { text: string };
    expect(header.text).toHaveLength(150);
    expect(header.text.endsWith('…')).toBe(true);
    const fields = (block(message, 'section')?.fields ?? []) as Array<{ text: string }>;
    expect(fields).toHaveLength(5);
    for (const field of fields) expect(field.text.length).toBeLessThanOrEqual(2000);
    const body = ((blocksOf(message)[2]?.text ?? {}) as { text: string }).text;
    expect(body.length).toBeLessThanOrEqual(3000);
    expect(body).toMatch(/(&amp;)+…$/);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });
});
