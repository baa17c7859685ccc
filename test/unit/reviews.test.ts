import { describe, expect, it } from 'vitest';
import type { Incident, TimelineEntry } from '#core/model';
import { type Review, ReviewBody, reviewDueAt, reviewFacts, reviewMarkdown } from '#core/reviews';

const INCIDENT = {
  id: 'INC-20261201-0042',
  title: 'API returning 503 errors',
  description: '',
  summary: 'ALB 5XX above 5% for 3 minutes',
  service: 'api',
  team: 'payments',
  impact: 'high',
  urgency: 'high',
  priority: 'P1',
  status: 'resolved',
  detectedAt: '2026-12-01T10:00:00.000Z',
  createdAt: '2026-12-01T10:01:00.000Z',
  acknowledgedAt: '2026-12-01T10:05:00.000Z',
  resolvedAt: '2026-12-01T10:24:00.000Z',
  resolution: 'Rolled back deployment with bad Redis config',
  respondBy: '2026-12-01T10:16:00.000Z',
  slaBreached: false,
  pagedTargets: ['person:alice'],
} as unknown as Incident;

const entry = (entryId: string, at: string, kind: TimelineEntry['kind'], message: string): TimelineEntry => ({
  incidentId: INCIDENT.id,
  entryId,
  at,
  kind,
  actor: 'firebreak:lifecycle',
  message,
  details: {},
});

describe('the review draft', () => {
  const facts = reviewFacts(
    INCIDENT,
    [
      entry('c', '2026-12-01T10:24:00.000Z', 'resolved', 'Resolved: rolled back'),
      entry('a', '2026-12-01T10:01:00.000Z', 'opened', 'Opened'),
      entry('b', '2026-12-01T10:05:00.000Z', 'acknowledged', 'Acknowledged by person:alice | paging stops'),
    ],
    [{ name: 'describe-instance', state: 'succeeded' }],
    [{ title: 'api-5xx', state: 'resolved', firstSeenAt: '2026-12-01T10:00:00.000Z', firedCount: 2 }],
  );

  it('is filled from the record: the timeline in order, the figures, who was paged, what ran, the alerts', () => {
    expect(facts.timeline.map((line) => line.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
    expect(facts.figures).toEqual({ ttd: 60, tta: 240, ttr: 1380, slaBreached: false });
    expect(facts.paged).toEqual(['person:alice']);
    expect(facts.summary).toBe('ALB 5XX above 5% for 3 minutes');
    expect(reviewDueAt('2026-12-01T10:24:00.000Z')).toBe('2026-12-03T10:24:00.000Z');
  });

  it('renders as Markdown with the real timeline in order and people’s text kept as text', () => {
    const review: Review = {
      ...facts,
      ...ReviewBody.parse({
        state: 'scheduled',
        scheduledFor: '2026-12-02T15:00:00.000Z',
        rootCause: 'Redis `maxclients` set to 10 by *the* deploy',
        whys: ['Connections were refused', 'The config had maxclients 10'],
        wentWell: ['Paged within a minute'],
        actionItems: [
          { id: 'canary', title: 'Canary Redis config changes', owner: 'alice', dueDate: '2026-12-15' },
        ],
      }),
      dueAt: reviewDueAt('2026-12-01T10:24:00.000Z'),
      openedAt: '2026-12-01T10:24:00.000Z',
      version: 2,
    };
    const markdown = reviewMarkdown(review);
    const lines = markdown.split('\n');
    const rows = lines.filter((line) => line.startsWith('| 2026-12-01T'));
    expect(rows).toEqual([
      '| 2026-12-01T10:01:00.000Z | opened | firebreak:lifecycle | Opened |',
      '| 2026-12-01T10:05:00.000Z | acknowledged | firebreak:lifecycle | Acknowledged by person:alice \\| paging stops |',
      '| 2026-12-01T10:24:00.000Z | resolved | firebreak:lifecycle | Resolved: rolled back |',
    ]);
    expect(markdown).toContain('- Time to acknowledge: 4 min');
    expect(markdown).toContain('- Time to resolve: 23 min');
    expect(markdown).toContain('Redis \\`maxclients\\` set to 10 by \\*the\\* deploy');
    expect(markdown).toContain('2. Why? The config had maxclients 10');
    expect(markdown).toContain('| Canary Redis config changes | alice | 2026-12-15 | open |');
    expect(lines[0]).toBe('# Post-incident review: INC-20261201-0042 API returning 503 errors');
  });

  it('refuses a scheduled review without its time, and action items with the same id, naming the field', () => {
    const unscheduled = ReviewBody.safeParse({ state: 'scheduled' });
    expect(unscheduled.error?.issues[0]?.path).toEqual(['scheduledFor']);
    const twice = ReviewBody.safeParse({
      state: 'draft',
      actionItems: [
        { id: 'a', title: 'x', owner: 'alice', dueDate: '2026-12-15' },
        { id: 'a', title: 'y', owner: 'bob', dueDate: '2026-12-16' },
      ],
    });
    expect(twice.error?.issues[0]?.path).toEqual(['actionItems']);
    expect(ReviewBody.safeParse({ state: 'draft', unknown: 1 }).success).toBe(false);
  });
});
