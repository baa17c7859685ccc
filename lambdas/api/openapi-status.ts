/**
 * The public status page in the OpenAPI document: `GET /status`, with no credentials, served only when
 * `firebreak.statusPage` is configured (local mode: when the configuration has it).
 */
export function statusPaths() {
  const update = {
    type: 'object',
    properties: {
      at: { type: 'string', format: 'date-time' },
      phase: { enum: ['Investigating', 'Identified', 'Monitoring'] },
      message: { type: 'string', description: 'As posted with `"public": true`, verbatim' },
    },
    required: ['at', 'phase', 'message'],
    additionalProperties: false,
  };
  const page = {
    type: 'object',
    properties: {
      services: {
        type: 'array',
        description: 'The configured customer-facing services, in the configured order',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            status: { enum: ['operational', 'degraded', 'outage'] },
            updates: { type: 'array', description: 'Newest first, at most 10', items: update },
          },
          required: ['name', 'status', 'updates'],
          additionalProperties: false,
        },
      },
    },
    required: ['services'],
    additionalProperties: false,
  };
  return {
    '/status': {
      get: {
        summary: 'The public status page: each customer-facing service’s state and its public updates',
        description:
          'No credentials. A service is `outage` while one of its open incidents is P1, `degraded` while one ' +
          'is P2, else `operational`. Its updates are those posted with `"public": true` (`POST ' +
          '/incidents/{id}/updates`) of its open incidents and of those resolved within `recentHours`; ' +
          'nothing else of an incident is shown. HTML when `Accept` prefers `text/html` (a browser), JSON ' +
          'otherwise; cacheable for 30 seconds. Served only when `firebreak.statusPage` is configured.',
        security: [],
        parameters: [
          {
            name: 'Accept',
            in: 'header',
            required: false,
            description: '`text/html` (preferred over `application/json`) for the HTML page',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'The page',
            headers: {
              'Cache-Control': { schema: { type: 'string', const: 'public, max-age=30' } },
              Vary: { schema: { type: 'string', const: 'Accept' } },
            },
            content: {
              'application/json': { schema: page },
              'text/html': { schema: { type: 'string', description: 'No script; every text escaped' } },
            },
          },
          '404': { description: 'No status page is configured' },
        },
      },
    },
  };
}
