/**
 * One boot of the local stage: its work dir, the ports it reserved and what it started. The boot steps
 * (./steps) fill it in, in order; the driver reads it for services, logs and metrics, and stops it.
 * It outlives its teardown (its processes stay listed until the next boot), so a caller can still
 * prove that nothing is left running.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StageSpec } from '../driver.js';
import { registerExitCleanup } from '../exit-hooks.js';
import type { ProgramCommand } from '../reference-stage.js';
import type { GatewayServer } from './gateway-server.js';
import { findFreePorts, ManagedProcess } from './process.js';
import type { PrometheusServer } from './prometheus-server.js';
import type { RedisServer } from './redis-server.js';

/** Bound of every health probe of the stage's services (HTTP GET, Redis PING). */
export const PROBE_TIMEOUT_MS = 1000;

/** The loopback ports of one boot, reserved together before anything starts. */
export interface LocalStagePorts {
  redis: number;
  simulator: number;
  gateway: number;
  /** HAProxy's stats page and Prometheus exporter. */
  stats: number;
  prometheus: number;
  /** One per api replica, in replica order. */
  api: number[];
}

export interface Replica {
  /** 1-based. */
  index: number;
  /** `api-<index>`, also its REPLICA_ID. */
  name: string;
  port: number;
  url: string;
  /** Its whole environment, kept so the same replica can be started again. */
  env: NodeJS.ProcessEnv;
  command: ProgramCommand;
  /** The process running it now (a restart replaces it). */
  process: ManagedProcess;
}

/** What every boot step gets: the stage being filled in, the boot's deadline and its abort signal. */
export interface BootContext {
  stage: LocalStage;
  spec: StageSpec;
  deadline: number;
  signal?: AbortSignal;
}

/** Replica `index` (1-based) of `replicas`; throws naming the valid range. */
export function replicaAt(replicas: Replica[], index: number): Replica {
  const replica = replicas[index - 1];
  if (!Number.isInteger(index) || !replica)
    throw new Error(`no replica ${index}: replicas are numbered 1..${replicas.length}`);
  return replica;
}

/** The service names `logs()` knows on `stage` (before any boot: the services without the replicas). */
export function knownServices(stage: LocalStage | undefined): string[] {
  const replicas = stage?.replicas.map((replica) => replica.name) ?? [];
  return ['api', ...replicas, 'gateway', 'redis', 'ollama', 'prometheus'];
}

export class LocalStage {
  /** Every process this boot started, stopped ones and replaced ones included, in start order. */
  readonly started: ManagedProcess[] = [];
  redis: RedisServer | undefined;
  /** The simulator or the real Ollama the replicas talk to. */
  ollamaUrl = '';
  /** Set when the stage started the simulator; undefined with a real Ollama. */
  simulator: ManagedProcess | undefined;
  /** A real Ollama at a URL, which the stage uses but did not start. */
  externalOllama = false;
  replicas: Replica[] = [];
  gateway: GatewayServer | undefined;
  prometheus: PrometheusServer | undefined;
  private removed = false;
  private readonly forgetWorkDir: () => void;

  private constructor(
    readonly workDir: string,
    readonly ports: LocalStagePorts,
  ) {
    this.forgetWorkDir = registerExitCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  }

  /** A fresh work dir under `parent` and the ports of `replicas` replicas, nothing started yet. */
  static async create(parent: string, replicas: number): Promise<LocalStage> {
    const workDir = mkdtempSync(join(parent, 'stagegate-local-'));
    try {
      const [redis, simulator, gateway, stats, prometheus, ...api] = await findFreePorts(5 + replicas);
      return new LocalStage(workDir, {
        redis: redis!,
        simulator: simulator!,
        gateway: gateway!,
        stats: stats!,
        prometheus: prometheus!,
        api,
      });
    } catch (error) {
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** False once torn down: the work dir is gone (or left to the exit hook) and a new boot may start. */
  get active(): boolean {
    return !this.removed;
  }

  /** Every port this boot reserved. */
  allPorts(): number[] {
    const { api, ...single } = this.ports;
    return [...Object.values(single), ...api];
  }

  /** Start `command` as `name`, its output in `<workDir>/<name>.log`; stopped with the stage. */
  spawn(name: string, command: ProgramCommand, env: NodeJS.ProcessEnv): ManagedProcess {
    return this.track(
      new ManagedProcess({
        name,
        command: command.command,
        args: command.args,
        ...(command.cwd ? { cwd: command.cwd } : {}),
        env,
        logFile: join(this.workDir, `${name}.log`),
      }),
    );
  }

  /** Count a process started elsewhere (Redis, HAProxy, Prometheus) as the stage's. */
  track(managed: ManagedProcess): ManagedProcess {
    this.started.push(managed);
    return managed;
  }

  replica(index: number): Replica {
    return replicaAt(this.replicas, index);
  }

  /** The process behind a service name of `logs()`: gateway, redis, ollama (the simulator), prometheus, api-N. */
  processOf(service: string): ManagedProcess | undefined {
    if (service === 'gateway') return this.gateway?.process;
    if (service === 'redis') return this.redis?.process;
    if (service === 'ollama' || service === 'ollama-sim') return this.simulator;
    if (service === 'prometheus') return this.prometheus?.process;
    return this.replicas.find((replica) => replica.name === service)?.process;
  }

  /** Gateway first (no new traffic), then the replicas, then what they depend on. Bounded. */
  async stopAll(graceMs: number, deadline = Date.now() + graceMs * 4): Promise<void> {
    const stopGroup = async (processes: Array<ManagedProcess | undefined>) => {
      const live = processes.filter((managed): managed is ManagedProcess => managed !== undefined);
      const grace = Math.max(100, Math.min(graceMs, (deadline - Date.now()) / 2));
      await Promise.all(live.map((managed) => managed.stop(grace)));
    };
    await stopGroup([this.gateway?.process]);
    await stopGroup(this.replicas.map((replica) => replica.process));
    await stopGroup([this.prometheus?.process, this.simulator, this.redis?.process]);
    // Processes replaced by restarts are in `started` only.
    await stopGroup(this.started.filter((managed) => managed.running));
  }

  /** Copy every log (and the generated configs) into `logDir`, streaming, bounded by `deadline`. */
  async copyLogs(logDir: string, deadline: number): Promise<void> {
    await mkdir(logDir, { recursive: true });
    const files = (await readdir(this.workDir)).filter(
      (file) => file.endsWith('.log') || file === 'haproxy.cfg' || file === 'prometheus.yml',
    );
    for (const file of files) {
      if (Date.now() >= deadline) return;
      await copyFile(join(this.workDir, file), join(logDir, file)).catch(() => undefined);
    }
  }

  /** Kill what is left at once and remove the work dir; the stage is then no longer active. Never throws. */
  remove(): void {
    for (const managed of this.started) managed.signal('SIGKILL');
    try {
      rmSync(this.workDir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Left in the temp dir; the exit hook tries once more.
    }
    if (!existsSync(this.workDir)) this.forgetWorkDir();
    this.removed = true;
  }
}
