import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckId, CheckStatus, GateReport } from '../../src/report/model.js';
import { decideExit, decideVerdict, worstStatus } from '../../src/report/verdict.js';
import { check, sampleReport } from './report-fixtures.js';

/** Check results with the given statuses, in the order given. */
const withStatuses = (statuses: Partial<Record<CheckId, CheckStatus>>) =>
  (Object.entries(statuses) as Array<[CheckId, CheckStatus]>).map(([id, status]) => check({ id, status }));

const reportOf = (verdict: GateReport['verdict'], statuses: Partial<Record<CheckId, CheckStatus>>) =>
  sampleReport({ verdict, checks: withStatuses(statuses) });

test('the worst status: fail > warn > pass > skipped; none run is skipped', () => {
  assert.equal(worstStatus([]), 'skipped');
  assert.equal(worstStatus(['skipped', 'pass']), 'pass');
  assert.equal(worstStatus(['pass', 'warn', 'skipped']), 'warn');
  assert.equal(worstStatus(['warn', 'fail', 'pass']), 'fail');
});

test('the verdict: boot-failed when nothing was checked, not-ready on ❌ (or ⚠️ under fail-on warn), else ready', () => {
  const passed = withStatuses({ 'stage-up': 'pass', 'load-balancing': 'pass' });
  const warned = withStatuses({ 'stage-up': 'pass', 'load-balancing': 'warn' });
  const failed = withStatuses({ 'stage-up': 'fail', 'load-balancing': 'skipped' });
  assert.equal(decideVerdict(passed, false, 'fail'), 'boot-failed');
  assert.equal(decideVerdict(passed, true, 'fail'), 'ready');
  assert.equal(decideVerdict(warned, true, 'fail'), 'ready');
  assert.equal(decideVerdict(warned, true, 'never'), 'ready');
  assert.equal(decideVerdict(warned, true, 'warn'), 'not-ready');
  assert.equal(decideVerdict(failed, true, 'fail'), 'not-ready');
  assert.equal(
    decideVerdict(failed, true, 'never'),
    'not-ready',
    'fail-on never changes the exit, not the verdict',
  );
});

test('the exit: fails on a boot failure and on ❌, on ⚠️ only under fail-on warn, never under fail-on never', () => {
  assert.deepEqual(decideExit(reportOf('ready', { 'stage-up': 'pass' }), 'fail'), {
    failed: false,
    exitCode: 0,
    message: 'verdict ready',
  });
  assert.deepEqual(decideExit(reportOf('boot-failed', { 'stage-up': 'fail' }), 'fail'), {
    failed: true,
    exitCode: 1,
    message: 'the stage could not be booted',
  });
  assert.deepEqual(
    decideExit(reportOf('not-ready', { 'stage-up': 'fail', 'load-balancing': 'fail' }), 'warn'),
    {
      failed: true,
      exitCode: 1,
      message: 'failed checks: stage-up, load-balancing',
    },
  );
  const warned = reportOf('ready', { 'stage-up': 'pass', 'load-balancing': 'warn' });
  assert.equal(decideExit(warned, 'fail').exitCode, 0);
  assert.deepEqual(decideExit(warned, 'warn'), {
    failed: true,
    exitCode: 1,
    message: 'degraded checks (fail-on warn): load-balancing',
  });
  assert.deepEqual(decideExit(reportOf('boot-failed', { 'stage-up': 'fail' }), 'never'), {
    failed: false,
    exitCode: 0,
    message: 'verdict boot-failed (fail-on never)',
  });
});
