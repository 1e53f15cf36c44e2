/**
 * The compose gateway's replica discovery, run for real without Docker: the real haproxy with
 * deploy/haproxy/haproxy.cfg as compose uses it, except that Docker's DNS (127.0.0.11:53) is played by
 * a small DNS server on a free loopback port, and the api replicas are HTTP servers on several loopback
 * addresses (127.0.0.2, .3, ... all on one port, as containers all listen on 8080). It shows the
 * gateway finds every replica the DNS answer lists, also ones that appear later, stops using a replica
 * that dies, and that /ready (the gateway's compose healthcheck) follows whether any replica is up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES } from '../../../src/contract/index.js';
import { waitUntil } from '../../../src/stage/local/process.js';
import {
  apiServersUp,
  sampleReplicas as sample,
  startDiscoveryHarness,
  statusOf as status,
} from '../gateway-discovery-helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Loopback addresses other tests are unlikely to use. */
const HOSTS = ['127.0.83.2', '127.0.83.3', '127.0.83.4', '127.0.83.5'];

test('the gateway discovers api replicas through DNS, also later ones, and stops using a dead one', async (t) => {
  // The shared file, unchanged but for where "Docker's DNS" listens and the port the replicas use.
  const shared = readFileSync(join(ROOT, 'deploy', 'haproxy', 'haproxy.cfg'), 'utf8');
  let config = '';
  const harness = await startDiscoveryHarness(t, {
    // Docker's embedded DNS: short TTLs, an empty answer while the service has no container.
    name: 'api',
    ttlSeconds: 1,
    whenEmpty: 'nodata',
    hosts: HOSTS,
    config: (ports) =>
      (config = shared
        .replace(/nameserver (\S+) 127\.0\.0\.11:53/, `nameserver $1 127.0.0.1:${ports.dns}`)
        .replace(/ api:8080 /, ` api:${ports.replicas} `)),
  });
  assert.notEqual(config, shared);
  assert.match(config, /server-template api- 1-20 api:\d+ check resolvers docker/);
  const { dns, gateway, stats, why } = harness;
  const ready = `${stats}/ready`;
  for (const index of [0, 1, 2]) await harness.startReplica(index, `r${index}`);
  dns.addresses = HOSTS.slice(0, 3);

  // 1. All three replicas listed by DNS take traffic; /ready says the gateway has replicas.
  await waitUntil(async () => (await sample(gateway, 9)).seen.size === 3, {
    timeoutMs: 20_000,
    intervalMs: 300,
    what: 'the gateway to use the 3 replicas DNS lists',
  }).catch((error: Error) => assert.fail(`${error.message}\n${why()}`));
  assert.ok(dns.queries > 0, 'haproxy asked the DNS');
  assert.equal(await status(ready), 200);
  const spread = await sample(gateway, 30);
  assert.deepEqual(spread.failures, []);
  assert.deepEqual([...spread.seen.keys()].sort(), ['r0', 'r1', 'r2']);
  for (const [id, count] of spread.seen) assert.ok(count >= 8, `round robin: ${id} answered ${count} of 30`);

  // 2. A replica started after the gateway (as `--scale api=4` would) is found.
  await harness.startReplica(3, 'r3');
  dns.addresses = HOSTS.slice(0, 4);
  await waitUntil(async () => (await sample(gateway, 8)).seen.has('r3'), {
    timeoutMs: 20_000,
    intervalMs: 300,
    what: 'the gateway to use a replica that appeared in DNS later',
  });

  // 3. A replica dies (still listed in DNS for a moment, as a crashed container is): no request
  //    fails (retries + redispatch), and once its checks fail it gets no traffic at all.
  await harness.stopReplica('r1');
  const meanwhile = await sample(gateway, 20);
  assert.deepEqual(meanwhile.failures, [], 'requests sent while the dead replica was still in the pool');
  await waitUntil(async () => (await apiServersUp(stats)) === 3, {
    timeoutMs: 15_000,
    intervalMs: 300,
    what: 'the dead replica to be marked down',
  });
  const after = await sample(gateway, 30);
  assert.deepEqual(after.failures, []);
  assert.deepEqual([...after.seen.keys()].sort(), ['r0', 'r2', 'r3']);

  // 4. The metrics the Grafana dashboard plots exist under these names in the exporter.
  const metrics = await (await fetch(`${stats}/metrics`)).text();
  assert.match(
    metrics,
    /^haproxy_server_http_responses_total\{proxy="api",server="api-\d+",code="2xx"\} \d+/m,
  );
  assert.match(metrics, /^haproxy_server_status\{proxy="api",server="api-\d+",state="UP"\} 1/m);

  // 5. Every replica gone from DNS (`--scale api=0`, or all crashed): /ready turns 503, so the
  //    gateway's compose healthcheck fails instead of reporting a gateway with nothing behind it.
  dns.addresses = [];
  for (const id of ['r0', 'r2', 'r3']) await harness.stopReplica(id);
  await waitUntil(async () => (await status(ready)) === 503, {
    timeoutMs: 15_000,
    intervalMs: 300,
    what: '/ready to report no replica',
  });
  assert.equal(await status(`${gateway}${ROUTES.healthz}`), 503);
  assert.ok(harness.haproxy.running, 'haproxy kept running throughout');
});
