/**
 * What this process learnt of alerts and groups from its own writes: which alerts fire on an open
 * incident, and which incident each group gathers into. Only a guess for choosing the first write — every
 * write is conditional, so a stale hint costs one more request, never a wrong result. In a storm, when the
 * same alerts and groups come again and again, it lets a repeat cost one write and a joining alert three.
 */
export class AlertHints {
  private readonly alerts = new Map<string, AlertHint>();
  private readonly groups = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  /** The alert's state and open incident, as last seen here. */
  alert(dedupKey: string): AlertHint | undefined {
    return this.alerts.get(dedupKey);
  }

  markFiring(dedupKey: string, incidentId: string): void {
    remember(this.alerts, dedupKey, { state: 'firing', incidentId }, this.capacity);
  }

  /** It recovered on an incident that stays open: its next trigger fires again there. */
  markResolved(dedupKey: string, incidentId: string): void {
    remember(this.alerts, dedupKey, { state: 'resolved', incidentId }, this.capacity);
  }

  forget(dedupKey: string): void {
    this.alerts.delete(dedupKey);
  }

  groupIncident(groupKey: string): string | undefined {
    return this.groups.get(groupKey);
  }

  markGroup(groupKey: string, incidentId: string): void {
    remember(this.groups, groupKey, incidentId, this.capacity);
  }

  forgetGroup(groupKey: string): void {
    this.groups.delete(groupKey);
  }
}

export interface AlertHint {
  state: 'firing' | 'resolved';
  incidentId: string;
}

/** Keeps the newest `capacity` entries: a Map iterates in insertion order, so the first is the oldest. */
function remember<T>(map: Map<string, T>, key: string, value: T, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
