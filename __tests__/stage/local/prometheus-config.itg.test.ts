import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { renderPrometheusConfig } from '../../../src/stage/local/prometheus-config.js';

const run = promisify(execFile);

test('scrapes every replica and the gateway exporter each second, keeping the replicas own labels', async () => {
  const text = renderPrometheusConfig({
    api: ['127.0.0.1:41001', '127.0.0.1:41002', '127.0.0.1:41003'],
    gateway: '127.0.0.1:41009',
  });
  const config = parse(text) as {
    global: Record<string, string>;
    scrape_configs: Array<{
      job_name: string;
      honor_labels?: boolean;
      static_configs: Array<{ targets: string[] }>;
    }>;
  };
  assert.equal(config.global.scrape_interval, '1s');
  const jobs = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job]));
  assert.deepEqual(jobs.api!.static_configs[0]!.targets, [
    '127.0.0.1:41001',
    '127.0.0.1:41002',
    '127.0.0.1:41003',
  ]);
  assert.equal(jobs.api!.honor_labels, true);
  assert.deepEqual(jobs.gateway!.static_configs[0]!.targets, ['127.0.0.1:41009']);

  // Prometheus's own checker accepts it.
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-promcfg-'));
  try {
    writeFileSync(join(dir, 'prometheus.yml'), text);
    const { stdout } = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')], {
      timeout: 10_000,
    });
    assert.match(stdout, /SUCCESS/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad targets and intervals are refused', () => {
  assert.throws(() => renderPrometheusConfig({ api: [], gateway: '127.0.0.1:1' }), /at least one api target/);
  assert.throws(
    () => renderPrometheusConfig({ api: ['http://127.0.0.1:1/metrics'], gateway: '127.0.0.1:1' }),
    /is not a host:port target/,
  );
  assert.throws(
    () =>
      renderPrometheusConfig({ api: ['127.0.0.1:1'], gateway: '127.0.0.1:2', scrapeIntervalSeconds: 0.5 }),
    /whole number of seconds/,
  );
});
