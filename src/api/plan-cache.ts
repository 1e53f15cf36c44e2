/**
 * The plan cache: results of heavy executions in Redis, with a TTL, under a key derived from the plan.
 * Public plans share one key for every client; private plans (the client's own portfolio) get a key
 * that contains and hashes the client id, so no answer of client A can be found under client B's key.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MemoryCache } from './memory-cache.js';
import type { PlanExecution } from './plan-executor.js';
import type { Plan } from './planner.js';

export interface PlanCacheKeyOptions {
  /**
   * FAULT INJECTION ONLY (`shared-cache-keys`): key private plans like public ones, which makes clients
   * share portfolio answers. Exists so the gate can prove it catches the leak.
   */
  sharePrivateKeys?: boolean;
}

/** `plan:v1:public:<hash>` or `plan:v1:private:<client_id>:<hash>`. */
export function derivePlanCacheKey(plan: Plan, clientId: string, options: PlanCacheKeyOptions = {}): string {
  const canonical = canonicalJson(plan);
  if (plan.scope === 'private' && !options.sharePrivateKeys) {
    const hash = sha256(`${canonical}\u0000client:${clientId}`);
    return `plan:v${plan.version}:private:${clientId}:${hash}`;
  }
  return `plan:v${plan.version}:public:${sha256(canonical)}`;
}

/** JSON with object keys sorted at every level, so equal plans always serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

const PREFIX = 'stagegate:cache:';

/** The replica's own copy of recent results (its L1), in front of Redis. */
export interface PlanMemory {
  cache: MemoryCache<PlanExecution>;
  /** Longest an entry is kept, whatever Redis's TTL: the bound on serving what Redis no longer holds. */
  ttlMs: number;
}

/**
 * What one stored result costs in the replica's memory, as counted against the L1's byte budget: its
 * JSON (2 bytes per character: strings may be two-byte in V8) plus the parsed object's and the map
 * entry's overhead. An over-estimate on purpose, so the budget bounds real memory (the unit test
 * checks it against the heap).
 */
export function estimatedEntryBytes(key: string, json: string): number {
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + json.length);
}
const ENTRY_OVERHEAD_BYTES = 512;

/** What single-flight needs of the plan cache; `PlanCache` in production, an in-memory stand-in in tests. */
export interface PlanResultStore {
  /** The replica's own copy (its L1), if any and still fresh. No I/O. */
  remembered(key: string): PlanExecution | undefined;
  /** The shared result, or undefined on a miss. Rejects when Redis is unreachable. */
  get(key: string): Promise<PlanExecution | undefined>;
  /** Store a cacheable result (others are ignored). Rejects when Redis is unreachable. */
  set(key: string, result: PlanExecution): Promise<void>;
}

/**
 * The plan cache: Redis (shared by every replica, TTL `ttlSeconds`) and optionally the replica's L1.
 * An L1 entry never outlives the Redis entry it was read or written with (its remaining TTL is taken
 * with it), and never lives longer than `memory.ttlMs`: after a Redis entry is deleted or replaced,
 * a replica may answer from its copy for at most that long.
 */
export class PlanCache implements PlanResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly memory?: PlanMemory,
  ) {}

  /** The L1's copy, if any and still fresh. No I/O. */
  remembered(key: string): PlanExecution | undefined {
    return this.memory?.cache.get(key);
  }

  /** The result stored in Redis (copied into the L1), or undefined on a miss. Rejects when Redis is unreachable. */
  async get(key: string): Promise<PlanExecution | undefined> {
    if (!this.memory) return parseStored(await this.redis.get(PREFIX + key));
    const sentAt = performance.now();
    // One round trip; PTTL runs right after GET, so the L1 copy expires no later than Redis's entry.
    const replies = await this.redis
      .pipeline()
      .get(PREFIX + key)
      .pttl(PREFIX + key)
      .exec();
    const [got, ttl] = replies ?? [];
    if (got?.[0]) throw got[0];
    const raw = got?.[1] as string | null;
    const result = parseStored(raw);
    const remainingMs = Number(ttl?.[1]);
    // -2: expired between GET and PTTL (then not kept); -1: stored without expiry (by hand): the L1 TTL.
    if (result?.cacheable === true && raw && !ttl?.[0] && remainingMs !== -2)
      this.remember(key, result, raw, sentAt, remainingMs === -1 ? Infinity : remainingMs);
    return result;
  }

  /** Store a result in Redis, then in the L1. Only cacheable results are stored at all. */
  async set(key: string, result: PlanExecution): Promise<void> {
    if (!result.cacheable) return;
    const json = JSON.stringify(result);
    const sentAt = performance.now();
    await this.redis.set(PREFIX + key, json, 'EX', this.ttlSeconds);
    this.remember(key, result, json, sentAt, this.ttlSeconds * 1000);
  }

  private remember(
    key: string,
    result: PlanExecution,
    json: string,
    sentAt: number,
    redisRemainingMs: number,
  ): void {
    if (!this.memory) return;
    const lifetimeMs = Math.min(this.memory.ttlMs, redisRemainingMs);
    // Shared by every request this replica answers from it: frozen, so none can change it for the others.
    Object.freeze(result.narrator);
    this.memory.cache.set(key, Object.freeze(result), estimatedEntryBytes(key, json), sentAt + lifetimeMs);
  }
}

function parseStored(raw: string | null): PlanExecution | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as PlanExecution;
  } catch {
    return undefined; // A corrupt entry is a miss; the next execution overwrites it.
  }
}
