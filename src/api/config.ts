/**
 * Reads and validates the API's environment once, at start. Every variable is optional; a bad value is
 * a user mistake and becomes a `ConfigError` whose message names the variable and the expected form.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { logLevel, readEnvironment, wholeNumber } from '../kit/env-config.js';
import type { LogLevel } from '../kit/json-logger.js';

/** Deliberately broken behaviours, switched on by FAULT_INJECTION to prove the gate catches them. */
const FAULTS = [
  /** Private plans are keyed like public ones, so one client's portfolio answer reaches another. */
  'shared-cache-keys',
  /** `/healthz` answers 503. */
  'healthz-fail',
  /** `/ask` reads the request and never answers; the socket stays open. */
  'ask-hang',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface ApiConfig {
  port: number;
  host: string;
  replicaId: string;
  redisUrl: string;
  /** Upper bound of any single Redis command, so a stalled Redis cannot stall an answer. */
  redisCommandTimeoutMs: number;
  ollamaUrl: string;
  ollamaModel: string;
  /** Concurrent LLM calls allowed on this replica; 0 = unlimited. */
  narratorMaxConcurrency: number;
  /** How long a call may wait for a free narrator slot; 0 = refuse at once when full. */
  narratorQueueTimeoutMs: number;
  narratorTimeoutMs: number;
  planCacheEnabled: boolean;
  planCacheTtlSeconds: number;
  /** Longest a replica keeps its in-process copy (L1) of a cached result; 0 = no L1. */
  planCacheMemoryTtlMs: number;
  /** Byte budget of the L1 (estimated: JSON size plus overhead per entry). */
  planCacheMemoryMaxBytes: number;
  singleFlightEnabled: boolean;
  singleFlightLockTtlMs: number;
  singleFlightWaitTimeoutMs: number;
  /** OTLP/HTTP base URL; traces are exported only when set. */
  otelEndpoint: string | undefined;
  logLevel: LogLevel;
  faults: ReadonlySet<Fault>;
  /** How long a SIGTERM waits for in-flight requests before closing their sockets. */
  shutdownGraceMs: number;
}

/** The environment variables this module reads, with their defaults (also the table in docs/reference-api.md). */
export const API_ENV_DEFAULTS = {
  PORT: '8080',
  HOST: '0.0.0.0',
  REPLICA_ID: '(hostname)',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_COMMAND_TIMEOUT_MS: '1000',
  OLLAMA_URL: 'http://127.0.0.1:11434',
  OLLAMA_MODEL: 'qwen2.5:0.5b',
  NARRATOR_MAX_CONCURRENCY: '4',
  NARRATOR_QUEUE_TIMEOUT_MS: '0',
  NARRATOR_TIMEOUT_MS: '15000',
  PLAN_CACHE_ENABLED: 'true',
  PLAN_CACHE_TTL_SECONDS: '300',
  PLAN_CACHE_MEMORY_TTL_MS: '1000',
  PLAN_CACHE_MEMORY_MAX_BYTES: '8388608',
  SINGLE_FLIGHT_ENABLED: 'true',
  SINGLE_FLIGHT_LOCK_TTL_MS: '10000',
  SINGLE_FLIGHT_WAIT_TIMEOUT_MS: '30000',
  OTEL_EXPORTER_OTLP_ENDPOINT: '(unset: no traces)',
  LOG_LEVEL: 'info',
  FAULT_INJECTION: '(empty)',
  SHUTDOWN_GRACE_MS: '5000',
} as const;

const booleanFlag = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), `${name} must be true or false`)
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const urlWithScheme = (name: string, schemes: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return schemes.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `${name} must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`,
    )
    .transform((v) => v.replace(/\/+$/, ''));

const EnvSchema = z.object({
  PORT: wholeNumber('PORT', 0, 65535).default(8080),
  HOST: z.string().trim().min(1, 'HOST must not be empty').default('0.0.0.0'),
  REPLICA_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'REPLICA_ID must be 1-64 letters, digits or . _ : -')
    .optional(),
  REDIS_URL: urlWithScheme('REDIS_URL', ['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_COMMAND_TIMEOUT_MS: wholeNumber('REDIS_COMMAND_TIMEOUT_MS', 50, 60_000).default(1000),
  OLLAMA_URL: urlWithScheme('OLLAMA_URL', ['http:', 'https:']).default('http://127.0.0.1:11434'),
  OLLAMA_MODEL: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:/-]{1,200}$/, 'OLLAMA_MODEL must be a model name such as qwen2.5:0.5b')
    .default('qwen2.5:0.5b'),
  NARRATOR_MAX_CONCURRENCY: wholeNumber('NARRATOR_MAX_CONCURRENCY', 0, 10_000).default(4),
  NARRATOR_QUEUE_TIMEOUT_MS: wholeNumber('NARRATOR_QUEUE_TIMEOUT_MS', 0, 600_000).default(0),
  NARRATOR_TIMEOUT_MS: wholeNumber('NARRATOR_TIMEOUT_MS', 100, 600_000).default(15_000),
  PLAN_CACHE_ENABLED: booleanFlag('PLAN_CACHE_ENABLED').default(true),
  PLAN_CACHE_TTL_SECONDS: wholeNumber('PLAN_CACHE_TTL_SECONDS', 1, 7 * 24 * 3600).default(300),
  PLAN_CACHE_MEMORY_TTL_MS: wholeNumber('PLAN_CACHE_MEMORY_TTL_MS', 0, 60_000).default(1000),
  PLAN_CACHE_MEMORY_MAX_BYTES: wholeNumber('PLAN_CACHE_MEMORY_MAX_BYTES', 0, 1024 ** 3).default(
    8 * 1024 ** 2,
  ),
  SINGLE_FLIGHT_ENABLED: booleanFlag('SINGLE_FLIGHT_ENABLED').default(true),
  SINGLE_FLIGHT_LOCK_TTL_MS: wholeNumber('SINGLE_FLIGHT_LOCK_TTL_MS', 300, 600_000).default(10_000),
  SINGLE_FLIGHT_WAIT_TIMEOUT_MS: wholeNumber('SINGLE_FLIGHT_WAIT_TIMEOUT_MS', 100, 600_000).default(30_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: urlWithScheme('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']).optional(),
  LOG_LEVEL: logLevel(),
  FAULT_INJECTION: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(FAULTS, {
          error: (issue) =>
            `FAULT_INJECTION has unknown fault "${String(issue.input)}"; known faults: ${FAULTS.join(', ')}`,
        }),
      ),
    )
    .default([]),
  SHUTDOWN_GRACE_MS: wholeNumber('SHUTDOWN_GRACE_MS', 0, 120_000).default(5000),
});

/** Validate `env` (normally `process.env`). Empty strings count as unset. Throws `ConfigError`. */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const e = readEnvironment(EnvSchema, Object.keys(API_ENV_DEFAULTS), env);
  return {
    port: e.PORT,
    host: e.HOST,
    replicaId: e.REPLICA_ID ?? sanitizeReplicaId(hostname()),
    redisUrl: e.REDIS_URL,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    ollamaUrl: e.OLLAMA_URL,
    ollamaModel: e.OLLAMA_MODEL,
    narratorMaxConcurrency: e.NARRATOR_MAX_CONCURRENCY,
    narratorQueueTimeoutMs: e.NARRATOR_QUEUE_TIMEOUT_MS,
    narratorTimeoutMs: e.NARRATOR_TIMEOUT_MS,
    planCacheEnabled: e.PLAN_CACHE_ENABLED,
    planCacheTtlSeconds: e.PLAN_CACHE_TTL_SECONDS,
    planCacheMemoryTtlMs: e.PLAN_CACHE_MEMORY_TTL_MS,
    planCacheMemoryMaxBytes: e.PLAN_CACHE_MEMORY_MAX_BYTES,
    singleFlightEnabled: e.SINGLE_FLIGHT_ENABLED,
    singleFlightLockTtlMs: e.SINGLE_FLIGHT_LOCK_TTL_MS,
    singleFlightWaitTimeoutMs: e.SINGLE_FLIGHT_WAIT_TIMEOUT_MS,
    otelEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    logLevel: e.LOG_LEVEL,
    faults: new Set(e.FAULT_INJECTION),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/** Hostnames (container ids in compose) are already safe; keep whatever else out of headers and labels. */
function sanitizeReplicaId(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64);
  return cleaned || 'api';
}
