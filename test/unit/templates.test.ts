import { describe, expect, it } from 'vitest';
import { openIncident } from '#core/incident';
import { Incident, type Signal } from '#core/model';
import {
  escalationPage,
  exhausted,
  formatDuration,
  initialPage,
  MAX_SUBJECT_LENGTH,
  priorityRaisedPage,
  reminder,
  resolution,
  slaBreach,
  statusUpdate,
} from '#core/templates';

const LINK = 'https://firebreak.example.com/incidents/INC-20261127-0042';
const ALARM_ARN = 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-alb-5xx-error-rate-high';

const signal: Signal = {
  action: 'trigger',
  dedupKey: ALARM_ARN,
  eventId: 'evt-1',
  occurredAt: '2026-11-27T09:59:30.000Z',
  source: {
    kind: 'cloudwatch',
    ref: ALARM_ARN,
    name: 'checkout-alb-5xx-error-rate-high',
    account: '111122223333',
    region: 'eu-west-1',
  },
  title: 'checkout-alb-5xx-error-rate-high is in ALARM',
  description: 'Share of 5xx responses on the checkout ALB above 5% for 3 minutes.',
  summary: 'Threshold Crossed: 3 datapoints were greater than the threshold (5.0).',
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

/** A P1 opened at 10:00 with a response deadline at 10:15, checked against the model's schema. */
function incident(overrides: Partial<Incident> = {}): Incident {
  const opened = openIncident(signal, 'INC-20261127-0042', new Date('2026-11-27T10:00:00.000Z'));
  return Incident.parse({ ...opened, ...overrides });
}

const firstLine = (text: string): string => text.split('\n')[0] ?? '';
const secondLine = (text: string): string => text.split('\n')[1] ?? '';

describe('initial page', () => {
  it('says what, how bad and where in the subject and first line, then gives the link', () => {
    const message = initialPage(incident(), {
      link: LINK,
      level: { name: 'primary on-call', number: 1 },
      symptoms: 'Checkout returns 502 for about 30% of requests.',
    });

    expect(message.subject).toBe(
      '[P1] INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'P1 CRITICAL incident INC-20261127-0042 on checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
  });

  it('carries everything the responder needs to start', () => {
    const { text } = initialPage(incident(), {
      link: `${LINK}/`,
      level: { name: 'primary on-call', number: 1 },
      symptoms: 'Checkout returns 502 for about 30% of requests.',
    });

    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        `Acknowledge: ${LINK}/acknowledge (or POST to the API) to stop the paging.`,
        'Paged: level 1, primary on-call',
        'Respond by: 2026-11-27 10:15 UTC',
        'Incident: INC-20261127-0042',
        'Priority: P1 (critical), impact high, urgency high',
        'Service: checkout-api',
        'Team: orders',
        'Severity: critical (from the source)',
        'Category: Application / Availability',
        'Detected: 2026-11-27 09:59 UTC',
        'Alerts: 1',
        'Source: cloudwatch checkout-alb-5xx-error-rate-high (eu-west-1, 111122223333)',
        'Checkout returns 502 for about 30% of requests.',
        'Share of 5xx responses on the checkout ALB above 5% for 3 minutes.',
      ]),
    );
  });

  it('keeps a 300-character title with newlines to one line within the SNS subject limit', () => {
    const title = `checkout is down\r\nsee\tdetails ${'x'.repeat(280)}\nend`;

    const message = initialPage(incident({ title, service: 'checkout\napi' }), {
      link: LINK,
      level: { name: 'primary on-call', number: 1 },
    });

    expect(message.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(MAX_SUBJECT_LENGTH).toBeLessThan(100);
    expect(message.subject).not.toMatch(/[\r\n\t]/);
    expect(message.subject).toMatch(
      /^\[P1\] INC-20261127-0042 checkout api: checkout is down see details x+…$/,
    );
    expect(firstLine(message.text)).toMatch(
      /^P1 CRITICAL incident INC-20261127-0042 on checkout api: checkout/,
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
  });

  it('never splits a character made of two UTF-16 units when it truncates', () => {
    const message = initialPage(incident({ title: '🔥'.repeat(80) }), {
      link: LINK,
      level: { name: 'primary on-call', number: 1 },
    });

    expect(message.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(message.subject).toMatch(/^\[P1\] INC-20261127-0042 checkout-api: (🔥)+…$/u);
  });
});

describe('escalation page', () => {
  it('says it is an escalation, who was paged before and for how long nobody acknowledged', () => {
    const message = escalationPage(incident({ escalationLevel: 1 }), {
      link: LINK,
      level: { name: 'secondary on-call', number: 2 },
      round: 1,
      minutesUnacknowledged: 15,
      previousTargets: ['orders-primary'],
    });

    expect(message.subject).toBe(
      '[P1] ESCALATION L2 INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'ESCALATION to level 2 (secondary on-call): P1 CRITICAL incident INC-20261127-0042 on checkout-api, ' +
        'unacknowledged for 15 min: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
    expect(message.text).toContain('Paged before: orders-primary\n');
    expect(message.text).toContain('Escalation round: 1\n');
  });
});

describe('priority raised page', () => {
  it('says the priority was raised, when, and that paging starts over at level 1', () => {
    const message = priorityRaisedPage(incident({ priorityRaisedAt: '2026-11-27T10:05:00.000Z' }), {
      link: LINK,
      level: { name: 'primary on-call', number: 1 },
      previousTargets: ['orders-primary'],
    });

    expect(message.subject).toBe(
      '[P1] PRIORITY RAISED INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'PRIORITY RAISED: P1 CRITICAL incident INC-20261127-0042 on checkout-api: ' +
        'checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
    expect(message.text).toContain(
      'You are paged because an alert of a higher priority fired on this incident at 2026-11-27 10:05 UTC: it is P1 now.\n',
    );
    expect(message.text).toContain('Paged: level 1, primary on-call\n');
    expect(message.text).toContain('Paged before: orders-primary\n');
  });
});

describe('reminder', () => {
  it('tells stakeholders how long it has been open and since the last update', () => {
    const message = reminder(
      incident({ status: 'acknowledged', acknowledgedAt: '2026-11-27T10:05:00.000Z' }),
      {
        link: LINK,
        now: '2026-11-27T11:07:00.000Z',
        lastUpdateAt: '2026-11-27T10:30:00.000Z',
      },
    );

    expect(message.subject).toBe(
      '[P1] UPDATE DUE INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'Status update due: P1 CRITICAL incident INC-20261127-0042 on checkout-api, open for 1 h 07 min, ' +
        'no update for 37 min (last at 2026-11-27 10:30 UTC): checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
    expect(message.text).toContain('Status: acknowledged\n');
  });

  it('says when no update was ever posted', () => {
    const message = reminder(incident(), { link: LINK, now: '2026-11-27T10:30:00.000Z' });

    expect(firstLine(message.text)).toContain('open for 30 min, no update posted yet:');
  });
});

describe('status update', () => {
  it('leads with the phase and keeps the author and message', () => {
    const message = statusUpdate(incident({ status: 'acknowledged' }), {
      link: LINK,
      phase: 'Identified',
      message: 'Bad deploy of checkout-api 2026.11.27-3; rolling back.',
      author: 'alice@example.com',
    });

    expect(message.subject).toBe(
      '[P1] IDENTIFIED INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'Identified: P1 CRITICAL incident INC-20261127-0042 on checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
    expect(message.text).toContain(
      'Update from alice@example.com:\nBad deploy of checkout-api 2026.11.27-3; rolling back.\n',
    );
  });
});

describe('SLA breach', () => {
  it('tells management the deadline and how late it is', () => {
    const message = slaBreach(incident({ slaBreached: true, escalationLevel: 2 }), {
      link: LINK,
      now: '2026-11-27T10:17:00.000Z',
    });

    expect(message.subject).toBe(
      '[P1] SLA BREACHED INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'Response SLA MISSED: P1 CRITICAL incident INC-20261127-0042 on checkout-api not acknowledged by ' +
        '2026-11-27 10:15 UTC (2 min late): checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
    expect(message.text).toContain('Escalation level reached: 2\n');
  });
});

describe('escalation exhausted', () => {
  it('says nobody acknowledged after every round', () => {
    const message = exhausted(incident({ escalationLevel: 3 }), { link: LINK, rounds: 2 });

    // 103 characters in full: the title gives way, never the kind or the id.
    expect(message.subject).toBe(
      '[P1] ESCALATION EXHAUSTED INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in A…',
    );
    expect(firstLine(message.text)).toBe(
      'Escalation EXHAUSTED, nobody acknowledged after 2 rounds: P1 CRITICAL incident INC-20261127-0042 on ' +
        'checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
  });

  it('says round, not rounds, after a single pass', () => {
    const message = exhausted(incident(), { link: LINK, rounds: 1 });

    expect(firstLine(message.text)).toContain('nobody acknowledged after 1 round:');
  });
});

describe('resolution', () => {
  it('gives time to acknowledge and to resolve, root cause and next steps', () => {
    const resolved = incident({
      status: 'resolved',
      acknowledgedAt: '2026-11-27T10:04:00.000Z',
      resolvedAt: '2026-11-27T11:07:00.000Z',
    });

    const message = resolution(resolved, {
      link: LINK,
      now: '2026-11-27T12:00:00.000Z',
      rootCause: 'A bad deploy exhausted the database connection pool.',
      nextSteps: ['Alarm on pool saturation', 'Canary deploys for checkout-api'],
    });

    expect(message.subject).toBe(
      '[P1] RESOLVED INC-20261127-0042 checkout-api: checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(firstLine(message.text)).toBe(
      'RESOLVED after 1 h 07 min: P1 CRITICAL incident INC-20261127-0042 on checkout-api: ' +
        'checkout-alb-5xx-error-rate-high is in ALARM',
    );
    expect(secondLine(message.text)).toBe(`Open: ${LINK}`);
    expect(message.text).toContain(
      [
        'Time to resolve: 1 h 07 min',
        'Time to acknowledge: 4 min',
        'Resolved: 2026-11-27 11:07 UTC',
        'Response SLA: met',
        'Root cause: A bad deploy exhausted the database connection pool.',
        'Next steps:',
        '  - Alarm on pool saturation',
        '  - Canary deploys for checkout-api',
      ].join('\n'),
    );
  });

  it('uses now when the incident has no resolution time, and says what is not known', () => {
    const message = resolution(incident({ slaBreached: true }), {
      link: LINK,
      now: '2026-11-27T10:42:00.000Z',
    });

    expect(firstLine(message.text)).toMatch(/^RESOLVED after 42 min: /);
    expect(message.text).toContain(
      [
        'Time to resolve: 42 min',
        'Time to acknowledge: never acknowledged',
        'Resolved: 2026-11-27 10:42 UTC',
        'Response SLA: missed',
        'Root cause: not yet known',
        'Next steps: none recorded',
      ].join('\n'),
    );
  });

  it('says the time to resolve is unknown rather than failing without a time', () => {
    const message = resolution(incident(), { link: LINK });

    expect(firstLine(message.text)).toMatch(/^RESOLVED after unknown: /);
    expect(message.text).toContain('Resolved: unknown\n');
  });
});

describe('roles in stakeholder messages', () => {
  const withRoles = incident({
    status: 'acknowledged',
    roles: { scribe: 'carol', commander: 'alice', techLead: 'bob' },
  });
  const ROLES = 'Roles: incident commander alice, tech lead bob, scribe carol';

  it('names who holds each role, commander first, in the update, the reminder and the resolution', () => {
    const update = statusUpdate(withRoles, {
      link: LINK,
      phase: 'Identified',
      message: 'Bad deploy; rolling back.',
      author: 'alice',
    });
    const due = reminder(withRoles, { link: LINK, now: '2026-11-27T11:00:00.000Z' });
    const resolved = resolution(
      { ...withRoles, status: 'resolved', resolvedAt: '2026-11-27T11:07:00.000Z' },
      { link: LINK },
    );

    expect(update.text).toContain(`\nStatus: acknowledged\n${ROLES}\n`);
    expect(due.text).toContain(`\nStatus: acknowledged\n${ROLES}\n`);
    expect(resolved.text).toContain(`\nNext steps: none recorded\n${ROLES}\n`);
  });

  it('has no roles line while nobody holds a role', () => {
    const messages = [
      statusUpdate(incident({ roles: {} }), {
        link: LINK,
        phase: 'Investigating',
        message: 'x',
        author: 'a',
      }),
      reminder(incident(), { link: LINK, now: '2026-11-27T11:00:00.000Z' }),
      resolution(incident(), { link: LINK }),
    ];

    for (const message of messages) expect(message.text).not.toContain('Roles:');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [42 * 60_000 + 59_000, '42 min'],
    [3_600_000, '1 h'],
    [3_600_000 + 7 * 60_000, '1 h 07 min'],
    [23 * 3_600_000 + 59 * 60_000, '23 h 59 min'],
    [86_400_000, '1 d'],
    [2 * 86_400_000 + 3 * 3_600_000 + 59 * 60_000, '2 d 3 h'],
    [-5_000, '0 s'],
    [Number.NaN, 'unknown'],
  ])('formats %s ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});
