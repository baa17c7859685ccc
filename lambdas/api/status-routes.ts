import type { StatusSource } from '#adapters/status-source';
import { type StatusPageConfig, statusPage, statusPageHtml } from '#core/status-page';
import { prefersOverJson } from './accept';
import type { ApiResponse, Routes } from './http';

export interface StatusRouteDeps {
  source: Pick<StatusSource, 'statusIncidents'>;
  config: StatusPageConfig;
  clock: () => Date;
}

/**
 * The public status page (`firebreak.statusPage`): `GET /status` with no credentials, for customers. HTML for
 * a browser (`Accept: text/html` preferred), JSON otherwise. It shows the configured services' states and the
 * updates posted with `"public": true`, built by the pure core from those alone.
 */
export function createStatusRoutes(deps: StatusRouteDeps): Routes {
  return {
    'GET /status': {
      scope: 'none',
      ignoresBody: true,
      handler: async (request) => {
        const now = deps.clock();
        const page = statusPage(deps.config, await deps.source.statusIncidents(deps.config, now), now);
        if (prefersHtml(request.headers.accept)) {
          return {
            status: 200,
            headers: { ...SHARED_HEADERS, ...HTML_HEADERS },
            text: { contentType: 'text/html; charset=utf-8', content: statusPageHtml(page) },
          };
        }
        // Exactly the documented shape: the services and nothing else (the title is the HTML's).
        const body = {
          services: page.services.map(({ name, status, updates }) => ({
            name,
            status,
            updates: updates.map(({ at, phase, message }) => ({ at, phase, message })),
          })),
        };
        return { status: 200, headers: SHARED_HEADERS, body } satisfies ApiResponse;
      },
    },
  };
}

/**
 * Caches may keep the page half a minute (it is the same for everyone); `Vary` keeps the HTML and the JSON
 * apart in them.
 */
const SHARED_HEADERS = {
  'cache-control': 'public, max-age=30',
  vary: 'Accept',
  'x-content-type-options': 'nosniff',
};

/** The page has no script, no style and loads nothing: the policy allows nothing at all. */
const HTML_HEADERS = {
  'content-security-policy':
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/** Whether `Accept` prefers HTML to JSON (see prefersOverJson). */
export function prefersHtml(accept: string | undefined): boolean {
  return prefersOverJson(accept, 'text/html');
}
