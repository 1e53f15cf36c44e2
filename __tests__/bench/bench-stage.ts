/**
 * The local reference stage as the bench uses it: 3 api replicas behind HAProxy, Redis and the Ollama
 * simulator, no Prometheus (the bench reads each replica's /metrics directly, and Redis's own INFO).
 * Two flavours are booted in one run: single-flight on (as shipped) and off (the baseline).
 */
import { readFile } from 'node:fs/promises';
import { METRICS } from '../../src/contract/index.js';
import { LocalStageHarness } from '../stage/local/local-stage-harness.js';
import type { ProgramCommand } from '../../src/stage/reference-stage.js';

export type StageFlavour = 'single-flight' | 'baseline';

/** Narrator limit per replica: the API's own default. */
export const BENCH_NARRATOR_LIMIT = 4;

/**
 * Shared by both flavours. The simulator generates 4 replies at once (Ollama's OLLAMA_NUM_PARALLEL),
 * so the baseline's 12 admitted LLM calls do not queue behind one another for seconds.
 */
const STAGE_ENV: Record<string, string> = { OLLAMA_NUM_PARALLEL: '4' };

const FLAVOUR_ENV: Record<StageFlavour, Record<string, string>> = {
  'single-flight': {},
  baseline: { SINGLE_FLIGHT_ENABLED: 'false', PLAN_CACHE_ENABLED: 'false' },
};

export interface BenchStage {
  flavour: StageFlavour;
  driver: LocalStageHarness;
  gatewayUrl: string;
  replicaUrls: string[];
  bootMs: number;
  /** Heavy executions summed over every replica's own /metrics. */
  heavyExecutions(): Promise<number>;
  /** Pids of the stage's running processes by group: `api` (every replica), `gateway`, `redis`, `ollama`. */
  pidsByGroup(): Record<string, number[]>;
  /** Resident set size of replica `index` (1-based), in MiB, from /proc. */
  replicaRssMiB(index: number): Promise<number>;
  teardown(): Promise<void>;
}

export async function bootBenchStage(
  flavour: StageFlavour,
  options: {
    replicas?: number;
    env?: Record<string, string>;
    /** Extra env of single replicas (1-based), e.g. NODE_OPTIONS=--cpu-prof to profile one. */
    replicaEnv?: Record<number, Record<string, string>>;
    /** Another api program (e.g. the reference API under `node --cpu-prof`). */
    apiCommand?: ProgramCommand;
    /** NARRATOR_MAX_CONCURRENCY of every replica (default BENCH_NARRATOR_LIMIT). */
    narratorMaxConcurrency?: number;
  } = {},
): Promise<BenchStage> {
  const driver = new LocalStageHarness({
    prometheus: false,
    ...(options.replicaEnv ? { replicaEnv: options.replicaEnv } : {}),
    ...(options.apiCommand ? { apiCommand: options.apiCommand } : {}),
  });
  const replicas = options.replicas ?? 3;
  const boot = await driver.boot({
    replicas,
    narratorMaxConcurrency: options.narratorMaxConcurrency ?? BENCH_NARRATOR_LIMIT,
    bootTimeoutMs: 90_000,
    env: { ...STAGE_ENV, ...FLAVOUR_ENV[flavour], ...options.env },
  });
  if (!boot.ok) {
    await driver.teardown({ timeoutMs: 10_000 });
    throw new Error(`the ${flavour} stage did not boot: ${boot.reason ?? 'unknown reason'}`);
  }
  const reader = driver.metrics()!;
  const replicaUrls = Array.from({ length: replicas }, (_, offset) => driver.replicaUrl(offset + 1));
  return {
    flavour,
    driver,
    gatewayUrl: driver.baseUrl,
    replicaUrls,
    bootMs: boot.durationMs,
    heavyExecutions: async () => {
      // Every replica must answer: a sum over fewer replicas would hide executions.
      const perReplica = await reader.perReplica(METRICS.heavyExecutions);
      if (perReplica.size !== replicas)
        throw new Error(
          `${METRICS.heavyExecutions} read from ${perReplica.size} of ${replicas} replicas (${reader.source})`,
        );
      return [...perReplica.values()].reduce((total, value) => total + value, 0);
    },
    pidsByGroup: () => {
      const groups: Record<string, number[]> = { api: [], gateway: [], redis: [], ollama: [] };
      for (const entry of driver.processes()) {
        if (!entry.running || entry.pid === undefined) continue;
        const group = entry.name.startsWith('api-')
          ? 'api'
          : entry.name === 'ollama-sim'
            ? 'ollama'
            : entry.name;
        (groups[group] ??= []).push(entry.pid);
      }
      return groups;
    },
    replicaRssMiB: async (index) => {
      const name = `api-${index}`;
      const entry = driver.processes().find((process) => process.name === name && process.running);
      if (entry?.pid === undefined) throw new Error(`${name} is not running`);
      return residentMiB(entry.pid);
    },
    teardown: () => driver.teardown({ timeoutMs: 15_000 }),
  };
}

/** VmRSS of a process, in MiB (Linux /proc). */
export async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => {
    throw new Error(`cannot read /proc/${pid}/status: resident size is measured on Linux only`);
  });
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}
