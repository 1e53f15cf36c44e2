/**
 * Shared by the fault tests: boot the local reference stage (real redis-server, HAProxy, API replicas,
 * the Ollama simulator) with the knobs a fault needs, talk to it through its gateway with every wait
 * bounded, read its counters and its replicas' memory, and prove the teardown left nothing behind.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AskResponseSchema,
  ErrorBodySchema,
  REPLICA_HEADER,
  type AskResponse,
  type ErrorBody,
} from '../../src/contract/index.js';
import { LocalStageHarness, type LocalStageOptions } from '../stage/local/local-stage-harness.js';
import { assertNothingLeft } from '../stage/local-stage-helpers.js';

export interface FaultStageOptions {
  replicas?: number;
  narratorMaxConcurrency?: number;
  /** Environment of every process of the stage (the API and the simulator read what they know). */
  env?: Record<string, string>;
  local?: LocalStageOptions;
}

/** Where the teardown is registered: a test's context (`t`), or `{ after }` from node:test for a whole file. */
export interface TeardownHooks {
  after(fn: () => Promise<void>): unknown;
}

/** Boot a local stage (no Prometheus unless asked: the tests scrape the replicas directly) and register its teardown. */
export async function bootFaultStage(
  hooks: TeardownHooks,
  options: FaultStageOptions = {},
): Promise<LocalStageHarness> {
  const driver = new LocalStageHarness({ prometheus: false, ...options.local });
  hooks.after(async () => {
    // A test that froze a process must not leave it frozen for the teardown's SIGTERM.
    for (const entry of driver.processes()) if (entry.running && entry.pid) signalGroup(entry.pid, 'SIGCONT');
    await driver.teardown({ timeoutMs: 15_000 });
    await assertNothingLeft(driver);
  });
  const boot = await driver.boot({
    replicas: options.replicas ?? 3,
    narratorMaxConcurrency: options.narratorMaxConcurrency ?? 4,
    bootTimeoutMs: 60_000,
    env: { LOG_LEVEL: 'warn', ...options.env },
  });
  assert.equal(boot.ok, true, `the stage booted: ${boot.reason ?? ''}\n${boot.log ?? ''}`);
  return driver;
}

/** Signal a whole process group (the stage starts each service in its own). Never throws. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The pid of one of the stage's running processes, by name (`api-2`, `ollama-sim`, `redis`, `gateway`). */
export function pidOf(driver: LocalStageHarness, name: string): number {
  const entry = driver
    .processes()
    .filter((candidate) => candidate.name === name && candidate.running)
    .at(-1);
  assert.ok(entry?.pid, `${name} is running`);
  return entry.pid;
}

export interface AskBody {
  question: string;
  conversation_id: string;
  client_id: string;
  nickname: string;
}

export function askBody(question: string, clientId: string, nickname = 'Ana'): AskBody {
  return { question, conversation_id: `conv-${clientId}`, client_id: clientId, nickname };
}

/** One exchange, whatever happened: never throws, so a test can count every kind of outcome. */
export interface Exchange {
  status: number | undefined;
  /** Network-level failure (reset, timeout) when there was no HTTP answer. */
  failure?: string;
  ms: number;
  /** Milliseconds since `origin` when the request was sent (for timelines). */
  sentAt: number;
  replica: string | null;
  /** The Retry-After header, when the answer carried one. */
  retryAfter?: string | null;
  text: string;
  /** The body parsed as an /ask answer, when it is one. */
  answer?: AskResponse;
  /** The body parsed as an error body, when it is one. */
  error?: ErrorBody;
}

/** POST a raw body (or a JSON value) to `url`, bounded by `timeoutMs`. */
export async function post(
  url: string,
  body: string | Buffer | object,
  options: { timeoutMs?: number; contentType?: string | null; origin?: number } = {},
): Promise<Exchange> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const sentAt = Math.round(started - (options.origin ?? started));
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    const text = await response.text();
    return {
      ...parseExchange(response.status, text),
      ms: performance.now() - started,
      sentAt,
      replica: response.headers.get(REPLICA_HEADER),
      retryAfter: response.headers.get('retry-after'),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      status: undefined,
      failure: `${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      ms: performance.now() - started,
      sentAt,
      replica: null,
      text: '',
    };
  }
}

function parseExchange(status: number, text: string): Pick<Exchange, 'status' | 'text' | 'answer' | 'error'> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status, text };
  }
  const answer = AskResponseSchema.safeParse(json);
  if (answer.success) return { status, text, answer: answer.data };
  const error = ErrorBodySchema.safeParse(json);
  return { status, text, ...(error.success ? { error: error.data } : {}) };
}

/** POST /ask through `baseUrl` (normally the gateway). */
export function ask(baseUrl: string, body: AskBody, timeoutMs = 20_000, origin?: number): Promise<Exchange> {
  return post(`${baseUrl}/ask`, body, { timeoutMs, ...(origin === undefined ? {} : { origin }) });
}

export async function getStatus(
  url: string,
  timeoutMs = 5000,
): Promise<{ status: number | undefined; ms: number; replica: string | null }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return {
      status: response.status,
      ms: performance.now() - started,
      replica: response.headers.get(REPLICA_HEADER),
    };
  } catch {
    return { status: undefined, ms: performance.now() - started, replica: null };
  }
}

/** Sum of a counter over every running replica (the local stage scrapes each replica's /metrics). */
export async function sumMetric(
  driver: LocalStageHarness,
  metric: string,
  labels?: Record<string, string>,
): Promise<number> {
  return (await driver.metrics()!.sum(metric, labels)) ?? 0;
}

/** Sum of a counter over the named replicas only (e.g. the survivors of a kill). */
export async function sumMetricOver(
  driver: LocalStageHarness,
  replicas: string[],
  metric: string,
  labels?: Record<string, string>,
): Promise<number> {
  const perReplica = await driver.metrics()!.perReplica(metric, labels);
  return replicas.reduce((total, name) => total + (perReplica.get(name) ?? 0), 0);
}

/** Resident memory of a process in KiB, from /proc/<pid>/status (VmRSS). */
export function rssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  assert.ok(match, `VmRSS of ${pid}`);
  return Number(match[1]);
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A one-line description of an exchange for assertion messages. */
export function describe(exchange: Exchange): string {
  if (exchange.status === undefined)
    return `no answer after ${Math.round(exchange.ms)} ms (${exchange.failure})`;
  const what = exchange.answer
    ? `${exchange.answer.error ?? 'answer'} role=${exchange.answer.meta.compute.role} cache=${exchange.answer.meta.compute.cache_available}`
    : exchange.error
      ? `${exchange.error.error}: ${exchange.error.message}`
      : exchange.text.slice(0, 120);
  return `HTTP ${exchange.status} from ${exchange.replica ?? '?'} in ${Math.round(exchange.ms)} ms: ${what}`;
}
