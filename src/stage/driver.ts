/**
 * The one interface through which the gate sees a stage, whatever runs it (docker compose, local
 * processes, or an already-running stage at a URL). Checks depend on this file only, never on a driver.
 */

/** The ways a stage is run: docker compose, local processes, or an already-running stage at a URL. */
export const DRIVER_KINDS = ['compose', 'local', 'external'] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

/** Desired shape of the stage, passed to `boot`. */
export interface StageSpec {
  /** Number of `api` replicas. */
  replicas: number;
  /** Passed to every replica's environment as NARRATOR_MAX_CONCURRENCY. */
  narratorMaxConcurrency: number;
  /** Upper bound for boot plus health wait. */
  bootTimeoutMs: number;
  /** Extra environment for the stage's processes/containers. */
  env?: Record<string, string>;
}

export type ServiceHealth = 'healthy' | 'unhealthy' | 'starting' | 'none';

/**
 * The state of a service of the stage that this boot left out on purpose (the compose driver's
 * `services` selection): reported plainly, not counted as down.
 */
export const NOT_BOOTED_STATE = 'not-booted';

/** One row of `docker compose ps`, or its equivalent for a local process. */
export interface ServiceStatus {
  /** Logical service name, e.g. `api`, `gateway`, `redis`. */
  service: string;
  /** Instance name, e.g. `stage-api-2` or `api-2`. */
  name: string;
  /** `running`, `exited`, `created`, `restarting`, `dead`, `unavailable`, `not-booted` ... */
  state: string;
  health: ServiceHealth;
  /** Where it listens, for the humans reading the report (e.g. `127.0.0.1:41234`). */
  address?: string;
  /** What the driver knows about it, as data (the checks say it in the report's language). */
  notes?: ServiceNote[];
  /** Free text quoted from the driver's tool, e.g. Docker's status (`Up 5 seconds (healthy)`). */
  detail?: string;
}

/** Facts a driver states about one service; see ServiceStatus.notes. */
export type ServiceNote =
  /** A process that is gone, and how it ended. */
  | { kind: 'exited'; code: number | null; signal: string | null }
  /** A service of the compose stage that the local stage does not have. */
  | { kind: 'compose-only' }
  /** The Ollama stand-in the local stage runs. */
  | { kind: 'ollama-simulator' }
  /** A real Ollama at a URL, which the stage uses but did not start. */
  | { kind: 'ollama-external' }
  /** HAProxy, with the api servers it reports UP. */
  | { kind: 'haproxy'; serversUp: string[]; servers: number; statsUrl: string }
  /** HAProxy whose exporter could not be read (`cause`: an error code, or `timeout`). */
  | { kind: 'haproxy-exporter-unreachable'; cause: string }
  /** An external stage, seen only through its gateway; `answer` is what GET /healthz got. */
  | { kind: 'external-gateway'; answer: string }
  /** Left out of this boot on purpose: `selected` are the services the boot was asked for. */
  | { kind: 'not-booted'; selected: string[] }
  /** An api replica as Prometheus scrapes it: `up` of its target, and its pod's readiness when known. */
  | { kind: 'prometheus-target'; job: string; up: boolean; podReady?: string }
  /** Prometheus has no scrape target of the api job. */
  | { kind: 'prometheus-no-target'; job: string; jobsFound?: string[] }
  /** Prometheus could not be read for the api replicas (`cause`: its error). */
  | { kind: 'prometheus-unreadable'; cause: string };

/**
 * Where a MetricsReader's numbers come from, as data. `scrape`: each api replica's own /metrics,
 * summed here (`notCounted`: replicas not running, so not in the sum); `prometheus`: the stage's
 * Prometheus (lags by a scrape); `gateway-only`: the gateway's /metrics, which answers from one replica
 * per scrape (partial).
 */
export type MetricsSource =
  | { kind: 'scrape'; replicas: string[]; notCounted?: string[] }
  | { kind: 'prometheus'; url: string; job?: string }
  | { kind: 'gateway-only'; url: string };

/**
 * Why a metrics source could not be read, as data. `cause` is an error code (`ECONNREFUSED`), an HTTP
 * status (`HTTP 503`) or `timeout`; `where` names the target or the Prometheus URL.
 */
export type MetricsFailure =
  | { kind: 'unreachable'; where: string; cause: string }
  | { kind: 'bad-answer'; where: string }
  | { kind: 'too-large'; where: string; maxBytes: number }
  | { kind: 'not-settled'; where: string; fresh: number; expected: number; timeoutMs: number }
  | { kind: 'slow'; step: 'settle' | 'read'; timeoutMs: number }
  /**
   * A Prometheus that answers but is not this stage's: no scrape job holds exactly the booted api
   * containers. `expected`: their addresses; `job`/`missing`: the closest job and the containers it
   * lacks; `found`: what it does scrape (job: instance), a bounded sample. Never counted as evidence.
   */
  | {
      kind: 'not-this-stage';
      where: string;
      expected: string[];
      found: string[];
      job?: string;
      missing?: string[];
    }
  /** A failure the reader did not classify: its message, quoted as it is. */
  | { kind: 'other'; message: string };

/** What a MetricsReader rejects with: a message for logs, and the failure as data for the report. */
export class MetricsReadError extends Error {
  constructor(
    readonly failure: MetricsFailure,
    message: string,
  ) {
    super(message);
    this.name = 'MetricsReadError';
  }
}

export interface BootResult {
  ok: boolean;
  /** Why the boot failed, for the report (never a stack trace). */
  reason?: string;
  services: ServiceStatus[];
  durationMs: number;
  /**
   * Only on a failed boot: the stage came up in part — some services unhealthy, but the gateway and
   * at least one api replica are up — and the driver left it running (the teardown still stops it).
   * The runner then probes the gateway's /healthz: when it answers, the checks run on what is up
   * (stage-up fails with `reason`), instead of reporting a stage that could not be booted.
   */
  partial?: boolean;
  /**
   * Diagnostics of a failed boot worth printing whole (e.g. `ps` and the tail of the unhealthy
   * services' logs); the report shows `reason`, the action log shows this.
   */
  log?: string;
}

/** A reader of the stage's Prometheus counters, summed over every api replica. */
export interface MetricsReader {
  /** Where the numbers come from. */
  readonly source: MetricsSource;
  /**
   * Sum of every series of `metric` whose labels include `labels`, over all replicas.
   * Resolves to `undefined` when the metric is absent everywhere; rejects (with a MetricsReadError)
   * when the source is unreachable or answers something else.
   */
  sum(metric: string, labels?: Record<string, string>): Promise<number | undefined>;
  /** Same sum, per replica (keyed by the `replica` label, or by instance when absent). */
  perReplica(metric: string, labels?: Record<string, string>): Promise<Map<string, number>>;
  /**
   * Prometheus-backed readers lag by a scrape interval: resolve once the source reflects everything
   * up to now (direct scrapes resolve at once). Bounded by `timeoutMs`.
   */
  settle(timeoutMs: number): Promise<void>;
}

/** A value the driver uses, with where it came from: set by an option, discovered, or a default. */
export interface StageValue {
  /** The option it stands for (kebab-case), e.g. `base-url`. */
  option: string;
  value: string;
  origin: 'set' | 'discovered' | 'default';
  /** What it was discovered from, e.g. `port 127.0.0.1:18000:80 published by \`proxy\``. */
  how?: string;
}

/** What a driver learnt about the stage before booting it: its values and the preflight's findings. */
export interface StageDescription {
  values: StageValue[];
  findings: Array<{ severity: 'error' | 'warning'; message: string }>;
  /** The services stage-up requires besides the api and the gateway, when the driver decided them. */
  requiredServices?: string[];
  /** Services of the reference stage that this stage does not have (said, not failed). */
  notInStage?: string[];
}

export interface StageDriver {
  readonly kind: DriverKind;
  /** Base URL of the gateway, e.g. `http://127.0.0.1:8000`. Valid after a successful boot. */
  readonly baseUrl: string;
  /** Start the stage (or, for `external`, verify it answers) and wait, bounded, until healthy. */
  boot(spec: StageSpec, signal?: AbortSignal): Promise<BootResult>;
  /** Current state of every service, like `docker compose ps`. */
  services(signal?: AbortSignal): Promise<ServiceStatus[]>;
  /**
   * Log lines of one service (all its replicas), oldest first, bounded to the newest `maxLines`.
   * `undefined` when this driver cannot see logs (external).
   */
  logs(service: string, maxLines: number, signal?: AbortSignal): Promise<string[] | undefined>;
  /** Where the values this driver uses came from, and its preflight findings (drivers that have any). */
  describe?(): StageDescription | undefined;
  /** Counters of the api replicas; `undefined` when no metrics source is reachable. */
  metrics(): MetricsReader | undefined;
  /**
   * Stop everything this driver started, bounded in time; never throws. Where `logDir` is given,
   * first stream each service's log into a file there (never holding it whole in memory).
   */
  teardown(options?: { logDir?: string; timeoutMs?: number }): Promise<void>;
}
