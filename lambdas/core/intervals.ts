/** A half-open span of time [start, end) in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

/** The spans sorted, with overlapping or touching ones joined and empty ones dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((span) => span.end > span.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ start: span.start, end: span.end });
  }
  return merged;
}

/**
 * The parts of each item that lie within `windows`; both sorted and non-overlapping (as mergeIntervals
 * gives). An item crossing a window's edge is cut there, keeping its other fields.
 */
export function clipToWindows<T extends Interval>(items: readonly T[], windows: readonly Interval[]): T[] {
  const clipped: T[] = [];
  let first = 0;
  for (const item of items) {
    // Windows that end before this item also end before every later one.
    while (first < windows.length && (windows[first] as Interval).end <= item.start) first += 1;
    for (let index = first; index < windows.length; index += 1) {
      const window = windows[index] as Interval;
      if (window.start >= item.end) break;
      const start = Math.max(item.start, window.start);
      const end = Math.min(item.end, window.end);
      if (end > start) clipped.push({ ...item, start, end });
    }
  }
  return clipped;
}

/** How many milliseconds of `span` lie within `windows` (sorted, non-overlapping). */
export function overlapMs(span: Interval, windows: readonly Interval[]): number {
  let total = 0;
  for (const window of windows) {
    if (window.start >= span.end) break;
    total += Math.max(0, Math.min(span.end, window.end) - Math.max(span.start, window.start));
  }
  return total;
}
