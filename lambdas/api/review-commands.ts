import type { IncidentStore } from '#adapters/incident-store';
import type { ReviewStore, StoredReview } from '#adapters/review-store';
import type { Incident } from '#core/model';
import { REVIEW_MAX_BYTES, type ReviewBody, reviewBytes } from '#core/reviews';
import { type ReviewSources, reviewEntry, reviewOf } from '../incidents/review-draft';
import { ApiError } from './errors';

export interface ReviewCommandDeps extends ReviewSources {
  store: Pick<IncidentStore, 'getIncident' | 'listTimeline' | 'appendTimeline'>;
  reviews: ReviewStore;
  clock: () => Date;
}

const incidentNotFound = (id: string) =>
  new ApiError(404, 'incident_not_found', `incident ${id} does not exist`, 'id');

const versionConflict = (id: string, version: number) =>
  new ApiError(
    409,
    'version_conflict',
    version === 0
      ? `incident ${id} has no review yet: open one with expectedVersion 0`
      : `the review of incident ${id} is at version ${version}: read it again and apply your change to it`,
    'expectedVersion',
    { version },
  );

/** A review must fit one item: what people wrote is refused (400) when it would not. */
function checkSize(review: object): void {
  const bytes = reviewBytes(review);
  if (bytes <= REVIEW_MAX_BYTES) return;
  throw new ApiError(
    400,
    'invalid_request',
    `body: the review would take ${Math.ceil(bytes / 1000)} KB; it holds at most ${REVIEW_MAX_BYTES / 1000} KB with its facts: write less`,
    'body',
  );
}

/** The fields of a review that people write, in one spelling: two bodies are the same save when equal. */
function bodyKey(body: ReviewBody, withOwner: boolean): string {
  return JSON.stringify([
    body.state,
    body.scheduledFor ?? null,
    body.rootCause ?? null,
    body.whys,
    body.wentWell,
    body.wentPoorly,
    body.lessons,
    body.actionItems.map((item) => [item.id, item.title, item.owner, item.dueDate, item.status]),
    withOwner ? (body.owner ?? null) : null,
  ]);
}

/** Whether `stored` is what saving `body` would have written: the write of a retried request landed. */
function sameSave(stored: StoredReview, body: ReviewBody): boolean {
  const withOwner = body.owner !== undefined;
  return bodyKey(stored, withOwner) === bodyKey(body, withOwner);
}

/**
 * Reading and editing post-incident reviews (`/incidents/{id}/review`). A save is one conditional write on
 * the review's version (optimistic locking), then its timeline entry and its action items; each of those is
 * idempotent, so a retried request whose write landed (same body, same expected version) finishes them and
 * answers the stored review instead of a conflict.
 */
export class ReviewCommands {
  constructor(private readonly deps: ReviewCommandDeps) {}

  async get(id: string): Promise<StoredReview> {
    const review = await this.deps.reviews.get(id);
    if (review) return review;
    if (!(await this.deps.store.getIncident(id))) throw incidentNotFound(id);
    throw new ApiError(404, 'review_not_found', `incident ${id} has no review yet`, 'id');
  }

  /**
   * Saves what people wrote over version `expectedVersion`; 0 opens the review by hand (the incident must be
   * resolved or closed), filled from the record as a draft would be.
   */
  async put(id: string, actor: string, body: ReviewBody, expectedVersion: number): Promise<StoredReview> {
    const incident = await this.deps.store.getIncident(id);
    if (!incident) throw incidentNotFound(id);
    const stored =
      expectedVersion === 0
        ? await this.open(incident, body)
        : await this.save(id, body, expectedVersion, await this.deps.reviews.get(id));
    await this.deps.store.appendTimeline(reviewEntry(stored, actor));
    await this.deps.reviews.syncActionItems(stored);
    return stored;
  }

  private async open(incident: Incident, body: ReviewBody): Promise<StoredReview> {
    if (incident.status !== 'resolved' && incident.status !== 'closed') {
      throw new ApiError(
        409,
        'incident_not_resolved',
        `incident ${incident.id} is ${incident.status}: a review opens once it is resolved`,
      );
    }
    const existing = await this.deps.reviews.get(incident.id);
    if (!existing) {
      const review = await reviewOf(this.deps, incident, this.deps.clock(), body);
      checkSize(review);
      if (await this.deps.reviews.openDraft(review)) return review;
    }
    return this.landed(incident.id, body, 0, existing ?? (await this.deps.reviews.get(incident.id)));
  }

  private async save(
    id: string,
    body: ReviewBody,
    expectedVersion: number,
    current: StoredReview | undefined,
  ): Promise<StoredReview> {
    if (current?.version === expectedVersion) {
      checkSize({ ...current, ...body });
      const saved = await this.deps.reviews.save(id, body, expectedVersion, this.deps.clock(), current);
      if (saved) return saved;
      return this.landed(id, body, expectedVersion, await this.deps.reviews.get(id));
    }
    return this.landed(id, body, expectedVersion, current);
  }

  /** The review a retried request already wrote, or the conflict that the stored version is another's. */
  private landed(
    id: string,
    body: ReviewBody,
    expectedVersion: number,
    stored: StoredReview | undefined,
  ): StoredReview {
    if (stored && stored.version === expectedVersion + 1 && sameSave(stored, body)) return stored;
    throw versionConflict(id, stored?.version ?? 0);
  }
}

/** A review as the API answers it: every stored field but the store's own. */
export function reviewJson(review: StoredReview) {
  const { savedAt: _savedAt, ...answer } = review;
  return answer;
}
