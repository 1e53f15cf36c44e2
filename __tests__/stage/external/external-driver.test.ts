import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExternalStageDriver, replicaRow } from '../../../src/stage/external/external-driver.js';
import { findFreePort } from '../../../src/stage/local/process.js';
import { inEnglish } from '../../../src/report/language.js';
import { describeServiceDetail } from '../../../src/stage/stage-words.js';
import { startFakeStage } from '../../fixtures/fake-stage.js';

const spec = { replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 1500 };

test('boots by seeing /healthz answer; only the gateway is visible; no logs; teardown touches nothing', async (t) => {
  const stage = await startFakeStage({ metrics: 'm_total{replica="api-1"} 1\n' });
  t.after(() => stage.close());
  const baseUrl = `${stage.baseUrl}/`;
  const driver = new ExternalStageDriver({ baseUrl });
  assert.equal(driver.baseUrl, baseUrl.slice(0, -1));

  const booted = await driver.boot(spec);
  assert.equal(booted.ok, true);
  assert.deepEqual(
    booted.services.map((row) => [row.service, row.state, row.health]),
    [['gateway', 'running', 'healthy']],
  );
  assert.equal(await driver.logs(), undefined);
  assert.equal(driver.metrics(), undefined, 'no Prometheus: no sum over replicas to offer');

  stage.set({ healthz: 'down' });
  const [row] = await driver.services();
  assert.equal(row!.health, 'unhealthy');
  assert.deepEqual(row!.notes, [{ kind: 'external-gateway', answer: 'HTTP 503' }]);
  const failed = await driver.boot(spec);
  assert.equal(failed.ok, false);
  assert.match(failed.reason!, /did not answer GET \/healthz with a 2xx within 1500 ms \(last: HTTP 503\)/);

  await driver.teardown();
  stage.set({ healthz: 'ok' });
  assert.equal((await driver.boot(spec)).ok, true, 'still there after teardown');

  const partial = new ExternalStageDriver({ baseUrl, partialGatewayMetrics: true }).metrics()!;
  assert.deepEqual(partial.source, { kind: 'gateway-only', url: `${driver.baseUrl}/metrics` });
  assert.equal(await partial.sum('m_total'), 1);
});

test('an unreachable stage fails boot with the transport error; bad URLs are refused by name', async () => {
  const port = await findFreePort();
  const driver = new ExternalStageDriver({ baseUrl: `http://127.0.0.1:${port}` });
  const result = await driver.boot({ ...spec, bootTimeoutMs: 800 });
  assert.equal(result.ok, false);
  assert.match(result.reason!, /ECONNREFUSED/);
  assert.equal(result.services[0]!.state, 'unreachable');

  const withPrometheus = new ExternalStageDriver({
    baseUrl: 'http://x.invalid',
    prometheusUrl: 'http://127.0.0.1:9090',
  });
  assert.deepEqual(withPrometheus.metrics()!.source, { kind: 'prometheus', url: 'http://127.0.0.1:9090' });
  assert.throws(() => new ExternalStageDriver({ baseUrl: 'stage:8000' }), /must start with http/);
  assert.throws(
    () => new ExternalStageDriver({ baseUrl: 'not a url' }),
    /base URL "not a url" is not a valid URL/,
  );
  assert.throws(() => new ExternalStageDriver({ baseUrl: 'http://a?b=1' }), /query or a fragment/);
});

test('api replicas from Prometheus: one row per target of the job, ready per the pod where labelled', () => {
  const kubernetes = { instance: '10.244.0.7:8080', job: 'api', pod: 'api-7c9d-x2k4q', pod_ready: 'true' };
  assert.deepEqual(replicaRow({ labels: kubernetes, up: true }, 'api'), {
    service: 'api',
    name: 'api-7c9d-x2k4q',
    state: 'up',
    health: 'healthy',
    address: '10.244.0.7:8080',
    notes: [{ kind: 'prometheus-target', job: 'api', up: true, podReady: 'true' }],
  });
  // Scraped but failing its readiness probe: out of the gateway's DNS answer, so not healthy.
  assert.equal(
    replicaRow({ labels: { ...kubernetes, pod_ready: 'false' }, up: true }, 'api').health,
    'unhealthy',
  );
  const down = replicaRow({ labels: { instance: '127.0.0.1:41001', job: 'api' }, up: false }, 'api');
  assert.deepEqual([down.name, down.state, down.health], ['127.0.0.1:41001', 'down', 'unhealthy']);
  // No readiness label (compose, the local stage): up is all there is to say.
  assert.equal(replicaRow({ labels: { instance: '127.0.0.1:41001' }, up: true }, 'api').health, 'none');
});

test('an unreadable Prometheus is one api row saying so, not a missing view', async (t) => {
  const stage = await startFakeStage();
  t.after(() => stage.close());
  const prometheusPort = await findFreePort();
  const driver = new ExternalStageDriver({
    baseUrl: stage.baseUrl,
    prometheusUrl: `http://127.0.0.1:${prometheusPort}`,
    replicaSettleMs: 300,
  });
  const rows = await driver.services();
  assert.deepEqual(
    rows.map((row) => [row.service, row.state]),
    [
      ['gateway', 'running'],
      ['api', 'unknown'],
    ],
  );
  assert.match(
    describeServiceDetail(rows[1]!, inEnglish),
    /api replicas not read from Prometheus: cannot reach Prometheus at .*ECONNREFUSED/,
  );
});

test('the api rows from Prometheus are said in the report language', () => {
  const row = replicaRow({ labels: { pod: 'api-1', pod_ready: 'false' }, up: true }, 'api');
  assert.equal(describeServiceDetail(row, inEnglish), 'Prometheus: up{job="api"} 1, pod ready false');
  assert.equal(
    describeServiceDetail(row, (pt) => pt),
    'Prometheus: up{job="api"} 1, pod pronto: false',
  );
});

test('with gateway-service set, the gateway row carries that name; the teardown says it stops nothing', async (t) => {
  const stage = await startFakeStage();
  t.after(() => stage.close());
  const said: string[] = [];
  const driver = new ExternalStageDriver({
    baseUrl: stage.baseUrl,
    gatewayService: 'proxy',
    log: (text) => said.push(text),
  });
  const booted = await driver.boot(spec);
  assert.deepEqual(
    booted.services.map((row) => [row.service, row.name]),
    [['proxy', 'proxy']],
  );
  assert.deepEqual(
    (await driver.services()).map((row) => row.service),
    ['proxy'],
  );
  await driver.teardown();
  assert.deepEqual(said, [
    `external stage at ${stage.baseUrl}: not started by the gate, so nothing is stopped`,
  ]);
});
