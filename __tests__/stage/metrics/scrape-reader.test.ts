import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScrapeReader } from '../../../src/stage/metrics/scrape-reader.js';

/** A /metrics endpoint serving whatever `body()` returns. */
async function metricsServer(body: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}

test('sums a counter over every replica and splits it per replica label', async (t) => {
  let extra = 0;
  const one = await metricsServer(
    () =>
      '# TYPE services_plan_cache_requests_total counter\n' +
      'services_plan_cache_requests_total{replica="api-1",result="hit"} 4\n' +
      'services_plan_cache_requests_total{replica="api-1",result="miss"} 1\n',
  );
  const two = await metricsServer(
    () =>
      `services_plan_cache_requests_total{replica="api-2",result="hit"} ${5 + extra}\n` +
      'services_plan_cache_requests_total{replica="api-2",result="bypass"} 2\n' +
      'other_total 100\n',
  );
  t.after(() => {
    one.server.close();
    two.server.close();
  });
  const reader = new ScrapeReader({
    targets: [
      { url: one.url, instance: 'a' },
      { url: two.url, instance: 'b' },
    ],
  });
  assert.equal(await reader.sum('services_plan_cache_requests_total'), 12);
  assert.equal(await reader.sum('services_plan_cache_requests_total', { result: 'hit' }), 9);
  assert.deepEqual(
    await reader.perReplica('services_plan_cache_requests_total', { result: 'hit' }),
    new Map([
      ['api-1', 4],
      ['api-2', 5],
    ]),
  );
  // Direct scrapes are current: a change is visible on the next read, settle() has nothing to wait for.
  extra = 10;
  await reader.settle(1000);
  assert.equal(await reader.sum('services_plan_cache_requests_total', { result: 'hit' }), 19);
  assert.deepEqual(reader.source, { kind: 'scrape', replicas: ['a', 'b'] });
});

test('an absent metric is undefined; series without a replica label are keyed by instance', async (t) => {
  const one = await metricsServer(() => 'plain_total 2\n');
  t.after(() => one.server.close());
  const reader = new ScrapeReader({ targets: [{ url: one.url, instance: 'api-7' }] });
  assert.equal(await reader.sum('missing_total'), undefined);
  assert.equal(await reader.sum('plain_total', { replica: 'api-7' }), undefined);
  assert.deepEqual(await reader.perReplica('plain_total'), new Map([['api-7', 2]]));
});

test('an unreachable or malformed target rejects, naming it', async (t) => {
  const broken = await metricsServer(() => 'not a metric line {\n');
  t.after(() => broken.server.close());
  // A port that was just free: nothing listens there.
  const closed = await metricsServer(() => '');
  const deadUrl = closed.url;
  await new Promise((resolve) => closed.server.close(resolve));
  const unreachable = new ScrapeReader({ targets: [{ url: deadUrl, instance: 'api-9' }], timeoutMs: 500 });
  await assert.rejects(unreachable.sum('x_total'), /cannot scrape api-9 at .*ECONNREFUSED/);
  const malformed = new ScrapeReader({ targets: [{ url: broken.url, instance: 'api-3' }] });
  await assert.rejects(malformed.sum('x_total'), /metrics of api-3 .* are malformed: line 1/);
});
