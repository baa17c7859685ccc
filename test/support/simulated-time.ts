/**
 * A clock for executing the lifecycle in simulated time: it moves only when nothing is running (no task
 * handler at work, nothing but timers left), and then straight to the earliest timer. A scenario that spans
 * hours runs in milliseconds, and every time it reads is exact.
 */
export class SimulatedTime {
  private timers: Array<{ at: number; wake: () => void }> = [];
  private busy = 0;
  private idleTurns = 0;
  private scheduled = false;
  private stopped = false;

  constructor(private readonly clock: { now: Date }) {}

  /** Runs `work` as activity: the clock does not move while it runs, unless it pauses. */
  async busyWhile<T>(work: () => Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await work();
    } finally {
      this.busy -= 1;
      this.poke();
    }
  }

  /**
   * Resolves once the clock reaches `at` (at once when it has already), or, without moving the clock, when
   * `signal` aborts: a timer nobody waits for any more must not pull the clock forward.
   */
  until(at: number, signal?: AbortSignal): Promise<void> {
    if (this.stopped || at <= this.clock.now.getTime() || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = { at, wake: resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      });
      this.poke();
    });
  }

  /** Lets `ms` of simulated time pass inside busy work (a slow call, a retry's back-off). */
  async pause(ms: number): Promise<void> {
    this.busy -= 1;
    try {
      await this.until(this.clock.now.getTime() + ms);
    } finally {
      this.busy += 1;
    }
  }

  /** Releases every waiter without moving the clock: the execution is over. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) timer.wake();
  }

  private poke(): void {
    this.idleTurns = 0;
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.advance());
  }

  /**
   * The interpreter moves from one state to the next in microtasks, so two idle turns of the event loop in a
   * row mean every branch is parked on a timer (or on something the test does).
   */
  private advance(): void {
    this.scheduled = false;
    if (this.stopped || this.busy > 0 || this.timers.length === 0) return;
    this.idleTurns += 1;
    if (this.idleTurns < 2) {
      this.scheduled = true;
      setImmediate(() => this.advance());
      return;
    }
    const at = Math.min(...this.timers.map((timer) => timer.at));
    if (at > this.clock.now.getTime()) this.clock.now = new Date(at);
    const now = this.clock.now.getTime();
    const due = this.timers.filter((timer) => timer.at <= now);
    this.timers = this.timers.filter((timer) => timer.at > now);
    for (const timer of due) timer.wake();
    this.poke();
  }
}
