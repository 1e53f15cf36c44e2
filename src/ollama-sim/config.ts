/**
 * Environment of the Ollama-compatible simulator, read and validated once. Names follow Ollama's own
 * where one exists (OLLAMA_NUM_PARALLEL, OLLAMA_MAX_QUEUE); SIM_* are the simulator's knobs.
 */
import { z } from 'zod';
import { logLevel, readEnvironment, wholeNumber } from '../kit/env-config.js';
import type { LogLevel } from '../kit/json-logger.js';

const SIM_FAIL_MODES = ['none', '503', '500', 'hang'] as const;
export type SimFailMode = (typeof SIM_FAIL_MODES)[number];

export interface SimConfig {
  port: number;
  host: string;
  /** Requests generated at the same time (Ollama's per-model parallelism). */
  numParallel: number;
  /** Requests allowed to wait for a slot; beyond NUM_PARALLEL + MAX_QUEUE pending, 503 "server busy". */
  maxQueue: number;
  models: string[];
  /** Delay before the first token (model load + prompt evaluation). */
  latencyMs: number;
  /** Generation speed; 0 = the whole reply at once after the latency. */
  tokensPerSecond: number;
  failMode: SimFailMode;
  logLevel: LogLevel;
}

const SIM_ENV_DEFAULTS = {
  PORT: '11434',
  HOST: '0.0.0.0',
  OLLAMA_NUM_PARALLEL: '1',
  OLLAMA_MAX_QUEUE: '512',
  SIM_MODELS: 'qwen2.5:0.5b,llama3.2:1b',
  SIM_LATENCY_MS: '150',
  SIM_TOKENS_PER_SECOND: '60',
  SIM_FAIL_MODE: 'none',
  LOG_LEVEL: 'info',
} as const;

const EnvSchema = z.object({
  PORT: wholeNumber('PORT', 0, 65535).default(11434),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  OLLAMA_NUM_PARALLEL: wholeNumber('OLLAMA_NUM_PARALLEL', 1, 1024).default(1),
  OLLAMA_MAX_QUEUE: wholeNumber('OLLAMA_MAX_QUEUE', 0, 100_000).default(512),
  SIM_MODELS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.string().regex(/^[A-Za-z0-9._/-]+(:[A-Za-z0-9._-]+)?$/, 'SIM_MODELS has an invalid model name'),
        )
        .min(1, 'SIM_MODELS must list at least one model'),
    )
    .default(['qwen2.5:0.5b', 'llama3.2:1b']),
  SIM_LATENCY_MS: wholeNumber('SIM_LATENCY_MS', 0, 600_000).default(150),
  SIM_TOKENS_PER_SECOND: wholeNumber('SIM_TOKENS_PER_SECOND', 0, 100_000).default(60),
  SIM_FAIL_MODE: z
    .enum(SIM_FAIL_MODES, { error: `SIM_FAIL_MODE must be one of ${SIM_FAIL_MODES.join(', ')}` })
    .default('none'),
  LOG_LEVEL: logLevel(),
});

export function loadSimConfig(env: NodeJS.ProcessEnv): SimConfig {
  const e = readEnvironment(EnvSchema, Object.keys(SIM_ENV_DEFAULTS), env);
  return {
    port: e.PORT,
    host: e.HOST,
    numParallel: e.OLLAMA_NUM_PARALLEL,
    maxQueue: e.OLLAMA_MAX_QUEUE,
    models: e.SIM_MODELS.map(normalizeModelName),
    latencyMs: e.SIM_LATENCY_MS,
    tokensPerSecond: e.SIM_TOKENS_PER_SECOND,
    failMode: e.SIM_FAIL_MODE,
    logLevel: e.LOG_LEVEL,
  };
}

/** Ollama's rule: a name without a tag means `:latest`. */
export function normalizeModelName(name: string): string {
  const lastSegment = name.split('/').at(-1) ?? name;
  return lastSegment.includes(':') ? name : `${name}:latest`;
}
