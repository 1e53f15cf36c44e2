/**
 * The trend on real runs of the local reference stage (real redis, haproxy, API replicas, simulator):
 * a healthy run is the baseline; a run with single-flight turned off in the API replicas (the CLI, with
 * --baseline-report) reports plan-cache-single-flight ✅ → ❌ and heavy executions 1 → ~20 as
 * regressions; a run of the unchanged stage (the action's main entry, baseline-report) reports none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { driverChoiceFor } from '../../src/gate/driver-choice.js';
import { renderMarkdown } from '../../src/report/markdown-renderer.js';
import type { GateReport } from '../../src/report/model.js';
import { compareReports } from '../../src/report/trend.js';
import { createDriver } from '../../src/stage/create-driver.js';
import { removeRunDir, runEntry } from '../action/run-entry.js';
import { gateOnLocalStage, statusesOf } from './local-stage.js';

const dir = mkdtempSync(join(tmpdir(), 'stagegate-trend-'));
const baselinePath = join(dir, 'baseline.json');
let baseline: GateReport | undefined;

test.after(() => rmSync(dir, { recursive: true, force: true }));

const measuresOf = (report: GateReport) =>
  report.checks.find((check) => check.id === 'plan-cache-single-flight')?.measures;

test('run 1, the healthy stage: its JSON report records one heavy execution (the baseline)', async () => {
  const { report } = await gateOnLocalStage({ settings: { jsonReport: baselinePath } });
  assert.equal(report.verdict, 'ready', JSON.stringify(statusesOf(report)));
  assert.equal(report.version, 2);
  const measures = measuresOf(report);
  assert.equal(measures?.heavyExecutions, 1);
  assert.ok((measures?.burstP95Ms ?? -1) >= 0 && (measures?.leaderMs ?? -1) >= 0, JSON.stringify(measures));
  const narrator = report.checks.find((check) => check.id === 'narrator-saturation')?.measures;
  assert.ok(
    (narrator?.overloads ?? 0) > 0 && narrator?.slowestHealthzMs !== undefined,
    JSON.stringify(narrator),
  );
  baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as GateReport;
});

test('run 2, single-flight off (CLI, --baseline-report): ✅ → ❌ and executions 1 → ~20, called regressions', async (t) => {
  assert.ok(baseline, 'run 1 wrote the baseline');
  const currentPath = join(dir, 'current.json');
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    ['--driver', 'local', '--language', 'en', '--baseline-report', baselinePath, '--json', currentPath],
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      stageEnv: { SINGLE_FLIGHT_ENABLED: 'false' },
      createDriver: (settings, log) => createDriver(driverChoiceFor(settings, { log })),
    },
  );
  assert.equal(code, 1, `the gate fails the broken stage\n${stdout}\n${stderr}`);
  const current = JSON.parse(readFileSync(currentPath, 'utf8')) as GateReport;
  assert.equal(statusesOf(current)['plan-cache-single-flight'], 'fail');
  // Single-flight off: each ask of the burst of 20 that arrives before the first execution has put the
  // plan in the cache executes on its own: 20 on a quiet machine, 19 in a clean-clone run whose burst
  // spread past the first execution. The trend is read with the number this run measured.
  const executions = measuresOf(current)?.heavyExecutions ?? 0;
  assert.ok(executions >= 15 && executions <= 20, `heavy executions ${executions}`);
  const [n, plus] = [executions, executions - 1];

  for (const line of stdout.slice(stdout.indexOf('📊')).trimEnd().split('\n')) t.diagnostic(line);
  // The terminal: the regressions first, in one plain line, then the rows with arrows and sizes.
  assert.match(
    stdout,
    new RegExp(
      `🔺 \\d+ regressions? against the baseline: plan-cache-single-flight ✅ → ❌; plan-cache-single-flight: heavy executions 1 → ${n}, ▲ \\+${plus} \\(×${n}\\)`,
    ),
  );
  assert.match(stdout, new RegExp(`heavy executions\\s+1\\s+${n}\\s+▲ \\+${plus} \\(×${n}\\) 🔺 regression`));
  assert.match(stderr, /trend: \d+ regressions? against the baseline: plan-cache-single-flight ✅ → ❌/);

  // The summary and the comment: the same, as markdown.
  const trend = compareReports(baseline, current, { p95Factor: 2 });
  assert.deepEqual(
    trend.regressions.slice(0, 2).map((r) => [r.check, r.what, r.before, r.after]),
    [
      ['plan-cache-single-flight', 'status', 'pass', 'fail'],
      ['plan-cache-single-flight', 'heavyExecutions', 1, n],
    ],
  );
  const markdown = renderMarkdown(current, { trend });
  assert.match(
    markdown,
    /\*\*🔺 \d+ regressions? against the baseline:\*\* plan-cache-single-flight ✅ → ❌ · /,
  );
  assert.match(
    markdown,
    /\| Plan cache and single-flight \(plan-cache-single-flight\) \| status \| ✅ \| ❌ \| 🔺 regression \|/,
  );
  assert.match(
    markdown,
    new RegExp(`\\| {3}\\| heavy executions \\| 1 \\| ${n} \\| ▲ \\+${plus} \\(×${n}\\) 🔺 regression \\|`),
  );
});

test('run 3, the unchanged stage (the action, baseline-report): no regression', async (t) => {
  assert.ok(baseline, 'run 1 wrote the baseline');
  const run = await runEntry({
    entry: 'src/action/main.ts',
    inputs: { driver: 'local', language: 'en', 'baseline-report': baselinePath, 'pr-comment': 'false' },
    timeoutMs: 150_000,
  });
  t.after(() => removeRunDir(run));
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.outputs['verdict'], 'ready');
  assert.match(run.summary, /### 📊 Compared with the baseline/);
  assert.match(run.summary, /\*\*No regression against the baseline\.\*\*/);
  assert.match(run.summary, /heavy executions \| 1 \| 1 \| = same \|/);
  assert.match(run.stdout, /trend: No regression against the baseline\./);
});
