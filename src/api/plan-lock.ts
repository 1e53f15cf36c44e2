/**
 * The cross-replica lock of one plan cache key, in Redis: `SET lock token NX PX ttl`. Only the holder's
 * token extends or deletes it (compare-and-set in Lua), so a replica whose lock expired can never extend
 * or release the lock a successor took.
 */
import type { Redis } from 'ioredis';

/** What single-flight needs of a lock; `RedisPlanLocks` in production, an in-memory stand-in in tests. */
export interface PlanLocks {
  /**
   * Take the lock for `token`, held `ttlMs` unless extended. Resolves `acquired: true`, or how much longer
   * the current holder keeps it (`holderRemainingMs` undefined: the lock has no expiry, e.g. set by hand).
   * Rejects when Redis is unreachable.
   */
  acquire(key: string, token: string, ttlMs: number): Promise<LockAttempt>;
  /** Give the lock `ttlMs` more if `token` still holds it; false when it does not (expired, taken over). */
  extend(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Delete the lock if `token` holds it. Rejects when Redis is unreachable. */
  release(key: string, token: string): Promise<void>;
}

export type LockAttempt = { acquired: true } | { acquired: false; holderRemainingMs: number | undefined };

const LOCK_PREFIX = 'stagegate:lock:';

/** Take the lock (answers 'OK'), or report how long the current holder still has it (PTTL: ms, or -1 without expiry). */
const ACQUIRE_OR_PTTL = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'OK' end
return redis.call('PTTL', KEYS[1])`;
const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const EXTEND_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export class RedisPlanLocks implements PlanLocks {
  constructor(private readonly redis: Redis) {}

  async acquire(key: string, token: string, ttlMs: number): Promise<LockAttempt> {
    const reply = await this.redis.eval(ACQUIRE_OR_PTTL, 1, LOCK_PREFIX + key, token, ttlMs);
    if (reply === 'OK') return { acquired: true };
    const pttl = Number(reply);
    // -1: a lock without expiry; -2 (vanished between SET and PTTL) cannot happen inside one script.
    return { acquired: false, holderRemainingMs: pttl >= 0 ? pttl : undefined };
  }

  async extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(EXTEND_IF_OWNER, 1, LOCK_PREFIX + key, token, ttlMs)) === 1;
  }

  async release(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, LOCK_PREFIX + key, token);
  }
}
