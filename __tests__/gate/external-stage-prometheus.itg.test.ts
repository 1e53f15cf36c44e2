/**
 * stage-up on a stage the gate did not start, seeing its api replicas only through Prometheus — as on a
 * Kubernetes cluster. The stage is the real local one (3 api replicas, HAProxy, Redis, the Ollama
 * simulator, and a Prometheus scraping every replica); the gate is the real CLI with
 * `--driver external --base-url <gateway> --prometheus-url <its Prometheus>`. It counts 3 replicas
 * from `up{job="api"}`; with one killed, it says 2/3 and fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateReport } from '../../src/report/model.js';
import { ExternalStageDriver } from '../../src/stage/external/external-driver.js';
import { LocalStageHarness } from '../stage/local/local-stage-harness.js';
import { PrometheusApiReader } from '../../src/stage/metrics/prometheus-api-reader.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { runCli } from '../cli/run-cli.js';
import { inEnglish } from '../../src/report/language.js';
import { describeServiceDetail } from '../../src/stage/stage-words.js';

test(
  'external driver + prometheus-url: stage-up counts 3 api replicas, then 2/3 and fails with one killed',
  { timeout: 240_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'stagegate-external-prom-'));
    const stage = new LocalStageHarness();
    t.after(async () => {
      await stage.teardown({ timeoutMs: 10_000 });
      rmSync(dir, { recursive: true, force: true });
    });
    const booted = await stage.boot({ replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 90_000 });
    assert.ok(booted.ok, booted.reason);
    const prometheusUrl = stage.urls.prometheus!;
    const prometheus = new PrometheusApiReader({ url: prometheusUrl });
    const upCount = async () => (await prometheus.targetsUp('api')).filter((target) => target.up).length;
    // Prometheus has scraped every replica once: what a workflow waits for after a rollout.
    await waitUntil(async () => (await upCount()) === 3, {
      timeoutMs: 30_000,
      intervalMs: 300,
      what: 'Prometheus to see the 3 api replicas up',
    });

    const gate = async (name: string) => {
      const jsonPath = join(dir, `${name}.json`);
      const run = await runCli([
        '--driver',
        'external',
        '--base-url',
        stage.baseUrl,
        '--prometheus-url',
        prometheusUrl,
        '--checks',
        'stage-up',
        '--replicas',
        '3',
        '--language',
        'en',
        '--json',
        jsonPath,
      ]);
      const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as GateReport;
      const stageUp = report.checks.find((check) => check.id === 'stage-up')!;
      const table = stageUp.evidence.find((item) => item.kind === 'table');
      const apiRows = table?.kind === 'table' ? table.rows.filter((row) => row[0] === 'api') : [];
      return { run, report, stageUp, apiRows, summary: `${run.stdout}\n${run.stderr}` };
    };

    const healthy = await gate('healthy');
    assert.equal(healthy.run.code, 0, healthy.summary);
    assert.equal(healthy.stageUp.status, 'pass', healthy.stageUp.reason);
    assert.match(
      healthy.stageUp.reason,
      /^3\/3 api replicas, the gateway and 0 required services running and healthy/,
    );
    assert.doesNotMatch(healthy.stageUp.reason, /not visible/);
    assert.equal(healthy.apiRows.length, 3, 'one row per replica Prometheus scrapes');
    for (const row of healthy.apiRows) {
      assert.equal(row[2], 'up');
      assert.match(String(row[5]), /Prometheus: up\{job="api"\} 1/);
    }
    assert.equal(healthy.report.verdict, 'ready');

    // A job Prometheus does not have: one row saying so, which stage-up counts as no replica.
    const [, absent] = await new ExternalStageDriver({
      baseUrl: stage.baseUrl,
      prometheusUrl,
      apiService: 'web',
      replicaSettleMs: 500,
    }).services();
    assert.equal(absent?.state, 'absent');
    assert.match(
      describeServiceDetail(absent!, inEnglish),
      /Prometheus has no scrape target of job "web": no api replica seen/,
    );

    await stage.killReplica(2);
    const killedAddress = new URL(stage.replicaUrl(2)).host;
    const killed = await gate('killed');
    assert.equal(killed.run.code, 1, killed.summary);
    assert.equal(killed.stageUp.status, 'fail');
    assert.match(killed.stageUp.reason, /^api: 2\/3 replicas running and healthy/);
    assert.ok(
      killed.stageUp.reason.includes(`${killedAddress} down/unhealthy`),
      `the reason names the dead replica: ${killed.stageUp.reason}`,
    );
    assert.equal(killed.report.verdict, 'not-ready');
    assert.deepEqual(
      killed.apiRows.map((row) => row[2]).sort(),
      ['down', 'up', 'up'],
      'the killed replica is still a target, and down',
    );
  },
);
