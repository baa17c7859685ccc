import * as z from 'zod';
import { Priority, SourceRef } from './model';

/**
 * An incident's alerts, as its item holds them: alert id → `<time><state>`, where time is the newest
 * change applied to that alert (epoch milliseconds, base 36, fixed width, so strings order like times) and
 * state one letter: `F` firing / `R` resolved for an alert whose recovery resolves it, `f` / `r` for one
 * that never resolves by itself (tag `firebreak:auto-resolve=false`). About 20 bytes an alert: an incident
 * holds at most MAX_ALERTS_PER_INCIDENT, and its item stays small.
 */
export type AlertMap = Record<string, string>;

export const AlertState = z.enum(['firing', 'resolved']);
export type AlertState = z.infer<typeof AlertState>;

/** An incident takes no more alerts than this; the next alert of its group opens the next incident. */
export const MAX_ALERTS_PER_INCIDENT = 1000;

const TIME_WIDTH = 9;

export function alertEntry(at: string, state: AlertState, autoResolve: boolean): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${at}`);
  const code = state === 'firing' ? 'F' : 'R';
  return `${ms.toString(36).padStart(TIME_WIDTH, '0')}${autoResolve ? code : code.toLowerCase()}`;
}

export function readAlertEntry(entry: string): { at: string; state: AlertState; autoResolve: boolean } {
  const code = entry.slice(TIME_WIDTH);
  return {
    at: new Date(Number.parseInt(entry.slice(0, TIME_WIDTH), 36)).toISOString(),
    state: code.toUpperCase() === 'F' ? 'firing' : 'resolved',
    autoResolve: code === code.toUpperCase(),
  };
}

export interface AlertCounts {
  /** Alerts in the incident. */
  alertCount: number;
  /** Of those, the ones firing now. */
  firingCount: number;
}

export function countAlerts(alerts: AlertMap): AlertCounts {
  let firingCount = 0;
  const entries = Object.values(alerts);
  for (const entry of entries) if (readAlertEntry(entry).state === 'firing') firingCount += 1;
  return { alertCount: entries.length, firingCount };
}

/**
 * Whether an incident's alerts say it is over: it has an alert that resolves by itself, and every such
 * alert has resolved. Alerts that never resolve by themselves do not hold it open, nor can they close it.
 */
export function alertsAllRecovered(alerts: AlertMap): boolean {
  let autoResolving = 0;
  for (const entry of Object.values(alerts)) {
    const { state, autoResolve } = readAlertEntry(entry);
    if (!autoResolve) continue;
    if (state === 'firing') return false;
    autoResolving += 1;
  }
  return autoResolving > 0;
}

/** One alert of an incident, as the API shows it (`GET /incidents/{id}/alerts`). */
export const Alert = z.object({
  alertId: z.string(),
  dedupKey: z.string(),
  incidentId: z.string(),
  state: AlertState,
  /** The alert no longer belongs to this incident: it was merged into `movedTo`. */
  movedTo: z.string().optional(),
  autoResolve: z.boolean(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  /** How many times it fired while in this incident (repeats included). */
  firedCount: z.number().int().min(1),
  source: SourceRef,
  title: z.string(),
  summary: z.string(),
  priority: Priority,
  details: z.record(z.string(), z.unknown()),
});
export type Alert = z.infer<typeof Alert>;
