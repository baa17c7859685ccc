import { describe, expect, it } from 'vitest';
import {
  actionItemsOverdueBefore,
  type DueActionItem,
  type DueReview,
  isActionItemOverdue,
  isReviewOverdue,
  overdueReminders,
  type Reminder,
  reminderMessage,
  reviewPageLink,
  routeReminder,
} from '#core/review-reminders';

const INCIDENT = {
  id: 'INC-20261201-0042',
  title: 'API returning 503 errors',
  priority: 'P1' as const,
  service: 'checkout-api',
};
const LINK = 'http://127.0.0.1:3000/#/incidents/INC-20261201-0042/review';
const confirmed = { id: 'alice', contacts: [{ type: 'email' as const, state: 'confirmed' as const }] };

describe('when a review is overdue', () => {
  const due = '2026-12-03T10:24:00.000Z';

  it('is overdue at its due instant, not a millisecond before', () => {
    // Assess
    expect(isReviewOverdue(due, new Date('2026-12-03T10:23:59.999Z'))).toBe(false);
    expect(isReviewOverdue(due, new Date(due))).toBe(true);
    expect(isReviewOverdue(due, new Date('2026-12-03T10:24:00.001Z'))).toBe(true);
  });

  it('is never overdue with a due time that is not a time', () => {
    expect(isReviewOverdue('soon', new Date('2030-01-01T00:00:00.000Z'))).toBe(false);
  });
});

describe('when an action item is overdue', () => {
  it('may be done all of its due day (UTC) and is overdue from the next day at 00:00 UTC', () => {
    // Assess
    expect(isActionItemOverdue('2026-12-15', new Date('2026-12-15T00:00:00.000Z'))).toBe(false);
    expect(isActionItemOverdue('2026-12-15', new Date('2026-12-15T23:59:59.999Z'))).toBe(false);
    expect(isActionItemOverdue('2026-12-15', new Date('2026-12-16T00:00:00.000Z'))).toBe(true);
    expect(isActionItemOverdue('2026-12-15', new Date('2027-03-01T12:00:00.000Z'))).toBe(true);
  });

  it('crosses months and years', () => {
    expect(isActionItemOverdue('2026-12-31', new Date('2026-12-31T23:59:59.999Z'))).toBe(false);
    expect(isActionItemOverdue('2026-12-31', new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
  });

  it('agrees with the index bound: items due before today (UTC) are the overdue ones', () => {
    // Prepare
    const instants = ['2026-12-16T00:00:00.000Z', '2026-12-15T23:59:59.999Z', '2026-12-16T13:00:00.000Z'];
    const dates = ['2026-12-14', '2026-12-15', '2026-12-16', '2026-12-17'];

    // Assess
    for (const at of instants) {
      const now = new Date(at);
      for (const date of dates)
        expect({ at, date, overdue: isActionItemOverdue(date, now) }).toEqual({
          at,
          date,
          overdue: date < actionItemsOverdueBefore(now),
        });
    }
  });

  it('is never overdue with a due date that is not a date', () => {
    expect(isActionItemOverdue('next week', new Date('2030-01-01T00:00:00.000Z'))).toBe(false);
  });
});

describe('the overdue reminders', () => {
  it('keeps the overdue reviews and open items only, reviews first, by due time', () => {
    // Prepare
    const now = new Date('2026-12-16T00:00:00.000Z');
    const reviews: DueReview[] = [
      { incidentId: 'INC-2', dueAt: '2026-12-16T00:00:00.000Z', owner: 'bob' },
      { incidentId: 'INC-1', dueAt: '2026-12-10T00:00:00.000Z' },
      { incidentId: 'INC-3', dueAt: '2026-12-16T00:00:00.001Z', owner: 'carol' },
    ];
    const item = (id: string, dueDate: string, status = 'open'): DueActionItem => ({
      incidentId: 'INC-1',
      id,
      title: `fix ${id}`,
      owner: 'alice',
      dueDate,
      status,
    });
    const items = [
      item('b', '2026-12-15'),
      item('a', '2026-12-01'),
      item('c', '2026-12-16'),
      item('d', '2026-12-01', 'done'),
    ];

    // Act
    const reminders = overdueReminders(reviews, items, now);

    // Assess
    expect(reminders).toEqual([
      { kind: 'review', incidentId: 'INC-1', due: '2026-12-10T00:00:00.000Z' },
      { kind: 'review', incidentId: 'INC-2', due: '2026-12-16T00:00:00.000Z', owner: 'bob' },
      {
        kind: 'action',
        incidentId: 'INC-1',
        itemId: 'a',
        itemTitle: 'fix a',
        due: '2026-12-01',
        owner: 'alice',
      },
      {
        kind: 'action',
        incidentId: 'INC-1',
        itemId: 'b',
        itemTitle: 'fix b',
        due: '2026-12-15',
        owner: 'alice',
      },
    ]);
  });
});

describe('where a reminder goes', () => {
  it('goes to the owner as a person when they can be reached', () => {
    expect(routeReminder('alice', confirmed, 'management')).toEqual({ deliveries: ['person:alice'] });
  });

  it('goes to management without an owner, or with one not in the directory', () => {
    expect(routeReminder(undefined, undefined, 'eng-managers')).toEqual({
      deliveries: ['eng-managers'],
      management: { target: 'eng-managers', reason: 'no-owner' },
    });
    expect(routeReminder('Alice Smith', undefined, 'eng-managers')).toEqual({
      deliveries: ['eng-managers'],
      management: { target: 'eng-managers', reason: 'unknown-owner' },
    });
  });

  it('goes to the owner and management when the owner has no confirmed email or SMS', () => {
    // Prepare
    const pending = {
      id: 'alice',
      contacts: [{ type: 'email' as const, state: 'pending-confirmation' as const }],
    };

    // Assess
    expect(routeReminder('alice', pending, 'management')).toEqual({
      deliveries: ['person:alice', 'management'],
      management: { target: 'management', reason: 'unreachable-owner' },
    });
  });
});

describe('the reminder message', () => {
  const now = new Date('2026-12-03T12:40:00.000Z');
  const review: Reminder = {
    kind: 'review',
    incidentId: INCIDENT.id,
    due: '2026-12-03T10:24:00.000Z',
    owner: 'alice',
  };
  const action: Reminder = {
    kind: 'action',
    incidentId: INCIDENT.id,
    itemId: 'add-redis-check',
    itemTitle: 'Add a Redis config check to the deploy',
    due: '2026-12-02',
    owner: 'alice',
  };

  it('names the incident, the overdue review, when it was due and the console link', () => {
    // Act
    const message = reminderMessage(review, {
      incident: INCIDENT,
      link: LINK,
      routing: { deliveries: ['person:alice'] },
      now,
    });

    // Assess
    expect(message.subject).toBe(
      '[P1] REVIEW OVERDUE INC-20261201-0042 checkout-api: API returning 503 errors',
    );
    expect(message.text.split('\n')).toEqual([
      'Post-incident review overdue: P1 incident INC-20261201-0042 on checkout-api: API returning 503 errors',
      `Open the review: ${LINK}`,
      '',
      'Due: 2026-12-03 10:24 UTC (2 h 16 min ago)',
      'Owner: alice',
      'Incident: INC-20261201-0042',
      expect.stringContaining('mark the review completed or scheduled'),
    ]);
  });

  it('names the action item, its due date and owner', () => {
    // Act
    const message = reminderMessage(action, {
      incident: INCIDENT,
      link: LINK,
      routing: { deliveries: ['person:alice'] },
      now,
    });

    // Assess
    expect(message.subject).toBe(
      '[P1] ACTION ITEM OVERDUE INC-20261201-0042: Add a Redis config check to the deploy',
    );
    expect(message.text).toContain(
      'Action item overdue: "Add a Redis config check to the deploy" from the review of P1 incident INC-20261201-0042',
    );
    expect(message.text).toContain(`Open the review: ${LINK}`);
    expect(message.text).toContain('Due: 2026-12-02 (overdue since 2026-12-02 ended, UTC)');
    expect(message.text).toContain('Owner: alice');
    expect(message.text).toContain('Action item: add-redis-check');
    expect(message.text).not.toContain('management');
  });

  it('says why management got it', () => {
    // Act
    const noOwner = reminderMessage(
      { ...review, owner: undefined },
      {
        incident: INCIDENT,
        routing: { deliveries: ['mgmt'], management: { target: 'mgmt', reason: 'no-owner' } },
        now,
      },
    );
    const unknown = reminderMessage(action, {
      incident: INCIDENT,
      routing: { deliveries: ['mgmt'], management: { target: 'mgmt', reason: 'unknown-owner' } },
      now,
    });

    // Assess
    expect(noOwner.text).toContain('Owner: nobody');
    expect(noOwner.text).toContain('Sent to management (mgmt) because the review has no owner');
    expect(unknown.text).toContain(
      `Sent to management (mgmt) because its owner "alice" is not a person in Firebreak's directory`,
    );
    // Without a console URL the API path is named instead.
    expect(noOwner.text).toContain('Open the review: GET /incidents/INC-20261201-0042/review');
  });

  it('keeps the subject on one line within the SNS limit whatever the title holds', () => {
    // Act
    const message = reminderMessage(
      { ...action, itemTitle: `line one\nline two ${'x'.repeat(300)}` },
      { incident: INCIDENT, routing: { deliveries: ['person:alice'] }, now },
    );

    // Assess
    expect(message.subject.length).toBeLessThan(100);
    expect(message.subject).not.toMatch(/[\n\r]/);
  });
});

describe('the review page link', () => {
  it('is the incident page and /review, or nothing without a URL', () => {
    expect(reviewPageLink('http://127.0.0.1:3000/#/incidents/INC-1')).toBe(
      'http://127.0.0.1:3000/#/incidents/INC-1/review',
    );
    expect(reviewPageLink(undefined)).toBeUndefined();
  });
});
