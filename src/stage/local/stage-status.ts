/**
 * `docker compose ps`-like rows for the local stage's processes, with health probed live, and the rows
 * of the services this stage does not have (said plainly, never pretended).
 */
import type { ServiceHealth, ServiceNote, ServiceStatus } from '../driver.js';
import type { ManagedProcess } from './process.js';

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

/** GET with a timeout (and the caller's abort signal); true on a 2xx. Never throws. */
export async function probeHttp(url: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
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
