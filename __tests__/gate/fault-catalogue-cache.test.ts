/**
 * The fault catalogue, cache/single-flight and isolation classes: the gate with default settings (only
 * the check each bug concerns) on each broken fake stage must say ❌ (or ⚠️ where the bug only degrades)
 * with the reason; the healthy fake stage passes both checks with no ⚠️. The fake stage is a real HTTP
 * server reached through the external driver; its /metrics is scraped directly (one process, every replica).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import type { CheckId } from '../../src/report/model.js';
import { ExternalStageDriver } from '../../src/stage/external/external-driver.js';
import { ScrapeReader } from '../../src/stage/metrics/scrape-reader.js';
import type { MetricsReader } from '../../src/stage/driver.js';
import { startFakeStage, type FakeStageOptions } from '../fixtures/fake-stage.js';
import { CACHE_AND_ISOLATION_CATALOGUE } from '../fixtures/fault-catalogue/cache-and-isolation.js';

/** The external driver, with the fake stage's own /metrics as a direct scrape (it is every replica). */
class FakeStageDriver extends ExternalStageDriver {
  private readonly scrape: MetricsReader;
  constructor(baseUrl: string) {
    super({ baseUrl });
    this.scrape = new ScrapeReader({ targets: [{ url: `${baseUrl}/metrics`, instance: 'fake-stage' }] });
  }
  override metrics(): MetricsReader {
    return this.scrape;
  }
}

async function gate(stageOptions: FakeStageOptions, checks: CheckId[]) {
  const stage = await startFakeStage({
    replicas: ['api-1', 'api-2', 'api-3'],
    cached: true,
    ...stageOptions,
  });
  try {
    const settings = parseGateSettings({
      driver: 'external',
      baseUrl: stage.baseUrl,
      replicas: 3,
      checks,
      language: 'en',
    });
    return await runGate(settings, { driver: new FakeStageDriver(stage.baseUrl) });
  } finally {
    await stage.close();
  }
}

test('the healthy fake stage passes plan-cache-single-flight and private-isolation with no ⚠️', async () => {
  const report = await gate({}, ['plan-cache-single-flight', 'private-isolation']);
  for (const check of report.checks.filter((entry) => entry.status !== 'skipped'))
    assert.equal(check.status, 'pass', `${check.id}: ${check.reason}`);
  assert.equal(report.verdict, 'ready');
});

for (const entry of CACHE_AND_ISOLATION_CATALOGUE)
  test(`${entry.fault} (${entry.models}): ${entry.check} ${entry.status === 'fail' ? '❌' : '⚠️'}`, async (t) => {
    const report = await gate({ cacheFault: entry.fault }, [entry.check]);
    const check = report.checks.find((item) => item.id === entry.check)!;
    t.diagnostic(`${entry.fault} → ${check.status}: ${check.reason}`);
    assert.equal(check.status, entry.status, check.reason);
    assert.match(check.reason, entry.reason);
  });
