/**
 * Debian's Prometheus on a loopback port, with its TSDB in the stage's work dir (so teardown removes
 * it) and a generated prometheus.yml.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './process.js';
import { renderPrometheusConfig, type LocalPrometheusTargets } from './prometheus-config.js';

export interface PrometheusServer {
  port: number;
  url: string;
  configFile: string;
  process: ManagedProcess;
}

export function spawnPrometheus(options: {
  workDir: string;
  port: number;
  targets: LocalPrometheusTargets;
}): PrometheusServer {
  const configFile = join(options.workDir, 'prometheus.yml');
  writeFileSync(configFile, renderPrometheusConfig(options.targets));
  const managed = new ManagedProcess({
    name: 'prometheus',
    command: process.env.PROMETHEUS_BIN ?? 'prometheus',
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.workDir, 'prometheus-data')}`,
      '--storage.tsdb.retention.time=1d',
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--log.level=warn',
    ],
    logFile: join(options.workDir, 'prometheus.log'),
  });
  return { port: options.port, url: `http://127.0.0.1:${options.port}`, configFile, process: managed };
}
