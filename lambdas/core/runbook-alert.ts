import * as z from 'zod';
import type { Claim } from './dedup';
import { alertId } from './grouping';
import type { Incident, Signal } from './model';
import type { RunbookAlert } from './runbooks';

/**
 * The facts of one alert that runbook bindings are matched against and filled from, taken from what the
 * pipeline already keeps: the incident (service, team, category, labels of its opening alert), the alert's
 * claim (its source and details), or the signal of an alert joining the incident.
 */

/** What the alert's details may say, read leniently: a source that says less leaves the fact out. */
const AlertDetails = z.object({
  namespace: z.string().optional().catch(undefined),
  metricNames: z.array(z.string()).optional().catch(undefined),
  dimensions: z.record(z.string(), z.string()).optional().catch(undefined),
  threshold: z.number().optional().catch(undefined),
  recentDatapoints: z.array(z.number()).optional().catch(undefined),
  /** Security Hub lists `{ type, id }`; other sources may give ARNs as strings. */
  resources: z
    .array(z.union([z.string(), z.object({ id: z.string() }).passthrough()]))
    .optional()
    .catch(undefined),
  resourceArn: z.string().optional().catch(undefined),
});

/** Most resources the diagnosis of recent changes looks up (CloudTrail allows one lookup a second). */
export const MAX_CHANGE_RESOURCES = 5;

function detailFacts(details: Record<string, unknown> | undefined) {
  const parsed = AlertDetails.safeParse(details ?? {});
  const facts = parsed.success ? parsed.data : {};
  const resources = [
    ...(facts.resources ?? []).map((resource) => (typeof resource === 'string' ? resource : resource.id)),
    ...(facts.resourceArn ? [facts.resourceArn] : []),
  ];
  return {
    ...(facts.namespace ? { namespace: facts.namespace } : {}),
    ...(facts.metricNames ? { metricNames: facts.metricNames } : {}),
    ...(facts.dimensions ? { dimensions: facts.dimensions } : {}),
    ...(resources.length > 0 ? { resources } : {}),
    ...(facts.threshold !== undefined ? { threshold: facts.threshold } : {}),
    ...(facts.recentDatapoints ? { recentDatapoints: facts.recentDatapoints } : {}),
  };
}

/**
 * An incident's alert as a runbook sees it: the claim's source and details when the claim is at hand (it
 * is the live alert), the incident's for the rest. Without a claim, the incident's own opening facts.
 */
export function runbookAlertOfClaim(incident: Incident, claim: Claim | undefined): RunbookAlert {
  const dedupKey = claim?.dedupKey ?? incident.dedupKey;
  const source = claim?.source ?? incident.source;
  return {
    incidentId: incident.id,
    alertId: claim?.alertId ?? alertId(dedupKey),
    dedupKey,
    source: {
      kind: source.kind,
      name: source.name,
      ...(source.account ? { account: source.account } : {}),
      ...(source.region ? { region: source.region } : {}),
    },
    service: incident.service,
    ...(incident.team ? { team: incident.team } : {}),
    category: incident.category,
    labels: incident.labels,
    firedAt: claim?.firstSeen ?? incident.detectedAt,
    ...detailFacts(claim?.details),
  };
}

/** An alert joining an open incident, from its signal. */
export function runbookAlertOfSignal(incidentId: string, signal: Signal): RunbookAlert {
  return {
    incidentId,
    alertId: alertId(signal.dedupKey),
    dedupKey: signal.dedupKey,
    source: {
      kind: signal.source.kind,
      name: signal.source.name,
      ...(signal.source.account ? { account: signal.source.account } : {}),
      ...(signal.source.region ? { region: signal.source.region } : {}),
    },
    service: signal.service,
    ...(signal.team ? { team: signal.team } : {}),
    category: signal.category,
    labels: signal.labels,
    firedAt: signal.occurredAt,
    ...detailFacts(signal.details),
  };
}

/**
 * The resources the diagnosis of recent changes looks up: the alarm's dimension values (instance ids,
 * function and cluster names) and the resources the alert names, each once, at most MAX_CHANGE_RESOURCES.
 */
export function changeResourcesOf(alert: RunbookAlert): string[] {
  const all = [...Object.values(alert.dimensions ?? {}), ...(alert.resources ?? [])]
    .map((resource) => resource.trim())
    .filter((resource) => resource !== '');
  return [...new Set(all)].slice(0, MAX_CHANGE_RESOURCES);
}

/** The CloudFormation stack behind the alert: its `aws:cloudformation:stack-name` label, else the service. */
export function stackNameOf(alert: RunbookAlert): string {
  return alert.labels['aws:cloudformation:stack-name'] ?? alert.service;
}
