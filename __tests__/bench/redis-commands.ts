/**
 * Redis's own count of the commands it processed (INFO commandstats), so "Redis commands per request"
 * comes from Redis itself rather than from what the API believes it sends. The INFO calls of this
 * counter are left out of every delta.
 */
import { Redis } from 'ioredis';

export type CommandCounts = Map<string, number>;

export interface CommandDelta {
  total: number;
  /** Calls per command name (Redis 7 spells subcommands `client|setname`), only those that moved. */
  byCommand: Record<string, number>;
}

export class RedisCommandCounter {
  private constructor(private readonly client: Redis) {}

  static async connect(port: number): Promise<RedisCommandCounter> {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 5000,
      connectTimeout: 5000,
      retryStrategy: () => null,
    });
    await client.connect();
    return new RedisCommandCounter(client);
  }

  async snapshot(): Promise<CommandCounts> {
    return parseCommandStats(await this.client.info('commandstats'));
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** `cmdstat_get:calls=12,usec=...` lines → { get: 12 }. */
export function parseCommandStats(info: string): CommandCounts {
  const counts: CommandCounts = new Map();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

export function commandsBetween(before: CommandCounts, after: CommandCounts): CommandDelta {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of after) {
    if (name === 'info') continue;
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) {
      byCommand[name] = delta;
      total += delta;
    }
  }
  return { total, byCommand };
}
