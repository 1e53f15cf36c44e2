/**
 * The Kubernetes stage's copies of the project's configs (deploy/kubernetes/base/files/): each one is
 * exactly what its source under deploy/ gives today (`npm run kubernetes:files` writes them), the base
 * kustomization reads exactly those, and the generators refuse a source they cannot follow. That the
 * copies pass the real `haproxy -c` and `promtool` is kubernetes-files.itg.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  KUBERNETES_BASE_DIR,
  KUBERNETES_FILES,
  renderClusterHaproxyConfig,
  renderClusterPrometheusConfig,
} from '../../../src/stage/kubernetes/cluster-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const SHARED_HAPROXY = read('deploy/haproxy/haproxy.cfg');
const COMPOSE_PROMETHEUS = read('deploy/prometheus/prometheus.yml');

for (const file of KUBERNETES_FILES) {
  test(`${file.target} is what ${file.source} gives (else: npm run kubernetes:files)`, () => {
    assert.equal(
      read(file.target),
      file.render(read(file.source)),
      `${file.target} has drifted from ${file.source}: run \`npm run kubernetes:files\` and commit the result`,
    );
  });
}

test('every file the base kustomization reads from files/ is one of the generated copies', () => {
  const kustomization = parse(read(`${KUBERNETES_BASE_DIR}/kustomization.yaml`)) as {
    configMapGenerator: Array<{ files?: string[] }>;
  };
  const read_ = kustomization.configMapGenerator
    .flatMap((generator) => generator.files ?? [])
    .map((entry) => `${KUBERNETES_BASE_DIR}/${entry.split('=').pop()}`)
    .filter((path) => path.includes('/files/'))
    .sort();
  assert.deepEqual(read_, KUBERNETES_FILES.map((file) => file.target).sort());
});

test('the generators refuse a source they cannot follow, naming what is missing', () => {
  assert.throws(
    () => renderClusterHaproxyConfig(SHARED_HAPROXY.replace('# BEGIN compose-only', '# compose'), 'x.cfg'),
    /x\.cfg: no "# BEGIN compose-only" line/,
  );
  assert.throws(
    () => renderClusterHaproxyConfig(SHARED_HAPROXY.replace(/^\s*nameserver .*$/m, ''), 'x.cfg'),
    /name no nameserver/,
  );
  assert.throws(
    () =>
      renderClusterHaproxyConfig(SHARED_HAPROXY.replace('resolvers docker init-addr', 'init-addr'), 'x.cfg'),
    /expected one "server-template \.\.\. resolvers docker" line in the api-servers block, found 0/,
  );
  assert.throws(
    () =>
      renderClusterPrometheusConfig(COMPOSE_PROMETHEUS.replace('job_name: api', 'job_name: web'), 'p.yml'),
    /p\.yml: no scrape job named "api"/,
  );
  assert.throws(
    () =>
      renderClusterPrometheusConfig(COMPOSE_PROMETHEUS.replace('dns_sd_configs', 'static_configs'), 'p.yml'),
    /has no dns_sd_configs to replace/,
  );
});
