/**
 * Boot step 4: HAProxy as the gateway, its config generated from the shared deploy/haproxy/haproxy.cfg
 * (read before anything starts, so a missing config costs nothing). Healthy once /healthz answers
 * through it and it counts exactly the healthy replicas UP.
 */
import { readFile } from 'node:fs/promises';
import { ROUTES } from '../../../contract/index.js';
import { BootFailure, waitHealthy } from '../boot-failure.js';
import { readServersUp, spawnGateway } from '../gateway-server.js';
import { PROBE_TIMEOUT_MS, type BootContext } from '../local-stage.js';
import { httpOk } from '../process.js';

export interface SharedHaproxyConfig {
  path: string;
  text: string;
}

export async function readSharedHaproxyConfig(path: string): Promise<SharedHaproxyConfig> {
  try {
    return { path, text: await readFile(path, 'utf8') };
  } catch (error) {
    throw new BootFailure(
      `gateway: cannot read the shared HAProxy config ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the local gateway config is generated from it`,
    );
  }
}

/** Start the gateway over every replica and wait until it serves over exactly `healthyReplicas`. */
export async function startGateway(
  boot: BootContext,
  config: SharedHaproxyConfig,
  healthyReplicas: string[],
): Promise<void> {
  const { stage, deadline, signal } = boot;
  let gateway;
  try {
    gateway = spawnGateway({
      workDir: stage.workDir,
      sharedConfig: config.text,
      sharedConfigPath: config.path,
      servers: stage.replicas.map((replica) => ({
        name: replica.name,
        host: '127.0.0.1',
        port: replica.port,
      })),
      port: stage.ports.gateway,
      statsPort: stage.ports.stats,
    });
  } catch (error) {
    throw new BootFailure(`gateway: ${(error as Error).message}`);
  }
  stage.gateway = gateway;
  stage.track(gateway.process);
  const wanted = [...healthyReplicas].sort().join();
  let lastUp: string[] = [];
  await waitHealthy(
    gateway.process,
    async () => {
      lastUp = await readServersUp(gateway.exporterUrl, gateway.backend, PROBE_TIMEOUT_MS).catch(() => []);
      return (
        // Exactly the healthy replicas: HAProxy starts by assuming every server UP until checked.
        [...lastUp].sort().join() === wanted &&
        (await httpOk(`${gateway.url}${ROUTES.healthz}`, PROBE_TIMEOUT_MS))
      );
    },
    {
      what: `GET ${ROUTES.healthz} through it and ${healthyReplicas.length} api servers UP`,
      deadline,
      signal,
      progress: () =>
        `${lastUp.length}/${stage.replicas.length} api servers UP: ${lastUp.join(', ') || 'none'}`,
    },
  );
}
