/**
 * Broken local stages the gate must catch, each ❌ on the right check and "not ready":
 * no single-flight (and no plan cache), one cache key for all clients, no narrator limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFailsOnly, gateOnLocalStage, reasonOf } from './local-stage.js';

test('no single-flight and no plan cache: every identical ask executes → ❌ plan-cache-single-flight', async () => {
  const { report, leftRunning } = await gateOnLocalStage({
    stageEnv: { SINGLE_FLIGHT_ENABLED: 'false', PLAN_CACHE_ENABLED: 'false' },
  });
  // Without a cache, A's repeat cannot be a hit either: private-isolation may only degrade, not pass silently.
  assertFailsOnly(report, 'plan-cache-single-flight', ['private-isolation']);
  const reason = reasonOf(report, 'plan-cache-single-flight');
  assert.match(reason, /20 of 20 identical asks executed .*services_plan_heavy_executions_total \+\d+/);
  // The stage's own counter agrees: at least one execution per ask (the other checks' asks count too).
  const executions = Number(/services_plan_heavy_executions_total \+(\d+)/.exec(reason)![1]);
  assert.ok(executions >= 20, reason);
  assert.deepEqual(leftRunning, []);
});

test('one cache key for all clients (shared-cache-keys fault) → ❌ private-isolation', async () => {
  const { report } = await gateOnLocalStage({ stageEnv: { FAULT_INJECTION: 'shared-cache-keys' } });
  assertFailsOnly(report, 'private-isolation');
  assert.match(
    reasonOf(report, 'private-isolation'),
    /A and B got the same cache key .*B was served A's entry/,
  );
});

test('no narrator limit on the stage (NARRATOR_MAX_CONCURRENCY=0 overrides the asked 1) → ❌ narrator-saturation', async () => {
  const { report } = await gateOnLocalStage({ stageEnv: { NARRATOR_MAX_CONCURRENCY: '0' } });
  assertFailsOnly(report, 'narrator-saturation');
  assert.match(
    reasonOf(report, 'narrator-saturation'),
    /none of the 10 simultaneous LLM-bound asks was refused or degraded/,
  );
});
