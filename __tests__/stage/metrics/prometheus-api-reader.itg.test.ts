import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSelector, PrometheusApiReader } from '../../../src/stage/metrics/prometheus-api-reader.js';
import { spawnPrometheus } from '../../../src/stage/local/prometheus-server.js';
import { findFreePort, httpOk, waitUntil } from '../../../src/stage/local/process.js';

async function metricsServer(body: () => string): Promise<{ target: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { target: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('selectors escape label values and refuse names that are not Prometheus names', () => {
  assert.equal(buildSelector('m_total'), 'm_total');
  assert.equal(buildSelector('m_total', { a: 'x"y\\z', b: 'n' }), 'm_total{a="x\\"y\\\\z",b="n"}');
  assert.throws(() => buildSelector('m) or vector(1'), /not a valid Prometheus metric name/);
  assert.throws(() => buildSelector('m', { 'a-b': '1' }), /not a valid Prometheus label name/);
  assert.throws(
    () => new PrometheusApiReader({ url: 'localhost:9090' }),
    /must be http\(s\)|not a valid URL/,
  );
});

test('an unreachable Prometheus rejects with the reason', async () => {
  const port = await findFreePort();
  const reader = new PrometheusApiReader({ url: `http://127.0.0.1:${port}`, timeoutMs: 500 });
  await assert.rejects(
    reader.sum('up'),
    /cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
  );
});

test('sums over replicas scraped by a real Prometheus, per replica too, and settle() waits for a fresh scrape', async (t) => {
  let heavy = 1;
  const one = await metricsServer(
    () =>
      `services_plan_heavy_executions_total{replica="api-1"} ${heavy}\n` +
      'services_plan_cache_requests_total{replica="api-1",result="hit"} 3\n',
  );
  const two = await metricsServer(
    () =>
      'services_plan_heavy_executions_total{replica="api-2"} 2\n' +
      'services_plan_cache_requests_total{replica="api-2",result="hit"} 4\n' +
      'services_plan_cache_requests_total{replica="api-2",result="miss"} 1\n',
  );
  const gateway = await metricsServer(() => 'haproxy_process_nbthread 1\n');
  const workDir = mkdtempSync(join(tmpdir(), 'stagegate-prom-test-'));
  const prometheus = spawnPrometheus({
    workDir,
    port: await findFreePort(),
    targets: { api: [one.target, two.target], gateway: gateway.target },
  });
  t.after(async () => {
    await prometheus.process.stop();
    for (const { server } of [one, two, gateway]) server.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  await waitUntil(() => httpOk(`${prometheus.url}/-/ready`), { timeoutMs: 15_000, what: 'prometheus ready' });

  const reader = new PrometheusApiReader({ url: prometheus.url, settleJobs: ['api'] });
  // Prometheus applies a new target list a few seconds after start; the first settle covers that.
  await reader.settle(30_000);
  assert.equal(await reader.sum('services_plan_heavy_executions_total'), 3);
  assert.equal(await reader.sum('services_plan_cache_requests_total', { result: 'hit' }), 7);
  assert.equal(await reader.sum('services_plan_cache_requests_total', { result: 'bypass' }), undefined);
  assert.deepEqual(
    await reader.perReplica('services_plan_cache_requests_total'),
    new Map([
      ['api-1', 3],
      ['api-2', 5],
    ]),
  );
  // The gateway job's first scrape has its own offset within the interval: wait for it, bounded.
  await waitUntil(async () => (await reader.sum('up')) === 3, {
    timeoutMs: 10_000,
    what: 'both api targets and the gateway up',
  });

  heavy = 11;
  await reader.settle(10_000);
  assert.equal(await reader.sum('services_plan_heavy_executions_total'), 13);
  await assert.rejects(reader.query('sum(('), /failed \(HTTP 400\): bad_data/);
  const noSuchJob = new PrometheusApiReader({ url: prometheus.url, settleJobs: ['no-such-job'] });
  await assert.rejects(
    noSuchJob.settle(600),
    /did not scrape every target of job no-such-job within 600 ms \(0 of 0 active targets/,
  );
});
