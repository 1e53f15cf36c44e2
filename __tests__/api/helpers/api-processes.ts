/**
 * Real processes for the API's integration tests: API replicas (`src/api/main.ts` through tsx), the
 * Ollama simulator, plus helpers to ask, scrape metrics and read JSON log lines. Each test file builds
 * its own small stage on free loopback ports and tears it down.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { installExitHooks } from '../../../src/stage/exit-hooks.js';
import { findFreePort, httpOk, ManagedProcess, waitUntil } from '../../../src/stage/local/process.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Every test's stage starts here: with the exit hooks, a test run that dies mid-way still kills it. */
export function makeWorkDir(name: string): string {
  installExitHooks();
  return mkdtempSync(join(tmpdir(), `stagegate-${name}-`));
}

export interface RunningService {
  name: string;
  port: number;
  url: string;
  process: ManagedProcess;
}

/** Start `entry` (a TypeScript file, or a bundled .js) with `env`, and wait until `readyPath` answers 2xx. */
export async function startNodeService(options: {
  name: string;
  entry: string;
  workDir: string;
  env: Record<string, string>;
  readyPath: string;
  port?: number;
  timeoutMs?: number;
  /** Ready as soon as `readyPath` answers at all (for a replica whose healthz is made to fail). */
  anyStatus?: boolean;
  /** Working directory of the process; the repository root by default. */
  cwd?: string;
}): Promise<RunningService> {
  const port = options.port ?? (await findFreePort());
  const isTs = options.entry.endsWith('.ts');
  const managed = new ManagedProcess({
    name: options.name,
    command: process.execPath,
    args: isTs ? ['--import', 'tsx', options.entry] : [options.entry],
    cwd: options.cwd ?? REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    logFile: join(options.workDir, `${options.name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const answers = async () => {
      const response = await fetch(`${url}${options.readyPath}`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return true;
    };
    const ready = options.anyStatus ? answers : () => httpOk(`${url}${options.readyPath}`);
    await waitUntil(async () => managed.running && (await ready()), {
      timeoutMs: options.timeoutMs ?? 20_000,
      what: `${options.name} on port ${port}`,
    });
  } catch (error) {
    await managed.stop();
    const log = readFileSync(managed.logFile, 'utf8').slice(-2000);
    throw new Error(`${(error as Error).message} (${managed.describeState()}); log tail:\n${log}`);
  }
  return { name: options.name, port, url, process: managed };
}

export function startSimulator(workDir: string, env: Record<string, string> = {}, name = 'ollama-sim') {
  return startNodeService({ name, entry: 'src/ollama-sim/main.ts', workDir, env, readyPath: '/' });
}

export function startReplica(
  workDir: string,
  name: string,
  env: Record<string, string>,
  options: { port?: number; anyStatus?: boolean } = {},
) {
  return startNodeService({
    name,
    entry: 'src/api/main.ts',
    workDir,
    env: { REPLICA_ID: name, LOG_LEVEL: 'info', ...env },
    readyPath: '/healthz',
    ...options,
  });
}

export interface AskBody {
  question: string;
  conversation_id: string;
  client_id: string;
  nickname: string;
}

export interface HttpReply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

export function askBody(question: string, clientId = 'client-a', nickname = 'Ana'): AskBody {
  return { question, conversation_id: `conv-${clientId}`, client_id: clientId, nickname };
}

/** POST /ask; every wait bounded. */
export async function ask<T = AskJson>(
  baseUrl: string,
  body: unknown,
  timeoutMs = 20_000,
): Promise<HttpReply<T>> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = (await response.json()) as T;
  return { status: response.status, headers: response.headers, body: json, ms: performance.now() - started };
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  timeoutMs = 5000,
): Promise<HttpReply<T>> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const json = (await response.json()) as T;
  return { status: response.status, headers: response.headers, body: json, ms: performance.now() - started };
}

/** The parts of an /ask answer the tests look at. */
export interface AskJson {
  answer: string | null;
  error?: string;
  message?: string;
  meta: {
    replica: string;
    request_id: string;
    intent: string;
    entities: string[];
    narrative_overload: boolean;
    narrator: { outcome: string; source: string; model?: string };
    compute: {
      plan_cache_hit: boolean;
      plan_cache_key: string;
      plan_scope: string;
      role: string;
      cache_available: boolean;
      executed_by?: string;
      cache_layer?: string;
      timings: { total_ms: number; wait_ms: number; sql_ms: number; llm_ms: number };
    };
  };
}

/** Sum of every series of `metric` (optionally matching `labels`) in one /metrics scrape. */
export async function scrapeMetric(
  baseUrl: string,
  metric: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== metric) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

export async function sumOverReplicas(
  replicas: RunningService[],
  metric: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const values = await Promise.all(replicas.map((r) => scrapeMetric(r.url, metric, labels)));
  return values.reduce((a, b) => a + b, 0);
}

/** Every JSON line of a service's log (non-JSON lines are skipped). */
export function readJsonLogLines(service: RunningService): Array<Record<string, unknown>> {
  return readFileSync(service.process.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Stop every started process (redis-server, simulator, replicas) in parallel, then delete the work
 * directory with their logs (kept when STAGEGATE_KEEP_TEST_DIRS is set, for debugging). Never throws.
 */
export async function stopAll(
  services: Array<{ process: ManagedProcess } | undefined>,
  workDir?: string,
): Promise<void> {
  await Promise.all(services.map((s) => s?.process.stop()));
  if (workDir && !process.env.STAGEGATE_KEEP_TEST_DIRS) rmSync(workDir, { recursive: true, force: true });
}
