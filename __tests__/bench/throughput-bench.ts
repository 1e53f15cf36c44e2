/**
 * Cached /ask under a closed-loop load, against GET /healthz through the same gateway (the ceiling),
 * against one replica directly (the gateway's cost), and the generator against a trivial server (the
 * generator's own ceiling). One repetition measures the four back to back, so their ratios are taken
 * under the same machine load. The generator is the bench's own (Node, in this process) or wrk.
 */
import { request } from 'undici';
import { ROUTES } from '../../src/contract/index.js';
import type { BenchStage } from './bench-stage.js';
import { askBody, warmQuestions } from './bench-questions.js';
import {
  nodeGenerator,
  runClosedLoop,
  type LoadGenerator,
  type LoadResult,
  type LoadTarget,
} from './load-generator.js';
import { CpuMeter, type CpuSplit } from './process-cpu.js';
import { commandsBetween, RedisCommandCounter, type CommandDelta } from './redis-commands.js';

export interface ThroughputOptions {
  connections: number;
  durationMs: number;
  warmupMs: number;
}

/** A load's result with where the machine's CPU went meanwhile. */
export type MeteredLoad = LoadResult & { cpu: CpuSplit };

export interface ThroughputRound {
  healthzGateway: MeteredLoad;
  askGateway: MeteredLoad;
  /** Commands Redis processed during the cached-ask load through the gateway. */
  askRedis: CommandDelta & { perRequest: number };
  askDirect: MeteredLoad;
  control: MeteredLoad;
}

/** Bodies of the cached-ask load: 24 warm public plans, each asked by several distinct clients. */
export function cachedAskBodies(): string[] {
  return warmQuestions().flatMap((question, index) =>
    [1, 2, 3, 4].map((client) => JSON.stringify(askBody(question, `load-${index}-${client}`))),
  );
}

/**
 * Ask every warm question once through the gateway, then check each answer now comes from the cache,
 * so the load only sees hits. At most 4 at a time: more would pass the narrator's limit, and a
 * degraded (template) answer is never cached.
 */
export async function warmCache(stage: BenchStage): Promise<void> {
  const questions = warmQuestions();
  const bodies = questions.map((question, index) => JSON.stringify(askBody(question, `warm-${index}`)));
  const warm = await runClosedLoop(
    { origin: stage.gatewayUrl, method: 'POST', path: ROUTES.ask, bodies },
    { connections: 4, maxRequests: bodies.length, requestTimeoutMs: 30_000 },
  );
  if (warm.errors > 0) throw new Error(`warming the plan cache failed: ${warm.firstError}`);
  for (const [index, question] of questions.entries()) {
    const response = await request(`${stage.gatewayUrl}${ROUTES.ask}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(askBody(question, `warm-check-${index}`)),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const body = (await response.body.json()) as { meta?: { compute?: { plan_cache_hit?: boolean } } };
    if (response.statusCode !== 200 || body.meta?.compute?.plan_cache_hit !== true)
      throw new Error(
        `"${question}" is not answered from the cache after warming (HTTP ${response.statusCode})`,
      );
  }
}

export function askTarget(origin: string): LoadTarget {
  return { origin, method: 'POST', path: ROUTES.ask, bodies: cachedAskBodies() };
}

export async function measureThroughputRound(
  stage: BenchStage,
  control: { url: string; pid: number },
  options: ThroughputOptions,
  generator: LoadGenerator = nodeGenerator,
): Promise<ThroughputRound> {
  const controlUrl = control.url;
  const meter = new CpuMeter(() => ({ ...stage.pidsByGroup(), control: [control.pid] }));
  const warmUp = async (target: LoadTarget) => {
    if (options.warmupMs > 0)
      await generator.run(target, { connections: options.connections, durationMs: options.warmupMs });
  };
  const run = async (target: LoadTarget): Promise<MeteredLoad> => {
    await meter.start();
    const result = await generator.run(target, {
      connections: options.connections,
      durationMs: options.durationMs,
    });
    const cpu = await meter.stop();
    // A child-process generator (wrk) is not this process: its CPU comes with its result.
    if (!generator.inProcess) cpu.byGroup.generator = (result.clientCpuUsPerRequest * result.requests) / 1000;
    return { ...result, cpu };
  };
  const healthz = (origin: string): LoadTarget => ({ origin, method: 'GET', path: ROUTES.healthz });

  await warmUp(healthz(stage.gatewayUrl));
  const healthzGateway = await run(healthz(stage.gatewayUrl));
  await warmUp(askTarget(stage.gatewayUrl));
  const redis = await RedisCommandCounter.connect(stage.driver.redis.port);
  let askGateway: MeteredLoad;
  let commands: CommandDelta;
  try {
    const before = await redis.snapshot();
    askGateway = await run(askTarget(stage.gatewayUrl));
    commands = commandsBetween(before, await redis.snapshot());
  } finally {
    await redis.close();
  }
  await warmUp(askTarget(stage.replicaUrls[0]!));
  const askDirect = await run(askTarget(stage.replicaUrls[0]!));
  await warmUp(healthz(controlUrl));
  const controlLoad = await run(healthz(controlUrl));
  return {
    healthzGateway,
    askGateway,
    askRedis: { ...commands, perRequest: askGateway.requests ? commands.total / askGateway.requests : 0 },
    askDirect,
    control: controlLoad,
  };
}
