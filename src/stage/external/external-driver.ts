/**
 * A stage someone else runs, known only by its gateway URL: nothing to boot or tear down, no logs,
 * and metrics only when a Prometheus that scrapes every replica is named. A scrape of `/metrics`
 * through the gateway reaches one replica per request, so it is never presented as a sum.
 *
 * With that Prometheus, the api replicas are visible too: one service row per target of the api's
 * scrape job (`up{job="api"}`), up or down as its last scrape, healthy unless the target says its pod
 * is not ready (the Kubernetes stage's config labels targets with `pod_ready`). That is how stage-up
 * counts the replicas of a stage on a cluster.
 */
import { ROUTES } from '../../contract/index.js';
import { pollUntil } from '../../kit/poll.js';
import type {
  BootResult,
  MetricsReader,
  ServiceNote,
  ServiceStatus,
  StageDriver,
  StageSpec,
} from '../driver.js';
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
  /**
   * The api service's name: its rows in `services()` carry it, and it names the Prometheus scrape job
   * whose targets are the replicas (as in every stage config of this project). Default `api`.
   */
  apiService?: string;
  /** Bound of the wait for a scrape of every api target newer than the call (default 10 s). */
  replicaSettleMs?: number;
  /** The gateway's service name, which its row carries (default `gateway`). */
  gatewayService?: string;
  /** Progress lines (the teardown says it stops nothing). */
  log?: (text: string) => void;
}

/** A target of the api job as `up{job=...}` shows it. */
export interface ReplicaTarget {
  labels: Record<string, string>;
  up: boolean;
}

/** One api replica as a service row, from its target's `up` sample and labels. */
export function replicaRow(target: ReplicaTarget, service: string): ServiceStatus {
  const ready = target.labels.pod_ready;
  return {
    service,
    name: target.labels.pod ?? target.labels.instance ?? 'unknown',
    state: target.up ? 'up' : 'down',
    health: !target.up || ready === 'false' ? 'unhealthy' : ready === 'true' ? 'healthy' : 'none',
    ...(target.labels.instance ? { address: target.labels.instance } : {}),
    notes: [
      { kind: 'prometheus-target', job: service, up: target.up, ...(ready ? { podReady: ready } : {}) },
    ],
  };
}

export class ExternalStageDriver implements StageDriver {
  readonly kind = 'external' as const;
  readonly baseUrl: string;
  private readonly options: ExternalStageOptions;
  private readonly reader: MetricsReader | undefined;
  /** The same Prometheus, waiting only for the api job's targets before counting them. */
  private readonly replicaReader: PrometheusApiReader | undefined;
  private readonly apiService: string;

  constructor(options: ExternalStageOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.options = options;
    this.apiService = options.apiService ?? 'api';
    if (options.prometheusUrl) {
      this.reader = new PrometheusApiReader({ url: options.prometheusUrl });
      this.replicaReader = new PrometheusApiReader({
        url: options.prometheusUrl,
        settleJobs: [this.apiService],
      });
    } else if (options.partialGatewayMetrics)
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
    const waited = await pollUntil(
      async () => {
        // The last probe may overrun the deadline a little rather than be cut too short to say anything.
        last = await this.probe(
          signal,
          Math.max(250, Math.min(this.probeTimeoutMs(), deadline - Date.now())),
        );
        return last.ok;
      },
      { deadline, intervalMs: 500, signal },
    );
    if (waited === 'ready')
      return { ok: true, services: [this.gatewayRow(last)], durationMs: Date.now() - startedAt };
    if (waited === 'aborted')
      return {
        ok: false,
        reason: `aborted while waiting for ${url}`,
        services: [],
        durationMs: Date.now() - startedAt,
      };
    return {
      ok: false,
      reason: `the external stage at ${this.baseUrl} did not answer GET ${ROUTES.healthz} with a 2xx within ${spec.bootTimeoutMs} ms (last: ${last.detail})`,
      services: [this.gatewayRow(last)],
      durationMs: Date.now() - startedAt,
    };
  }

  async services(signal?: AbortSignal): Promise<ServiceStatus[]> {
    const [gateway, replicas] = await Promise.all([
      this.probe(signal, this.probeTimeoutMs()),
      this.replicaRows(),
    ]);
    return [this.gatewayRow(gateway), ...replicas];
  }

  /**
   * The api replicas as the named Prometheus scrapes them; none without one. A job with no target, or
   * a Prometheus that cannot be read, is one row saying so (not up: stage-up counts no replica then).
   */
  private async replicaRows(): Promise<ServiceStatus[]> {
    const reader = this.replicaReader;
    if (!reader) return [];
    const job = `up{job="${this.apiService}"}`;
    const summary = (state: string, note: ServiceNote): ServiceStatus[] => [
      {
        service: this.apiService,
        name: job,
        state,
        health: 'unhealthy',
        address: this.options.prometheusUrl,
        notes: [note],
      },
    ];
    try {
      // A job Prometheus does not have is said without waiting for a scrape that can never come, with the
      // jobs it does have. A Prometheus with no target at all is still discovering them (just started):
      // that one gets the bounded wait first.
      const jobsNow = async () =>
        [...new Set((await reader.activeTargets()).map((target) => target.job))].sort();
      let jobs = await jobsNow();
      if (jobs.length === 0)
        await pollUntil(async () => (jobs = await jobsNow()).length > 0, {
          deadline: Date.now() + (this.options.replicaSettleMs ?? 10_000),
          intervalMs: 250,
        });
      if (!jobs.includes(this.apiService))
        return summary('absent', { kind: 'prometheus-no-target', job: this.apiService, jobsFound: jobs });
      // So that a replica that died a moment ago reads as down: one scrape of each target newer than
      // this call, bounded.
      await reader.settle(this.options.replicaSettleMs ?? 10_000).catch(() => undefined);
      const targets = await reader.targetsUp(this.apiService);
      if (targets.length === 0)
        return summary('absent', { kind: 'prometheus-no-target', job: this.apiService });
      return targets.map((target) => replicaRow(target, this.apiService));
    } catch (error) {
      return summary('unknown', { kind: 'prometheus-unreadable', cause: (error as Error).message });
    }
  }

  /** An external stage's logs are not visible from here. */
  async logs(): Promise<string[] | undefined> {
    return undefined;
  }

  metrics(): MetricsReader | undefined {
    return this.reader;
  }

  /** Not ours to stop: said, and nothing is done. */
  async teardown(): Promise<void> {
    this.options.log?.(`external stage at ${this.baseUrl}: not started by the gate, so nothing is stopped`);
  }

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
    const service = this.options.gatewayService ?? 'gateway';
    return {
      service,
      name: service,
      state: outcome.ok || /^HTTP/.test(outcome.detail) ? 'running' : 'unreachable',
      health: outcome.ok ? 'healthy' : 'unhealthy',
      address: this.baseUrl,
      notes: [{ kind: 'external-gateway', answer: outcome.answer }],
    };
  }
}

/** `http(s)://host[:port][/prefix]` without a trailing slash; anything else is refused by name. */
function normalizeBaseUrl(value: string): string {
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
