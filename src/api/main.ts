/**
 * Entry of the chat API (`node dist/api/index.js`, or `tsx src/api/main.ts`): read the environment once,
 * build the modules, listen, and shut down gracefully on SIGTERM/SIGINT.
 */
import { loadApiConfig, type ApiConfig } from './config.js';
import { AskService } from './ask-service.js';
import { createJsonLogger, type Logger } from '../kit/json-logger.js';
import { ApiMetrics } from './metrics.js';
import { OllamaNarrator } from './narrator.js';
import { MemoryCache } from './memory-cache.js';
import { PlanCache, type PlanMemory } from './plan-cache.js';
import type { PlanExecution } from './plan-executor.js';
import { PlanChannels } from './plan-channel.js';
import { PlanExecutor } from './plan-executor.js';
import { RedisPlanLocks } from './plan-lock.js';
import { connectRedis } from './redis-connections.js';
import { createApiServer } from './server.js';
import { SingleFlight } from './single-flight.js';
import { openFiiRepository } from './sql/fii-repository.js';
import { startTracing } from './tracing.js';
import { loadConfigOrExit, runService, stopOnSignals } from '../kit/service-entry.js';
import { Semaphore } from '../kit/semaphore.js';

const SERVICE = 'stagegate-api';
/** How long start-up waits for Redis before listening anyway (degraded, uncached). */
const REDIS_START_WAIT_MS = 3000;

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, () => loadApiConfig(process.env));
  const logger = createJsonLogger({
    level: config.logLevel,
    base: { service: 'api', replica: config.replicaId },
  });
  installCrashHandlers(logger);

  const tracing = startTracing({
    endpoint: config.otelEndpoint,
    serviceName: 'stagegate-api',
    replicaId: config.replicaId,
  });
  const metrics = new ApiMetrics(config.replicaId);
  const repository = await openFiiRepository();
  const narrator = new OllamaNarrator({
    baseUrl: config.ollamaUrl,
    model: config.ollamaModel,
    timeoutMs: config.narratorTimeoutMs,
    limiter: new Semaphore({
      limit: config.narratorMaxConcurrency,
      maxWaitMs: config.narratorQueueTimeoutMs,
    }),
    observer: {
      outcome: (outcome) => metrics.narratorRequests.inc({ outcome }),
      inFlightChanged: (delta) => metrics.narratorInFlightChanged(delta),
      permitWaited: (seconds) => metrics.narratorPermitWait.inc(seconds),
      llmCalled: (seconds, outcome) => metrics.llmRequestDuration.observe({ outcome }, seconds),
    },
  });
  const redis = connectRedis({
    url: config.redisUrl,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    replicaId: config.replicaId,
    logger,
    commandTimed: (seconds) => metrics.redisCommandDuration.observe(seconds),
  });
  const memory = planMemory(config, metrics);
  const singleFlight = new SingleFlight({
    locks: new RedisPlanLocks(redis.commands),
    cache: new PlanCache(redis.commands, config.planCacheTtlSeconds, memory),
    channels: new PlanChannels(redis.subscriber, redis.commands, logger),
    isRedisUp: redis.isUp,
    options: {
      replicaId: config.replicaId,
      cacheEnabled: config.planCacheEnabled,
      singleFlightEnabled: config.singleFlightEnabled,
      lockTtlMs: config.singleFlightLockTtlMs,
      waitTimeoutMs: config.singleFlightWaitTimeoutMs,
    },
    observer: {
      cacheLookup: (result) => metrics.planCacheRequests.inc({ result }),
      role: (role) => metrics.singleFlight.inc({ role }),
      followerWaited: (seconds) => metrics.singleFlightWait.inc(seconds),
    },
    logger,
  });
  const executor = new PlanExecutor({
    repository,
    narrator,
    replicaId: config.replicaId,
    logger,
    onHeavyExecution: () => metrics.heavyExecutions.inc(),
    onSqlExecution: () => metrics.sqlExecutions.inc(),
  });
  const api = createApiServer({
    replicaId: config.replicaId,
    faults: config.faults,
    logger,
    metrics,
    askService: new AskService({
      replicaId: config.replicaId,
      singleFlight,
      executor,
      sharePrivateCacheKeys: config.faults.has('shared-cache-keys'),
    }),
    isRedisUp: redis.isUp,
  });

  const slowestExecutionMs = config.narratorQueueTimeoutMs + config.narratorTimeoutMs;
  if (config.singleFlightEnabled && config.singleFlightWaitTimeoutMs <= slowestExecutionMs)
    logger.warn('followers may give up before a slow leader finishes', {
      single_flight_wait_timeout_ms: config.singleFlightWaitTimeoutMs,
      narrator_queue_plus_call_timeout_ms: slowestExecutionMs,
      hint: 'set SINGLE_FLIGHT_WAIT_TIMEOUT_MS above NARRATOR_QUEUE_TIMEOUT_MS + NARRATOR_TIMEOUT_MS',
    });

  const redisUp = await redis.waitUntilUp(REDIS_START_WAIT_MS);
  if (!redisUp)
    logger.warn('redis not reachable at start; answering uncached until it is', { redis: config.redisUrl });
  let address;
  try {
    address = await api.listen(config.port, config.host);
  } catch (error) {
    logger.error('cannot listen', { host: config.host, port: config.port, error });
    await redis.close(500);
    process.exit(1);
  }
  logger.info('listening', {
    host: config.host,
    port: address.port,
    redis: redisUp ? 'up' : 'down',
    ollama_url: config.ollamaUrl,
    ollama_model: config.ollamaModel,
    narrator_max_concurrency: config.narratorMaxConcurrency,
    plan_cache: config.planCacheEnabled,
    plan_cache_memory: memory ? { ttl_ms: memory.ttlMs, max_bytes: config.planCacheMemoryMaxBytes } : false,
    single_flight: config.singleFlightEnabled,
    tracing: tracing.enabled,
    faults: [...config.faults],
  });

  stopOnSignals(async (signal) => {
    logger.info('shutting down', { signal, grace_ms: config.shutdownGraceMs });
    await api.shutdown(config.shutdownGraceMs);
    await redis.close(1000);
    await tracing.shutdown(2000);
    logger.info('stopped');
  });
}

/** The replica's L1 in front of Redis, unless switched off (no plan cache, no TTL or no bytes). */
function planMemory(config: ApiConfig, metrics: ApiMetrics): PlanMemory | undefined {
  const { planCacheEnabled, planCacheMemoryTtlMs: ttlMs, planCacheMemoryMaxBytes: maxBytes } = config;
  if (!planCacheEnabled || ttlMs === 0 || maxBytes === 0) return undefined;
  const cache = new MemoryCache<PlanExecution>({ maxBytes, observer: metrics.memoryCacheObserver() });
  metrics.trackMemoryCacheSize(() => ({ bytes: cache.sizeBytes, entries: cache.size }));
  return { cache, ttlMs };
}

/** A bug must not leave a half-alive replica behind: log one line and exit, so the orchestrator restarts it. */
function installCrashHandlers(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception, exiting', { error, stack: error.stack });
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection, exiting', { error: reason });
    process.exit(1);
  });
}

runService(SERVICE, main);
