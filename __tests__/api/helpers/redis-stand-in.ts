/**
 * A STAND-IN for Redis as single-flight sees it (locks, plan cache, completion channels), in memory and
 * shared by several in-process "replicas", so the cross-replica protocol can be unit-tested without a
 * redis-server. It keeps the semantics single-flight relies on — lock TTLs that run out, compare-and-set
 * on the holder's token, only cacheable results stored, results crossing replicas as JSON, messages only
 * to current subscribers — and adds the faults a real deployment has: a replica that dies, a Redis that
 * is down, renewals that fail, a lock that vanishes, completion notices that are late or lost.
 * The real thing is tested against a real redis-server in the integration tests.
 */
import type { PlanResultStore } from '../../../src/api/plan-cache.js';
import {
  PlanInbox,
  type PlanCompletionChannels,
  type PlanMessage,
  type PlanSubscription,
} from '../../../src/api/plan-channel.js';
import type { PlanExecution } from '../../../src/api/plan-executor.js';
import type { LockAttempt, PlanLocks } from '../../../src/api/plan-lock.js';

/** What one replica is given: the seam of `SingleFlightDeps`. */
export interface ReplicaRedis {
  locks: PlanLocks;
  cache: PlanResultStore;
  channels: PlanCompletionChannels;
  isRedisUp: () => boolean;
}

/** What becomes of a published completion notice. */
export type PublishFate = 'deliver' | 'drop' | 'hold';

type Operation = 'acquire' | 'extend' | 'release' | 'get' | 'set' | 'publish' | 'subscribe';

interface Lock {
  token: string;
  /** performance.now() after which the lock is gone; Infinity when set without expiry. */
  expiresAt: number;
}

export class RedisStandIn {
  /** Whole Redis unreachable: every call rejects and `isRedisUp` is false. */
  down = false;
  /** Applies to every publish from now on; held notices wait for `deliverHeld()`. */
  publishFate: PublishFate = 'deliver';
  /** Called after each lock attempt is decided, before its caller sees the answer. */
  onAcquire: ((replica: string, key: string, attempt: LockAttempt) => void) | undefined;

  private readonly locks = new Map<string, Lock>();
  private readonly cache = new Map<string, string>();
  private readonly listeners = new Map<string, Set<(message: PlanMessage) => void>>();
  private readonly held: Array<{ key: string; json: string }> = [];
  private readonly severed = new Set<string>();
  private readonly refused = new Map<string, Set<Operation>>();
  /** Every successful call, as `replica op`, for assertions on what reached "Redis". */
  readonly calls: string[] = [];

  /** The connections of replica `replica`. */
  replica(replica: string): ReplicaRedis {
    const call = <T>(op: Operation, fn: () => T): Promise<T> => {
      if (this.down || this.severed.has(replica) || this.refused.get(replica)?.has(op))
        return Promise.reject(new Error(`stand-in: ${op} from ${replica} refused (Redis unreachable)`));
      this.calls.push(`${replica} ${op}`);
      // Answered on a later turn of the event loop, as a network reply would be.
      return new Promise((resolve) => setImmediate(() => resolve(fn())));
    };
    return {
      isRedisUp: () => !this.down && !this.severed.has(replica),
      locks: {
        acquire: (key, token, ttlMs) =>
          call('acquire', () => {
            const attempt = this.acquire(key, token, ttlMs);
            this.onAcquire?.(replica, key, attempt);
            return attempt;
          }),
        extend: (key, token, ttlMs) =>
          call('extend', () => {
            const lock = this.liveLock(key);
            if (lock?.token !== token) return false;
            lock.expiresAt = performance.now() + ttlMs;
            return true;
          }),
        release: (key, token) =>
          call('release', () => {
            if (this.liveLock(key)?.token === token) this.locks.delete(key);
          }),
      },
      cache: {
        remembered: () => undefined, // no L1: every lookup goes to the stand-in
        get: (key) =>
          call('get', () => {
            const json = this.cache.get(key);
            return json === undefined ? undefined : (JSON.parse(json) as PlanExecution);
          }),
        set: (key, result) =>
          call('set', () => {
            if (result.cacheable) this.cache.set(key, JSON.stringify(result));
          }),
      },
      channels: {
        publish: (key, message) => call('publish', () => this.publish(key, JSON.stringify(message))),
        subscribe: (key) => call('subscribe', () => this.subscribe(key)),
      },
    };
  }

  /** The replica's process died: nothing it sends reaches Redis any more (no renewal, no publish, no release). */
  sever(replica: string): void {
    this.severed.add(replica);
  }

  /** Calls `ops` of `replica` fail as if Redis were unreachable for them (empty: all succeed again). */
  refuse(replica: string, ...ops: Operation[]): void {
    this.refused.set(replica, new Set(ops));
  }

  /** Deliver the notices held while `publishFate` was 'hold', in order. */
  deliverHeld(): void {
    for (const { key, json } of this.held.splice(0)) this.deliver(key, json);
  }

  /** The token holding the lock of `key` now, if any. */
  lockHolder(key: string): string | undefined {
    return this.liveLock(key)?.token;
  }

  /** A lock put there by hand (`SET` without PX): it never expires. */
  setLockWithoutExpiry(key: string, token: string): void {
    this.locks.set(key, { token, expiresAt: Infinity });
  }

  /** The cached result of `key`, if any. */
  cached(key: string): PlanExecution | undefined {
    const json = this.cache.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as PlanExecution);
  }

  /** Subscriptions open on `key`'s channel, over every replica. */
  subscribers(key: string): number {
    return this.listeners.get(key)?.size ?? 0;
  }

  private acquire(key: string, token: string, ttlMs: number): LockAttempt {
    const lock = this.liveLock(key);
    if (!lock) {
      this.locks.set(key, { token, expiresAt: performance.now() + ttlMs });
      return { acquired: true };
    }
    const remaining = lock.expiresAt - performance.now();
    return {
      acquired: false,
      holderRemainingMs: Number.isFinite(remaining) ? Math.ceil(remaining) : undefined,
    };
  }

  private liveLock(key: string): Lock | undefined {
    const lock = this.locks.get(key);
    if (lock && lock.expiresAt <= performance.now()) {
      this.locks.delete(key);
      return undefined;
    }
    return lock;
  }

  private publish(key: string, json: string): void {
    if (this.publishFate === 'drop') return;
    if (this.publishFate === 'hold') this.held.push({ key, json });
    else this.deliver(key, json);
  }

  private deliver(key: string, json: string): void {
    for (const listener of this.listeners.get(key) ?? []) listener(JSON.parse(json) as PlanMessage);
  }

  private subscribe(key: string): PlanSubscription {
    const inbox = new PlanInbox();
    const listener = (message: PlanMessage) => inbox.push(message);
    let listeners = this.listeners.get(key);
    if (!listeners) this.listeners.set(key, (listeners = new Set()));
    listeners.add(listener);
    return {
      take: () => inbox.take(),
      next: (timeoutMs) => inbox.next(timeoutMs),
      close: () => {
        listeners.delete(listener);
        if (listeners.size === 0 && this.listeners.get(key) === listeners) this.listeners.delete(key);
      },
    };
  }
}
