/** The UTC day an incident id is numbered within, e.g. `20261127`. */
export function idDay(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

/** Human-readable incident id, e.g. `INC-20261127-0042`; the number widens past 9999 rather than wrapping. */
export function formatIncidentId(day: string, sequence: number): string {
  if (!/^\d{8}$/.test(day)) throw new RangeError(`incident id day must be YYYYMMDD, got ${day}`);
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new RangeError(`incident sequence must be ≥ 1, got ${sequence}`);
  return `INC-${day}-${String(sequence).padStart(4, '0')}`;
}
