/**
 * The local stage: the same services as the compose stage, as processes on loopback ports —
 * redis-server, the Ollama simulator (or a real Ollama at a URL), N api replicas, HAProxy as the
 * gateway (config generated from the shared deploy/haproxy/haproxy.cfg) and Prometheus. Grafana and
 * Tempo do not exist here, and the services table says so.
 */
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ROUTES } from '../../contract/index.js';
import type { BootResult, MetricsReader, ServiceStatus, StageDriver, StageSpec } from '../driver.js';
import { ScrapeReader, describeFetchError, fetchErrorCause } from '../metrics/scrape-reader.js';
import { resolveReferenceStage, type ProgramCommand } from '../reference-stage.js';
import { readServersUp, startGateway, type GatewayServer } from './gateway-server.js';
import { mergeByTime, readLastLines } from './log-tail.js';
import { findFreePort, ManagedProcess, registerExitCleanup } from './process.js';
import { startPrometheus, type PrometheusServer } from './prometheus-server.js';
import { redisPing, startRedisServer, type RedisServer } from './redis-server.js';
import { probeHttp, processRow, unavailableRows } from './stage-status.js';

export interface LocalStageOptions {
  /** Program started as each api replica (it gets PORT, HOST, REPLICA_ID, ... in its env). Default: the reference API. */
  apiCommand?: ProgramCommand;
  /** Program started as the Ollama stand-in. Default: the reference simulator. */
  simulatorCommand?: ProgramCommand;
  /** The shared HAProxy config to generate the gateway's from. Default: deploy/haproxy/haproxy.cfg. */
  haproxyConfigPath?: string;
  /** A real Ollama to use instead of starting the simulator (also read from spec.env.OLLAMA_URL). */
  ollamaUrl?: string;
  /** Model the narrator uses; with a real Ollama, boot checks it is pulled (also spec.env.OLLAMA_MODEL). */
  ollamaModel?: string;
  /** Extra env for single replicas, by 1-based index, e.g. `{ 2: { FAULT_INJECTION: 'healthz-fail' } }`. */
  replicaEnv?: Record<number, Record<string, string>>;
  /** Start Prometheus (default true). */
  prometheus?: boolean;
  /** Where the stage's work dir is created (default: the OS temp dir). */
  workDirParent?: string;
  /**
   * When boot fails, leave what started running so a caller can still inspect or check it (default
   * false: stop everything). With it, replicas that never become healthy do not stop the boot: the
   * gateway and Prometheus still start over the replicas that are healthy, and boot then reports
   * ok: false and `partial: true`, naming the unhealthy ones — a degraded stage, as `docker compose
   * up --wait` leaves one. The gate turns this on (src/gate/driver-choice.ts): it checks such a stage
   * anyway, and its teardown stops it.
   */
  keepRunningOnBootFailure?: boolean;
}

/** Extra controls of the local stage, for tests that break it on purpose. Replica indexes are 1-based. */
export interface LocalStageControl {
  readonly workDir: string | undefined;
  replicaUrl(index: number): string;
  replicaNames(): string[];
  /** Kill one replica (SIGKILL by default, like a crash) and wait until it is gone. */
  killReplica(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Start a replica again on its port (after killReplica), and wait until its /healthz answers. */
  restartReplica(index: number, timeoutMs?: number): Promise<void>;
  readonly redis: {
    readonly url: string;
    readonly port: number;
    stop(): Promise<void>;
    start(timeoutMs?: number): Promise<void>;
  };
  /** Every process this stage has started (also stopped ones), for leak checks. */
  processes(): Array<{ name: string; pid: number | undefined; running: boolean }>;
  /** Every port this stage reserved. */
  usedPorts(): number[];
  readonly urls: {
    gateway: string;
    prometheus?: string;
    haproxyStats: string;
    haproxyExporter: string;
    ollama: string;
  };
}

/**
 * A boot step that failed: a one-line message for the report (naming the service and quoting its
 * last log lines briefly) and, in `log`, the longer tail for the run's log.
 */
class BootFailure extends Error {
  constructor(
    message: string,
    readonly log?: string,
    /** The stage is up in part: the gateway serves over the replicas that are healthy. */
    readonly partial = false,
  ) {
    super(message);
  }
}

const REASON_LOG_LINES = 15;
const REASON_INLINE_LINES = 3;
const PROBE_TIMEOUT_MS = 1000;
const POLL_MS = 150;
/** The API's own defaults live in its config; this is only what the local stage checks a real Ollama for. */
const FALLBACK_OLLAMA_MODEL = 'qwen2.5:0.5b';

interface Replica {
  index: number;
  name: string;
  port: number;
  url: string;
  env: NodeJS.ProcessEnv;
  process: ManagedProcess;
}

export class LocalStageDriver implements StageDriver, LocalStageControl {
  readonly kind = 'local' as const;
  private readonly options: LocalStageOptions;
  private dir: string | undefined;
  private unregisterCleanup: (() => void) | undefined;
  private ports: number[] = [];
  private redisServer: RedisServer | undefined;
  private redisPort = 0;
  private simulator: ManagedProcess | undefined;
  private ollamaUrl = '';
  private externalOllama = false;
  private replicas: Replica[] = [];
  private gateway: GatewayServer | undefined;
  private prometheusServer: PrometheusServer | undefined;
  private readonly started: ManagedProcess[] = [];
  private apiCommand: ProgramCommand | undefined;

  constructor(options: LocalStageOptions = {}) {
    this.options = options;
  }

  get baseUrl(): string {
    return this.gateway?.url ?? '';
  }

  get workDir(): string | undefined {
    return this.dir;
  }

  get urls(): LocalStageControl['urls'] {
    if (!this.gateway) throw new Error('the local stage is not booted');
    return {
      gateway: this.gateway.url,
      ...(this.prometheusServer ? { prometheus: this.prometheusServer.url } : {}),
      haproxyStats: this.gateway.statsUrl,
      haproxyExporter: this.gateway.exporterUrl,
      ollama: this.ollamaUrl,
    };
  }

  async boot(spec: StageSpec, signal?: AbortSignal): Promise<BootResult> {
    const startedAt = Date.now();
    const fail = async (reason: string, log?: string, partial = false): Promise<BootResult> => {
      if (!this.options.keepRunningOnBootFailure) await this.stopAll(3000);
      const services = this.dir ? await this.services().catch(() => []) : [];
      return {
        ok: false,
        reason,
        services,
        durationMs: Date.now() - startedAt,
        ...(partial ? { partial } : {}),
        ...(log ? { log } : {}),
      };
    };
    const invalid = validateSpec(spec);
    if (invalid) return { ok: false, reason: invalid, services: [], durationMs: 0 };
    if (this.dir)
      return {
        ok: false,
        reason: 'the local stage is already booted; tear it down before booting again',
        services: await this.services(signal),
        durationMs: 0,
      };

    const deadline = startedAt + spec.bootTimeoutMs;
    try {
      await this.start(spec, deadline, signal);
      return { ok: true, services: await this.services(signal), durationMs: Date.now() - startedAt };
    } catch (error) {
      if (error instanceof BootFailure) return fail(error.message, error.log, error.partial);
      return fail(`local stage could not start: ${(error as Error).message}`);
    }
  }

  private async start(spec: StageSpec, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const reference = this.needsReference() ? resolveReferenceStage() : undefined;
    const apiCommand = this.options.apiCommand ?? reference!.api;
    const haproxyConfigPath = this.options.haproxyConfigPath ?? reference!.haproxyConfig;
    let sharedConfig: string;
    try {
      sharedConfig = await readFile(haproxyConfigPath, 'utf8');
    } catch (error) {
      throw new BootFailure(
        `gateway: cannot read the shared HAProxy config ${haproxyConfigPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the local gateway config is generated from it`,
      );
    }
    this.resetState();
    const specEnv = spec.env ?? {};
    const ollamaUrl = (this.options.ollamaUrl ?? specEnv.OLLAMA_URL)?.replace(/\/+$/, '');
    const ollamaModel = this.options.ollamaModel ?? specEnv.OLLAMA_MODEL;

    const dir = mkdtempSync(join(this.options.workDirParent ?? tmpdir(), 'stagegate-local-'));
    this.dir = dir;
    this.unregisterCleanup = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const [redisPort, simulatorPort, gatewayPort, statsPort, prometheusPort, ...apiPorts] =
      await this.reservePorts(5 + spec.replicas);
    const remaining = () => Math.max(0, deadline - Date.now());
    const checkAbort = (what: string) => {
      if (signal?.aborted) throw new BootFailure(`boot aborted while starting ${what}`);
    };

    // redis
    checkAbort('redis');
    this.redisPort = redisPort!;
    await this.startRedis(remaining());

    // ollama: the simulator, or a real one that must already have the model
    checkAbort('ollama');
    if (ollamaUrl) {
      this.externalOllama = true;
      this.ollamaUrl = ollamaUrl;
      await checkRealOllama(ollamaUrl, ollamaModel ?? FALLBACK_OLLAMA_MODEL, remaining(), signal);
    } else {
      const command = this.options.simulatorCommand ?? reference!.simulator;
      this.ollamaUrl = `http://127.0.0.1:${simulatorPort}`;
      this.simulator = this.spawn('ollama-sim', command, {
        ...childBaseEnv(),
        ...specEnv,
        PORT: String(simulatorPort),
        HOST: '127.0.0.1',
      });
      await waitHealthy(this.simulator, () => probeHttp(`${this.ollamaUrl}/api/version`, PROBE_TIMEOUT_MS), {
        what: 'GET /api/version',
        deadline,
        signal,
      });
    }

    // api replicas, started together and awaited together
    checkAbort('api');
    this.apiCommand = apiCommand;
    this.replicas = apiPorts.map((port, offset) => {
      const index = offset + 1;
      const name = `api-${index}`;
      const env: NodeJS.ProcessEnv = {
        ...childBaseEnv(),
        REDIS_URL: `redis://127.0.0.1:${this.redisPort}`,
        OLLAMA_URL: this.ollamaUrl,
        ...(ollamaModel ? { OLLAMA_MODEL: ollamaModel } : {}),
        NARRATOR_MAX_CONCURRENCY: String(spec.narratorMaxConcurrency),
        ...specEnv,
        // One REPLICA_ID per replica, even when the stage-wide env names one.
        REPLICA_ID: name,
        ...(this.options.replicaEnv?.[index] ?? {}),
        PORT: String(port),
        HOST: '127.0.0.1',
      };
      const url = `http://127.0.0.1:${port}`;
      return { index, name, port, url, env, process: this.spawn(name, apiCommand, env) };
    });
    const replicaWaits = await Promise.allSettled(
      this.replicas.map((replica) =>
        waitHealthy(replica.process, () => probeHttp(`${replica.url}${ROUTES.healthz}`, PROBE_TIMEOUT_MS), {
          what: `GET ${ROUTES.healthz}`,
          deadline,
          signal,
        }),
      ),
    );
    const replicaFailures = replicaWaits.flatMap((wait) =>
      wait.status === 'rejected' ? [wait.reason as Error] : [],
    );
    const healthyNames = this.replicas
      .filter((_, offset) => replicaWaits[offset]!.status === 'fulfilled')
      .map((replica) => replica.name);
    const healthyReplicas = healthyNames.length;
    if (
      replicaFailures.length &&
      (!this.options.keepRunningOnBootFailure || healthyReplicas === 0 || signal?.aborted)
    )
      throw replicaFailures[0];
    // Degraded: carry on over the healthy replicas, and report the others at the end.
    const degradedReason = replicaFailures.map((failure) => failure.message).join('; ');
    const degradedLog = replicaFailures
      .map((failure) => (failure as BootFailure).log ?? failure.message)
      .join('\n\n');
    const gatewayDeadline = replicaFailures.length ? Math.max(deadline, Date.now() + 15_000) : deadline;

    // gateway: answers /healthz through it and counts every replica UP
    checkAbort('gateway');
    try {
      this.gateway = startGateway({
        workDir: dir,
        sharedConfig,
        sharedConfigPath: haproxyConfigPath,
        servers: this.replicas.map((replica) => ({
          name: replica.name,
          host: '127.0.0.1',
          port: replica.port,
        })),
        port: gatewayPort!,
        statsPort: statsPort!,
      });
    } catch (error) {
      throw new BootFailure(`gateway: ${(error as Error).message}`);
    }
    this.started.push(this.gateway.process);
    const gateway = this.gateway;
    let lastUp: string[] = [];
    await waitHealthy(
      gateway.process,
      async () => {
        lastUp = await readServersUp(gateway.exporterUrl, gateway.backend, PROBE_TIMEOUT_MS).catch(() => []);
        return (
          // Exactly the healthy replicas: HAProxy starts by assuming every server UP until checked.
          [...lastUp].sort().join() === [...healthyNames].sort().join() &&
          (await probeHttp(`${gateway.url}${ROUTES.healthz}`, PROBE_TIMEOUT_MS))
        );
      },
      {
        what: `GET ${ROUTES.healthz} through it and ${healthyReplicas} api servers UP`,
        deadline: gatewayDeadline,
        signal,
        progress: () =>
          `${lastUp.length}/${this.replicas.length} api servers UP: ${lastUp.join(', ') || 'none'}`,
      },
    );

    // prometheus, scraping every replica and the gateway's exporter
    if (this.options.prometheus !== false) {
      checkAbort('prometheus');
      this.prometheusServer = startPrometheus({
        workDir: dir,
        port: prometheusPort!,
        targets: {
          api: this.replicas.map((replica) => `127.0.0.1:${replica.port}`),
          gateway: `127.0.0.1:${gateway.statsPort}`,
        },
      });
      this.started.push(this.prometheusServer.process);
      const prometheusUrl = this.prometheusServer.url;
      await waitHealthy(
        this.prometheusServer.process,
        () => probeHttp(`${prometheusUrl}/-/ready`, PROBE_TIMEOUT_MS),
        {
          what: 'GET /-/ready',
          deadline: gatewayDeadline,
          signal,
        },
      );
    }
    if (degradedReason)
      throw new BootFailure(
        `${healthyReplicas} of ${this.replicas.length} api replicas healthy (${healthyNames.join(', ')}), the gateway serving over them; ${degradedReason}`,
        degradedLog,
        true,
      );
  }

  async services(signal?: AbortSignal): Promise<ServiceStatus[]> {
    const rows: Array<Promise<ServiceStatus>> = [];
    const probe = (url: string) => () => probeHttp(url, PROBE_TIMEOUT_MS, signal);
    for (const replica of this.replicas) {
      rows.push(
        processRow({
          service: 'api',
          managed: replica.process,
          address: `127.0.0.1:${replica.port}`,
          probe: probe(`${replica.url}${ROUTES.healthz}`),
        }),
      );
    }
    const gateway = this.gateway;
    if (gateway) {
      rows.push(
        processRow({
          service: 'gateway',
          managed: gateway.process,
          address: `127.0.0.1:${gateway.port}`,
          probe: probe(`${gateway.url}${ROUTES.healthz}`),
          note: async () => {
            if (!gateway.process.running) return undefined;
            try {
              const up = await readServersUp(gateway.exporterUrl, gateway.backend, PROBE_TIMEOUT_MS);
              return {
                kind: 'haproxy',
                serversUp: up,
                servers: this.replicas.length,
                statsUrl: gateway.statsUrl,
              };
            } catch (error) {
              return { kind: 'haproxy-exporter-unreachable', cause: fetchErrorCause(error) };
            }
          },
        }),
      );
    }
    if (this.redisServer) {
      rows.push(
        processRow({
          service: 'redis',
          managed: this.redisServer.process,
          address: `127.0.0.1:${this.redisPort}`,
          probe: () => redisPing(this.redisPort, PROBE_TIMEOUT_MS),
        }),
      );
    }
    if (this.simulator) {
      rows.push(
        processRow({
          service: 'ollama',
          managed: this.simulator,
          address: this.ollamaUrl.replace('http://', ''),
          probe: probe(`${this.ollamaUrl}/api/version`),
          note: { kind: 'ollama-simulator' },
        }),
      );
    } else if (this.externalOllama) {
      const healthy = await probeHttp(`${this.ollamaUrl}/api/version`, PROBE_TIMEOUT_MS, signal);
      rows.push(
        Promise.resolve({
          service: 'ollama',
          name: 'ollama',
          state: 'external',
          health: healthy ? 'healthy' : 'unhealthy',
          address: this.ollamaUrl,
          notes: [{ kind: 'ollama-external' }],
        }),
      );
    }
    if (this.prometheusServer) {
      rows.push(
        processRow({
          service: 'prometheus',
          managed: this.prometheusServer.process,
          address: `127.0.0.1:${this.prometheusServer.port}`,
          probe: probe(`${this.prometheusServer.url}/-/ready`),
        }),
      );
    }
    return [...(await Promise.all(rows)), ...unavailableRows()];
  }

  async logs(service: string, maxLines: number): Promise<string[] | undefined> {
    if (!Number.isInteger(maxLines) || maxLines < 0)
      throw new Error(`maxLines must be a whole number ≥ 0, got ${maxLines}`);
    if (service === 'grafana' || service === 'tempo') return undefined;
    if (service === 'ollama' && this.externalOllama) return undefined;
    if (service === 'api') {
      const tails = await Promise.all(
        this.replicas.map((replica) => readLastLines(replica.process.logFile, maxLines)),
      );
      return mergeByTime(tails, maxLines);
    }
    const managed = this.processByService(service);
    if (!managed) {
      const known = [
        'api',
        ...this.replicas.map((replica) => replica.name),
        'gateway',
        'redis',
        'ollama',
        'prometheus',
      ];
      throw new Error(`no service "${service}" on the local stage (known: ${known.join(', ')})`);
    }
    return readLastLines(managed.logFile, maxLines);
  }

  metrics(): MetricsReader | undefined {
    if (this.replicas.length === 0) return undefined;
    const running = () => this.replicas.filter((replica) => replica.process.running);
    return new ScrapeReader({
      targets: () =>
        running().map((replica) => ({ url: `${replica.url}${ROUTES.metrics}`, instance: replica.name })),
      source: () => {
        const notCounted = this.replicas
          .filter((replica) => !replica.process.running)
          .map((replica) => replica.name);
        return {
          kind: 'scrape',
          replicas: running().map((replica) => replica.name),
          ...(notCounted.length ? { notCounted } : {}),
        };
      },
    });
  }

  async teardown(options: { logDir?: string; timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    try {
      // Stopping first means the copied logs include each service's last words.
      await this.stopAll(Math.min(3000, Math.max(500, timeoutMs / 4)), deadline);
      if (options.logDir && this.dir)
        await copyLogs(this.dir, options.logDir, deadline).catch(() => undefined);
    } catch {
      // Teardown never throws: whatever failed above, still remove what is left.
    } finally {
      for (const managed of this.started) managed.signal('SIGKILL');
      try {
        if (this.dir) rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // Left in the temp dir; the exit hook tries once more.
      }
      if (this.dir && !existsSync(this.dir)) {
        this.unregisterCleanup?.();
        this.unregisterCleanup = undefined;
      }
      this.dir = undefined;
    }
  }

  // ---- controls for tests (LocalStageControl) ----

  replicaUrl(index: number): string {
    return this.replica(index).url;
  }

  replicaNames(): string[] {
    return this.replicas.map((replica) => replica.name);
  }

  async killReplica(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const replica = this.replica(index);
    replica.process.signal(signal);
    if (!(await replica.process.waitForExit(5000)))
      throw new Error(`${replica.name} still running 5 s after ${signal}`);
  }

  async restartReplica(index: number, timeoutMs = 30_000): Promise<void> {
    const replica = this.replica(index);
    if (replica.process.running) throw new Error(`${replica.name} is still running; kill it first`);
    replica.process = this.spawn(replica.name, this.apiCommand!, replica.env);
    await waitHealthy(replica.process, () => probeHttp(`${replica.url}${ROUTES.healthz}`, PROBE_TIMEOUT_MS), {
      what: `GET ${ROUTES.healthz}`,
      deadline: Date.now() + timeoutMs,
    });
  }

  get redis(): LocalStageControl['redis'] {
    const port = this.redisPort;
    if (!port) throw new Error('the local stage is not booted');
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: async () => {
        await this.redisServer?.stop();
      },
      start: async (timeoutMs = 10_000) => {
        if (this.redisServer?.process.running) return;
        await this.startRedis(timeoutMs);
      },
    };
  }

  processes(): Array<{ name: string; pid: number | undefined; running: boolean }> {
    return this.started.map((managed) => ({
      name: managed.name,
      pid: managed.pid,
      running: managed.running,
    }));
  }

  usedPorts(): number[] {
    return [...this.ports];
  }

  // ---- internals ----

  /** Forget a previous, torn-down boot. */
  private resetState(): void {
    this.started.length = 0;
    this.replicas = [];
    this.ports = [];
    this.redisServer = undefined;
    this.redisPort = 0;
    this.simulator = undefined;
    this.ollamaUrl = '';
    this.externalOllama = false;
    this.gateway = undefined;
    this.prometheusServer = undefined;
  }

  private needsReference(): boolean {
    return (
      !this.options.apiCommand ||
      !this.options.haproxyConfigPath ||
      (!this.options.simulatorCommand && !this.options.ollamaUrl)
    );
  }

  private replica(index: number): Replica {
    const replica = this.replicas[index - 1];
    if (!Number.isInteger(index) || !replica)
      throw new Error(`no replica ${index}: replicas are numbered 1..${this.replicas.length}`);
    return replica;
  }

  private processByService(service: string): ManagedProcess | undefined {
    if (service === 'gateway') return this.gateway?.process;
    if (service === 'redis') return this.redisServer?.process;
    if (service === 'ollama' || service === 'ollama-sim') return this.simulator;
    if (service === 'prometheus') return this.prometheusServer?.process;
    return this.replicas.find((replica) => replica.name === service)?.process;
  }

  private spawn(name: string, command: ProgramCommand, env: NodeJS.ProcessEnv): ManagedProcess {
    const managed = new ManagedProcess({
      name,
      command: command.command,
      args: command.args,
      ...(command.cwd ? { cwd: command.cwd } : {}),
      env,
      logFile: join(this.dir!, `${name}.log`),
    });
    this.started.push(managed);
    return managed;
  }

  private async startRedis(timeoutMs: number): Promise<void> {
    try {
      this.redisServer = await startRedisServer({
        workDir: this.dir!,
        port: this.redisPort,
        startTimeoutMs: Math.max(1, timeoutMs),
      });
    } catch (error) {
      const log = join(this.dir!, 'redis.log');
      throw await failureWithLog(`redis did not answer PING: ${(error as Error).message}`, log);
    }
    this.started.push(this.redisServer.process);
  }

  /** Distinct free loopback ports (the kernel may hand the same one out twice in a row). */
  private async reservePorts(count: number): Promise<number[]> {
    const ports = new Set<number>();
    for (let attempts = 0; ports.size < count; attempts++) {
      if (attempts > count * 10) throw new Error(`could not find ${count} distinct free ports`);
      ports.add(await findFreePort());
    }
    this.ports = [...ports];
    return this.ports;
  }

  /** Gateway first (no new traffic), then the replicas, then what they depend on. Bounded. */
  private async stopAll(graceMs: number, deadline = Date.now() + graceMs * 4): Promise<void> {
    const stopGroup = async (processes: Array<ManagedProcess | undefined>) => {
      const live = processes.filter((managed): managed is ManagedProcess => managed !== undefined);
      const grace = Math.max(100, Math.min(graceMs, (deadline - Date.now()) / 2));
      await Promise.all(live.map((managed) => managed.stop(grace)));
    };
    await stopGroup([this.gateway?.process]);
    await stopGroup(this.replicas.map((replica) => replica.process));
    await stopGroup([this.prometheusServer?.process, this.simulator, this.redisServer?.process]);
    // Processes replaced by restarts are in `started` only.
    await stopGroup(this.started.filter((managed) => managed.running));
  }
}

function validateSpec(spec: StageSpec): string | undefined {
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1 || spec.replicas > 20)
    return `replicas must be a whole number from 1 to 20, got ${spec.replicas}`;
  if (!Number.isInteger(spec.narratorMaxConcurrency) || spec.narratorMaxConcurrency < 0)
    return `narrator max concurrency must be a whole number ≥ 0, got ${spec.narratorMaxConcurrency}`;
  if (!Number.isFinite(spec.bootTimeoutMs) || spec.bootTimeoutMs <= 0)
    return `boot timeout must be a positive number of milliseconds, got ${spec.bootTimeoutMs}`;
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `environment variable name "${key}" is not valid`;
    if (typeof value !== 'string') return `environment variable ${key} must be a string`;
  }
  return undefined;
}

/** The children's base env: ours, minus what must not leak into a local stage (no OTLP collector here). */
function childBaseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/**
 * Poll `probe` until it is true; fail fast when the process exits, and at the deadline, each time
 * with a reason that names the process and quotes its log.
 */
async function waitHealthy(
  managed: ManagedProcess,
  probe: () => Promise<boolean>,
  options: { what: string; deadline: number; signal?: AbortSignal; progress?: () => string },
): Promise<void> {
  for (;;) {
    if (options.signal?.aborted) throw new BootFailure(`boot aborted while waiting for ${managed.name}`);
    if (!managed.running) {
      // Let the last output reach the log file before quoting it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      throw await failureWithLog(
        `${managed.name} ${managed.describeState()} during boot, before answering ${options.what}`,
        managed.logFile,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() >= options.deadline) {
      const progress = options.progress ? ` (${options.progress()})` : '';
      throw await failureWithLog(
        `${managed.name} was not healthy within the boot timeout: no success on ${options.what}${progress}`,
        managed.logFile,
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(POLL_MS, Math.max(0, options.deadline - Date.now()))),
    );
  }
}

/**
 * A failure whose message quotes the last few log lines inline (one line, bounded) and whose `log`
 * holds the longer tail, each line indented.
 */
async function failureWithLog(message: string, file: string): Promise<BootFailure> {
  const lines = await readLastLines(file, REASON_LOG_LINES).catch(() => []);
  if (lines.length === 0) return new BootFailure(`${message} (its log ${basename(file)} is empty)`);
  const inline = lines
    .slice(-REASON_INLINE_LINES)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line))
    .join(' ⏎ ');
  return new BootFailure(
    `${message}; last lines of ${basename(file)}: ${inline}`,
    `${message}\nLast ${lines.length} lines of ${file}:\n${lines.map((line) => `  ${line}`).join('\n')}`,
  );
}

/** A real Ollama must answer /api/version and already have the model (the local stage never pulls). */
async function checkRealOllama(
  url: string,
  model: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new BootFailure('boot aborted while checking Ollama');
    try {
      const version = await fetch(`${url}/api/version`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await version.arrayBuffer();
      if (!version.ok) throw new Error(`/api/version answered HTTP ${version.status}`);
      const tags = await fetch(`${url}/api/tags`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS * 3) });
      const body = (await tags.json()) as { models?: Array<{ name?: string; model?: string }> };
      const names = (body.models ?? [])
        .flatMap((entry) => [entry.name, entry.model])
        .filter(Boolean) as string[];
      const wanted = model.includes(':') ? model : `${model}:latest`;
      if (names.some((name) => name === model || name === wanted)) return;
      throw new BootFailure(
        `ollama at ${url} does not have the model "${model}" (it has: ${names.join(', ') || 'none'}); run "ollama pull ${model}" first`,
      );
    } catch (error) {
      if (error instanceof BootFailure) throw error;
      lastError = describeFetchError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new BootFailure(`ollama at ${url} did not answer /api/version within the boot timeout: ${lastError}`);
}

/** Copy every log (and the generated configs) into `logDir`, streaming, bounded by `deadline`. */
async function copyLogs(workDir: string, logDir: string, deadline: number): Promise<void> {
  await mkdir(logDir, { recursive: true });
  const files = (await readdir(workDir)).filter(
    (file) => file.endsWith('.log') || file === 'haproxy.cfg' || file === 'prometheus.yml',
  );
  for (const file of files) {
    if (Date.now() >= deadline) return;
    await copyFile(join(workDir, file), join(logDir, file)).catch(() => undefined);
  }
}
