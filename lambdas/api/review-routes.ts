import * as z from 'zod';
import type { ReviewStore } from '#adapters/review-store';
import { personText, TEXT_LIMITS } from '#core/limits';
import { ActionItemStatus, ReviewBody, reviewMarkdown } from '#core/reviews';
import { prefersOverJson } from './accept';
import { cursorPage } from './errors';
import type { Routes } from './http';
import { parseInput } from './input';
import { type ReviewCommands, reviewJson } from './review-commands';

/** `PUT /incidents/{id}/review`: what people write, over the version they read (0 opens a review by hand). */
export const ReviewPutBody = ReviewBody.extend({
  expectedVersion: z
    .number({ error: 'must be the version of the review you read (0 to open one)' })
    .int()
    .min(0),
});

export const ActionItemQuery = z.strictObject({
  status: ActionItemStatus.default('open'),
  owner: personText(TEXT_LIMITS.name).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).optional(),
});

export interface ReviewRouteDeps {
  commands: ReviewCommands;
  reviews: Pick<ReviewStore, 'listActionItems'>;
}

/** Post-incident reviews and their action items across incidents. */
export function createReviewRoutes(deps: ReviewRouteDeps): Routes {
  return {
    'GET /incidents/{id}/review': {
      scope: 'incidents:read',
      handler: async (request) => {
        const review = await deps.commands.get(request.pathParameters.id ?? '');
        if (prefersOverJson(request.headers.accept, 'text/markdown')) {
          return {
            status: 200,
            headers: { vary: 'Accept' },
            text: { contentType: 'text/markdown; charset=utf-8', content: reviewMarkdown(review) },
          };
        }
        return { status: 200, headers: { vary: 'Accept' }, body: reviewJson(review) };
      },
    },
    'PUT /incidents/{id}/review': {
      scope: 'incidents:write',
      handler: async (request) => {
        const { expectedVersion, ...body } = parseInput(ReviewPutBody, request.body);
        const review = await deps.commands.put(
          request.pathParameters.id ?? '',
          request.principal.id,
          body,
          expectedVersion,
        );
        return { status: 200, body: reviewJson(review) };
      },
    },
    'GET /action-items': {
      scope: 'incidents:read',
      handler: async (request) => {
        const query = parseInput(ActionItemQuery, request.query);
        const page = await cursorPage(() => deps.reviews.listActionItems(query));
        return {
          status: 200,
          body: { items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
        };
      },
    },
  };
}
