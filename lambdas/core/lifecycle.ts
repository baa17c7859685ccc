import type { Status } from './model';

/**
 * Legal status changes. A trigger after resolve never reopens: it opens a new incident, so `resolved`
 * only moves on to `closed`, and `closed` is final.
 */
const NEXT: Record<Status, readonly Status[]> = {
  triggered: ['acknowledged', 'resolved'],
  acknowledged: ['triggered', 'resolved'],
  resolved: ['closed'],
  closed: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return NEXT[from].includes(to);
}

/** Statuses from which `to` can be reached: used as the condition of the conditional write. */
export function allowedFrom(to: Status): Status[] {
  return (Object.keys(NEXT) as Status[]).filter((from) => NEXT[from].includes(to));
}

export function isOpen(status: Status): boolean {
  return status === 'triggered' || status === 'acknowledged';
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: Status,
    readonly to: Status,
  ) {
    super(`An incident that is ${from} cannot become ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function assertTransition(from: Status, to: Status): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}
