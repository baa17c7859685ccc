import { formatIncidentId, idDay } from '#core/ids';
import type { IncidentStore } from './incident-store';

/**
 * Hands out human-readable incident ids from the day's counter in the store. Numbers are reserved in
 * blocks of `blockSize` (1 keeps them dense; larger saves a write per incident). An id that was taken
 * but not used (the dedup claim went to another delivery) is handed out again, so a duplicate burst
 * leaves no gaps behind it.
 */
export class IncidentIdAllocator {
  private readonly spare = new Map<string, number[]>();

  constructor(
    private readonly store: Pick<IncidentStore, 'reserveSequence'>,
    private readonly blockSize = 1,
  ) {
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError('id block size must be ≥ 1');
  }

  async next(now: Date): Promise<string> {
    const day = idDay(now);
    const pool = this.pool(day);
    const spare = pool.shift();
    if (spare !== undefined) return formatIncidentId(day, spare);
    const last = await this.store.reserveSequence(day, this.blockSize);
    for (let n = last - this.blockSize + 2; n <= last; n++) pool.push(n);
    return formatIncidentId(day, last - this.blockSize + 1);
  }

  /** Returns an id that was not used, so the next incident of the day takes it. */
  release(id: string): void {
    const match = /^INC-(\d{8})-(\d+)$/.exec(id);
    if (!match?.[1] || !match[2]) return;
    const pool = this.pool(match[1]);
    pool.push(Number(match[2]));
    pool.sort((a, b) => a - b);
  }

  private pool(day: string): number[] {
    let pool = this.spare.get(day);
    if (!pool) {
      // Spares of earlier days are no use any more.
      this.spare.clear();
      pool = [];
      this.spare.set(day, pool);
    }
    return pool;
  }
}
