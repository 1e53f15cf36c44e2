/**
 * The compose stage as this machine can boot it: the reference file (the gate's default), every service
 * of it but Grafana and Tempo, whose images cannot be had here (no registry), and the engine's set-up
 * every compose test file starts with.
 */
import { spawnSync } from 'node:child_process';
import { GateSettingsSchema } from '../../../src/gate/settings.js';
import { REPO_ROOT } from '../../action/run-entry.js';

export const COMPOSE_FILE = GateSettingsSchema.parse({}).composeFile;
export const BOOTABLE_SERVICES = ['api', 'gateway', 'redis', 'ollama', 'prometheus'];

/**
 * Runs .ci/compose-setup for a test file (idempotent: it starts dockerd only when none answers, writing
 * that pid to `dockerdPidFile` when given, builds what images are missing and writes `envFile`), and
 * says whether its tests can use the engine: `false`, or why not, said loudly once as "`what` NOT TESTED".
 */
export function engineForTests(envFile: string, what: string, dockerdPidFile?: string): string | false {
  const result = spawnSync('bash', ['.ci/compose-setup', envFile], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 20 * 60_000,
    env: dockerdPidFile ? { ...process.env, STAGEGATE_DOCKERD_PIDFILE: dockerdPidFile } : process.env,
  });
  if (result.status === 0) return false;
  const said = `${result.stdout}\n${result.stderr}`.trim().split('\n').at(-1) ?? '';
  const problem = result.error ? result.error.message : said || `exit ${result.status}`;
  console.log(`\n!!! ${what} NOT TESTED: no Docker Engine could be set up here: ${problem} !!!\n`);
  return `no Docker Engine: ${problem}`;
}
