/**
 * The addresses of a stage's containers, from `docker inspect`: what a scrape target of the stage's own
 * Prometheus names them by (its IP on each network, its name, its hostname). Pure parsing, tested on
 * the JSON; the service name is left out on purpose: it resolves to any replica, so a target named by
 * it is not one replica's.
 */
import type { ContainerIdentity } from '../metrics/stage-prometheus.js';
import { ComposeOutputError } from './compose-ps.js';

/** `docker inspect --type container NAME...`: one JSON array, one object per container. */
export function inspectArgs(names: string[]): string[] {
  return ['inspect', '--type', 'container', ...names];
}

export function parseContainerIdentities(stdout: string): ContainerIdentity[] {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new ComposeOutputError(
      `docker inspect printed something that is not JSON: ${stdout.trim().slice(0, 120)}`,
    );
  }
  if (!Array.isArray(raw)) throw new ComposeOutputError('docker inspect printed JSON that is not an array');
  return raw.map((entry: unknown, index) => {
    const container = (entry ?? {}) as {
      Name?: unknown;
      Config?: { Hostname?: unknown };
      NetworkSettings?: { IPAddress?: unknown; Networks?: Record<string, { IPAddress?: unknown }> | null };
    };
    if (typeof container.Name !== 'string' || !container.Name)
      throw new ComposeOutputError(`docker inspect entry ${index + 1} has no "Name"`);
    const name = container.Name.replace(/^\//, '');
    const ips = [
      container.NetworkSettings?.IPAddress,
      ...Object.values(container.NetworkSettings?.Networks ?? {}).map((network) => network?.IPAddress),
    ].filter((ip): ip is string => typeof ip === 'string' && ip !== '');
    const hostname = typeof container.Config?.Hostname === 'string' ? [container.Config.Hostname] : [];
    return { name, hosts: [...new Set([...ips, name, ...hostname])] };
  });
}
