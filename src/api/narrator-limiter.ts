/**
 * A counting semaphore for LLM calls on this replica. When every slot is taken a caller may wait at most
 * `queueTimeoutMs` (0 = refuse at once); it never waits indefinitely. `max` 0 means unlimited.
 */

/** Gives the slot back; calling it twice is harmless. */
export type ReleaseSlot = () => void;

export class NarratorLimiter {
  private active = 0;
  private readonly waiters: Array<(release: ReleaseSlot) => void> = [];

  constructor(
    private readonly max: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A release function, or `undefined` when no slot came free in time (overload). */
  async acquire(): Promise<ReleaseSlot | undefined> {
    if (this.max === 0 || this.active < this.max) return this.take();
    if (this.queueTimeoutMs === 0) return undefined;
    return new Promise((resolve) => {
      const waiter = (release: ReleaseSlot) => {
        clearTimeout(timer);
        resolve(release);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(undefined);
      }, this.queueTimeoutMs);
      this.waiters.push(waiter);
    });
  }

  private take(): ReleaseSlot {
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      // Hand the slot straight to the oldest waiter, so a newcomer cannot overtake it.
      const next = this.waiters.shift();
      if (next) next(this.take());
    };
  }
}
