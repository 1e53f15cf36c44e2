/**
 * The Kubernetes stage's copies of the project's configs, against the real programs: the gateway's
 * config passes `haproxy -c` with the environment its pod gets, Prometheus's passes `promtool check
 * config`. That the copies are what their sources give is kubernetes-files.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  API_DISCOVERY_ENV,
  CLUSTER_RESOLVERS,
  KUBERNETES_BASE_DIR,
} from '../../../src/stage/kubernetes/cluster-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const SHARED_HAPROXY = read('deploy/haproxy/haproxy.cfg');
const COMPOSE_PROMETHEUS = read('deploy/prometheus/prometheus.yml');

test('the cluster gateway config: the shared one with the cluster resolvers, and haproxy -c accepts it', () => {
  const cluster = read(`${KUBERNETES_BASE_DIR}/files/haproxy.cfg`);
  assert.match(cluster, new RegExp(`^resolvers ${CLUSTER_RESOLVERS}\\n\\s+parse-resolv-conf$`, 'm'));
  assert.doesNotMatch(cluster, /127\.0\.0\.11|resolvers docker/, "nothing of Docker's DNS is left");
  assert.match(
    cluster,
    new RegExp(
      `^\\s+server-template api- 1-20 "\\$\\{${API_DISCOVERY_ENV}\\}:8080" check resolvers ${CLUSTER_RESOLVERS} init-addr none`,
      'm',
    ),
  );
  // Everything outside the two blocks is the shared file's, line for line (its opening comment aside).
  const outside = (text: string) =>
    text
      .replace(/^# BEGIN (compose|cluster)-only[\s\S]*?# END (compose|cluster)-only\n/m, '')
      .replace(/# BEGIN api-servers[\s\S]*?# END api-servers/, '')
      .replace(/^(#.*\n)+/, '');
  assert.equal(outside(cluster), outside(SHARED_HAPROXY));

  const dir = mkdtempSync(join(tmpdir(), 'stagegate-cluster-haproxy-'));
  try {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, cluster);
    // The environment of the gateway pod (deploy/kubernetes/base/gateway.yaml).
    const env = {
      ...process.env,
      GATEWAY_BIND: '*:8000',
      STATS_BIND: '*:8404',
      [API_DISCOVERY_ENV]: 'api.stagegate.svc.cluster.local',
    };
    const checked = spawnSync('haproxy', ['-c', '-f', file], { env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`);
    assert.match(`${checked.stdout}${checked.stderr}`, /Configuration file is valid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the cluster Prometheus config passes promtool check config', () => {
  const out = execFileSync(
    'promtool',
    ['check', 'config', join(ROOT, KUBERNETES_BASE_DIR, 'files', 'prometheus.yml')],
    { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  assert.match(out, /SUCCESS/);
  // The same jobs as compose, at the same intervals; only the api job's discovery differs.
  const compose = parse(COMPOSE_PROMETHEUS) as {
    global: unknown;
    scrape_configs: Array<{ job_name: string }>;
  };
  const cluster = parse(read(`${KUBERNETES_BASE_DIR}/files/prometheus.yml`)) as typeof compose;
  assert.deepEqual(cluster.global, compose.global);
  assert.deepEqual(
    cluster.scrape_configs.map((job) => job.job_name),
    compose.scrape_configs.map((job) => job.job_name),
  );
  assert.deepEqual(cluster.scrape_configs.slice(1), compose.scrape_configs.slice(1));
});
