/**
 * Broken local stages the gate must catch: a replica whose /healthz always fails, and a stage that
 * hangs on /ask. Each ends within its bounds, ❌ on the right check, "not ready", and torn down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gateOnLocalStage, reasonOf, statusesOf } from './local-stage.js';

test('a replica that always fails /healthz → ❌ stage-up, the stage is not ready, nothing left running', async () => {
  const { report, elapsedMs, leftRunning } = await gateOnLocalStage({
    settings: { bootTimeoutSeconds: 8 },
    local: { replicaEnv: { 2: { FAULT_INJECTION: 'healthz-fail' } } },
  });
  assert.equal(report.verdict, 'boot-failed');
  assert.equal(statusesOf(report)['stage-up'], 'fail');
  assert.match(reasonOf(report, 'stage-up'), /api-2 was not healthy within the boot timeout/);
  assert.ok(report.checks.slice(1).every((check) => check.status === 'skipped'));
  assert.ok(elapsedMs < 30_000, `took ${elapsedMs} ms`);
  assert.deepEqual(leftRunning, []);
});

test('a stage that hangs on /ask → ❌ on every ask check by request timeout, /healthz still ✅, torn down', async () => {
  const { report, elapsedMs, leftRunning } = await gateOnLocalStage({
    settings: { requestTimeoutSeconds: 3, bootTimeoutSeconds: 30, globalDeadlineSeconds: 90 },
    stageEnv: { FAULT_INJECTION: 'ask-hang' },
  });
  const statuses = statusesOf(report);
  assert.equal(report.verdict, 'not-ready');
  assert.equal(statuses['stage-up'], 'pass');
  assert.equal(statuses['load-balancing'], 'pass');
  for (const id of ['plan-cache-single-flight', 'private-isolation', 'narrator-saturation'] as const) {
    assert.equal(statuses[id], 'fail', `${id}: ${reasonOf(report, id)}`);
    assert.match(reasonOf(report, id), /timed out after 3 s|did not complete within 3 s/);
  }
  assert.ok(elapsedMs < 90_000, `took ${elapsedMs} ms`);
  assert.deepEqual(leftRunning, []);
});
