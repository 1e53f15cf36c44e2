/**
 * A real Prometheus, verified before any number is read from it: one that scrapes this stage's api
 * replicas is used through the job it found (whatever its name); one that answers but scrapes something
 * else is refused with a `not-this-stage` failure that names what it does scrape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnPrometheus } from '../../../src/stage/local/prometheus-server.js';
import { findFreePort, httpOk, waitUntil } from '../../../src/stage/local/process.js';
import { StagePrometheusReader } from '../../../src/stage/metrics/stage-prometheus.js';
import { MetricsReadError } from '../../../src/stage/driver.js';
import { ExternalStageDriver } from '../../../src/stage/external/external-driver.js';
import { describeServiceDetail } from '../../../src/stage/stage-words.js';
import { inEnglish } from '../../../src/report/language.js';

async function metricsServer(body: string): Promise<{ target: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { target: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test(
  'a Prometheus that answers but belongs to another stage is detected and named; the own one is read through its job',
  { timeout: 45_000 },
  async (t) => {
    const replica = await metricsServer('services_plan_heavy_executions_total{replica="r1"} 5\n');
    const gateway = await metricsServer('haproxy_process_nbthread 1\n');
    const workDir = mkdtempSync(join(tmpdir(), 'stagegate-stage-prom-'));
    t.after(() => {
      for (const { server } of [replica, gateway]) server.close();
      rmSync(workDir, { recursive: true, force: true });
    });
    // Its api job scrapes 127.0.0.1: that is "this stage" for the first reader, another stage for the
    // second. The gateway job scrapes `localhost`, which no reader takes for one of its containers.
    const prometheus = spawnPrometheus({
      workDir,
      port: await findFreePort(),
      targets: { api: [replica.target], gateway: gateway.target.replace('127.0.0.1', 'localhost') },
    });
    t.after(() => prometheus.process.stop());
    await waitUntil(() => httpOk(`${prometheus.url}/-/ready`), {
      timeoutMs: 15_000,
      what: 'prometheus ready',
    });

    const own = new StagePrometheusReader({
      url: prometheus.url,
      containers: async () => [{ name: 'replica-1', hosts: ['127.0.0.1'] }],
      verifyTimeoutMs: 20_000,
    });
    await own.settle(30_000);
    assert.equal(await own.sum('services_plan_heavy_executions_total'), 5);
    assert.deepEqual(own.source, { kind: 'prometheus', url: prometheus.url, job: 'api' });

    const foreign = new StagePrometheusReader({
      url: prometheus.url,
      containers: async () => [{ name: 'stagegate-nginx-backend-1', hosts: ['172.31.0.5'] }],
      verifyTimeoutMs: 1500,
      pollMs: 200,
    });
    const error = await foreign.sum('services_plan_heavy_executions_total').then(
      () => assert.fail('a foreign Prometheus must not be read'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof MetricsReadError);
    assert.equal(error.failure.kind, 'not-this-stage');
    assert.match(
      error.message,
      new RegExp(
        `^Prometheus at ${prometheus.url.replace(/\./g, '\\.')} answers but is not this stage's: no scrape job holds exactly the api containers \\(stagegate-nginx-backend-1 \\(172\\.31\\.0\\.5\\)\\); it scrapes .*api: ${replica.target}`,
      ),
    );
    // Remembered: a second read does not wait again, and says the same.
    await assert.rejects(foreign.settle(10_000), /answers but is not this stage's/);

    // The external driver, told a job Prometheus does not have, says so with the jobs it has, without
    // waiting out its settle bound (a minute here: the test's own timeout would end it first).
    const external = new ExternalStageDriver({
      baseUrl: `http://${gateway.target}`,
      prometheusUrl: prometheus.url,
      apiService: 'backend',
      replicaSettleMs: 60_000,
    });
    const rows = await external.services();
    const api = rows.find((row) => row.service === 'backend')!;
    assert.equal(api.state, 'absent');
    assert.equal(
      describeServiceDetail(api, inEnglish),
      'Prometheus has no scrape target of job "backend": no api replica seen; the jobs it has: api, gateway; set api-service to the job that scrapes your api',
    );
  },
);
