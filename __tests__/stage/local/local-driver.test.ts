/**
 * The local driver's decisions that need no process: which programs and which Ollama a boot uses, what
 * a replica's env is made of, what is refused before anything starts, and what an unbooted driver says.
 * Pure: a boot here fails before its first process (bad spec, missing gateway config).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { LocalStageDriver, resolvePrograms, validateSpec } from '../../../src/stage/local/local-driver.js';
import { knownServices, LocalStage, replicaAt } from '../../../src/stage/local/local-stage.js';
import { replicaEnvironment } from '../../../src/stage/local/steps/replicas.js';

const own = {
  apiCommand: { command: '/opt/my-api', args: ['--serve'] },
  simulatorCommand: { command: '/opt/my-ollama', args: [] },
  haproxyConfigPath: '/etc/my-haproxy.cfg',
};

test('programs: the options own, a real Ollama from the options or the spec env (trailing slashes cut), else the simulator', () => {
  const simulated = resolvePrograms(own, {});
  assert.deepEqual(simulated.api, own.apiCommand);
  assert.equal(simulated.haproxyConfigPath, own.haproxyConfigPath);
  assert.deepEqual(simulated.ollama, { kind: 'simulator', command: own.simulatorCommand });
  assert.equal(simulated.ollamaModel, undefined);

  const fromEnv = resolvePrograms(own, { OLLAMA_URL: 'http://10.0.0.5:11434//', OLLAMA_MODEL: 'llama3' });
  assert.deepEqual(fromEnv.ollama, { kind: 'real', url: 'http://10.0.0.5:11434', model: 'llama3' });
  assert.equal(fromEnv.ollamaModel, 'llama3');

  const fromOptions = resolvePrograms(
    { ...own, ollamaUrl: 'http://ollama:11434/', ollamaModel: 'qwen' },
    { OLLAMA_URL: 'http://ignored', OLLAMA_MODEL: 'ignored' },
  );
  assert.deepEqual(fromOptions.ollama, { kind: 'real', url: 'http://ollama:11434', model: 'qwen' });

  // Nothing given: the reference stage of this checkout.
  const reference = resolvePrograms({}, {});
  assert.match(reference.api.args.join(' '), /src\/api\/main\.ts$/);
  assert.match(reference.haproxyConfigPath, /deploy\/haproxy\/haproxy\.cfg$/);
  assert.equal(reference.ollama.kind, 'simulator');
});

test("a replica's env: ours, then the stage's, then the spec's, then its own name, its own extra env, its port", () => {
  const env = replicaEnvironment({
    base: { PATH: '/bin', REDIS_URL: 'redis://elsewhere', REPLICA_ID: 'inherited' },
    spec: { narratorMaxConcurrency: 2, env: { REPLICA_ID: 'stage-wide', LOG_LEVEL: 'warn', PORT: '1' } },
    name: 'api-2',
    port: 41002,
    redisUrl: 'redis://127.0.0.1:41000',
    ollamaUrl: 'http://127.0.0.1:41001',
    ollamaModel: undefined,
    own: { FAULT_INJECTION: 'healthz-fail', HOST: '0.0.0.0' },
  });
  assert.deepEqual(env, {
    PATH: '/bin',
    REDIS_URL: 'redis://127.0.0.1:41000',
    OLLAMA_URL: 'http://127.0.0.1:41001',
    NARRATOR_MAX_CONCURRENCY: '2',
    REPLICA_ID: 'api-2',
    LOG_LEVEL: 'warn',
    FAULT_INJECTION: 'healthz-fail',
    PORT: '41002',
    HOST: '127.0.0.1',
  });
  const withModel = replicaEnvironment({
    base: {},
    spec: { narratorMaxConcurrency: 0 },
    name: 'api-1',
    port: 1,
    redisUrl: 'r',
    ollamaUrl: 'o',
    ollamaModel: 'qwen2.5:0.5b',
    own: undefined,
  });
  assert.equal(withModel.OLLAMA_MODEL, 'qwen2.5:0.5b');
  assert.equal(withModel.NARRATOR_MAX_CONCURRENCY, '0');
});

test('a bad spec is refused with the reason, before anything starts', async () => {
  const spec = { replicas: 2, narratorMaxConcurrency: 1, bootTimeoutMs: 1000 };
  assert.equal(validateSpec(spec), undefined);
  assert.equal(
    validateSpec({ ...spec, replicas: 21 }),
    'replicas must be a whole number from 1 to 20, got 21',
  );
  assert.equal(
    validateSpec({ ...spec, narratorMaxConcurrency: 1.5 }),
    'narrator max concurrency must be a whole number ≥ 0, got 1.5',
  );
  assert.equal(
    validateSpec({ ...spec, bootTimeoutMs: 0 }),
    'boot timeout must be a positive number of milliseconds, got 0',
  );
  assert.equal(
    validateSpec({ ...spec, env: { 'BAD-NAME': 'x' } }),
    'environment variable name "BAD-NAME" is not valid',
  );
  const driver = new LocalStageDriver(own);
  const result = await driver.boot({ ...spec, replicas: 0 });
  assert.deepEqual(result, {
    ok: false,
    reason: 'replicas must be a whole number from 1 to 20, got 0',
    services: [],
    durationMs: 0,
  });
  assert.equal(driver.workDir, undefined);
});

test('a missing gateway config fails the boot before any work dir or process exists', async () => {
  const driver = new LocalStageDriver({ ...own, haproxyConfigPath: '/nonexistent/haproxy.cfg' });
  const result = await driver.boot({ replicas: 1, narratorMaxConcurrency: 1, bootTimeoutMs: 5000 });
  assert.equal(result.ok, false);
  assert.equal(
    result.reason,
    'gateway: cannot read the shared HAProxy config /nonexistent/haproxy.cfg (ENOENT); the local gateway config is generated from it',
  );
  assert.deepEqual(result.services, []);
  assert.equal(driver.workDir, undefined);
  await driver.teardown();
});

test('an unbooted driver: no gateway, no metrics, no replicas, the compose-only rows, clear errors', async () => {
  const driver = new LocalStageDriver(own);
  assert.equal(driver.baseUrl, '');
  assert.equal(driver.metrics(), undefined);
  assert.deepEqual(driver.replicaNames(), []);
  assert.throws(() => driver.urls, /the local stage is not booted/);
  assert.throws(() => driver.replicaUrl(1), /no replica 1: replicas are numbered 1\.\.0/);
  assert.deepEqual(
    (await driver.services()).map((row) => [row.service, row.state]),
    [
      ['grafana', 'unavailable'],
      ['tempo', 'unavailable'],
    ],
  );
  assert.equal(await driver.logs('tempo', 5), undefined);
  await assert.rejects(
    driver.logs('nginx', 5),
    /no service "nginx" on the local stage \(known: api, gateway, redis, ollama, prometheus\)/,
  );
  await assert.rejects(driver.logs('api', -1), /maxLines must be a whole number ≥ 0, got -1/);
  await driver.teardown();
});

test('a stage reserves distinct ports in a fresh work dir, and removing it removes the dir', async () => {
  const stage = await LocalStage.create(tmpdir(), 3);
  try {
    assert.ok(existsSync(stage.workDir));
    assert.equal(stage.ports.api.length, 3);
    const ports = stage.allPorts();
    assert.equal(ports.length, 8, 'redis, simulator, gateway, stats, prometheus and 3 replicas');
    assert.equal(new Set(ports).size, 8, 'all distinct');
    assert.ok(stage.active);
    assert.deepEqual(knownServices(stage), ['api', 'gateway', 'redis', 'ollama', 'prometheus']);
    assert.throws(() => replicaAt(stage.replicas, 1), /no replica 1: replicas are numbered 1\.\.0/);
  } finally {
    stage.remove();
  }
  assert.equal(stage.active, false);
  assert.equal(existsSync(stage.workDir), false);
});
