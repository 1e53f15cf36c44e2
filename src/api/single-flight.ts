/**
 * Single-flight for heavy executions, within a replica and across replicas.
 *
 * - In process: a result this replica holds in its L1 (the plan cache's memory layer) answers at once;
 *   otherwise concurrent identical asks share one promise, so only the first touches Redis.
 * - Across replicas: a Redis lock (`plan-lock.ts`). Its owner extends it while it works and releases it
 *   with compare-and-delete, so it can never extend or delete someone else's lock.
 * - Followers SUBSCRIBE to the plan's completion channel before they re-check the cache, so a completion
 *   published in between cannot be lost, then wait for the message — no sleep loop. The only timer is the
 *   lock's remaining TTL: when it runs out without a message (leader died), the follower tries the lock
 *   again and one of them takes over.
 * - Waiting is bounded by `waitTimeoutMs`; a follower that runs out of time answers
 *   `single_flight_timeout` instead of executing, so a slow leader does not turn into a stampede.
 * - Errors and degraded results are shared with current waiters but never cached.
 * - Redis unreachable: execute without cache or lock ("uncached"); the in-process sharing still applies.
 *   The L1 is not consulted then either, so such answers stay marked uncached.
 * - SINGLE_FLIGHT_ENABLED=false turns off both the lock and the in-process sharing: every ask executes
 *   (unless the plan cache, when enabled, already holds the result).
 */
import { randomUUID } from 'node:crypto';
import type { CacheLayer, ComputeRole } from '../contract/index.js';
import type { Logger } from '../kit/json-logger.js';
import type { PlanCacheResult, SingleFlightRole } from './metrics.js';
import type { PlanResultStore } from './plan-cache.js';
import type { PlanCompletionChannels, PlanMessage, PlanSubscription } from './plan-channel.js';
import type { PlanExecution } from './plan-executor.js';
import type { PlanLocks } from './plan-lock.js';

export interface FlightOutcome {
  result: PlanExecution;
  role: ComputeRole;
  /** True when this request did not run the execution itself (cache, or another request's execution). */
  planCacheHit: boolean;
  /** False when Redis could not be used for this request. */
  cacheAvailable: boolean;
  /** Time spent waiting for another request's execution or for the cache. */
  waitMs: number;
  /** Which cache layer answered: this replica's memory, Redis, or none (executed, or another request's execution). */
  cacheLayer: CacheLayer;
  /** Led after the previous holder's lock expired (it died or stalled). */
  takeover?: boolean;
}

export interface SingleFlightOptions {
  replicaId: string;
  cacheEnabled: boolean;
  singleFlightEnabled: boolean;
  lockTtlMs: number;
  waitTimeoutMs: number;
}

export interface SingleFlightObserver {
  cacheLookup(result: PlanCacheResult): void;
  role(role: SingleFlightRole): void;
  /** A follower waited this long for a leader's result. */
  followerWaited?(seconds: number): void;
}

/** Redis as single-flight sees it: three narrow parts, so it can be driven in-process by a stand-in. */
export interface SingleFlightDeps {
  locks: PlanLocks;
  cache: PlanResultStore;
  channels: PlanCompletionChannels;
  isRedisUp: () => boolean;
  options: SingleFlightOptions;
  observer: SingleFlightObserver;
  logger: Logger;
}

/** Smallest wait between two lock attempts, so a lock without TTL (set by hand) cannot spin us. */
const MIN_LOCK_WAIT_MS = 20;

export class SingleFlight {
  private readonly inProcess = new Map<string, Promise<FlightOutcome>>();

  constructor(private readonly deps: SingleFlightDeps) {}

  /**
   * The L1's answer, without I/O, while Redis is up (when it is down, answers are marked uncached, as
   * without an L1). Counted like any outcome. Asked before `run`, which goes to Redis.
   */
  fromMemory(key: string): FlightOutcome | undefined {
    if (!this.deps.options.cacheEnabled || !this.deps.isRedisUp()) return undefined;
    const result = this.deps.cache.remembered(key);
    if (!result) return undefined;
    const outcome: FlightOutcome = {
      result,
      role: 'cache',
      planCacheHit: true,
      cacheAvailable: true,
      waitMs: 0,
      cacheLayer: 'memory',
    };
    this.count(outcome);
    return outcome;
  }

  /** Redis's cache, the lock, or an execution: for a key `fromMemory` did not answer. */
  async run(key: string, execute: () => Promise<PlanExecution>): Promise<FlightOutcome> {
    const started = performance.now();
    if (!this.deps.options.singleFlightEnabled) {
      // Switched off (a baseline for comparisons): every ask runs its own lookup and execution.
      const outcome = await this.coordinate(key, execute, started);
      this.count(outcome);
      return outcome;
    }
    const existing = this.inProcess.get(key);
    if (existing) {
      const first = await existing;
      const outcome: FlightOutcome = {
        ...first,
        role: first.role === 'cache' ? 'cache' : 'follower',
        // Reused the first request's result — unless that one ran out of time waiting itself.
        planCacheHit: first.result.error !== 'single_flight_timeout',
        waitMs: Math.round(performance.now() - started),
        takeover: false,
      };
      this.count(outcome);
      return outcome;
    }
    const flight = this.coordinate(key, execute, started);
    this.inProcess.set(key, flight);
    try {
      const outcome = await flight;
      this.count(outcome);
      return outcome;
    } finally {
      this.inProcess.delete(key);
    }
  }

  private count(outcome: FlightOutcome): void {
    const { observer } = this.deps;
    if (!outcome.cacheAvailable) observer.cacheLookup('bypass');
    else observer.cacheLookup(outcome.planCacheHit ? 'hit' : 'miss');
    if (outcome.role === 'follower') {
      observer.role('follower');
      observer.followerWaited?.(outcome.waitMs / 1000);
    }
    if (outcome.role === 'leader') observer.role(outcome.takeover ? 'takeover' : 'leader');
  }

  private async coordinate(
    key: string,
    execute: () => Promise<PlanExecution>,
    started: number,
  ): Promise<FlightOutcome> {
    const { options, cache } = this.deps;
    if (!options.cacheEnabled && !options.singleFlightEnabled)
      return this.uncached(execute, this.deps.isRedisUp());
    if (options.cacheEnabled) {
      let cached: PlanExecution | undefined;
      try {
        cached = await cache.get(key);
      } catch (error) {
        return this.redisFailed('cache lookup', error, execute);
      }
      if (cached) return this.hit(cached, 'cache', started);
    }
    if (!options.singleFlightEnabled) {
      const result = await execute();
      let cacheAvailable = true;
      if (result.cacheable) await cache.set(key, result).catch(() => (cacheAvailable = false));
      return { result, role: 'uncached', planCacheHit: false, cacheAvailable, waitMs: 0, cacheLayer: 'none' };
    }
    try {
      return await this.contend(key, execute, started);
    } catch (error) {
      if (error instanceof RedisStepError) return this.redisFailed(error.step, error.cause, execute);
      throw error;
    }
  }

  /** Lock, or follow whoever holds it. Redis failures surface as RedisStepError (before any execution). */
  private async contend(
    key: string,
    execute: () => Promise<PlanExecution>,
    started: number,
  ): Promise<FlightOutcome> {
    const { options, cache, channels } = this.deps;
    const token = `${options.replicaId}:${randomUUID()}`;
    let pttl = await redisStep('lock', () => this.tryLock(key, token));
    if (pttl < 0) return this.lead(key, token, execute, false, started);

    const subscription: PlanSubscription = await redisStep('subscribe', () => channels.subscribe(key));
    try {
      let waitedForExpiry = false;
      for (;;) {
        // Subscribed from here on: whatever completes now is either already cached or will be delivered.
        if (options.cacheEnabled) {
          const cached = await redisStep('cache re-check', () => cache.get(key));
          if (cached) return this.hit(cached, 'follower', started);
        }
        // A result that is not cached (degraded, or an error) arrives only as a message: use it if it came.
        const delivered = subscription.take();
        if (delivered) return this.fromMessage(delivered, started);
        // The holder may have finished (its result not cached), or died.
        pttl = await redisStep('lock', () => this.tryLock(key, token));
        if (pttl < 0) {
          // Its completion notice may have arrived while we took over the released lock.
          const late = subscription.take();
          if (late) {
            await this.release(key, token);
            return this.fromMessage(late, started);
          }
          return this.lead(key, token, execute, waitedForExpiry, started);
        }

        const remaining = started + options.waitTimeoutMs - performance.now();
        if (remaining <= 0) return this.waitTimedOut(started);
        const message = await subscription.next(Math.min(remaining, Math.max(pttl, MIN_LOCK_WAIT_MS) + 5));
        if (message) return this.fromMessage(message, started);
        waitedForExpiry = true;
      }
    } finally {
      subscription.close();
    }
  }

  private async lead(
    key: string,
    token: string,
    execute: () => Promise<PlanExecution>,
    takeover: boolean,
    started: number,
  ): Promise<FlightOutcome> {
    const { options, cache, channels, locks, logger } = this.deps;
    const extender = setInterval(
      () => {
        locks
          .extend(key, token, options.lockTtlMs)
          .then((extended) => {
            if (!extended) logger.warn('single-flight lock lost while executing', { key });
          })
          .catch(() => {
            // Redis unreachable: the lock will expire and someone may take over; our result still counts.
          });
      },
      Math.max(50, Math.floor(options.lockTtlMs / 3)),
    );
    try {
      if (options.cacheEnabled) {
        // Between our cache miss and winning the lock, the previous leader may have stored its result.
        const cached = await cache.get(key).catch(() => undefined);
        if (cached) return this.hit(cached, 'cache', started);
      }
      let result: PlanExecution;
      try {
        result = await execute();
      } catch (error) {
        await channels.publish(key, { kind: 'error', message: (error as Error).message }).catch(() => {});
        throw error;
      }
      let cacheAvailable = true;
      // Order matters: store, then announce, then unlock — a follower that finds the lock gone finds the result.
      if (options.cacheEnabled && result.cacheable)
        await cache.set(key, result).catch(() => (cacheAvailable = false));
      await channels.publish(key, { kind: 'result', result }).catch(() => (cacheAvailable = false));
      return {
        result,
        role: 'leader',
        planCacheHit: false,
        cacheAvailable,
        waitMs: 0,
        cacheLayer: 'none',
        takeover,
      };
    } finally {
      clearInterval(extender);
      await this.release(key, token);
    }
  }

  /** Compare-and-delete: only the owner's token removes the lock. Never throws. */
  private async release(key: string, token: string): Promise<void> {
    await this.deps.locks.release(key, token).catch(() => {});
  }

  /** -1 when the lock is ours; otherwise the holder's remaining TTL in ms (a full TTL for a lock without expiry). */
  private async tryLock(key: string, token: string): Promise<number> {
    const attempt = await this.deps.locks.acquire(key, token, this.deps.options.lockTtlMs);
    if (attempt.acquired) return -1;
    return attempt.holderRemainingMs ?? this.deps.options.lockTtlMs;
  }

  private fromMessage(message: PlanMessage, started: number): FlightOutcome {
    if (message.kind === 'result') return this.hit(message.result, 'follower', started, 'none');
    throw new SharedExecutionError(message.message);
  }

  /** Answered by Redis, unless `layer` says otherwise (a leader's completion message). */
  private hit(
    result: PlanExecution,
    role: 'cache' | 'follower',
    started: number,
    layer: CacheLayer = 'redis',
  ): FlightOutcome {
    return {
      result,
      role,
      planCacheHit: true,
      cacheAvailable: true,
      waitMs: Math.round(performance.now() - started),
      cacheLayer: layer,
    };
  }

  private waitTimedOut(started: number): FlightOutcome {
    return {
      result: {
        answer: null,
        error: 'single_flight_timeout',
        message: `Outra réplica está calculando esta resposta e não terminou em ${this.deps.options.waitTimeoutMs} ms; tente de novo.`,
        narrator: { outcome: 'skipped', source: 'none' },
        narrative_overload: false,
        sql_ms: 0,
        llm_ms: 0,
        cacheable: false,
      },
      role: 'follower',
      planCacheHit: false,
      cacheAvailable: true,
      waitMs: Math.round(performance.now() - started),
      cacheLayer: 'none',
    };
  }

  private async uncached(
    execute: () => Promise<PlanExecution>,
    cacheAvailable: boolean,
  ): Promise<FlightOutcome> {
    const result = await execute();
    return { result, role: 'uncached', planCacheHit: false, cacheAvailable, waitMs: 0, cacheLayer: 'none' };
  }

  private redisFailed(
    step: string,
    error: unknown,
    execute: () => Promise<PlanExecution>,
  ): Promise<FlightOutcome> {
    this.deps.logger.warn('redis unavailable, answering uncached', { step, error: (error as Error).message });
    return this.uncached(execute, false);
  }
}

/** A leader's execution threw; its followers fail with the same message. */
export class SharedExecutionError extends Error {
  override name = 'SharedExecutionError';
}

class RedisStepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${(cause as Error).message}`);
  }
}

async function redisStep<T>(step: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new RedisStepError(step, error);
  }
}
