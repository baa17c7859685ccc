import * as z from 'zod';
import { ActionItem, ActionItemStatus, ReviewFactsSchema } from '#core/reviews';
import { ErrorBody, errors, idParameter, json, queryParameters, requestBody, schema } from './openapi';
import { ActionItemQuery, ReviewPutBody } from './review-routes';

const READ = [{ jwt: ['incidents:read'] }];
const WRITE = [{ jwt: ['incidents:write'] }];

/** An action item as answered: its status always there. */
const StoredActionItem = ActionItem.extend({ status: ActionItemStatus });
const { expectedVersion: _expectedVersion, ...bodyShape } = ReviewPutBody.shape;
const Review = ReviewFactsSchema.extend(bodyShape).extend({
  actionItems: z.array(StoredActionItem),
  dueAt: z.string().describe(`When the review is due: 48 hours after the resolution`),
  openedAt: z.string(),
  version: z.number().int().min(1).describe('Send it back as `expectedVersion` with the next PUT'),
});
const ActionItemPage = z.object({
  items: z.array(StoredActionItem.extend({ incidentId: z.string() })),
  nextCursor: z.string().optional(),
});

/** Post-incident reviews (`/incidents/{id}/review`) and the action items across incidents. */
export function reviewPaths() {
  return {
    '/incidents/{id}/review': {
      get: {
        summary: 'The incident’s post-incident review, as JSON or Markdown',
        description:
          'Resolving a P1 or P2 opens a draft due 48 hours later, filled from the record: summary, impact, ' +
          'figures, who was paged, the timeline in order, runbooks and alerts (the facts; they never change). ' +
          'Markdown when `Accept` prefers `text/markdown`.',
        security: READ,
        parameters: [
          idParameter,
          {
            name: 'Accept',
            in: 'header',
            required: false,
            description: '`text/markdown` (preferred over `application/json`) for the Markdown page',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'The review',
            content: {
              'application/json': { schema: schema(Review) },
              'text/markdown': { schema: { type: 'string' } },
            },
          },
          ...errors,
          '404': {
            description: '`incident_not_found`, or `review_not_found` (the incident has no review yet)',
            ...json(ErrorBody),
          },
        },
      },
      put: {
        summary: 'Write the review’s human parts, over the version read (optimistic locking)',
        description:
          'The body replaces what people write (root cause and five whys, what went well and poorly, lessons, ' +
          'action items; `owner` left out stays as it is); the facts never change. `expectedVersion` is the ' +
          'version read: another version is 409 `version_conflict` with the current `version` in the error. ' +
          '`expectedVersion: 0` opens a review by hand (the incident must be resolved or closed, else 409 ' +
          '`incident_not_resolved`). Each save adds one `review` timeline entry; an action item left out is ' +
          'deleted from `/action-items`. A retried PUT whose write landed answers 200 with the review.',
        security: WRITE,
        parameters: [idParameter],
        requestBody: requestBody(ReviewPutBody),
        responses: {
          '200': { description: 'The review after the save (version + 1)', ...json(Review) },
          ...errors,
          '404': { description: 'No such incident', ...json(ErrorBody) },
          '409': {
            description: '`version_conflict` (the error carries `version`) or `incident_not_resolved`',
            ...json(
              z.object({
                error: z.object({
                  code: z.string(),
                  message: z.string(),
                  field: z.string().optional(),
                  version: z.number().int().optional(),
                }),
              }),
            ),
          },
        },
      },
    },
    '/action-items': {
      get: {
        summary: 'Action items of every incident’s review with one status, by due date',
        security: READ,
        parameters: queryParameters(ActionItemQuery),
        responses: {
          '200': { description: 'A page of action items', ...json(ActionItemPage) },
          ...errors,
        },
      },
    },
  };
}
