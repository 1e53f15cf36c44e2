/**
 * A bounded in-process cache of short-lived entries: every entry expires at the time its owner gives,
 * and the entries together stay within a byte budget, the oldest entry going first when a new one does
 * not fit. Entries live a second or so, so the oldest is also about the next to expire; a hit changes
 * nothing (no least-recently-used bookkeeping on the hot path). The owner says what each entry costs
 * (it knows what it stores); the cache only adds the costs up, so the bound is as good as those
 * estimates. No I/O and no clock of its own beyond the one it is given.
 */

export type MemoryLookup = 'hit' | 'miss';
export type MemoryEviction = 'capacity' | 'expired';

export interface MemoryCacheObserver {
  lookup(result: MemoryLookup): void;
  evicted(reason: MemoryEviction): void;
}

export interface MemoryCacheOptions {
  /** Budget of all entries together, in (estimated) bytes. */
  maxBytes: number;
  /** Milliseconds on a monotonic clock; `performance.now()` unless a test drives time. */
  now?: () => number;
  observer?: MemoryCacheObserver;
}

interface Entry<V> {
  value: V;
  bytes: number;
  /** On the `now()` clock. */
  expiresAt: number;
}

const NO_OBSERVER: MemoryCacheObserver = { lookup() {}, evicted() {} };

export class MemoryCache<V> {
  /** A Map iterates in insertion order: the oldest entry comes first. */
  private readonly entries = new Map<string, Entry<V>>();
  private bytes = 0;
  private readonly now: () => number;
  private readonly observer: MemoryCacheObserver;

  constructor(private readonly options: MemoryCacheOptions) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0)
      throw new Error(`maxBytes must be a whole number ≥ 0, got ${options.maxBytes}`);
    this.now = options.now ?? (() => performance.now());
    this.observer = options.observer ?? NO_OBSERVER;
  }

  /** The value, unless absent or expired (an expired entry is dropped on the way). */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.observer.lookup('miss');
      return undefined;
    }
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      this.bytes -= entry.bytes;
      this.observer.evicted('expired');
      this.observer.lookup('miss');
      return undefined;
    }
    this.observer.lookup('hit');
    return entry.value;
  }

  /**
   * Store `value` until `expiresAt`, counting `bytes` against the budget and evicting the oldest
   * entries to make room. Returns false (and stores nothing, dropping any older value
   * of `key`) when it is already expired or larger than the whole budget.
   */
  set(key: string, value: V, bytes: number, expiresAt: number): boolean {
    this.delete(key);
    if (expiresAt <= this.now() || bytes > this.options.maxBytes) return false;
    while (this.bytes + bytes > this.options.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry<V>];
      this.entries.delete(oldestKey);
      this.bytes -= oldest.bytes;
      this.observer.evicted('capacity');
    }
    this.entries.set(key, { value, bytes, expiresAt });
    this.bytes += bytes;
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  /** Estimated bytes held, expired entries not yet dropped included. */
  get sizeBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
