/**
 * Cross-replica single-flight: N identical cold asks released together through the gateway (the gate's
 * own burst dispatcher: connections opened beforehand), then what happened, measured from outside:
 * heavy executions from every replica's /metrics, each answer's role and latency, and the commands
 * Redis itself processed.
 */
import { REPLICA_HEADER, ROUTES } from '../../src/contract/index.js';
import { fireBurst } from '../../src/http/burst.js';
import type { BenchStage } from './bench-stage.js';
import { askBody } from './bench-questions.js';
import { commandsBetween, RedisCommandCounter, type CommandDelta } from './redis-commands.js';
import { percentile } from './stats.js';

export interface BurstMeasurement {
  size: number;
  question: string;
  heavyExecutions: number;
  /** Distinct replicas that answered (the gateway spreads the burst over them). */
  replicas: number;
  /** Answers that were not 200. */
  failures: number;
  firstFailure?: string;
  /** Answers by `meta.compute.role`. */
  roles: Record<string, number>;
  /** Release → last answer read. */
  totalMs: number;
  /** Release → the leader's answer read (single-flight only: the one answer that executed). */
  leaderMs?: number;
  /** p50 / p99 of the followers' latencies (release → answer) minus the leader's. */
  followersMinusLeaderMs?: { p50: number; p99: number };
  dispatchSpreadMs?: number;
  redis: CommandDelta & { perRequest: number };
}

export async function measureBurst(
  stage: BenchStage,
  size: number,
  question: string,
  tag: string,
): Promise<BurstMeasurement> {
  const redis = await RedisCommandCounter.connect(stage.driver.redis.port);
  try {
    const requests = Array.from({ length: size }, (_, index) => ({
      method: 'POST' as const,
      path: ROUTES.ask,
      body: askBody(question, `${tag}-${index + 1}`),
    }));
    const executionsBefore = await stage.heavyExecutions();
    const commandsBefore = await redis.snapshot();
    const burst = await fireBurst({ baseUrl: stage.gatewayUrl, requests, timeoutMs: 60_000 });
    const commandsAfter = await redis.snapshot();
    const executionsAfter = await stage.heavyExecutions();

    const answers = burst.exchanges.map((exchange) => {
      const meta = (exchange.json as { meta?: { compute?: { role?: string } } } | undefined)?.meta;
      return {
        ok: exchange.status === 200,
        problem: exchange.error ?? (exchange.status === 200 ? undefined : `HTTP ${exchange.status}`),
        role: meta?.compute?.role ?? 'unknown',
        doneMs: exchange.startedAtMs + exchange.durationMs,
      };
    });
    const roles: Record<string, number> = {};
    for (const answer of answers) roles[answer.role] = (roles[answer.role] ?? 0) + 1;
    const failed = answers.filter((answer) => !answer.ok);
    const leaders = answers.filter((answer) => answer.role === 'leader');
    const leaderMs = leaders.length === 1 ? leaders[0]!.doneMs : undefined;
    const followers = answers.filter((answer) => answer.ok && answer.role !== 'leader').map((a) => a.doneMs);
    const commands = commandsBetween(commandsBefore, commandsAfter);
    const answering = new Set(
      burst.exchanges.map((exchange) => exchange.headers[REPLICA_HEADER]).filter(Boolean),
    );
    return {
      size,
      question,
      heavyExecutions: executionsAfter - executionsBefore,
      replicas: answering.size,
      failures: failed.length,
      ...(failed[0]?.problem ? { firstFailure: failed[0].problem } : {}),
      roles,
      totalMs: Math.max(...answers.map((answer) => answer.doneMs)),
      ...(leaderMs === undefined ? {} : { leaderMs }),
      ...(leaderMs !== undefined && followers.length
        ? {
            followersMinusLeaderMs: {
              p50: percentile(followers, 50)! - leaderMs,
              p99: percentile(followers, 99)! - leaderMs,
            },
          }
        : {}),
      ...(burst.dispatchSpreadMs === undefined ? {} : { dispatchSpreadMs: burst.dispatchSpreadMs }),
      redis: { ...commands, perRequest: commands.total / size },
    };
  } finally {
    await redis.close();
  }
}
