import * as z from 'zod';
import { Contact, ContactState, PersonBody } from '#core/people';
import { Override, ScheduleBody } from '#core/schedules';
import { ErrorBody, errors, idempotencyKey, json, requestBody } from './openapi';

const Versioned = { id: z.string(), version: z.number().int(), updatedAt: z.string() };
const StoredPerson = z.object({
  name: z.string(),
  timeZone: z.string(),
  contacts: z.array(
    z.intersection(
      Contact,
      z.object({
        state: ContactState.describe(
          'pending-confirmation: waiting for the person to confirm (email); confirmed: pages reach it; failed: see problem',
        ),
        subscriptionArn: z
          .string()
          .optional()
          .describe('The subscription on the people topic (email and SMS), filtered on the person'),
        problem: z
          .string()
          .optional()
          .describe(
            'Why the method is failed: subscribing or unsubscribing failed, or the subscription is gone',
          ),
      }),
    ),
  ),
  ...Versioned,
});
const StoredSchedule = z.object({ ...ScheduleBody.shape, ...Versioned });
const StoredOverride = z.object({
  id: z.string(),
  person: z.string(),
  start: z.string(),
  end: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
const ScheduleWithOverrides = StoredSchedule.extend({
  overrides: z
    .array(StoredOverride)
    .describe('In the order they were made: a later one wins where two overlap'),
});
const OnCall = z.object({
  person: z.string().nullable().describe('Who is on call; null when nobody is'),
  until: z.string().describe('When that answer first changes (at most 90 days ahead: ask again then)'),
});
const Shift = z.object({
  person: z.string().nullable(),
  start: z.string(),
  end: z.string(),
  source: z.enum(['layer', 'override', 'none']),
  layer: z.number().int().optional().describe('The index of the winning layer'),
  overrideId: z.string().optional(),
});
const ShiftList = z.object({
  from: z.string(),
  to: z.string(),
  shifts: z
    .array(Shift)
    .describe('Contiguous, covering [from, to); time with nobody on call has person null'),
});

const FairnessRow = z.object({
  person: z.string(),
  timeZone: z.string().describe("The zone nights, weekends and working hours were judged in: the person's"),
  hoursOnCall: z.number(),
  nightHours: z.number().describe('Hours on call between 22:00 and 07:00'),
  weekendHours: z.number().describe('Hours on call on Saturday or Sunday'),
  pagesReceived: z.number().int().describe('Pages the person received in the range, from any schedule'),
  pagesOutsideWorkingHours: z.number().int().describe('Pages outside 09:00-18:00, Monday to Friday'),
});
const FairnessReport = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string().describe("The schedule's zone (for someone deleted since)"),
  people: z.array(FairnessRow).describe('Everyone on call in the range, by id'),
});

const READ = [{ jwt: ['incidents:read'] }];
const WRITE = [{ jwt: ['incidents:write'] }];
const ID = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' };
const personId = { name: 'id', in: 'path', required: true, schema: ID };
const scheduleId = { name: 'id', in: 'path', required: true, schema: ID };
const instant = (name: string, required: boolean, description: string) => ({
  name,
  in: 'query',
  required,
  description,
  schema: { type: 'string', format: 'date-time' },
});
const notFound = (what: string) => ({ '404': { description: what, ...json(ErrorBody) } });

/** The people and schedule routes. */
export function oncallPaths() {
  return {
    '/people': {
      get: {
        summary: 'List people, by id',
        security: READ,
        responses: {
          '200': { description: 'Every person', ...json(z.object({ items: z.array(StoredPerson) })) },
          ...errors,
        },
      },
    },
    '/people/{id}': {
      put: {
        summary: 'Create or replace a person; the same body again changes nothing',
        description:
          'Contact methods already stored (same type and address) keep their state and subscription; new email ' +
          'and SMS methods are subscribed to the people topic and start pending confirmation (email: SNS mails ' +
          'a confirmation link) or confirmed (SMS); chat methods have no subscription. Removed methods are ' +
          'unsubscribed. A method SNS refuses is stored failed, with the problem; the same PUT again retries it.',
        security: WRITE,
        parameters: [personId],
        requestBody: requestBody(PersonBody),
        responses: {
          '200': { description: 'The person, replaced or unchanged', ...json(StoredPerson) },
          '201': { description: 'The person, created', ...json(StoredPerson) },
          ...errors,
          '409': { description: 'Someone else changed the person at the same time', ...json(ErrorBody) },
        },
      },
      get: {
        summary: 'One person, with each contact method’s state',
        description:
          'Methods pending confirmation are asked of SNS, and a change is stored: confirmed, or failed when SNS ' +
          'no longer has the subscription (unsubscribed, or not confirmed within 3 days).',
        security: READ,
        parameters: [personId],
        responses: {
          '200': { description: 'The person', ...json(StoredPerson) },
          ...errors,
          ...notFound('No such person'),
        },
      },
      delete: {
        summary: 'Delete a person',
        security: WRITE,
        parameters: [personId],
        requestBody: requestBody(),
        responses: {
          '200': { description: 'The deleted person', ...json(StoredPerson) },
          ...errors,
          ...notFound('No such person'),
          '409': {
            description:
              'An escalation policy pages the person by name, or a schedule names them in a layer or an override that has not ended',
            ...json(ErrorBody),
          },
          '502': {
            description:
              'A subscription could not be removed at SNS: the person is kept, that method failed; try again',
            ...json(ErrorBody),
          },
        },
      },
    },
    '/schedules': {
      get: {
        summary: 'List schedules, by id',
        security: READ,
        responses: {
          '200': { description: 'Every schedule', ...json(z.object({ items: z.array(StoredSchedule) })) },
          ...errors,
        },
      },
    },
    '/schedules/{id}': {
      put: {
        summary:
          'Create or replace a schedule’s layers (its overrides stay); the same body again changes nothing',
        description: 'Every person a layer names must exist: 400 names the first who does not.',
        security: WRITE,
        parameters: [scheduleId],
        requestBody: requestBody(ScheduleBody),
        responses: {
          '200': { description: 'The schedule, replaced or unchanged', ...json(StoredSchedule) },
          '201': { description: 'The schedule, created', ...json(StoredSchedule) },
          ...errors,
          '409': { description: 'Someone else changed the schedule at the same time', ...json(ErrorBody) },
        },
      },
      get: {
        summary: 'One schedule with its overrides',
        security: READ,
        parameters: [scheduleId],
        responses: {
          '200': { description: 'The schedule', ...json(ScheduleWithOverrides) },
          ...errors,
          ...notFound('No such schedule'),
        },
      },
    },
    '/schedules/{id}/overrides': {
      post: {
        summary: 'Put a person on call from start to end, over every layer',
        description:
          'A later override wins where two overlap. A retry with the same Idempotency-Key adds none.',
        security: WRITE,
        parameters: [scheduleId, idempotencyKey],
        requestBody: requestBody(Override),
        responses: {
          '200': { description: 'The override this request already made', ...json(StoredOverride) },
          '201': { description: 'The override', ...json(StoredOverride) },
          ...errors,
          ...notFound('No such schedule'),
        },
      },
    },
    '/schedules/{id}/overrides/{overrideId}': {
      delete: {
        summary: 'Delete an override',
        security: WRITE,
        parameters: [
          scheduleId,
          {
            name: 'overrideId',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^ov-[0-9a-f]{16}$' },
          },
        ],
        requestBody: requestBody(),
        responses: {
          '200': { description: 'The deleted override', ...json(StoredOverride) },
          ...errors,
          ...notFound('No such schedule, or no such override on it'),
        },
      },
    },
    '/schedules/{id}/oncall': {
      get: {
        summary: 'Who is on call at an instant, and until when',
        security: READ,
        parameters: [scheduleId, instant('at', false, 'The instant (default: now)')],
        responses: {
          '200': { description: 'Who is on call', ...json(OnCall) },
          ...errors,
          ...notFound('No such schedule'),
        },
      },
    },
    '/schedules/{id}/shifts': {
      get: {
        summary: 'The shifts of a range of at most 366 days',
        security: READ,
        parameters: [
          scheduleId,
          instant('from', true, 'Start of the range'),
          instant('to', true, 'End of the range, not before from, at most 366 days after'),
        ],
        responses: {
          '200': { description: 'The shifts', ...json(ShiftList) },
          ...errors,
          ...notFound('No such schedule'),
        },
      },
    },
    '/schedules/{id}/report': {
      get: {
        summary:
          'Fairness over a range of at most 366 days: hours on call, nights, weekends and pages per person',
        security: READ,
        parameters: [
          scheduleId,
          instant('from', true, 'Start of the range'),
          instant('to', true, 'End of the range, not before from, at most 366 days after'),
        ],
        responses: {
          '200': { description: 'One row per person on call in the range', ...json(FairnessReport) },
          ...errors,
          ...notFound('No such schedule'),
        },
      },
    },
  };
}
