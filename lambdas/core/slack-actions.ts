import * as z from 'zod';

/** The buttons Firebreak puts on its Slack messages (`action_id`); each button's `value` is the incident id. */
export const ACTION_ACKNOWLEDGE = 'firebreak.acknowledge';
export const ACTION_RESOLVE = 'firebreak.resolve';

/**
 * The fields Firebreak uses of an interaction payload (the `payload` field of the form Slack posts when a
 * button is clicked). Slack sends much more, and adds fields over time: the rest is ignored.
 */
export const SlackActionPayload = z.object({
  type: z.string().min(1, { error: 'must name the interaction type' }),
  user: z.object({
    id: z.string().min(1, { error: 'must name the Slack user' }),
    username: z.string().optional(),
    name: z.string().optional(),
  }),
  team: z.object({ id: z.string().min(1) }).nullish(),
  channel: z.object({ id: z.string().min(1) }).nullish(),
  response_url: z
    .url({ protocol: /^https$/, error: 'must be the https URL Slack gives for answers' })
    .optional(),
  trigger_id: z.string().optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().min(1, { error: 'must name the action' }),
        value: z.string().optional(),
        action_ts: z.string().optional(),
      }),
    )
    .default([]),
});
export type SlackActionPayload = z.infer<typeof SlackActionPayload>;

/** A button click Firebreak acts on. */
export type SlackAction =
  | { name: 'acknowledge'; incidentId: string; key: string }
  | { name: 'resolve'; incidentId: string; key: string };

const INCIDENT_ID = /^INC-\d{8}-\d{4,}$/;

/**
 * The clicks of a `block_actions` payload that are Firebreak's buttons, each with a key that is the same when
 * Slack delivers the same click again. Other interaction types and other apps' actions are nothing to do.
 * A Firebreak button whose value is no incident id is refused: it was not made by Firebreak.
 */
export function slackActions(payload: SlackActionPayload): SlackAction[] {
  if (payload.type !== 'block_actions') return [];
  const found: SlackAction[] = [];
  for (const action of payload.actions) {
    const name =
      action.action_id === ACTION_ACKNOWLEDGE
        ? 'acknowledge'
        : action.action_id === ACTION_RESOLVE
          ? 'resolve'
          : undefined;
    if (!name) continue;
    const incidentId = action.value ?? '';
    if (!INCIDENT_ID.test(incidentId)) {
      throw new z.ZodError([
        {
          code: 'custom',
          path: ['payload', 'actions', 'value'],
          message: `must be an incident id like INC-20261127-0042, not "${incidentId.slice(0, 40)}"`,
          input: incidentId,
        },
      ]);
    }
    found.push({
      name,
      incidentId,
      key: `${payload.user.id}:${action.action_ts ?? payload.trigger_id ?? ''}`,
    });
  }
  return found;
}
