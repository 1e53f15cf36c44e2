/**
 * The local stage: the same services as the compose stage, as processes on loopback ports —
 * redis-server, the Ollama simulator (or a real Ollama at a URL), N api replicas, HAProxy as the
 * gateway (config generated from the shared deploy/haproxy/haproxy.cfg) and Prometheus. Grafana and
 * Tempo do not exist here, and the services table says so. `boot` is the row of steps in ./steps; what
 * one boot started is a LocalStage. Tests that break the stage on purpose use the harness beside it
 * (__tests__/stage/local/local-stage-harness.ts); this driver has no test-only controls.
 */
import { tmpdir } from 'node:os';
import { ROUTES } from '../../contract/index.js';
import type { BootResult, MetricsReader, ServiceStatus, StageDriver, StageSpec } from '../driver.js';
import { ScrapeReader } from '../metrics/scrape-reader.js';
import { resolveReferenceStage, type ProgramCommand } from '../reference-stage.js';
import { BootFailure, throwIfAborted } from './boot-failure.js';
import { LocalStage, knownServices, replicaAt, type BootContext } from './local-stage.js';
import { mergeByTime, readLastLines } from './log-tail.js';
import { localServiceRows, unavailableRows } from './stage-status.js';
import { readSharedHaproxyConfig, startGateway } from './steps/gateway.js';
import { startOllamaOrSimulator, type OllamaChoice } from './steps/ollama.js';
import { startPrometheus } from './steps/prometheus.js';
import { startRedis } from './steps/redis.js';
import { startReplicas } from './steps/replicas.js';

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

/** A gateway and Prometheus over a degraded stage get at least this long, however late the replicas failed. */
const DEGRADED_GRACE_MS = 15_000;

export class LocalStageDriver implements StageDriver {
  readonly kind = 'local' as const;
  /** The last boot's stage, kept after its teardown (what it started stays listed). */
  protected stage: LocalStage | undefined;

  constructor(private readonly options: LocalStageOptions = {}) {}

  get baseUrl(): string {
    return this.stage?.gateway?.url ?? '';
  }

  /** The booted stage's work dir (each service's `<name>.log`); undefined when not booted or torn down. */
  get workDir(): string | undefined {
    return this.stage?.active ? this.stage.workDir : undefined;
  }

  get urls(): LocalStageUrls {
    const stage = this.stage;
    if (!stage?.gateway) throw new Error('the local stage is not booted');
    return {
      gateway: stage.gateway.url,
      ...(stage.prometheus ? { prometheus: stage.prometheus.url } : {}),
      haproxyStats: stage.gateway.statsUrl,
      haproxyExporter: stage.gateway.exporterUrl,
      ollama: stage.ollamaUrl,
    };
  }

  replicaNames(): string[] {
    return (this.stage?.replicas ?? []).map((replica) => replica.name);
  }

  /** The URL of replica `index` (1-based), straight, not through the gateway. */
  replicaUrl(index: number): string {
    return replicaAt(this.stage?.replicas ?? [], index).url;
  }

  async boot(spec: StageSpec, signal?: AbortSignal): Promise<BootResult> {
    const startedAt = Date.now();
    const invalid = validateSpec(spec);
    if (invalid) return { ok: false, reason: invalid, services: [], durationMs: 0 };
    if (this.workDir)
      return {
        ok: false,
        reason: 'the local stage is already booted; tear it down before booting again',
        services: await this.services(signal),
        durationMs: 0,
      };
    try {
      await this.start(spec, startedAt + spec.bootTimeoutMs, signal);
      return { ok: true, services: await this.services(signal), durationMs: Date.now() - startedAt };
    } catch (error) {
      const failure =
        error instanceof BootFailure
          ? error
          : new BootFailure(`local stage could not start: ${(error as Error).message}`);
      return this.failedBoot(failure, startedAt);
    }
  }

  /** The boot, step by step: redis, Ollama (or the simulator), the replicas, the gateway, Prometheus. */
  private async start(spec: StageSpec, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const programs = resolvePrograms(this.options, spec.env ?? {});
    const haproxyConfig = await readSharedHaproxyConfig(programs.haproxyConfigPath);
    const stage = await LocalStage.create(this.options.workDirParent ?? tmpdir(), spec.replicas);
    this.stage = stage;
    const boot: BootContext = { stage, spec, deadline, signal };

    throwIfAborted(signal, 'redis');
    await startRedis(stage, Math.max(0, deadline - Date.now()));

    throwIfAborted(signal, 'ollama');
    await startOllamaOrSimulator(boot, programs.ollama);

    throwIfAborted(signal, 'api');
    const replicas = await startReplicas(boot, {
      command: programs.api,
      replicaEnv: this.options.replicaEnv,
      ollamaModel: programs.ollamaModel,
      keepRunningOnFailure: this.options.keepRunningOnBootFailure === true,
    });
    const rest = replicas.degraded
      ? { ...boot, deadline: Math.max(deadline, Date.now() + DEGRADED_GRACE_MS) }
      : boot;

    throwIfAborted(signal, 'gateway');
    await startGateway(rest, haproxyConfig, replicas.healthy);

    if (this.options.prometheus !== false) {
      throwIfAborted(signal, 'prometheus');
      await startPrometheus(rest);
    }
    if (replicas.degraded) throw replicas.degraded;
  }

  private async failedBoot(failure: BootFailure, startedAt: number): Promise<BootResult> {
    if (!this.options.keepRunningOnBootFailure) await this.stage?.stopAll(3000);
    const services = this.workDir ? await this.services().catch(() => []) : [];
    return {
      ok: false,
      reason: failure.message,
      services,
      durationMs: Date.now() - startedAt,
      ...(failure.partial ? { partial: true } : {}),
      ...(failure.log ? { log: failure.log } : {}),
    };
  }

  async services(signal?: AbortSignal): Promise<ServiceStatus[]> {
    return this.stage ? localServiceRows(this.stage, signal) : unavailableRows();
  }

  async logs(service: string, maxLines: number): Promise<string[] | undefined> {
    if (!Number.isInteger(maxLines) || maxLines < 0)
      throw new Error(`maxLines must be a whole number ≥ 0, got ${maxLines}`);
    if (service === 'grafana' || service === 'tempo') return undefined;
    const stage = this.stage;
    if (service === 'ollama' && stage?.externalOllama) return undefined;
    if (service === 'api') {
      const tails = await Promise.all(
        (stage?.replicas ?? []).map((replica) => readLastLines(replica.process.logFile, maxLines)),
      );
      return mergeByTime(tails, maxLines);
    }
    const managed = stage?.processOf(service);
    if (!managed)
      throw new Error(
        `no service "${service}" on the local stage (known: ${knownServices(stage).join(', ')})`,
      );
    return readLastLines(managed.logFile, maxLines);
  }

  metrics(): MetricsReader | undefined {
    const replicas = this.stage?.replicas ?? [];
    if (replicas.length === 0) return undefined;
    const running = () => replicas.filter((replica) => replica.process.running);
    return new ScrapeReader({
      targets: () =>
        running().map((replica) => ({ url: `${replica.url}${ROUTES.metrics}`, instance: replica.name })),
      source: () => {
        const notCounted = replicas
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
    const stage = this.stage;
    if (!stage) return;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    try {
      // Stopping first means the copied logs include each service's last words.
      await stage.stopAll(Math.min(3000, Math.max(500, timeoutMs / 4)), deadline);
      if (options.logDir && stage.active)
        await stage.copyLogs(options.logDir, deadline).catch(() => undefined);
    } catch {
      // Teardown never throws: whatever failed above, still remove what is left.
    } finally {
      stage.remove();
    }
  }
}

export interface LocalStageUrls {
  gateway: string;
  prometheus?: string;
  haproxyStats: string;
  haproxyExporter: string;
  ollama: string;
}

/**
 * The programs of a boot: the options' own, else the reference stage's (resolved only when one is
 * missing, as a bundle without the api cannot start it); and which Ollama the replicas use.
 */
export function resolvePrograms(
  options: LocalStageOptions,
  specEnv: Record<string, string>,
): { api: ProgramCommand; haproxyConfigPath: string; ollama: OllamaChoice; ollamaModel: string | undefined } {
  const needsReference =
    !options.apiCommand || !options.haproxyConfigPath || (!options.simulatorCommand && !options.ollamaUrl);
  const reference = needsReference ? resolveReferenceStage() : undefined;
  const ollamaUrl = (options.ollamaUrl ?? specEnv.OLLAMA_URL)?.replace(/\/+$/, '');
  const ollamaModel = options.ollamaModel ?? specEnv.OLLAMA_MODEL;
  return {
    api: options.apiCommand ?? reference!.api,
    haproxyConfigPath: options.haproxyConfigPath ?? reference!.haproxyConfig,
    ollama: ollamaUrl
      ? { kind: 'real', url: ollamaUrl, model: ollamaModel }
      : { kind: 'simulator', command: options.simulatorCommand ?? reference!.simulator },
    ollamaModel,
  };
}

export function validateSpec(spec: StageSpec): string | undefined {
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
