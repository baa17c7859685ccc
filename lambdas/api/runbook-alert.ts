import * as z from 'zod';
import type { Claim } from '#core/dedup';
import { alertId } from '#core/grouping';
import type { Incident } from '#core/model';
import type { RunbookAlert } from '#core/runbooks';

/** The CloudWatch facts of an alert's details a binding matches on and fills parameters from. */
const AlarmFacts = z.object({
  namespace: z.string().optional().catch(undefined),
  metricNames: z.array(z.string()).optional().catch(undefined),
  dimensions: z.record(z.string(), z.string()).optional().catch(undefined),
});

/**
 * The facts of the alert that opened an incident, as a binding sees them: the incident's service, team,
 * category and labels, and the alert's source and CloudWatch details from its claim (its latest trigger).
 * Without the claim (an incident from before claims kept details) the incident's own source stands in and
 * there are no CloudWatch details, so a binding that needs them refuses the run, naming what is missing.
 */
export function openingAlertOf(incident: Incident, claim: Claim | undefined): RunbookAlert {
  const source = claim?.source ?? incident.source;
  const facts = AlarmFacts.parse(claim?.details ?? {});
  return {
    incidentId: incident.id,
    alertId: claim?.alertId ?? alertId(incident.dedupKey),
    dedupKey: incident.dedupKey,
    source: { kind: source.kind, name: source.name, account: source.account, region: source.region },
    service: incident.service,
    team: incident.team,
    category: incident.category,
    labels: incident.labels,
    namespace: facts.namespace,
    metricNames: facts.metricNames,
    dimensions: facts.dimensions,
  };
}
