/**
 * A stage someone else runs, known only by its gateway URL: nothing to boot or tear down, no logs,
 * and metrics only when a Prometheus that scrapes every replica is named. A scrape of `/metrics`
 * through the gateway reaches one replica per request, so it is never presented as a sum.
 */
import { ROUTES } from '../../contract/index.js';
import type { BootResult, MetricsReader, ServiceStatus, StageDriver, StageSpec } from '../driver.js';
import { PrometheusApiReader } from '../metrics/prometheus-api-reader.js';
import { ScrapeReader, describeFetchError, fetchErrorCause } from '../metrics/scrape-reader.js';

/** One GET /healthz: `detail` for the boot's reason, `answer` (a status or an error code) for the row. */
interface ProbeOutcome {
  ok: boolean;
  detail: string;
  answer: string;
}

export interface ExternalStageOptions {
  /** The gateway, e.g. `https://stage.example.com`. */
  baseUrl: string;
  /** A Prometheus that scrapes every api replica; without it `metrics()` is undefined. */
  prometheusUrl?: string;
  /**
   * Without a Prometheus, offer a reader of `<base>/metrics` through the gateway anyway, labelled as
   * partial (one replica per scrape). Off by default: a check must not mistake it for a sum.
   */
  partialGatewayMetrics?: boolean;
  /** Bound of each probe. */
  probeTimeoutMs?: number;
}

export class ExternalStageDriver implements StageDriver {
  readonly kind = 'external' as const;
  readonly baseUrl: string;
  private readonly options: ExternalStageOptions;
  private readonly reader: MetricsReader | undefined;

  constructor(options: ExternalStageOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.options = options;
    if (options.prometheusUrl) this.reader = new PrometheusApiReader({ url: options.prometheusUrl });
    else if (options.partialGatewayMetrics)
      this.reader = new ScrapeReader({
        targets: [{ url: `${this.baseUrl}${ROUTES.metrics}`, instance: 'gateway' }],
        source: { kind: 'gateway-only', url: `${this.baseUrl}${ROUTES.metrics}` },
      });
  }

  /** Nothing to start: wait (bounded) until the gateway answers /healthz with a 2xx. */
  async boot(spec: StageSpec, signal?: AbortSignal): Promise<BootResult> {
    const startedAt = Date.now();
    const deadline = startedAt + spec.bootTimeoutMs;
    const url = `${this.baseUrl}${ROUTES.healthz}`;
    let last: ProbeOutcome = { ok: false, detail: 'no attempt', answer: '-' };
    for (;;) {
      if (signal?.aborted)
        return {
          ok: false,
          reason: `aborted while waiting for ${url}`,
          services: [],
          durationMs: Date.now() - startedAt,
        };
      // The last probe may overrun the deadline a little rather than be cut too short to say anything.
      const outcome = await this.probe(
        signal,
        Math.max(250, Math.min(this.probeTimeoutMs(), deadline - Date.now())),
      );
      if (outcome.ok)
        return { ok: true, services: [this.gatewayRow(outcome)], durationMs: Date.now() - startedAt };
      last = outcome;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now()))));
    }
    return {
      ok: false,
      reason: `the external stage at ${this.baseUrl} did not answer GET ${ROUTES.healthz} with a 2xx within ${spec.bootTimeoutMs} ms (last: ${last.detail})`,
      services: [this.gatewayRow(last)],
      durationMs: Date.now() - startedAt,
    };
  }

  async services(signal?: AbortSignal): Promise<ServiceStatus[]> {
    return [this.gatewayRow(await this.probe(signal, this.probeTimeoutMs()))];
  }

  /** An external stage's logs are not visible from here. */
  async logs(): Promise<string[] | undefined> {
    return undefined;
  }

  metrics(): MetricsReader | undefined {
    return this.reader;
  }

  /** Not ours to stop. */
  async teardown(): Promise<void> {}

  private probeTimeoutMs(): number {
    return this.options.probeTimeoutMs ?? 3000;
  }

  private async probe(signal: AbortSignal | undefined, timeoutMs: number): Promise<ProbeOutcome> {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetch(`${this.baseUrl}${ROUTES.healthz}`, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      await response.arrayBuffer();
      return { ok: response.ok, detail: `HTTP ${response.status}`, answer: `HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, detail: describeFetchError(error), answer: fetchErrorCause(error) };
    }
  }

  private gatewayRow(outcome: ProbeOutcome): ServiceStatus {
    return {
      service: 'gateway',
      name: 'gateway',
      state: outcome.ok || /^HTTP/.test(outcome.detail) ? 'running' : 'unreachable',
      health: outcome.ok ? 'healthy' : 'unhealthy',
      address: this.baseUrl,
      notes: [{ kind: 'external-gateway', answer: outcome.answer }],
    };
  }
}

/** `http(s)://host[:port][/prefix]` without a trailing slash; anything else is refused by name. */
export function normalizeBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`base URL "${value}" is not a valid URL (expected e.g. http://127.0.0.1:8000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`base URL "${value}" must start with http:// or https://`);
  if (url.search || url.hash) throw new Error(`base URL "${value}" must not have a query or a fragment`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
