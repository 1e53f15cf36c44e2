/**
 * A MetricsReader that scrapes each api replica's own `/metrics` directly and sums in process. The
 * numbers are exact and current (no Prometheus scrape lag), which is why the local stage uses it.
 */
import { REPLICA_LABEL } from '../../contract/index.js';
import { MetricsReadError, type MetricsReader, type MetricsSource } from '../driver.js';
import { labelsMatch, parsePrometheusText, type Sample } from './prometheus-text.js';

export interface ScrapeTarget {
  /** Full URL of a `/metrics` endpoint. */
  url: string;
  /** Name used for this target when its series carry no `replica` label (e.g. `api-2`). */
  instance: string;
}

export interface ScrapeReaderOptions {
  /** The targets, or a function returning the current ones (a driver whose replicas can die). */
  targets: ScrapeTarget[] | (() => ScrapeTarget[]);
  /** Bound on each scrape. */
  timeoutMs?: number;
  /** Override for `source`, e.g. to say the numbers are partial (a function when that changes over time). */
  source?: MetricsSource | (() => MetricsSource);
  /** Upper bound on an exposition's size, so a runaway endpoint cannot fill memory. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export class ScrapeReader implements MetricsReader {
  private readonly options: ScrapeReaderOptions;

  constructor(options: ScrapeReaderOptions) {
    this.options = options;
  }

  get source(): MetricsSource {
    const { source } = this.options;
    if (source) return typeof source === 'function' ? source() : source;
    return { kind: 'scrape', replicas: this.targets().map((target) => target.instance) };
  }

  async sum(metric: string, labels?: Record<string, string>): Promise<number | undefined> {
    const perTarget = await this.collect(metric, labels);
    let total: number | undefined;
    for (const { samples } of perTarget) {
      for (const sample of samples) total = (total ?? 0) + sample.value;
    }
    return total;
  }

  async perReplica(metric: string, labels?: Record<string, string>): Promise<Map<string, number>> {
    const perTarget = await this.collect(metric, labels);
    const result = new Map<string, number>();
    for (const { target, samples } of perTarget) {
      for (const sample of samples) {
        const key = sample.labels[REPLICA_LABEL] ?? target.instance;
        result.set(key, (result.get(key) ?? 0) + sample.value);
      }
    }
    return result;
  }

  /** A direct scrape is already current. */
  async settle(_timeoutMs: number): Promise<void> {}

  private targets(): ScrapeTarget[] {
    const { targets } = this.options;
    return typeof targets === 'function' ? targets() : targets;
  }

  /** Scrape every target in parallel; reject naming the target when any cannot be read. */
  private async collect(
    metric: string,
    labels: Record<string, string> | undefined,
  ): Promise<Array<{ target: ScrapeTarget; samples: Sample[] }>> {
    const targets = this.targets();
    return Promise.all(
      targets.map(async (target) => {
        const text = await scrapeText(
          target,
          this.options.timeoutMs ?? 2000,
          this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        );
        let samples: Sample[];
        try {
          samples = parsePrometheusText(text);
        } catch (error) {
          throw new MetricsReadError(
            { kind: 'bad-answer', where: `${target.instance} (${target.url})` },
            `metrics of ${target.instance} (${target.url}) are malformed: ${(error as Error).message}`,
          );
        }
        return {
          target,
          samples: samples.filter((sample) => sample.name === metric && labelsMatch(sample.labels, labels)),
        };
      }),
    );
  }
}

async function scrapeText(target: ScrapeTarget, timeoutMs: number, maxBytes: number): Promise<string> {
  const where = `${target.instance} (${target.url})`;
  let response: Response;
  try {
    response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new MetricsReadError(
      { kind: 'unreachable', where, cause: fetchErrorCause(error) },
      `cannot scrape ${target.instance} at ${target.url}: ${describeFetchError(error)}`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new MetricsReadError(
      { kind: 'unreachable', where, cause: `HTTP ${response.status}` },
      `cannot scrape ${target.instance} at ${target.url}: HTTP ${response.status}`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new MetricsReadError(
        { kind: 'too-large', where, maxBytes },
        `metrics of ${target.instance} at ${target.url} exceed ${maxBytes} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The cause of a failed fetch() as a word of no language: its error code, or `timeout`. */
export function fetchErrorCause(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timeout';
    const cause = (error as Error & { cause?: unknown }).cause;
    const code = cause instanceof Error ? (cause as Error & { code?: string }).code : undefined;
    if (code) return code;
    return error.name;
  }
  return 'Error';
}

/** fetch() wraps the real cause (ECONNREFUSED, timeout) one level down. */
export function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code ? `${code} (${cause.message})` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
