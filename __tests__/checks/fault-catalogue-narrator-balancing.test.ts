/**
 * The narrator / balancing / errors half of the fault catalogue: the gate, with its default settings
 * (only the checks a fault needs), on each broken stage of the fake stage's narrator/balancing model —
 * a real HTTP server reached through the external driver, its metrics read by direct scrapes of each
 * replica's /metrics. Every fault is caught with the check and the reason it should name; the healthy
 * model passes with no ⚠️ and no failed ask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import type { GateReport } from '../../src/report/model.js';
import { createDriver } from '../../src/stage/create-driver.js';
import { ScrapeReader } from '../../src/stage/metrics/scrape-reader.js';
import type { StageDriver } from '../../src/stage/driver.js';
import { startFakeStage } from '../fixtures/fake-stage.js';
import type { NarratorBalancingFaults } from '../fixtures/fake-narrator-stage.js';
import { NARRATOR_BALANCING_ERRORS } from '../fixtures/fault-catalogue/narrator-balancing-errors.js';

const REPLICAS = ['api-1', 'api-2', 'api-3'];

async function gateOn(faults: NarratorBalancingFaults): Promise<GateReport> {
  const stage = await startFakeStage({ narratorBalancing: { faults } });
  try {
    const external = createDriver({ kind: 'external', external: { baseUrl: stage.baseUrl } });
    // The stage's own per-replica metrics, scraped directly (as the local driver does).
    const reader = new ScrapeReader({
      targets: REPLICAS.map((replica) => ({ url: `${stage.baseUrl}/metrics/${replica}`, instance: replica })),
    });
    const driver: StageDriver = Object.assign(Object.create(external) as StageDriver, {
      metrics: () => reader,
    });
    const settings = parseGateSettings({
      driver: 'external',
      baseUrl: stage.baseUrl,
      language: 'en',
      checks: 'load-balancing,narrator-saturation',
    });
    return await runGate(settings, { driver });
  } finally {
    await stage.close();
  }
}

const describe = (report: GateReport) =>
  report.checks.map((check) => `${check.id}: ${check.status} — ${check.reason}`).join('\n');

test('the healthy fake stage: both checks ✅, no ⚠️, every ask answered', async () => {
  const report = await gateOn({});
  const checks = report.checks.filter((check) => check.status !== 'skipped');
  assert.deepEqual(
    checks.map((check) => check.status),
    ['pass', 'pass'],
    describe(report),
  );
  assert.equal(report.verdict, 'ready');
  assert.equal(report.asks?.failed, 0);
  assert.equal(report.asks?.sent, 40);
});

// The stages are independent servers and the gate mostly waits on them: four at a time.
test(
  'every fault of the catalogue is caught, naming the check and the reason',
  { concurrency: 4 },
  async (t) => {
    await Promise.all(
      NARRATOR_BALANCING_ERRORS.map((entry) =>
        t.test(
          `${entry.name}: ${entry.check} ${entry.status === 'fail' ? '❌' : '⚠️'} — ${entry.bug}`,
          async () => {
            const report = await gateOn(entry.faults);
            const result = report.checks.find((check) => check.id === entry.check)!;
            assert.equal(result.status, entry.status, describe(report));
            assert.match(result.reason, entry.reason, describe(report));
            if (entry.status === 'fail') assert.equal(report.verdict, 'not-ready');
            t.diagnostic(`CATALOGUE ${entry.name} | ${result.id} ${result.status} | ${result.reason}`);
          },
        ),
      ),
    );
  },
);

test('errors anywhere: a stage failing 1 ask in 20 fails the run over the whole run, against error-budget', async () => {
  const report = await gateOn({ ask502Every: 20 });
  assert.equal(report.asks?.sent, 40);
  assert.equal(report.asks?.failed, 2);
  assert.equal(report.verdict, 'not-ready');
});
