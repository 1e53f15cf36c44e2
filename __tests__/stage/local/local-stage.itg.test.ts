import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRICS, REPLICA_HEADER } from '../../../src/contract/index.js';
import { LocalStageHarness } from './local-stage-harness.js';
import { readServersUp } from '../../../src/stage/local/gateway-server.js';
import { waitUntil } from '../../../src/stage/local/process.js';
import { PrometheusApiReader } from '../../../src/stage/metrics/prometheus-api-reader.js';
import { assertNothingLeft } from './local-stage-helpers.js';

/** `count` GET /healthz through the gateway, one after another: statuses and who answered. */
async function healthzThroughGateway(
  baseUrl: string,
  count: number,
): Promise<{ statuses: number[]; replicas: string[] }> {
  const statuses: number[] = [];
  const replicas: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    statuses.push(response.status);
    replicas.push(response.headers.get(REPLICA_HEADER) ?? '(none)');
  }
  return { statuses, replicas };
}

test('the reference stage boots locally with 3 replicas, balances, survives a dead replica, and leaves nothing behind', async (t) => {
  const driver = new LocalStageHarness();
  const logDir = mkdtempSync(join(tmpdir(), 'stagegate-local-logs-'));
  t.after(async () => {
    await driver.teardown();
    rmSync(logDir, { recursive: true, force: true });
  });

  const boot = await driver.boot({ replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 90_000 });
  assert.equal(boot.ok, true, boot.reason);
  const rows = Object.fromEntries(boot.services.map((row) => [row.name, row]));
  for (const name of ['api-1', 'api-2', 'api-3', 'gateway', 'redis', 'ollama-sim', 'prometheus']) {
    assert.equal(rows[name]?.state, 'running', `${name} running`);
    assert.equal(rows[name]?.health, 'healthy', `${name} healthy`);
  }
  assert.deepEqual(
    boot.services.filter((row) => row.service === 'api').map((row) => row.name),
    ['api-1', 'api-2', 'api-3'],
  );
  for (const name of ['grafana', 'tempo']) {
    assert.equal(rows[name]?.state, 'unavailable');
    assert.equal(rows[name]?.health, 'none');
    assert.deepEqual(rows[name]?.notes, [{ kind: 'compose-only' }]);
  }

  // Load balancing: 20 requests through the gateway reach all three replicas.
  const before = await healthzThroughGateway(driver.baseUrl, 20);
  assert.ok(
    before.statuses.every((status) => status === 200),
    before.statuses.join(','),
  );
  assert.deepEqual([...new Set(before.replicas)].sort(), ['api-1', 'api-2', 'api-3']);

  // Prometheus scrapes every replica and the gateway: up == N + 1 (bounded wait for the first scrapes).
  const prometheus = new PrometheusApiReader({ url: driver.urls.prometheus! });
  await waitUntil(async () => (await prometheus.sum('up')) === 4, {
    timeoutMs: 30_000,
    intervalMs: 500,
    what: 'Prometheus: up == 4 (3 replicas + gateway)',
  });
  const scraped = await prometheus.perReplica('up', { job: 'api' });
  assert.equal(scraped.size, 3);

  // The direct reader sums over replicas, keyed by each replica's own label.
  const perReplica = await driver.metrics()!.perReplica(`${METRICS.httpRequestDuration}_count`);
  assert.deepEqual([...perReplica.keys()].sort(), ['api-1', 'api-2', 'api-3']);

  // Logs of the api service: every replica's request lines, oldest first.
  const apiLogs = await driver.logs('api', 200);
  for (const replica of ['api-1', 'api-2', 'api-3'])
    assert.ok(
      apiLogs!.some((line) => line.includes(`"replica":"${replica}"`) && line.includes('/healthz')),
      replica,
    );

  // Kill a replica: the gateway keeps answering, from the others only.
  await driver.killReplica(2);
  const during = await healthzThroughGateway(driver.baseUrl, 20);
  assert.ok(
    during.statuses.every((status) => status === 200),
    during.statuses.join(','),
  );
  assert.ok(!during.replicas.includes('api-2'));
  await waitUntil(
    async () => (await readServersUp(driver.urls.haproxyExporter, 'api')).sort().join() === 'api-1,api-3',
    { timeoutMs: 15_000, what: 'HAProxy marks api-2 down' },
  );
  const after = await healthzThroughGateway(driver.baseUrl, 20);
  assert.ok(
    after.statuses.every((status) => status === 200),
    after.statuses.join(','),
  );
  assert.deepEqual([...new Set(after.replicas)].sort(), ['api-1', 'api-3']);
  const killed = (await driver.services()).find((row) => row.name === 'api-2')!;
  assert.equal(killed.state, 'exited');
  assert.deepEqual(killed.notes, [{ kind: 'exited', code: null, signal: 'SIGKILL' }]);
  assert.deepEqual(driver.metrics()!.source, {
    kind: 'scrape',
    replicas: ['api-1', 'api-3'],
    notCounted: ['api-2'],
  });

  // Teardown: logs copied, no process, no port, no work dir.
  const workDir = driver.workDir!;
  await driver.teardown({ logDir });
  const copied = readdirSync(logDir).sort();
  for (const file of ['api-1.log', 'api-2.log', 'api-3.log', 'gateway.log', 'redis.log', 'prometheus.log'])
    assert.ok(copied.includes(file), `${file} copied (${copied.join(', ')})`);
  assert.match(readFileSync(join(logDir, 'api-1.log'), 'utf8'), /"path":"\/healthz"/);
  await assertNothingLeft(driver);
  assert.equal(existsSync(workDir), false);
});
