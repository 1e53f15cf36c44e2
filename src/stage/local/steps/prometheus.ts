/** Boot step 5 (unless turned off): Prometheus, scraping every replica and the gateway's exporter. */
import { waitHealthy } from '../boot-failure.js';
import { PROBE_TIMEOUT_MS, type BootContext } from '../local-stage.js';
import { httpOk } from '../process.js';
import { spawnPrometheus } from '../prometheus-server.js';

export async function startPrometheus(boot: BootContext): Promise<void> {
  const { stage, deadline, signal } = boot;
  const prometheus = spawnPrometheus({
    workDir: stage.workDir,
    port: stage.ports.prometheus,
    targets: {
      api: stage.replicas.map((replica) => `127.0.0.1:${replica.port}`),
      gateway: `127.0.0.1:${stage.ports.stats}`,
    },
  });
  stage.prometheus = prometheus;
  stage.track(prometheus.process);
  await waitHealthy(prometheus.process, () => httpOk(`${prometheus.url}/-/ready`, PROBE_TIMEOUT_MS), {
    what: 'GET /-/ready',
    deadline,
    signal,
  });
}
