/**
 * The gate against stages that answer garbage, hang, or never get healthy — real HTTP servers reached
 * through the real external driver. Each must end in a clear ❌ (or boot failure) with the reason,
 * within the deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../src/gate/run-gate.js';
import { CHECKS_WITHOUT_CAPACITY } from '../support/gate-checks.js';
import { parseGateSettings, type GateSettings } from '../../src/gate/settings.js';
import type { CheckId, GateReport } from '../../src/report/model.js';
import { createDriver } from '../../src/stage/create-driver.js';
import { startFakeStage, type FakeStageOptions } from '../fixtures/fake-stage.js';

type Mode = 'html' | 'invalid-json' | 'no-meta' | 'hang' | 'unhealthy';

/** The garbage each mode is: an /ask that answers it, or a /healthz that never says ok. */
function garbage(mode: Mode): FakeStageOptions {
  return mode === 'unhealthy'
    ? { replicas: ['garbage-1'], healthz: 'down' }
    : { replicas: ['garbage-1'], ask: mode };
}

function settingsFor(url: string, overrides: Partial<GateSettings> = {}): GateSettings {
  return {
    ...parseGateSettings({
      driver: 'external',
      baseUrl: url,
      replicas: 1,
      singleFlightBurst: 5,
      narratorBurst: 4,
      healthzRequests: 5,
      requestTimeoutSeconds: 2,
      bootTimeoutSeconds: 5,
      language: 'en',
      checks: CHECKS_WITHOUT_CAPACITY,
    }),
    ...overrides,
  };
}

async function gate(
  mode: Mode,
  overrides: Partial<GateSettings> = {},
): Promise<{ report: GateReport; elapsedMs: number }> {
  const stage = await startFakeStage(garbage(mode));
  const url = stage.baseUrl;
  try {
    const started = Date.now();
    const settings = settingsFor(url, overrides);
    const report = await runGate(settings, {
      driver: createDriver({ kind: 'external', external: { baseUrl: url } }),
    });
    return { report, elapsedMs: Date.now() - started };
  } finally {
    await stage.close();
  }
}

const check = (report: GateReport, id: CheckId) => report.checks.find((entry) => entry.id === id)!;

test('a stage answering HTML to /ask: ❌ on every ask check, saying it answered HTML', async () => {
  const { report } = await gate('html');
  assert.equal(report.verdict, 'not-ready');
  // load-balancing samples /ask too (errors anywhere): its /healthz answers are fine, its asks are not.
  for (const id of [
    'load-balancing',
    'plan-cache-single-flight',
    'private-isolation',
    'narrator-saturation',
  ] as const) {
    assert.equal(check(report, id).status, 'fail', `${id}: ${check(report, id).reason}`);
    assert.match(check(report, id).reason, /answered HTML, not JSON: "<!DOCTYPE html>/);
  }
});

test('a stage answering invalid JSON: ❌ saying the JSON is invalid', async () => {
  const { report } = await gate('invalid-json');
  assert.equal(report.verdict, 'not-ready');
  assert.match(
    check(report, 'plan-cache-single-flight').reason,
    /5\/5 asks of the burst failed: 5× HTTP 200 answered invalid JSON/,
  );
  assert.equal(check(report, 'private-isolation').status, 'fail');
  assert.equal(check(report, 'narrator-saturation').status, 'fail');
});

test('a stage whose answers lack meta: ❌ naming the missing fields', async () => {
  const { report } = await gate('no-meta');
  assert.equal(report.verdict, 'not-ready');
  assert.match(
    check(report, 'plan-cache-single-flight').reason,
    /no boolean at meta\.compute\.plan_cache_hit/,
  );
  assert.match(check(report, 'private-isolation').reason, /no cache key at meta\.compute\.plan_cache_key/);
  assert.match(check(report, 'narrator-saturation').reason, /no boolean at meta\.narrative_overload/);
});

test('a stage that accepts /ask and never answers: ❌ by request timeouts, cut by the global deadline', async () => {
  // 12 s deadline (below the options' floor, set directly): 5 s teardown reserve, 7 s for boot and checks.
  const { report, elapsedMs } = await gate('hang', { globalDeadlineSeconds: 12 });
  assert.ok(elapsedMs < 13_000, `ended within the deadline (took ${elapsedMs} ms)`);
  assert.equal(report.verdict, 'not-ready');
  assert.match(check(report, 'plan-cache-single-flight').reason, /5× timed out after 2 s/);
  assert.equal(check(report, 'private-isolation').status, 'fail');
  assert.notEqual(check(report, 'narrator-saturation').status, 'pass');
  assert.ok(report.phases.some((phase) => phase.name === 'teardown'));
});

test('a stage that never gets healthy: boot failed within the boot timeout, the reason says what it answered', async () => {
  const { report, elapsedMs } = await gate('unhealthy');
  assert.equal(report.verdict, 'boot-failed');
  assert.match(
    check(report, 'stage-up').reason,
    /did not answer GET \/healthz with a 2xx within 5000 ms \(last: HTTP 503\)/,
  );
  assert.ok(elapsedMs < 12_000);
  assert.ok(report.checks.slice(1).every((entry) => entry.status === 'skipped'));
});
