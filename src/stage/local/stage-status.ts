/**
 * `docker compose ps`-like rows for the local stage's processes, with health probed live, and the rows
 * of the services this stage does not have (said plainly, never pretended).
 */
import { ROUTES } from '../../contract/index.js';
import type { ServiceHealth, ServiceNote, ServiceStatus } from '../driver.js';
import { fetchErrorCause } from '../metrics/scrape-reader.js';
import { readServersUp } from './gateway-server.js';
import { PROBE_TIMEOUT_MS, type LocalStage } from './local-stage.js';
import { httpOk, type ManagedProcess } from './process.js';
import { redisPing } from './redis-server.js';

/** Services of the compose stage that have no local counterpart on these machines. */
export const COMPOSE_ONLY_SERVICES = ['grafana', 'tempo'] as const;

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
export async function processRow(options: {
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
  const rows: Array<Promise<ServiceStatus>> = [];
  const probe = (url: string) => () => httpOk(url, PROBE_TIMEOUT_MS, signal);
  for (const replica of stage.replicas) {
    rows.push(
      processRow({
        service: 'api',
        managed: replica.process,
        address: `127.0.0.1:${replica.port}`,
        probe: probe(`${replica.url}${ROUTES.healthz}`),
      }),
    );
  }
  const gateway = stage.gateway;
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
              servers: stage.replicas.length,
              statsUrl: gateway.statsUrl,
            };
          } catch (error) {
            return { kind: 'haproxy-exporter-unreachable', cause: fetchErrorCause(error) };
          }
        },
      }),
    );
  }
  const redis = stage.redis;
  if (redis) {
    rows.push(
      processRow({
        service: 'redis',
        managed: redis.process,
        address: `127.0.0.1:${stage.ports.redis}`,
        probe: () => redisPing(stage.ports.redis, PROBE_TIMEOUT_MS),
      }),
    );
  }
  if (stage.simulator) {
    rows.push(
      processRow({
        service: 'ollama',
        managed: stage.simulator,
        address: stage.ollamaUrl.replace('http://', ''),
        probe: probe(`${stage.ollamaUrl}/api/version`),
        note: { kind: 'ollama-simulator' },
      }),
    );
  } else if (stage.externalOllama) {
    const healthy = await httpOk(`${stage.ollamaUrl}/api/version`, PROBE_TIMEOUT_MS, signal);
    rows.push(
      Promise.resolve({
        service: 'ollama',
        name: 'ollama',
        state: 'external',
        health: healthy ? 'healthy' : 'unhealthy',
        address: stage.ollamaUrl,
        notes: [{ kind: 'ollama-external' }],
      }),
    );
  }
  const prometheus = stage.prometheus;
  if (prometheus) {
    rows.push(
      processRow({
        service: 'prometheus',
        managed: prometheus.process,
        address: `127.0.0.1:${prometheus.port}`,
        probe: probe(`${prometheus.url}/-/ready`),
      }),
    );
  }
  return [...(await Promise.all(rows)), ...unavailableRows()];
}
