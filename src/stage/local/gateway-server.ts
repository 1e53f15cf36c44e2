/**
 * The local stage's gateway: Debian's HAProxy in the foreground (`-W -db`, master-worker so SIGTERM
 * to the group stops it cleanly), with a config generated from the shared deploy/haproxy/haproxy.cfg.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheusText } from '../metrics/prometheus-text.js';
import { BIND_ENV, renderLocalHaproxyConfig, type LocalServer } from './haproxy-config.js';
import { ManagedProcess } from './process.js';

export interface GatewayServer {
  port: number;
  statsPort: number;
  url: string;
  /** Prometheus exporter of HAProxy (`/metrics` on the stats bind). */
  exporterUrl: string;
  /** Built-in stats page, for humans. */
  statsUrl: string;
  backend: string;
  configFile: string;
  process: ManagedProcess;
}

export function spawnGateway(options: {
  workDir: string;
  sharedConfig: string;
  sharedConfigPath: string;
  servers: LocalServer[];
  port: number;
  statsPort: number;
  env?: NodeJS.ProcessEnv;
}): GatewayServer {
  const { text, backend } = renderLocalHaproxyConfig(
    options.sharedConfig,
    options.servers,
    options.sharedConfigPath,
  );
  const configFile = join(options.workDir, 'haproxy.cfg');
  writeFileSync(configFile, text);
  const managed = new ManagedProcess({
    name: 'gateway',
    command: process.env.HAPROXY_BIN ?? 'haproxy',
    args: ['-W', '-db', '-f', configFile],
    env: {
      ...(options.env ?? process.env),
      [BIND_ENV.gateway]: `127.0.0.1:${options.port}`,
      [BIND_ENV.stats]: `127.0.0.1:${options.statsPort}`,
    },
    logFile: join(options.workDir, 'gateway.log'),
  });
  const stats = `http://127.0.0.1:${options.statsPort}`;
  return {
    port: options.port,
    statsPort: options.statsPort,
    url: `http://127.0.0.1:${options.port}`,
    exporterUrl: `${stats}/metrics`,
    statsUrl: `${stats}/stats`,
    backend,
    configFile,
    process: managed,
  };
}

/**
 * Names of the servers of `backend` that HAProxy currently counts as UP, read from its Prometheus
 * exporter (`haproxy_server_status{proxy, server, state="UP"} 1`). Rejects when the exporter is unreachable.
 */
export async function readServersUp(
  exporterUrl: string,
  backend: string,
  timeoutMs = 1000,
): Promise<string[]> {
  const response = await fetch(exporterUrl, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HAProxy exporter at ${exporterUrl} answered HTTP ${response.status}`);
  }
  const samples = parsePrometheusText(await response.text());
  return samples
    .filter(
      (sample) =>
        sample.name === 'haproxy_server_status' &&
        sample.labels.proxy === backend &&
        sample.labels.state === 'UP' &&
        sample.value === 1,
    )
    .map((sample) => sample.labels.server ?? '?');
}
