/**
 * The plan cache: results of heavy executions in Redis, with a TTL, under a key derived from the plan.
 * Public plans share one key for every client; private plans (the client's own portfolio) get a key
 * that contains and hashes the client id, so no answer of client A can be found under client B's key.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
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

export class PlanCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  /** The cached result, or undefined on a miss. Rejects when Redis is unreachable. */
  async get(key: string): Promise<PlanExecution | undefined> {
    const raw = await this.redis.get(PREFIX + key);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as PlanExecution;
    } catch {
      return undefined; // A corrupt entry is a miss; the next execution overwrites it.
    }
  }

  async set(key: string, result: PlanExecution): Promise<void> {
    await this.redis.set(PREFIX + key, JSON.stringify(result), 'EX', this.ttlSeconds);
  }
}
