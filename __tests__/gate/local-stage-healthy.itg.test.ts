/** The reference stage, booted locally, passes every check: the gate's own "✅ on a fresh clone". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gateOnLocalStage, statusesOf } from './local-stage.js';

test('the healthy reference stage: all five checks pass, verdict ready, stage torn down', async (t) => {
  const { report, leftRunning, logLines } = await gateOnLocalStage();
  const summary = report.checks.map((check) => `${check.id}: ${check.status} — ${check.reason}`).join('\n');
  for (const check of report.checks)
    t.diagnostic(`${check.id} (${check.durationMs} ms): ${check.status} — ${check.reason}`);
  assert.deepEqual(
    statusesOf(report),
    {
      'stage-up': 'pass',
      'load-balancing': 'pass',
      'plan-cache-single-flight': 'pass',
      'private-isolation': 'pass',
      'narrator-saturation': 'pass',
    },
    summary,
  );
  assert.equal(report.verdict, 'ready');
  assert.equal(report.stage.driver, 'local');
  assert.match(report.stage.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  // The proofs behind the ✅, not just the status: replicas confirmed by logs, one execution, overload seen.
  assert.match(
    summary,
    /load-balancing: pass — 20\/20 GET \/healthz succeeded, spread over 3 replicas .*confirmed by the api logs/,
  );
  assert.match(
    summary,
    /plan-cache-single-flight: pass — 1 execution and 19 hits with the leader's answer .*second round 6\/6 hits .*services_plan_heavy_executions_total \+1 .*LLM: services_narrator_llm_requests_total\{outcome="ok"\} \+[01]; SQL: services_sql_executions_total \+1/,
  );
  assert.match(
    summary,
    /private-isolation: pass — .*11 private asks from 4 clients \(2 fresh this run\), in turn and at once, possessive and not/,
  );
  assert.match(summary, /narrator-saturation: pass — \d+\/10 simultaneous LLM-bound asks signalled overload/);
  assert.deepEqual(leftRunning, []);
  assert.ok(logLines.some((line) => /teardown: stopping the stage/.test(line)));
});
