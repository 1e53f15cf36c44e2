/**
 * The compose stage on a real Docker Engine, measured beside the local stage: cold boot (the api image
 * built from nothing: no image, no layer cache), warm boot (every image present) and the gate's time
 * to verdict, phase by phase, on the warm stage. The images that a GitHub runner would pull are built
 * here by .ci/compose-setup (no registry on this machine), so "cold" leaves them in place: a pull's
 * time cannot be measured here. Grafana and Tempo cannot be had: every boot names the other services.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import { ComposeDriver } from '../../src/stage/compose/compose-driver.js';
import type { VerdictMeasurement } from './time-to-verdict-bench.js';
import { BOOTABLE_SERVICES as SERVICES, COMPOSE_FILE as FILE } from '../stage/compose/stage-here.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The image compose builds for the api service (`<project>-<service>`). */
const API_IMAGE = 'stagegate-api';

export type ComposeMeasurement =
  | { available: false; reason: string }
  | {
      available: true;
      /** `up --build` with no api image and no layer cache (npm ci and the bundle run again). */
      coldBootMs: number;
      /** `up --build` with every image and layer present. */
      warmBootMs: number;
      verdicts: VerdictMeasurement[];
    };

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.slice(0, 6).join(' ')}… failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`,
    );
  return result.stdout;
}

export async function measureComposeStage(
  repetitions: number,
  log: (line: string) => void,
): Promise<ComposeMeasurement> {
  const work = mkdtempSync(join(tmpdir(), 'stagegate-compose-bench-'));
  const envFile = join(work, 'stage.env');
  const pidfile = join(work, 'dockerd.pid');
  const env = { ...process.env, STAGEGATE_DOCKERD_PIDFILE: pidfile, COMPOSE_ANSI: 'never' };
  try {
    try {
      run('bash', ['.ci/compose-setup', envFile], env, 20 * 60_000);
    } catch (error) {
      return { available: false, reason: (error as Error).message };
    }
    const compose = (args: string[], timeoutMs = 10 * 60_000) =>
      run('docker', ['compose', '--env-file', envFile, '-f', FILE, ...args], env, timeoutMs);
    const down = () => compose(['down', '-v', '--remove-orphans', '--timeout', '5'], 120_000);
    const up = (coldBuild = false) => {
      const started = performance.now();
      // Cold: the api image built with no layer cache at all (npm ci and the bundle run again).
      if (coldBuild) compose(['build', '--no-cache', 'api']);
      compose(['up', '-d', '--build', '--scale', 'api=3', '--wait', ...SERVICES]);
      return performance.now() - started;
    };

    down();
    spawnSync('docker', ['rmi', '-f', API_IMAGE], { encoding: 'utf8', timeout: 60_000 });
    const coldBootMs = up(true);
    down();
    const warmBootMs = up();
    down();
    log(`compose: cold boot ${Math.round(coldBootMs)} ms, warm boot ${Math.round(warmBootMs)} ms`);

    const verdicts: VerdictMeasurement[] = [];
    for (let rep = 0; rep < repetitions; rep++) {
      const settings = parseGateSettings({
        driver: 'compose',
        services: SERVICES.join(','),
        composeEnvFile: envFile,
        language: 'en',
      });
      const driver = new ComposeDriver({
        composeFile: FILE,
        projectName: settings.projectName,
        requiredServices: settings.requiredServices,
        services: settings.services,
        envFile,
        cwd: ROOT,
        env,
      });
      const started = performance.now();
      const report = await runGate(settings, { driver });
      verdicts.push({
        verdict: report.verdict,
        totalMs: performance.now() - started,
        phases: report.phases,
        statuses: Object.fromEntries(report.checks.map((check) => [check.id, check.status])),
      });
      log(`compose: time to verdict ${Math.round(verdicts.at(-1)!.totalMs)} ms (${report.verdict})`);
    }
    return { available: true, coldBootMs, warmBootMs, verdicts };
  } finally {
    try {
      run(
        'docker',
        ['compose', '--env-file', envFile, '-f', FILE, 'down', '-v', '--timeout', '5'],
        env,
        120_000,
      );
    } catch {
      // Nothing was up, or no engine.
    }
    // Stop the engine only when this bench started it.
    spawnSync('bash', ['-c', `[ -f "${pidfile}" ] && kill -TERM "$(cat "${pidfile}")"`], { timeout: 10_000 });
    rmSync(work, { recursive: true, force: true });
  }
}
