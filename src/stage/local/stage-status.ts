/**
 * `docker compose ps`-like rows for the local stage's processes, with health probed live, and the rows
 * of the services this stage does not have (said plainly, never pretended).
 */
import { ROUTES } from '../../contract/index.js';
import type { ServiceHealth, ServiceNote, ServiceStatus } from '../driver.js';
import { fetchErrorCause } from '../metrics/scrape-reader.js';
import { readServersUp, type GatewayServer } from './gateway-server.js';
import { PROBE_TIMEOUT_MS, type LocalStage } from './local-stage.js';
import { httpOk, type ManagedProcess } from './process.js';
import { redisPing } from './redis-server.js';

/** Services of the compose stage that have no local counterpart on these machines. */
const COMPOSE_ONLY_SERVICES = ['grafana', 'tempo'] as const;

export function unavailableRows(): ServiceStatus[] {
  return COMPOSE_ONLY_SERVICES.map((service) => ({
    service,
    name: service,
    state: 'unavailable',
    health: 'none' as const,
    notes: [{ kind: 'compose-only' as const }],
  }));
}

/**
 * One row for a managed process: `running` or `exited` (with how it ended in a note), and the
 * health from `probe` while it runs; a process that is gone is unhealthy.
 */
async function processRow(options: {
  service: string;
  managed: ManagedProcess;
  address: string;
  probe: () => Promise<boolean>;
  note?: ServiceNote | ((healthy: boolean) => Promise<ServiceNote | undefined>);
}): Promise<ServiceStatus> {
  const { managed } = options;
  const running = managed.running;
  const healthy = running ? await options.probe().catch(() => false) : false;
  const health: ServiceHealth = healthy ? 'healthy' : 'unhealthy';
  const notes: ServiceNote[] = [];
  const exit = managed.exit;
  if (exit) notes.push({ kind: 'exited', code: exit.code, signal: exit.signal });
  const extra = typeof options.note === 'function' ? await options.note(healthy) : options.note;
  if (extra) notes.push(extra);
  return {
    service: options.service,
    name: managed.name,
    state: running ? 'running' : 'exited',
    health,
    address: options.address,
    ...(notes.length ? { notes } : {}),
  };
}

/** Every service of `stage`, in the order api replicas, gateway, redis, ollama, prometheus; then the compose-only ones. */
export async function localServiceRows(stage: LocalStage, signal?: AbortSignal): Promise<ServiceStatus[]> {
  const probe = (url: string) => () => httpOk(url, PROBE_TIMEOUT_MS, signal);
  const { gateway, redis, simulator, prometheus } = stage;
  const rows: Array<Promise<ServiceStatus> | undefined> = [
    ...stage.replicas.map((replica) =>
      processRow({
        service: 'api',
        managed: replica.process,
        address: `127.0.0.1:${replica.port}`,
        probe: probe(`${replica.url}${ROUTES.healthz}`),
      }),
    ),
    gateway &&
      processRow({
        service: 'gateway',
        managed: gateway.process,
        address: `127.0.0.1:${gateway.port}`,
        probe: probe(`${gateway.url}${ROUTES.healthz}`),
        note: () => haproxyNote(gateway, stage.replicas.length),
      }),
    redis &&
      processRow({
        service: 'redis',
        managed: redis.process,
        address: `127.0.0.1:${redis.port}`,
        probe: () => redisPing(redis.port, PROBE_TIMEOUT_MS),
      }),
    simulator
      ? processRow({
          service: 'ollama',
          managed: simulator,
          address: stage.ollamaUrl.replace('http://', ''),
          probe: probe(`${stage.ollamaUrl}/api/version`),
          note: { kind: 'ollama-simulator' },
        })
      : stage.externalOllama
        ? externalOllamaRow(stage.ollamaUrl, probe(`${stage.ollamaUrl}/api/version`))
        : undefined,
    prometheus &&
      processRow({
        service: 'prometheus',
        managed: prometheus.process,
        address: `127.0.0.1:${prometheus.port}`,
        probe: probe(`${prometheus.url}/-/ready`),
      }),
  ];
  const present = rows.filter((row): row is Promise<ServiceStatus> => row !== undefined);
  return [...(await Promise.all(present)), ...unavailableRows()];
}

/** The api servers HAProxy counts UP, while it runs. */
async function haproxyNote(gateway: GatewayServer, servers: number): Promise<ServiceNote | undefined> {
  if (!gateway.process.running) return undefined;
  try {
    const up = await readServersUp(gateway.exporterUrl, gateway.backend, PROBE_TIMEOUT_MS);
    return { kind: 'haproxy', serversUp: up, servers, statsUrl: gateway.statsUrl };
  } catch (error) {
    return { kind: 'haproxy-exporter-unreachable', cause: fetchErrorCause(error) };
  }
}

/** A real Ollama at a URL: the stage did not start it, so it has no process, only an answer or none. */
async function externalOllamaRow(url: string, probe: () => Promise<boolean>): Promise<ServiceStatus> {
  return {
    service: 'ollama',
    name: 'ollama',
    state: 'external',
    health: (await probe()) ? 'healthy' : 'unhealthy',
    address: url,
    notes: [{ kind: 'ollama-external' }],
  };
}
