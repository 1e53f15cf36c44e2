/**
 * Boot step 3: the api replicas, started together and awaited together. Each gets its own port and
 * REPLICA_ID, the stage's Redis and Ollama, and the spec's env. With `keepRunningOnFailure`, replicas
 * that never become healthy do not end the boot while at least one is healthy: the outcome carries a
 * degraded-stage failure for the driver to report once the rest of the stage is up.
 */
import { ROUTES } from '../../../contract/index.js';
import type { StageSpec } from '../../driver.js';
import type { ProgramCommand } from '../../reference-stage.js';
import { BootFailure, waitHealthy } from '../boot-failure.js';
import { PROBE_TIMEOUT_MS, type BootContext, type LocalStage, type Replica } from '../local-stage.js';
import { childBaseEnv, httpOk } from '../process.js';

export interface ReplicaOptions {
  command: ProgramCommand;
  /** Extra env for single replicas, by 1-based index. */
  replicaEnv?: Record<number, Record<string, string>>;
  ollamaModel: string | undefined;
  keepRunningOnFailure: boolean;
}

export interface ReplicasOutcome {
  /** Names of the replicas that answered /healthz. */
  healthy: string[];
  /** Set when some replicas are not healthy and the boot carries on over the others. */
  degraded?: BootFailure;
}

export async function startReplicas(boot: BootContext, options: ReplicaOptions): Promise<ReplicasOutcome> {
  const { stage, spec, deadline, signal } = boot;
  stage.replicas = stage.ports.api.map((port, offset) => {
    const index = offset + 1;
    const name = `api-${index}`;
    const env = replicaEnvironment({
      base: childBaseEnv(),
      spec,
      name,
      port,
      redisUrl: `redis://127.0.0.1:${stage.ports.redis}`,
      ollamaUrl: stage.ollamaUrl,
      ollamaModel: options.ollamaModel,
      own: options.replicaEnv?.[index],
    });
    const url = `http://127.0.0.1:${port}`;
    return {
      index,
      name,
      port,
      url,
      env,
      command: options.command,
      process: stage.spawn(name, options.command, env),
    };
  });
  const waits = await Promise.allSettled(
    stage.replicas.map((replica) => waitReplicaHealthy(replica, deadline, signal)),
  );
  const failures = waits.flatMap((wait) => (wait.status === 'rejected' ? [wait.reason as Error] : []));
  const healthy = stage.replicas
    .filter((_, offset) => waits[offset]!.status === 'fulfilled')
    .map((replica) => replica.name);
  if (failures.length === 0) return { healthy };
  if (!options.keepRunningOnFailure || healthy.length === 0 || signal?.aborted) throw failures[0];
  // Degraded: carry on over the healthy replicas, and report the others at the end.
  return {
    healthy,
    degraded: new BootFailure(
      `${healthy.length} of ${stage.replicas.length} api replicas healthy (${healthy.join(', ')}), the gateway serving over them; ${failures.map((failure) => failure.message).join('; ')}`,
      failures.map((failure) => (failure as BootFailure).log ?? failure.message).join('\n\n'),
      true,
    ),
  };
}

/** Start replica `index` again on its port, with the same program and env (after it was killed). */
export async function restartReplica(stage: LocalStage, index: number, timeoutMs: number): Promise<void> {
  const replica = stage.replica(index);
  if (replica.process.running) throw new Error(`${replica.name} is still running; kill it first`);
  replica.process = stage.spawn(replica.name, replica.command, replica.env);
  await waitReplicaHealthy(replica, Date.now() + timeoutMs);
}

function waitReplicaHealthy(replica: Replica, deadline: number, signal?: AbortSignal): Promise<void> {
  return waitHealthy(replica.process, () => httpOk(`${replica.url}${ROUTES.healthz}`, PROBE_TIMEOUT_MS), {
    what: `GET ${ROUTES.healthz}`,
    deadline,
    signal,
  });
}

/**
 * A replica's whole env, later entries winning: ours, the stage's Redis and Ollama, the narrator
 * limit, the spec's env, then what only this replica must have (its REPLICA_ID, its own extra env,
 * its PORT and HOST).
 */
export function replicaEnvironment(options: {
  base: NodeJS.ProcessEnv;
  spec: Pick<StageSpec, 'narratorMaxConcurrency' | 'env'>;
  name: string;
  port: number;
  redisUrl: string;
  ollamaUrl: string;
  ollamaModel: string | undefined;
  own: Record<string, string> | undefined;
}): NodeJS.ProcessEnv {
  return {
    ...options.base,
    REDIS_URL: options.redisUrl,
    OLLAMA_URL: options.ollamaUrl,
    ...(options.ollamaModel ? { OLLAMA_MODEL: options.ollamaModel } : {}),
    NARRATOR_MAX_CONCURRENCY: String(options.spec.narratorMaxConcurrency),
    ...options.spec.env,
    // One REPLICA_ID per replica, even when the stage-wide env names one.
    REPLICA_ID: options.name,
    ...options.own,
    PORT: String(options.port),
    HOST: '127.0.0.1',
  };
}
