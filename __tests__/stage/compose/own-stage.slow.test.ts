/**
 * The gate on a stage it did not write (examples/stage-nginx: an nginx gateway named `proxy`, the api
 * named `backend`, an `llm`, an extra `worker`, Prometheus on 19090 with a job not named after the
 * service), on the real Docker Engine, with only compose-file, api-service and gateway-service set
 * (plus the env file of the images this machine builds): five ✅, base-url and the Prometheus URL shown
 * as discovered, the single-flight metric read from the verified scrape job, and no
 * MaxListenersExceededWarning while the six services' logs are read. Run under
 * `flock /tmp/stagegate-engine.lock` when other compose stages share the engine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateReport } from '../../../src/report/model.js';
import { REPO_ROOT } from '../../action/run-entry.js';
import { engineForTests } from './stage-here.js';

const FILE = 'examples/stage-nginx/docker-compose.yaml';
const CHECKS = [
  'stage-up',
  'load-balancing',
  'plan-cache-single-flight',
  'private-isolation',
  'narrator-saturation',
];
const work = mkdtempSync(join(tmpdir(), 'stagegate-own-stage-'));
const ENV_FILE = join(work, 'stage.env');

// .ci/compose-setup builds what is missing (the nginx image among them) and writes the env file.
const skip = engineForTests(ENV_FILE, 'OWN STAGE', join(work, 'dockerd.pid'));

function down(): void {
  spawnSync(
    'docker',
    ['compose', '--env-file', ENV_FILE, '-f', FILE, 'down', '-v', '--remove-orphans', '--timeout', '5'],
    {
      cwd: REPO_ROOT,
      timeout: 120_000,
    },
  );
}

before(() => {
  if (!skip) down();
});
after(() => {
  if (!skip) down();
  if (existsSync(join(work, 'dockerd.pid'))) {
    try {
      process.kill(Number(readFileSync(join(work, 'dockerd.pid'), 'utf8')), 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  rmSync(work, { recursive: true, force: true });
});

function gate(args: string[]): Promise<{ code: number | null; output: string; report?: GateReport }> {
  const report = join(work, 'report.json');
  rmSync(report, { force: true });
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        'src/cli/main.ts',
        '--compose-env-file',
        ENV_FILE,
        '--language',
        'en',
        '--json-report',
        report,
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: '1', NODE_TEST_CONTEXT: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), 9 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        output,
        ...(existsSync(report) ? { report: JSON.parse(readFileSync(report, 'utf8')) as GateReport } : {}),
      });
    });
  });
}

test(
  'examples/stage-nginx with three options: five ✅, base-url and Prometheus discovered, the single-flight metric read',
  { skip, timeout: 12 * 60_000 },
  async () => {
    const run = await gate([
      '--compose-file',
      FILE,
      '--api-service',
      'backend',
      '--gateway-service',
      'proxy',
      '--checks',
      CHECKS.join(','),
    ]);
    assert.ok(run.report, `no report written:\n${run.output.slice(-4000)}`);
    const statuses = Object.fromEntries(
      run.report.checks
        .filter((check) => check.status !== 'skipped')
        .map((check) => [check.id, check.status]),
    );
    assert.deepEqual(
      statuses,
      Object.fromEntries(CHECKS.map((id) => [id, 'pass'])),
      run.report.checks.map((check) => `${check.id}: ${check.status} ${check.reason}`).join('\n'),
    );
    assert.equal(run.code, 0);
    assert.equal(run.report.stage.baseUrl, 'http://127.0.0.1:18000');

    const stageUp = run.report.checks.find((check) => check.id === 'stage-up')!;
    const origins = stageUp.evidence.find((evidence) => evidence.title === 'Where each value came from');
    assert.ok(origins?.kind === 'table', 'stage-up shows where each value came from');
    const row = (option: string) => origins.rows.find((cells) => cells[0] === option)!;
    assert.deepEqual(row('base-url').slice(0, 2), ['base-url', 'http://127.0.0.1:18000']);
    assert.match(String(row('base-url')[2]), /^discovered: port 127\.0\.0\.1:18000:80 published by `proxy`$/);
    assert.deepEqual(row('prometheus-url').slice(0, 2), ['prometheus-url', 'http://127.0.0.1:19090']);
    assert.match(String(row('prometheus-url')[2]), /^discovered: /);
    assert.match(String(row('api-service')[2]), /^set$/);
    assert.match(stageUp.reason, /ollama, grafana, tempo: not in this stage/);

    const singleFlight = run.report.checks.find((check) => check.id === 'plan-cache-single-flight')!;
    assert.match(singleFlight.reason, /metric: services_plan_heavy_executions_total \+1/);
    assert.match(singleFlight.reason, /job "chat-backend" verified/);
    assert.doesNotMatch(singleFlight.reason, /not read/);

    assert.doesNotMatch(run.output, /MaxListenersExceededWarning/);
  },
);
