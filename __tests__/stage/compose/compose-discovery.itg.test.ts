/**
 * Discovery and the preflight through the real `docker compose config` (no engine needed: compose
 * resolves the file itself): the committed JSON of each fixture is what compose prints today, and the
 * compose driver, booting a file with a defect or with a name it lacks, stops before `up` with the
 * message that names the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ComposeDriver } from '../../../src/stage/compose/compose-driver.js';
import { parseComposeConfig } from '../../../src/stage/compose/compose-config.js';
import { NARRATOR_PROBE_VALUE } from '../../../src/stage/compose/compose-discovery.js';
import { REPO_ROOT } from '../../action/run-entry.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'own-stage');
const NAMES = [
  'clean',
  'api-container-name',
  'api-fixed-port',
  'narrator-not-passed',
  'gateway-no-port',
  'no-prometheus',
];
const composeWorks = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
const skip = composeWorks ? false : 'docker compose is not installed';

test('docker compose config prints, for each fixture, what the committed JSON holds', { skip }, () => {
  for (const name of NAMES) {
    const live = spawnSync(
      'docker',
      ['compose', '-f', join(FIXTURES, `${name}.yaml`), 'config', '--format', 'json'],
      {
        encoding: 'utf8',
        env: { ...process.env, NARRATOR_MAX_CONCURRENCY: NARRATOR_PROBE_VALUE },
      },
    );
    assert.equal(live.status, 0, live.stderr);
    assert.deepEqual(
      parseComposeConfig(live.stdout),
      parseComposeConfig(readFileSync(join(FIXTURES, `${name}.config.json`), 'utf8')),
      name,
    );
  }
});

function driverFor(name: string, overrides: { apiService?: string; gatewayService?: string } = {}) {
  const said: string[] = [];
  const driver = new ComposeDriver({
    composeFile: relative(REPO_ROOT, join(FIXTURES, `${name}.yaml`)),
    cwd: REPO_ROOT,
    apiService: 'backend',
    gatewayService: 'proxy',
    referenceServices: ['redis', 'ollama', 'prometheus', 'grafana', 'tempo'],
    log: (text) => said.push(text),
    ...overrides,
  });
  return { driver, said };
}

const spec = { replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 60_000 };

test(
  'an unknown api-service stops the boot before `up`, listing the services of the file and naming the option',
  { skip },
  async () => {
    const { driver, said } = driverFor('clean', { apiService: 'api' });
    const result = await driver.boot(spec);
    assert.equal(result.ok, false);
    assert.equal(
      result.reason,
      'no service `api` in __tests__/stage/fixtures/own-stage/clean.yaml; set `api-service` to one of: backend, prometheus, proxy, redis',
    );
    assert.ok(!said.some((line) => / up /.test(line)), 'nothing was booted');
  },
);

test(
  'a preflight error stops the boot before `up`; warnings are said and the values shown with their origin',
  { skip },
  async () => {
    const scaled = driverFor('api-container-name');
    const result = await scaled.driver.boot(spec);
    assert.equal(result.ok, false);
    assert.match(
      result.reason!,
      /^__tests__\/stage\/fixtures\/own-stage\/api-container-name\.yaml:6: service `backend` sets container_name "chat-backend"/,
    );
    assert.ok(!scaled.said.some((line) => / up /.test(line)), 'nothing was booted');

    const gateway = await driverFor('gateway-no-port').driver.boot(spec);
    assert.match(gateway.reason!, /gateway-no-port\.yaml:8: gateway service `proxy` publishes no port/);

    // The clean file passes the preflight: what the driver discovered, with where it came from.
    const clean = driverFor('clean');
    // Booting it needs images this test does not build: only the discovery is looked at.
    await clean.driver.boot({ ...spec, bootTimeoutMs: 1000 }).catch(() => undefined);
    const described = clean.driver.describe()!;
    assert.deepEqual(described.findings, []);
    assert.deepEqual(
      described.values.map((value) => [value.option, value.value, value.origin]),
      [
        ['project-name', 'own-stage-clean', 'discovered'],
        ['api-service', 'backend', 'default'],
        ['gateway-service', 'proxy', 'default'],
        ['required-services', 'prometheus, redis', 'discovered'],
        ['base-url', 'http://127.0.0.1:18000', 'discovered'],
        ['prometheus-url', 'http://127.0.0.1:19090', 'discovered'],
      ],
    );
    assert.deepEqual(described.notInStage, ['ollama', 'grafana', 'tempo']);
    await clean.driver.teardown({ timeoutMs: 30_000 });
  },
);
