/**
 * An open-loop send schedule: send times fixed in advance at a constant rate, never moved
 * by how long the previous message took. When the thread falls behind, the due sends leave
 * at once and each one's lateness is recorded as schedule lag, so a slow generator shows up
 * as lag and not as lower latency.
 */
export class SendSchedule {
  private nextSlot: bigint;
  private readonly interval: bigint;
  private readonly end: bigint;

  /** Slots at `first + k * interval` for k = 0, 1, ... while before `end` (nanoseconds). */
  constructor(first: bigint, interval: bigint, end: bigint) {
    if (interval <= 0n) {
      throw new RangeError(`send interval must be positive, got ${interval} ns`);
    }
    this.nextSlot = first;
    this.interval = interval;
    this.end = end;
  }

  /** Nanoseconds between sends for a rate in messages per second. */
  static intervalFor(ratePerSecond: number): bigint {
    return BigInt(Math.round(1e9 / ratePerSecond));
  }

  /** The next slot not yet taken, or null when the schedule is over. */
  get next(): bigint | null {
    return this.nextSlot < this.end ? this.nextSlot : null;
  }

  /** Drops the slots before `time`, e.g. those before a late join. */
  skipBefore(time: bigint): void {
    if (time <= this.nextSlot) {
      return;
    }
    const missed = (time - this.nextSlot + this.interval - 1n) / this.interval;
    this.nextSlot += missed * this.interval;
  }

  /** Takes the next slot if it is due at `now`; returns its time, or null if none is due. */
  takeDue(now: bigint): bigint | null {
    const slot = this.next;
    if (slot === null || slot > now) {
      return null;
    }
    this.nextSlot += this.interval;
    return slot;
  }
}
