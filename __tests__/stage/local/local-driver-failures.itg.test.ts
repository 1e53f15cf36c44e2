import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPLICA_HEADER } from '../../../src/contract/index.js';
import { LocalStageHarness } from './local-stage-harness.js';
import { assertNothingLeft } from './local-stage-helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
/** A user's own API and Ollama stand-ins, and the fixture gateway config: no dependency on the reference stage. */
const ownPrograms = {
  apiCommand: { command: process.execPath, args: [fixture('tiny-api.mjs')] },
  simulatorCommand: { command: process.execPath, args: [fixture('tiny-ollama.mjs')] },
  haproxyConfigPath: fixture('haproxy-shared.cfg'),
};

test('an API command that exits at once fails the boot with a reason naming it and quoting its log; nothing is left running', async (t) => {
  const driver = new LocalStageHarness({
    ...ownPrograms,
    apiCommand: {
      command: process.execPath,
      args: ['-e', 'console.error("fatal: REDIS_URL points nowhere useful"); process.exit(3)'],
    },
  });
  t.after(() => driver.teardown());
  const result = await driver.boot({ replicas: 2, narratorMaxConcurrency: 1, bootTimeoutMs: 20_000 });
  assert.equal(result.ok, false);
  assert.equal(result.partial, undefined, 'nothing is up: not a partial boot');
  assert.match(result.reason!, /^api-\d exited \(code 3\) during boot, before answering GET \/healthz/);
  assert.match(result.reason!, /; last lines of api-\d\.log: fatal: REDIS_URL points nowhere useful$/);
  assert.doesNotMatch(result.reason!, /\n/, 'the reason is one line for the report');
  assert.match(result.log!, /Last 1 lines of .*api-\d\.log:\n {2}fatal: REDIS_URL points nowhere useful/);
  assert.ok(result.durationMs < 20_000, 'failed fast instead of waiting out the timeout');
  // Already stopped by the failed boot, before any teardown.
  assert.ok(
    result.services.every((row) => row.state !== 'running'),
    JSON.stringify(result.services),
  );
  await assertNothingLeft(driver);
  const workDir = driver.workDir!;
  assert.ok(existsSync(workDir), 'logs are kept until teardown, which can copy them');
  await driver.teardown();
  assert.equal(existsSync(workDir), false, 'teardown removes the work dir');
});

test('a missing program or gateway config is a clear boot failure', async (t) => {
  const missingBinary = new LocalStageHarness({
    ...ownPrograms,
    apiCommand: { command: '/nonexistent/stagegate-api', args: [] },
  });
  t.after(() => missingBinary.teardown());
  const result = await missingBinary.boot({ replicas: 1, narratorMaxConcurrency: 1, bootTimeoutMs: 10_000 });
  assert.equal(result.ok, false);
  assert.match(
    result.reason!,
    /api-1 exited \(code -1\).*could not start \/nonexistent\/stagegate-api: spawn .* ENOENT/s,
  );
  await assertNothingLeft(missingBinary);

  const missingConfig = new LocalStageHarness({
    ...ownPrograms,
    haproxyConfigPath: '/nonexistent/haproxy.cfg',
  });
  const noConfig = await missingConfig.boot({
    replicas: 1,
    narratorMaxConcurrency: 1,
    bootTimeoutMs: 10_000,
  });
  assert.match(
    noConfig.reason!,
    /gateway: cannot read the shared HAProxy config \/nonexistent\/haproxy\.cfg \(ENOENT\)/,
  );
  await missingConfig.teardown();

  const invalid = await new LocalStageHarness(ownPrograms).boot({
    replicas: 0,
    narratorMaxConcurrency: 1,
    bootTimeoutMs: 1000,
  });
  assert.match(invalid.reason!, /replicas must be a whole number from 1 to 20, got 0/);
});

test("a user's own API command with one replica failing /healthz: a degraded stage, left running on request, traffic avoids the bad replica", async (t) => {
  const driver = new LocalStageHarness({
    ...ownPrograms,
    replicaEnv: { 2: { FAULT_INJECTION: 'healthz-fail' } },
    keepRunningOnBootFailure: true,
  });
  t.after(() => driver.teardown());
  const result = await driver.boot({ replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 4000 });
  assert.equal(result.ok, false);
  assert.equal(result.partial, true, 'the gateway serves over the healthy replicas');
  assert.match(
    result.reason!,
    /^2 of 3 api replicas healthy \(api-1, api-3\), the gateway serving over them; api-2 was not healthy within the boot timeout/,
  );
  const rows = Object.fromEntries(result.services.map((row) => [row.name, row]));
  assert.equal(rows['api-1']!.health, 'healthy');
  assert.equal(rows['api-2']!.health, 'unhealthy');
  assert.equal(rows['api-2']!.state, 'running');
  assert.equal(rows.gateway!.health, 'healthy');
  const haproxy = rows.gateway!.notes?.find((note) => note.kind === 'haproxy');
  assert.deepEqual(haproxy?.kind === 'haproxy' && [haproxy.serversUp, haproxy.servers], [
    ['api-1', 'api-3'],
    3,
  ]);

  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const response = await fetch(`${driver.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    seen.add(response.headers.get(REPLICA_HEADER) ?? '?');
  }
  assert.deepEqual([...seen].sort(), ['api-1', 'api-3']);
  await driver.teardown();
  await assertNothingLeft(driver);
});

test('controls for fault tests: Redis stops and comes back on the same port; a killed replica restarts', async (t) => {
  const driver = new LocalStageHarness({ ...ownPrograms, prometheus: false });
  t.after(() => driver.teardown());
  const result = await driver.boot({ replicas: 2, narratorMaxConcurrency: 1, bootTimeoutMs: 20_000 });
  assert.equal(result.ok, true, result.reason);
  assert.ok(!result.services.some((row) => row.service === 'prometheus'));

  const again = await driver.boot({ replicas: 2, narratorMaxConcurrency: 1, bootTimeoutMs: 20_000 });
  assert.equal(again.ok, false);
  assert.match(again.reason!, /already booted; tear it down before booting again/);
  assert.ok(again.services.filter((row) => row.service === 'api').every((row) => row.health === 'healthy'));

  const { port } = driver.redis;
  await driver.redis.stop();
  const down = (await driver.services()).find((row) => row.service === 'redis')!;
  assert.deepEqual([down.state, down.health], ['exited', 'unhealthy']);
  await driver.redis.start();
  assert.equal(driver.redis.port, port);
  const up = (await driver.services()).find((row) => row.service === 'redis')!;
  assert.deepEqual([up.state, up.health, up.address], ['running', 'healthy', `127.0.0.1:${port}`]);

  await driver.killReplica(1);
  await assert.rejects(fetch(`${driver.replicaUrl(1)}/healthz`), /fetch failed/);
  await driver.restartReplica(1);
  const response = await fetch(`${driver.replicaUrl(1)}/healthz`);
  assert.equal(response.headers.get(REPLICA_HEADER), 'api-1');
  await response.arrayBuffer();
  assert.throws(() => driver.replicaUrl(3), /no replica 3: replicas are numbered 1..2/);
  await assert.rejects(driver.logs('nginx', 10), /no service "nginx" on the local stage/);
  assert.equal(await driver.logs('grafana', 10), undefined);

  await driver.teardown();
  // The first api-1 and the first redis as well as their replacements are all gone.
  assert.equal(driver.processes().filter((entry) => entry.name === 'api-1').length, 2);
  assert.equal(driver.processes().filter((entry) => entry.name === 'redis').length, 2);
  await assertNothingLeft(driver);

  // The same driver boots again after a teardown, from a clean slate.
  const second = await driver.boot({ replicas: 1, narratorMaxConcurrency: 1, bootTimeoutMs: 20_000 });
  assert.equal(second.ok, true, second.reason);
  assert.deepEqual(driver.replicaNames(), ['api-1']);
  assert.equal(driver.processes().length, 4, 'redis, simulator, api-1, gateway');
  await driver.teardown();
  await assertNothingLeft(driver);
});

test('an abort during boot stops it promptly and cleanly', async (t) => {
  const driver = new LocalStageHarness({
    ...ownPrograms,
    // A replica that never answers: without the abort, boot would wait out its 60 s timeout.
    apiCommand: { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] },
  });
  t.after(() => driver.teardown());
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1500);
  const started = Date.now();
  const result = await driver.boot(
    { replicas: 1, narratorMaxConcurrency: 1, bootTimeoutMs: 60_000 },
    controller.signal,
  );
  assert.equal(result.ok, false);
  assert.match(result.reason!, /boot aborted while waiting for api-1/);
  assert.ok(Date.now() - started < 15_000, `stopped after ${Date.now() - started} ms`);
  await assertNothingLeft(driver);
});
