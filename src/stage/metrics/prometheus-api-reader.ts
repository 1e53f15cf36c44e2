/**
 * A MetricsReader over a Prometheus server's HTTP API (`/api/v1/query`). Prometheus finds the api
 * replicas itself (compose: DNS service discovery), so `sum(...)` covers every replica it scrapes;
 * the price is a scrape interval of lag, which `settle()` waits out.
 */
import { REPLICA_LABEL } from '../../contract/index.js';
import { MetricsReadError, type MetricsReader, type MetricsSource } from '../driver.js';
import { pollUntil } from '../../kit/poll.js';
import { parseSampleValue } from './prometheus-text.js';
import { describeFetchError, fetchErrorCause } from './scrape-reader.js';

export interface PrometheusApiReaderOptions {
  /** Base URL of the Prometheus server, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Bound on each HTTP call. */
  timeoutMs?: number;
  /**
   * Scrape jobs whose every target `settle()` waits for (e.g. `['api']`). Default: every active target
   * Prometheus has.
   */
  settleJobs?: string[];
  /** Poll interval of `settle()`. */
  settlePollMs?: number;
}

interface VectorItem {
  metric: Record<string, string>;
  value: [number, string];
}

type QueryData =
  | { resultType: 'vector'; result: VectorItem[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'matrix' | 'string'; result: unknown };

/** A Prometheus metric name (the gate's metric options are checked against it too). */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `metric{a="x",b="y"}`, refusing names that are not metric/label names (no PromQL injection). */
export function buildSelector(metric: string, labels?: Record<string, string>): string {
  if (!METRIC_NAME.test(metric)) throw new Error(`"${metric}" is not a valid Prometheus metric name`);
  const matchers = Object.entries(labels ?? {}).map(([name, value]) => {
    if (!LABEL_NAME.test(name)) throw new Error(`"${name}" is not a valid Prometheus label name`);
    return `${name}="${escapePromQlString(value)}"`;
  });
  return matchers.length ? `${metric}{${matchers.join(',')}}` : metric;
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function escapePromQlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export class PrometheusApiReader implements MetricsReader {
  readonly source: MetricsSource;
  private readonly baseUrl: string;
  private readonly options: PrometheusApiReaderOptions;

  constructor(options: PrometheusApiReaderOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Error(`Prometheus URL "${options.url}" is not a valid URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new Error(`Prometheus URL "${options.url}" must be http(s)`);
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.options = options;
    this.source = { kind: 'prometheus', url: this.baseUrl };
  }

  async sum(metric: string, labels?: Record<string, string>): Promise<number | undefined> {
    const data = await this.query(`sum(${buildSelector(metric, labels)})`);
    if (data.resultType !== 'vector')
      throw this.badAnswer(`Prometheus answered a ${data.resultType}, not a vector`);
    // sum() over no series is an empty vector: the metric is absent everywhere.
    const first = data.result[0];
    return first ? toNumber(first.value[1]) : undefined;
  }

  async perReplica(metric: string, labels?: Record<string, string>): Promise<Map<string, number>> {
    const data = await this.query(`sum by (${REPLICA_LABEL}, instance) (${buildSelector(metric, labels)})`);
    if (data.resultType !== 'vector')
      throw this.badAnswer(`Prometheus answered a ${data.resultType}, not a vector`);
    const result = new Map<string, number>();
    for (const item of data.result) {
      const key = item.metric[REPLICA_LABEL] ?? item.metric.instance ?? 'unknown';
      result.set(key, (result.get(key) ?? 0) + toNumber(item.value[1]));
    }
    return result;
  }

  /**
   * Every `up` series of scrape job `job`: one per target Prometheus scrapes for it, with the target's
   * labels (`instance`, plus whatever its config adds, e.g. `pod` and `pod_ready` on Kubernetes) and
   * whether its last scrape succeeded. Empty when the job has no target.
   */
  async targetsUp(job: string): Promise<Array<{ labels: Record<string, string>; up: boolean }>> {
    const data = await this.query(buildSelector('up', { job }));
    if (data.resultType !== 'vector')
      throw new Error(`Prometheus answered a ${data.resultType}, not a vector`);
    return data.result.map((item) => ({ labels: item.metric, up: toNumber(item.value[1]) === 1 }));
  }

  /**
   * Resolve once every active target (of `settleJobs`, or all) has a scrape committed after this call
   * began. Targets come from `/api/v1/targets`, so one never scraped yet is waited for rather than
   * missed; freshness is read from each target's `up` sample, which Prometheus commits together with
   * the scraped samples. Times are Prometheus's own clock, so host clock skew does not matter.
   * Rejects on timeout, saying how many targets were fresh.
   */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const jobs = this.options.settleJobs;
    const upSelector = jobs?.length
      ? `up{job=~"${jobs.map((job) => escapePromQlString(escapeRegex(job))).join('|')}"}`
      : 'up';
    const now = await this.query('time()');
    if (now.resultType !== 'scalar') throw this.badAnswer('Prometheus time() did not answer a scalar');
    const since = now.result[0];
    let expected = 0;
    let fresh = 0;
    // A failed query ends the wait with its own error, rather than counting as "not yet".
    let failure: { error: unknown } | undefined;
    const settled = async () => {
      try {
        expected = (await this.activeTargets()).filter(
          (target) => !jobs?.length || jobs.includes(target.job),
        ).length;
        const data = await this.query(`count(timestamp(${upSelector}) >= ${since})`);
        const first = data.resultType === 'vector' ? data.result[0] : undefined;
        fresh = first ? toNumber(first.value[1]) : 0;
        return expected > 0 && fresh >= expected;
      } catch (error) {
        failure = { error };
        return true;
      }
    };
    const waited = await pollUntil(settled, { deadline, intervalMs: this.options.settlePollMs ?? 250 });
    if (failure) throw failure.error;
    if (waited === 'ready') return;
    const scope = jobs?.length ? ` of job ${jobs.join(', ')}` : '';
    throw new MetricsReadError(
      { kind: 'not-settled', where: this.baseUrl, fresh, expected, timeoutMs },
      `Prometheus at ${this.baseUrl} did not scrape every target${scope} within ${timeoutMs} ms (${fresh} of ${expected} active targets scraped since the call)`,
    );
  }

  /** Active scrape targets with their job, from `/api/v1/targets?state=active`. */
  async activeTargets(): Promise<Array<{ job: string; instance: string; health: string }>> {
    const body = (await this.getJson('/api/v1/targets?state=active')) as {
      activeTargets?: Array<{ labels?: Record<string, string>; scrapePool?: string; health?: string }>;
    };
    return (body.activeTargets ?? []).map((target) => ({
      job: target.labels?.job ?? target.scrapePool ?? '',
      instance: target.labels?.instance ?? '',
      health: target.health ?? 'unknown',
    }));
  }

  /** Run an instant query; reject with Prometheus's own error text or the transport failure. */
  async query(promql: string): Promise<QueryData> {
    return (await this.getJson(`/api/v1/query?query=${encodeURIComponent(promql)}`, promql)) as QueryData;
  }

  /** GET an API path and return its `data`; reject with Prometheus's own error text or the transport failure. */
  private async getJson(path: string, promql?: string): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000) });
    } catch (error) {
      throw new MetricsReadError(
        { kind: 'unreachable', where: this.baseUrl, cause: fetchErrorCause(error) },
        `cannot reach Prometheus at ${this.baseUrl}: ${describeFetchError(error)}`,
      );
    }
    const text = await response.text();
    let body: { status?: string; data?: unknown; error?: string; errorType?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw this.badAnswer(
        `Prometheus at ${this.baseUrl} answered HTTP ${response.status} with a non-JSON body: ${text.slice(0, 200)}`,
      );
    }
    if (body.status !== 'success' || !body.data)
      throw this.badAnswer(
        `Prometheus ${promql ? `query "${promql}"` : path} failed (HTTP ${response.status}): ${body.errorType ?? 'error'}: ${body.error ?? 'no detail'}`,
      );
    return body.data;
  }

  private badAnswer(message: string): MetricsReadError {
    return new MetricsReadError({ kind: 'bad-answer', where: this.baseUrl }, message);
  }
}

function toNumber(text: string): number {
  const value = parseSampleValue(text);
  if (value === undefined)
    throw new MetricsReadError(
      { kind: 'bad-answer', where: 'Prometheus' },
      `Prometheus returned a non-numeric value "${text}"`,
    );
  return value;
}
