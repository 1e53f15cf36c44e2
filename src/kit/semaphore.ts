/**
 * The one counting semaphore: at most `limit` holders at once, callers beyond it wait in arrival order
 * (a released slot goes straight to the oldest waiter, so a newcomer cannot overtake it). Waiting is
 * always bounded: by a number of waiters, a time, or the caller's signal. The API's narrator limiter
 * (a time) and the Ollama simulator's scheduler (a number of waiters, and the client leaving) are both
 * this semaphore.
 */

/** Gives the slot back; calling it twice is harmless. */
export type Release = () => void;

/** Why no slot was had: every slot and every waiting place taken, the wait ran out, or the signal fired. */
export type Refusal = 'full' | 'timed-out' | 'aborted';

export interface SemaphoreOptions {
  /** Holders at once; 0 means no limit (every caller gets a slot at once). */
  limit: number;
  /** Callers allowed to wait for a slot; one more is refused with 'full'. Default: no bound. */
  maxWaiting?: number;
  /** How long a caller may wait before it is refused with 'timed-out'; 0 = refuse at once. Default: no bound. */
  maxWaitMs?: number;
}

export function isRelease(slot: Release | Refusal): slot is Release {
  return typeof slot === 'function';
}

export class Semaphore {
  private held = 0;
  private readonly waiters: Array<(release: Release) => void> = [];
  private readonly limit: number;
  private readonly maxWaiting: number;
  private readonly maxWaitMs: number;

  constructor(options: SemaphoreOptions) {
    this.limit = options.limit === 0 ? Infinity : options.limit;
    this.maxWaitMs = options.maxWaitMs ?? Infinity;
    this.maxWaiting = this.maxWaitMs === 0 ? 0 : (options.maxWaiting ?? Infinity);
  }

  /** Slots held right now. */
  get active(): number {
    return this.held;
  }

  /** Callers waiting for a slot right now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** A slot now, or `undefined` when none is free (never waits). */
  tryAcquire(): Release | undefined {
    return this.held < this.limit ? this.take() : undefined;
  }

  /**
   * A slot, once one is free; or why not. The decision to refuse ('full') or to queue is taken at the
   * call, before the first await, so callers counting on arrival order get it. An aborted `signal` gives
   * up the waiting place at once.
   */
  acquire(signal?: AbortSignal): Promise<Release | Refusal> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (signal?.aborted) return Promise.resolve('aborted');
    if (this.waiters.length >= this.maxWaiting) return Promise.resolve('full');
    return new Promise((resolve) => {
      const leave = (refusal: Refusal) => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        settle(refusal);
      };
      const onAbort = () => leave('aborted');
      const timer = Number.isFinite(this.maxWaitMs)
        ? setTimeout(() => leave('timed-out'), this.maxWaitMs)
        : undefined;
      const settle = (result: Release | Refusal) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const waiter = (release: Release) => settle(release);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private take(): Release {
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      const next = this.waiters.shift();
      if (next) next(this.take());
    };
  }
}
