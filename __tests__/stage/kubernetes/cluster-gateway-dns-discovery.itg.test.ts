/**
 * The Kubernetes gateway's replica discovery, run for real without a cluster: the real haproxy with the
 * committed deploy/kubernetes/base/files/haproxy.cfg and the environment the gateway pod gets
 * (deploy/kubernetes/base/gateway.yaml), except that the cluster DNS — which the pod finds in its
 * /etc/resolv.conf (`parse-resolv-conf`) — is played by a small DNS server on a free loopback port
 * answering as CoreDNS does for a headless Service: the full name `api.<namespace>.svc.cluster.local`,
 * one A record per ready pod, TTL 30 s, NXDOMAIN once no pod is ready. The pods are HTTP servers on
 * several loopback addresses, all on one port (each pod has its own IP, the same container port).
 * It shows pods that become ready are picked up, pods that leave the answer (scale-down, rollout,
 * failed readiness) stop getting traffic without a failed request, and /ready follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES } from '../../../src/contract/index.js';
import { API_DISCOVERY_ENV, KUBERNETES_BASE_DIR } from '../../../src/stage/kubernetes/cluster-files.js';
import { waitUntil } from '../../../src/stage/local/process.js';
import {
  apiServersUp,
  sampleReplicas,
  startDiscoveryHarness,
  statusOf,
} from '../gateway-discovery-helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SERVICE_NAME = 'api.stagegate.svc.cluster.local';
/** Pod IPs: loopback addresses no other test uses (the compose variant uses 127.0.83.x). */
const POD_IPS = ['127.0.84.2', '127.0.84.3', '127.0.84.4', '127.0.84.5'];

test('the cluster gateway follows the headless Service: pods added and removed are picked up', async (t) => {
  // The committed cluster config, but for where "the cluster DNS" listens (resolv.conf has no port) and
  // the port the pods use.
  const committed = readFileSync(join(ROOT, KUBERNETES_BASE_DIR, 'files', 'haproxy.cfg'), 'utf8');
  let config = '';
  const harness = await startDiscoveryHarness(t, {
    name: SERVICE_NAME,
    ttlSeconds: 30,
    whenEmpty: 'nxdomain',
    hosts: POD_IPS,
    config: (ports) =>
      (config = committed
        .replace(/^(\s*)parse-resolv-conf$/m, `$1nameserver dns1 127.0.0.1:${ports.dns}`)
        .replace(`\${${API_DISCOVERY_ENV}}:8080"`, `\${${API_DISCOVERY_ENV}}:${ports.replicas}"`)),
    // What the pod spec composes from POD_NAMESPACE and CLUSTER_DOMAIN.
    env: { [API_DISCOVERY_ENV]: SERVICE_NAME },
  });
  assert.match(config, /nameserver dns1 127\.0\.0\.1:\d+$/m);
  assert.match(
    config,
    new RegExp(`server-template api- 1-20 "\\$\\{${API_DISCOVERY_ENV}\\}:\\d+" check resolvers cluster`),
  );
  const { dns, gateway, stats, why } = harness;
  for (const index of [0, 1, 2]) await harness.startReplica(index, `pod-${index}`);
  dns.addresses = POD_IPS.slice(0, 3);

  // 1. The three ready pods take traffic, round robin.
  await waitUntil(async () => (await sampleReplicas(gateway, 9)).seen.size === 3, {
    timeoutMs: 20_000,
    intervalMs: 300,
    what: 'the gateway to use the 3 pods the headless Service lists',
  }).catch((error: Error) => assert.fail(`${error.message}\n${why()}`));
  assert.ok(dns.queries > 0, 'haproxy asked the DNS for the full name');
  assert.equal(await statusOf(`${stats}/ready`), 200);
  const spread = await sampleReplicas(gateway, 30);
  assert.deepEqual(spread.failures, []);
  assert.deepEqual([...spread.seen.keys()].sort(), ['pod-0', 'pod-1', 'pod-2']);
  for (const [id, count] of spread.seen) assert.ok(count >= 8, `round robin: ${id} answered ${count} of 30`);

  // 2. Scale-up (or the autoscaler): a fourth pod turns ready and joins the answer.
  await harness.startReplica(3, 'pod-3');
  dns.addresses = POD_IPS.slice(0, 4);
  await waitUntil(async () => (await sampleReplicas(gateway, 8)).seen.has('pod-3'), {
    timeoutMs: 20_000,
    intervalMs: 300,
    what: 'the gateway to use a pod that joined the headless Service',
  });

  // 3. Scale-down or a rollout: Kubernetes takes the pod out of the endpoints (so out of the DNS answer)
  //    while it drains, then stops it. No request fails on the way, and it gets no traffic after.
  dns.addresses = POD_IPS.filter((_, index) => index !== 1);
  const meanwhile = await sampleReplicas(gateway, 20);
  assert.deepEqual(meanwhile.failures, [], 'requests sent while the pod left the answer');
  await waitUntil(async () => (await apiServersUp(stats)) === 3, {
    timeoutMs: 15_000,
    intervalMs: 300,
    what: 'the removed pod to leave the backend',
  }).catch((error: Error) => assert.fail(`${error.message}\n${why()}`));
  await harness.stopReplica('pod-1');
  const after = await sampleReplicas(gateway, 30);
  assert.deepEqual(after.failures, []);
  assert.deepEqual([...after.seen.keys()].sort(), ['pod-0', 'pod-2', 'pod-3']);

  // 4. No pod ready (all failing readiness, or scaled to 0): the name is NXDOMAIN, the slots empty, and
  //    /ready — the gateway pod's readinessProbe — turns 503.
  dns.addresses = [];
  await waitUntil(async () => (await statusOf(`${stats}/ready`)) === 503, {
    timeoutMs: 15_000,
    intervalMs: 300,
    what: '/ready to report no replica once the name is NXDOMAIN',
  }).catch((error: Error) => assert.fail(`${error.message}\n${why()}`));
  assert.equal(await statusOf(`${gateway}${ROUTES.healthz}`), 503);

  // 5. And back: pods ready again are found again, without restarting the gateway.
  dns.addresses = [POD_IPS[0]!, POD_IPS[2]!];
  await waitUntil(async () => (await sampleReplicas(gateway, 6)).seen.size === 2, {
    timeoutMs: 20_000,
    intervalMs: 300,
    what: 'the gateway to use pods that are ready again',
  });
  assert.equal(await statusOf(`${stats}/ready`), 200);
  assert.ok(harness.haproxy.running, 'haproxy kept running throughout');
});
