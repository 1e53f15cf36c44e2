import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExternalStageDriver } from '../../src/stage/external/external-driver.js';
import { findFreePort } from '../../src/stage/local/process.js';

const spec = { replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 1500 };

test('boots by seeing /healthz answer; only the gateway is visible; no logs; teardown touches nothing', async (t) => {
  let healthy = true;
  const server = createServer((request, response) => {
    if (request.url === '/healthz') response.writeHead(healthy ? 200 : 503).end('{}');
    else response.writeHead(200).end('m_total{replica="api-1"} 1\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
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

  healthy = false;
  const [row] = await driver.services();
  assert.equal(row!.health, 'unhealthy');
  assert.deepEqual(row!.notes, [{ kind: 'external-gateway', answer: 'HTTP 503' }]);
  const failed = await driver.boot(spec);
  assert.equal(failed.ok, false);
  assert.match(failed.reason!, /did not answer GET \/healthz with a 2xx within 1500 ms \(last: HTTP 503\)/);

  await driver.teardown();
  healthy = true;
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
