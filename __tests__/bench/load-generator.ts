/**
 * A closed-loop HTTP load generator: a fixed number of keep-alive connections (an undici Pool), each
 * sending its next request as soon as the previous answer is read, for a fixed time or a fixed count.
 * It runs in the bench's own process, so its CPU cost bounds what it can measure on a shared machine:
 * every result carries the generator's CPU per request, and the bench runs it against a trivial server
 * as a control.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { percentile } from './stats.js';

export interface LoadTarget {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  method: 'GET' | 'POST';
  path: string;
  /** JSON bodies sent in turn (POST); one connection keeps no affinity to a body. */
  bodies?: string[];
}

export interface LoadOptions {
  connections: number;
  /** Stop sending after this long... */
  durationMs?: number;
  /** ...or after this many requests, whichever comes first. At least one of the two is required. */
  maxRequests?: number;
  /** Per-request bound; a request past it counts as an error. */
  requestTimeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Answers that were not 2xx, or no answer at all. */
  errors: number;
  firstError?: string;
  elapsedMs: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; mean: number };
  /** CPU time (user + system) of the generator per request, in microseconds: its own cost. */
  clientCpuUsPerRequest: number;
}

/** A load generator the throughput rounds can use: this closed loop, or wrk (`wrk.ts`). */
export interface LoadGenerator {
  name: 'node' | 'wrk';
  /** True when it runs in this process, so this process's CPU is its CPU; false for a child process. */
  inProcess: boolean;
  run(target: LoadTarget, options: { connections: number; durationMs: number }): Promise<LoadResult>;
}

export const nodeGenerator: LoadGenerator = {
  name: 'node',
  inProcess: true,
  run: (target, options) => runClosedLoop(target, options),
};

export async function runClosedLoop(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.maxRequests === undefined)
    throw new Error('runClosedLoop needs durationMs or maxRequests');
  if (!Number.isInteger(options.connections) || options.connections < 1)
    throw new Error(`connections must be a whole number ≥ 1, got ${options.connections}`);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const pool = new Pool(target.origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const headers = target.method === 'POST' ? { 'content-type': 'application/json' } : undefined;
  const bodies = target.bodies ?? [];
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const limit = options.maxRequests ?? Infinity;
  const cpuBefore = process.cpuUsage();

  const worker = async () => {
    while (sent < limit && performance.now() < deadline) {
      const body = bodies.length ? bodies[sent % bodies.length] : undefined;
      sent += 1;
      const requestStarted = performance.now();
      try {
        const response = await pool.request({
          path: target.path,
          method: target.method,
          ...(body === undefined ? {} : { body }),
          ...(headers ? { headers } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body.arrayBuffer();
        if (response.statusCode >= 300) {
          errors += 1;
          firstError ??= `HTTP ${response.statusCode}`;
        }
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
      latencies.push(performance.now() - requestStarted);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    await pool.close().catch(() => undefined);
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const requests = latencies.length;
  return {
    requests,
    errors,
    ...(firstError ? { firstError } : {}),
    elapsedMs,
    requestsPerSecond: requests / (elapsedMs / 1000),
    latencyMs: {
      p50: percentile(latencies, 50) ?? 0,
      p99: percentile(latencies, 99) ?? 0,
      mean: requests ? latencies.reduce((a, b) => a + b, 0) / requests : 0,
    },
    clientCpuUsPerRequest: requests ? (cpu.user + cpu.system) / requests : 0,
  };
}
