import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { openIncident } from '#core/incident';
import { openedMetric, resolutionMetrics, slaBreachMetric } from '#core/incident-metrics';
import { METRICS, type MetricDatum } from '#core/metric-names';
import type { Incident } from '#core/model';
import { emfLine, emitMetric } from '../../lambdas/lifecycle/metrics';
import { alarmSignal } from '../support/signals';

/**
 * The embedded metric format as CloudWatch Logs reads it: a JSON object whose `_aws` member holds a
 * timestamp (ms since the epoch) and metric directives; each directive's dimension sets name root members
 * holding strings, and each metric names a root member holding its number.
 */
const Directive = z.object({
  Namespace: z.string().min(1).max(255),
  Dimensions: z.array(z.array(z.string()).max(30)),
  Metrics: z.array(z.object({ Name: z.string().min(1), Unit: z.enum(['Count', 'Seconds']) })).min(1),
});
const EmfDocument = z.looseObject({
  _aws: z.object({ Timestamp: z.number().int(), CloudWatchMetrics: z.array(Directive).min(1) }),
});

function parse(line: string) {
  const document = EmfDocument.parse(JSON.parse(line));
  const directive = document._aws.CloudWatchMetrics[0];
  if (!directive) throw new Error('no directive');
  // Every dimension a set names, and every metric's value, are at the root with the right type.
  for (const key of directive.Dimensions.flat()) expect(typeof document[key]).toBe('string');
  for (const metric of directive.Metrics) expect(typeof document[metric.Name]).toBe('number');
  return { document, directive };
}

const TIMESTAMP = Date.parse('2026-11-27T10:20:00.000Z');

describe('emfLine', () => {
  it('writes a count under each dimension set, with the dimension values and the value at the root', () => {
    const { document, directive } = parse(
      emfLine(
        { name: 'IncidentOpened', value: 1, dimensions: { Priority: 'P2', Category: 'Database' } },
        TIMESTAMP,
      ),
    );

    expect(document._aws.Timestamp).toBe(TIMESTAMP);
    expect(directive).toEqual({
      Namespace: 'Firebreak',
      Dimensions: [['Priority'], ['Category']],
      Metrics: [{ Name: 'IncidentOpened', Unit: 'Count' }],
    });
    expect(document).toMatchObject({ Priority: 'P2', Category: 'Database', IncidentOpened: 1 });
  });

  it('writes times in seconds', () => {
    const { document, directive } = parse(
      emfLine({ name: 'TimeToResolve', value: 1234.5, dimensions: { Priority: 'P1' } }, TIMESTAMP),
    );

    expect(directive.Dimensions).toEqual([['Priority']]);
    expect(directive.Metrics).toEqual([{ Name: 'TimeToResolve', Unit: 'Seconds' }]);
    expect(document.TimeToResolve).toBe(1234.5);
  });

  it('publishes an SLA breach per priority, and per priority and team when the incident has a team', () => {
    const withTeam = parse(emfLine(slaBreachMetric({ priority: 'P1', team: 'checkout' }), TIMESTAMP));
    const withoutTeam = parse(emfLine(slaBreachMetric({ priority: 'P3' }), TIMESTAMP));

    expect(withTeam.directive.Dimensions).toEqual([['Priority'], ['Priority', 'Team']]);
    expect(withTeam.document).toMatchObject({ Priority: 'P1', Team: 'checkout', ResponseSlaBreached: 1 });
    expect(withoutTeam.directive.Dimensions).toEqual([['Priority']]);
    expect(withoutTeam.document).not.toHaveProperty('Team');
  });

  it('leaves out dimensions no set names, and publishes a value carrying no set with no dimensions', () => {
    const stray = parse(
      emfLine(
        { name: 'TimeToDetect', value: 3, dimensions: { Priority: 'P4', Incident: 'INC-1' } },
        TIMESTAMP,
      ),
    );
    const bare = parse(emfLine({ name: 'TimeToDetect', value: 3, dimensions: {} }, TIMESTAMP));

    expect(stray.document).not.toHaveProperty('Incident');
    expect(bare.directive.Dimensions).toEqual([[]]);
  });

  it('emitMetric writes one line per value, stamped now', () => {
    const lines: string[] = [];
    const before = Date.now();
    emitMetric({ name: 'RunbookLaunchFailed', value: 1, dimensions: { Trigger: 'joined' } }, (line) => {
      lines.push(line);
    });

    expect(lines).toHaveLength(1);
    const { document, directive } = parse(lines[0] ?? '');
    expect(directive.Dimensions).toEqual([['Trigger']]);
    expect(document._aws.Timestamp).toBeGreaterThanOrEqual(before);
  });

  it('gives every metric of the table a valid line', () => {
    for (const [name, definition] of Object.entries(METRICS)) {
      const dimensions = Object.fromEntries(definition.dimensionSets.flat().map((key) => [key, 'x']));
      const { directive } = parse(emfLine({ name, value: 2, dimensions } as MetricDatum, TIMESTAMP));
      expect(directive.Metrics).toEqual([{ Name: name, Unit: definition.unit }]);
      expect(directive.Dimensions).toEqual(definition.dimensionSets);
    }
  });
});

/** A P1 detected 30 s after its alarm, acknowledged 7 min and resolved 40 min after it opened. */
const RESOLVED: Incident = {
  ...openIncident(
    alarmSignal({ at: '2026-11-27T09:59:30.000Z', impact: 'high', urgency: 'high', team: 'checkout' }),
    'INC-20261127-0001',
    new Date('2026-11-27T10:00:00.000Z'),
  ),
  status: 'resolved',
  acknowledgedAt: '2026-11-27T10:07:00.000Z',
  resolvedAt: '2026-11-27T10:40:00.000Z',
  escalationLevel: 2,
};

describe('the incident metrics', () => {
  it('counts an incident opened by priority and category', () => {
    expect(openedMetric(RESOLVED)).toEqual({
      name: 'IncidentOpened',
      value: 1,
      dimensions: { Priority: 'P1', Category: RESOLVED.category },
    });
  });

  it('gives a resolved incident its figures (core incidentFigures) and escalation level, by priority', () => {
    const dimensions = { Priority: 'P1' };
    expect(resolutionMetrics(RESOLVED)).toEqual([
      { name: 'TimeToDetect', value: 30, dimensions },
      { name: 'TimeToAcknowledge', value: 420, dimensions },
      { name: 'TimeToResolve', value: 2400, dimensions },
      { name: 'EscalationLevelReached', value: 2, dimensions },
    ]);
  });

  it('leaves out the time to acknowledge of an incident nobody acknowledged', () => {
    const { acknowledgedAt: _, ...unacknowledged } = RESOLVED;
    expect(resolutionMetrics(unacknowledged).map((datum) => datum.name)).toEqual([
      'TimeToDetect',
      'TimeToResolve',
      'EscalationLevelReached',
    ]);
  });

  it('gives nothing for an incident merged into another', () => {
    expect(resolutionMetrics({ ...RESOLVED, mergedInto: 'INC-20261127-0002' })).toEqual([]);
  });
});
