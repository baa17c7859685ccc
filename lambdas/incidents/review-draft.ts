import type { IncidentQueries } from '#adapters/incident-queries';
import type { IncidentStore } from '#adapters/incident-store';
import type { ReviewStore, StoredReview } from '#adapters/review-store';
import type { RunbookRuns } from '#adapters/runbook-runs';
import type { Incident, TimelineEntry } from '#core/model';
import {
  REVIEWED_PRIORITIES,
  type Review,
  ReviewBody,
  type ReviewFacts,
  reviewDueAt,
  reviewFacts,
} from '#core/reviews';
import type { AfterResolution } from '../lifecycle/actions';

/** Where a review's facts are read: the incident's timeline, its alerts and its runbook runs. */
export interface ReviewSources {
  store: Pick<IncidentStore, 'listTimeline'>;
  alerts: Pick<IncidentQueries, 'listAlerts'>;
  /** The incident's runbook runs; none are listed without it. */
  runs?: Pick<RunbookRuns, 'list'>;
}

export interface ReviewDraftDeps extends ReviewSources {
  store: Pick<IncidentStore, 'listTimeline' | 'appendTimeline'>;
  reviews: Pick<ReviewStore, 'openDraft' | 'get'>;
  clock: () => Date;
}

/** The review draft as a step after the resolution notice (see LifecycleDeps.afterResolution). */
export function reviewDraft(deps: ReviewDraftDeps): AfterResolution {
  return async (incident) => {
    await openReviewDraft(deps, incident);
  };
}

/**
 * Opens the review of a resolved P1 or P2 (not one merged into another: that one is reviewed), due
 * REVIEW_DUE_HOURS after the resolution and filled from the record, then writes its timeline entry. The
 * review is put only if absent and the entry is keyed by the review's version and written at the instant the
 * stored review was opened, so a retried step writes neither twice. Undefined when no review is due.
 */
export async function openReviewDraft(
  deps: ReviewDraftDeps,
  incident: Incident,
): Promise<StoredReview | undefined> {
  if (!REVIEWED_PRIORITIES.has(incident.priority) || incident.mergedInto) return undefined;
  const draft = await reviewOf(deps, incident, deps.clock(), ReviewBody.parse({ state: 'draft' }));
  const review = (await deps.reviews.openDraft(draft)) ? draft : await deps.reviews.get(incident.id);
  if (!review) return undefined;
  await deps.store.appendTimeline(reviewEntry(review, 'firebreak:lifecycle'));
  return review;
}

/**
 * A review of the incident as it is now with `body`, version 1: the facts from its record, timeline, runs
 * and alerts, due REVIEW_DUE_HOURS after its resolution (after `now` if it has none), its owner the incident
 * commander or else whoever acknowledged it first, unless the body names one.
 */
export async function reviewOf(
  sources: ReviewSources,
  incident: Incident,
  now: Date,
  body: ReviewBody,
): Promise<Review> {
  const [timeline, runbooks, alerts] = await Promise.all([
    sources.store.listTimeline(incident.id),
    runbooksOf(sources, incident.id),
    alertsOf(sources, incident.id),
  ]);
  const owner = body.owner ?? reviewOwner(incident, timeline);
  return {
    ...reviewFacts(incident, timeline, runbooks, alerts),
    ...body,
    ...(owner ? { owner } : {}),
    dueAt: reviewDueAt(incident.resolvedAt ?? now.toISOString()),
    openedAt: now.toISOString(),
    version: 1,
  };
}

/** The incident commander, else the actor of the earliest acknowledgement; undefined when neither is known. */
export function reviewOwner(
  incident: Pick<Incident, 'roles'>,
  timeline: readonly TimelineEntry[],
): string | undefined {
  if (incident.roles?.commander) return incident.roles.commander;
  const acknowledgements = timeline
    .filter((entry) => entry.kind === 'acknowledged')
    .sort((a, b) => a.at.localeCompare(b.at) || a.entryId.localeCompare(b.entryId));
  return acknowledgements[0]?.actor;
}

/**
 * The timeline entry of one saved version of a review: keyed by the version and written when it was saved,
 * so writing it again (a retry) adds nothing.
 */
export function reviewEntry(review: StoredReview, actor: string): TimelineEntry {
  const at = review.savedAt ?? review.openedAt;
  return {
    incidentId: review.incidentId,
    entryId: `review:v${review.version}`,
    at,
    kind: 'review',
    actor,
    message: reviewMessage(review),
    details: { version: review.version, state: review.state, dueAt: review.dueAt },
  };
}

function reviewMessage(review: StoredReview): string {
  if (review.state === 'completed') return 'Review completed';
  if (review.state === 'scheduled') return `Review scheduled for ${review.scheduledFor}`;
  if (review.version === 1) return `Review draft opened, due ${review.dueAt}`;
  return 'Review updated';
}

async function runbooksOf(sources: ReviewSources, incidentId: string): Promise<ReviewFacts['runbooks']> {
  const runs = (await sources.runs?.list(incidentId)) ?? [];
  return runs.map((run) => ({ name: run.binding, state: run.state }));
}

/** Every alert of the incident, first seen first (the listing's pages, followed to the end). */
async function alertsOf(sources: ReviewSources, incidentId: string): Promise<ReviewFacts['alerts']> {
  const found: ReviewFacts['alerts'] = [];
  let cursor: string | undefined;
  do {
    const page = await sources.alerts.listAlerts(incidentId, { limit: 100, ...(cursor ? { cursor } : {}) });
    if (!page) break;
    for (const alert of page.items) {
      found.push({
        title: alert.title,
        state: alert.state,
        firstSeenAt: alert.firstSeenAt,
        firedCount: alert.firedCount,
      });
    }
    cursor = page.nextCursor;
  } while (cursor);
  return found.sort((a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt));
}
