/**
 * Re-running the gate against a stage that stays up (the external driver pointed at a running local
 * stage, with its Prometheus): the first run proves everything; the second finds the public plan and
 * the private plans already cached and says so as ⚠️ — neither a false ✅ nor a false ❌.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../src/gate/run-gate.js';
import { CHECKS_WITHOUT_CAPACITY } from '../support/gate-checks.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import { createDriver } from '../../src/stage/create-driver.js';
import { LocalStageHarness } from '../stage/local/local-stage-harness.js';
import { reasonOf, statusesOf } from './local-stage.js';

test('a re-run within the cache TTL reports the warm cache instead of a pass', async (t) => {
  const stage = new LocalStageHarness();
  t.after(() => stage.teardown({ timeoutMs: 10_000 }));
  const boot = await stage.boot({ replicas: 3, narratorMaxConcurrency: 1, bootTimeoutMs: 60_000 });
  assert.ok(boot.ok, boot.reason);
  const settings = parseGateSettings({
    driver: 'external',
    baseUrl: stage.baseUrl,
    prometheusUrl: stage.urls.prometheus,
    language: 'en',
    checks: CHECKS_WITHOUT_CAPACITY,
  });
  const external = () =>
    createDriver({
      kind: 'external',
      external: { baseUrl: stage.baseUrl, prometheusUrl: stage.urls.prometheus },
    });

  const first = await runGate(settings, { driver: external() });
  const firstSummary = first.checks
    .map((check) => `${check.id}: ${check.status} — ${check.reason}`)
    .join('\n');
  assert.equal(first.verdict, 'ready', firstSummary);
  assert.ok(
    first.checks.every((check) => check.status === 'pass' || /^not selected/.test(check.reason)),
    firstSummary,
  );
  // Counted through Prometheus here, after waiting for a fresh scrape.
  assert.match(reasonOf(first, 'plan-cache-single-flight'), /services_plan_heavy_executions_total \+1/);

  const second = await runGate(settings, { driver: external() });
  const statuses = statusesOf(second);
  assert.equal(statuses['plan-cache-single-flight'], 'warn');
  assert.match(reasonOf(second, 'plan-cache-single-flight'), /cache already warm: all 20 answers were hits/);
  assert.equal(statuses['private-isolation'], 'warn');
  assert.match(reasonOf(second, 'private-isolation'), /B was already a hit on its own key/);
  // Each run tags its LLM-bound questions, so the narrator is saturated again.
  assert.equal(statuses['narrator-saturation'], 'pass', reasonOf(second, 'narrator-saturation'));
  assert.equal(second.verdict, 'ready', 'warnings do not fail under the default fail-on');
});
