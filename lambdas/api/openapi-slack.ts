/**
 * The Slack request URLs in the OpenAPI document. Slack signs each request (`X-Slack-Signature`,
 * `X-Slack-Request-Timestamp`) instead of sending a JWT; they are served only when `firebreak.slack` is
 * configured (local mode: with FIREBREAK_SLACK_SIGNING_SECRET).
 */
export function slackPaths() {
  const signed = [
    {
      name: 'X-Slack-Signature',
      in: 'header',
      required: true,
      description: '`v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret',
      schema: { type: 'string', pattern: '^v0=[0-9a-f]{64}$' },
    },
    {
      name: 'X-Slack-Request-Timestamp',
      in: 'header',
      required: true,
      description: 'Unix seconds; refused when more than 5 minutes from now, either way',
      schema: { type: 'string', pattern: '^[0-9]+$' },
    },
  ];
  const refused = {
    '400': { description: 'Verified, but a field Slack always sends is missing or malformed (named)' },
    '401': { description: 'Not a verified Slack request: signature missing, wrong, or timestamp stale' },
    '413': { description: 'Body larger than 512 KiB' },
  };
  const form = (properties: Record<string, unknown>, required: string[]) => ({
    required: true,
    content: {
      'application/x-www-form-urlencoded': { schema: { type: 'object', properties, required } },
    },
  });
  return {
    '/integrations/slack/commands': {
      post: {
        summary: 'Slack slash command `/incident` (create, ack, resolve, update, status, list, diag, help)',
        description:
          'Answers within Slack’s 3 seconds with the reply Slack shows: `in_channel` for what the channel ' +
          'should see (created, acknowledged, resolved, updates), `ephemeral` for answers to the asker ' +
          '(status, list, help, refusals). A diagnostic runbook answers at once and posts its result to ' +
          'the command’s `response_url` when the run ends.',
        security: [],
        parameters: signed,
        requestBody: form(
          {
            team_id: { type: 'string' },
            user_id: { type: 'string' },
            user_name: { type: 'string' },
            channel_id: { type: 'string' },
            command: { type: 'string' },
            text: { type: 'string' },
            response_url: { type: 'string', format: 'uri' },
            trigger_id: { type: 'string' },
          },
          ['team_id', 'user_id', 'channel_id', 'command', 'response_url'],
        ),
        responses: {
          '200': {
            description: 'The reply (refusals too: Slack shows only 200 answers to the person)',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    response_type: { enum: ['ephemeral', 'in_channel'] },
                    text: { type: 'string' },
                  },
                  required: ['response_type', 'text'],
                },
              },
            },
          },
          ...refused,
        },
      },
    },
    '/integrations/slack/actions': {
      post: {
        summary: 'Slack interactivity: the Acknowledge and Resolve buttons on Firebreak’s messages',
        description:
          'Acts as the clicking user, then replaces the message through the payload’s `response_url` ' +
          'with the incident as it is now; a refused click adds a note only the clicker sees.',
        security: [],
        parameters: signed,
        requestBody: form(
          { payload: { type: 'string', description: 'The `block_actions` interaction payload, JSON' } },
          ['payload'],
        ),
        responses: { '200': { description: 'Done (Slack reads nothing of the body)' }, ...refused },
      },
    },
  };
}
