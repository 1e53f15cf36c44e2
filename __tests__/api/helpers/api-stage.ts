/**
 * The API integration tests' stage, written once: a real redis-server, the Ollama simulator(s) and API
 * replicas (`src/api/main.ts` through tsx) on free loopback ports, booted in the file's `before` and
 * stopped — with everything a test added — in its `after`. No gateway: the tests talk to each replica.
 * (The fault tests boot the whole reference stage, gateway included, through its driver:
 * __tests__/fixtures/reference-stage.ts.)
 */
import { after, before } from 'node:test';
import { startRedisServer, type RedisServer } from '../../../src/stage/local/redis-server.js';
import { makeWorkDir, startReplica, startSimulator, stopAll, type RunningService } from './api-processes.js';

type Env = Record<string, string>;

export interface ApiStageSpec {
  /** Names the work directory (logs) of the file. */
  name: string;
  /** Simulators by name, with their env; the first one is the replicas' Ollama. Default one, `ollama-sim`. */
  simulators?: Record<string, Env>;
  /** Env of every replica, on top of REDIS_URL and OLLAMA_URL. */
  env?: Env;
  /** Replicas booted with the stage, by name: their own env, and which simulator they use. */
  replicas?: Record<string, { env?: Env; simulator?: string }>;
}

export interface ApiStage {
  /**
   * Settles when the stage's `before` has booted it. A file's own `before` awaits it first: Node 20 runs
   * a file's top-level `before` hooks concurrently, not one after the other.
   */
  readonly booted: Promise<void>;
  readonly workDir: string;
  readonly redis: RedisServer;
  /** The first simulator (the replicas' Ollama by default). */
  readonly simulator: RunningService;
  simulatorNamed(name: string): RunningService;
  /** The replicas booted with the stage, in the order of the spec. */
  readonly replicas: RunningService[];
  replica(name: string): RunningService;
  /** REDIS_URL and OLLAMA_URL of this stage, for a process a test starts itself. */
  readonly urls: Env;
  /** Start one more replica on this stage (stopped with it). */
  startReplica(
    name: string,
    env?: Env,
    options?: { anyStatus?: boolean; simulator?: string },
  ): Promise<RunningService>;
  /** Stop `service` with the stage (e.g. a Redis a test started again). */
  track<T extends { process: RunningService['process'] }>(service: T): T;
}

/** Register the file's `before` (boot) and `after` (stop all, remove the work directory). */
export function useApiStage(spec: ApiStageSpec): ApiStage {
  let state: { workDir: string; redis: RedisServer; simulators: Map<string, RunningService> } | undefined;
  const replicas = new Map<string, RunningService>();
  const tracked: Array<{ process: RunningService['process'] }> = [];
  const ready = () => {
    if (!state) throw new Error(`the ${spec.name} API stage is not booted (await stage.booted first)`);
    return state;
  };
  const simulatorNamed = (name: string) => {
    const found = ready().simulators.get(name);
    if (!found) throw new Error(`no simulator named ${name} on the ${spec.name} stage`);
    return found;
  };
  const urlsFor = (simulator?: string): Env => {
    const { redis, simulators } = ready();
    const ollama = simulator ? simulatorNamed(simulator) : [...simulators.values()][0];
    return { REDIS_URL: redis.url, ...(ollama ? { OLLAMA_URL: ollama.url } : {}) };
  };
  const startOne = async (
    name: string,
    env: Env = {},
    options: { anyStatus?: boolean; simulator?: string } = {},
  ) => {
    const { simulator, ...rest } = options;
    const replica = await startReplica(
      ready().workDir,
      name,
      { ...urlsFor(simulator), ...spec.env, ...env },
      rest,
    );
    tracked.push(replica);
    return replica;
  };

  const boot = async () => {
    const workDir = makeWorkDir(spec.name);
    const redis = await startRedisServer({ workDir });
    tracked.push(redis);
    const simulators = new Map<string, RunningService>();
    state = { workDir, redis, simulators };
    const specs = Object.entries(spec.simulators ?? { 'ollama-sim': {} });
    const started = await Promise.all(
      specs.map(async ([name, env]) => {
        const simulator = await startSimulator(workDir, env, name);
        tracked.push(simulator);
        return simulator;
      }),
    );
    specs.forEach(([name], index) => simulators.set(name, started[index]!));
    await Promise.all(
      Object.entries(spec.replicas ?? {}).map(async ([name, { env, simulator }]) =>
        replicas.set(name, await startOne(name, env, simulator ? { simulator } : {})),
      ),
    );
  };
  const booted = new Promise<void>((resolve, reject) => {
    before(
      () =>
        boot().then(resolve, (error: unknown) => {
          reject(error);
          throw error;
        }),
      { timeout: 120_000 },
    );
  });
  booted.catch(() => undefined); // a failed boot is reported by the hook itself
  after(() => stopAll(tracked, state?.workDir));

  return {
    booted,
    get workDir() {
      return ready().workDir;
    },
    get redis() {
      return ready().redis;
    },
    get simulator() {
      return [...ready().simulators.values()][0]!;
    },
    simulatorNamed,
    get replicas() {
      ready();
      return Object.keys(spec.replicas ?? {}).map((name) => replicas.get(name)!);
    },
    replica: (name) => {
      const found = replicas.get(name);
      if (!found) throw new Error(`no replica named ${name} on the ${spec.name} stage`);
      return found;
    },
    get urls() {
      return urlsFor();
    },
    startReplica: startOne,
    track: (service) => {
      tracked.push(service);
      return service;
    },
  };
}
