import * as z from 'zod';
import type { Incident, Priority } from './model';

/**
 * The public status page (`firebreak.statusPage`; absent: no status page). Only the services listed are
 * shown, under the names given here, each made of the Firebreak services whose incidents affect it.
 */
export const StatusPageConfig = z.strictObject({
  title: z.string().trim().min(1).max(100).default('Service status'),
  services: z
    .array(
      z.strictObject({
        /** What customers call it: the only name the page shows. */
        name: z.string().trim().min(1, { error: 'must not be empty' }).max(100),
        /** The Firebreak services (`service` of incidents) behind it. */
        services: z.array(z.string().min(1)).min(1, { error: 'must name at least one service' }),
      }),
    )
    .min(1, { error: 'must list at least one customer-facing service' }),
  /** How long after its incident resolved an update stays on the page. */
  recentHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
});
export type StatusPageConfig = z.infer<typeof StatusPageConfig>;

export type ServiceState = 'operational' | 'degraded' | 'outage';

/** An update posted with `"public": true`: the only text of an incident the page may show. */
export interface PublicUpdate {
  at: string;
  phase: string;
  message: string;
}

/** What the page reads of an incident: never its id, title, alerts or notes. */
export interface StatusIncident extends Pick<Incident, 'service' | 'priority' | 'status' | 'resolvedAt'> {
  publicUpdates: readonly PublicUpdate[];
}

export interface StatusPage {
  title: string;
  services: Array<{ name: string; status: ServiceState; updates: PublicUpdate[] }>;
}

/** How much an open incident of each priority says about its service: P1 is an outage, P2 a degradation. */
const STATE_OF: Record<Priority, ServiceState> = {
  P1: 'outage',
  P2: 'degraded',
  P3: 'operational',
  P4: 'operational',
};
const RANK: Record<ServiceState, number> = { operational: 0, degraded: 1, outage: 2 };
/** Updates per service on the page, newest first. */
export const MAX_UPDATES = 10;

/**
 * The page: each configured service's state (the worst of its open incidents') and the public updates of
 * its incidents that are open or resolved within `recentHours`, newest first. Built from public updates and
 * priorities only, so nothing else an incident holds can reach it.
 */
export function statusPage(
  config: StatusPageConfig,
  incidents: readonly StatusIncident[],
  now: Date,
): StatusPage {
  const since = now.getTime() - config.recentHours * 3_600_000;
  return {
    title: config.title,
    services: config.services.map((service) => {
      const mine = incidents.filter((incident) => service.services.includes(incident.service));
      const open = mine.filter(
        (incident) => incident.status === 'triggered' || incident.status === 'acknowledged',
      );
      const status = open
        .map((incident) => STATE_OF[incident.priority])
        .reduce<ServiceState>((worst, state) => (RANK[state] > RANK[worst] ? state : worst), 'operational');
      const shown = mine.filter(
        (incident) => open.includes(incident) || Date.parse(incident.resolvedAt ?? '') >= since,
      );
      const updates = shown
        .flatMap((incident) => incident.publicUpdates)
        .map(({ at, phase, message }) => ({ at, phase, message }))
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, MAX_UPDATES);
      return { name: service.name, status, updates };
    }),
  };
}

const escapeHtml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const WORDS: Record<ServiceState, string> = {
  operational: 'Operational',
  degraded: 'Degraded performance',
  outage: 'Outage',
};

/** The page as HTML: no script, no external resource, every text escaped. */
export function statusPageHtml(page: StatusPage): string {
  const services = page.services
    .map((service) => {
      const updates = service.updates
        .map(
          (update) =>
            `<li><time datetime="${escapeHtml(update.at)}">${escapeHtml(update.at.replace('T', ' ').slice(0, 16))} UTC</time> ` +
            `<strong>${escapeHtml(update.phase)}</strong> ${escapeHtml(update.message)}</li>`,
        )
        .join('');
      return (
        `<section><h2>${escapeHtml(service.name)} <span class="${service.status}">${WORDS[service.status]}</span></h2>` +
        (updates ? `<ul>${updates}</ul>` : '') +
        '</section>'
      );
    })
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(page.title)}</title></head><body><main><h1>${escapeHtml(page.title)}</h1>${services}</main></body></html>`
  );
}
