/**
 * The comparison with a baseline: which changes are regressions, how each change is shown (arrow and
 * size), and that a missing or unusable baseline is one line that breaks nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trendAgainstBaseline } from '../../src/report/baseline.js';
import { escapeMarkdownInline } from '../../src/report/escape.js';
import { renderJson } from '../../src/report/json-renderer.js';
import { COMMENT_MAX_CHARS, renderMarkdown } from '../../src/report/markdown-renderer.js';
import type { CheckMeasures, CheckStatus, GateReport } from '../../src/report/model.js';
import { compareReports, P95_MIN_GROWTH_MS } from '../../src/report/trend.js';
import { renderTrendMarkdown, renderTrendTerminal } from '../../src/report/trend-renderer.js';
import { outsideCode } from './markdown-helpers.js';
import { check, sampleReport } from './report-fixtures.js';

function report(
  singleFlight: { status: CheckStatus; measures?: CheckMeasures },
  narrator: { status: CheckStatus; measures?: CheckMeasures } = {
    status: 'pass',
    measures: { overloads: 6, slowestHealthzMs: 12 },
  },
  overrides: Partial<GateReport> = {},
): GateReport {
  return sampleReport({
    version: 2,
    language: 'en',
    checks: [
      check({ id: 'stage-up', status: 'pass' }),
      check({ id: 'load-balancing', status: 'skipped' }),
      check({ id: 'plan-cache-single-flight', ...singleFlight }),
      check({ id: 'narrator-saturation', ...narrator }),
    ],
    ...overrides,
  });
}

const healthy = (p95 = 90): CheckMeasures => ({
  heavyExecutions: 1,
  burstP50Ms: 40,
  burstP95Ms: p95,
  leaderMs: 80,
});

test('single-flight lost: ✅ → ❌ and heavy executions 1 → 20 are the regressions, shown plainly', () => {
  const baseline = report({ status: 'pass', measures: healthy() });
  const broken = report({
    status: 'fail',
    measures: { heavyExecutions: 20, burstP50Ms: 45, burstP95Ms: 120, leaderMs: 85 },
  });
  const trend = compareReports(baseline, broken, { p95Factor: 2 });
  assert.deepEqual(trend.regressions, [
    { check: 'plan-cache-single-flight', what: 'status', before: 'pass', after: 'fail' },
    { check: 'plan-cache-single-flight', what: 'heavyExecutions', before: 1, after: 20 },
  ]);
  // A check skipped both times has no row; the others keep their canonical order.
  assert.deepEqual(
    trend.checks.map((c) => c.id),
    ['stage-up', 'plan-cache-single-flight', 'narrator-saturation'],
  );
  const markdown = renderTrendMarkdown(trend, 'en');
  assert.match(
    markdown,
    /\*\*🔺 2 regressions against the baseline:\*\* plan-cache-single-flight ✅ → ❌ · plan-cache-single-flight: heavy executions 1 → 20, ▲ \+19 \(×20\)/,
  );
  assert.match(
    markdown,
    /\| Plan cache and single-flight \(plan-cache-single-flight\) \| status \| ✅ \| ❌ \| 🔺 regression \|/,
  );
  assert.match(markdown, /\| {3}\| heavy executions \| 1 \| 20 \| ▲ \+19 \(×20\) 🔺 regression \|/);
  assert.match(markdown, /\| {3}\| burst p95 \| 90 ms \| 120 ms \| ▲ \+30 ms \(×1\.3\) \|/);
  assert.match(markdown, /\| {3}\| overloads \| 6 \| 6 \| = same \|/);
  const terminal = renderTrendTerminal(trend, 'en');
  assert.match(
    terminal,
    /🔺 2 regressions against the baseline: plan-cache-single-flight ✅ → ❌; plan-cache-single-flight: heavy executions 1 → 20/,
  );
  assert.match(renderTrendTerminal(trend, 'pt-BR'), /2 regressões contra a linha de base/);
});

test('p95: a regression only past the factor and by at least the noise floor', () => {
  const baseline = report({ status: 'pass', measures: healthy(90) });
  const at = (p95: number, factor = 2) =>
    compareReports(baseline, report({ status: 'pass', measures: healthy(p95) }), { p95Factor: factor })
      .regressions;
  assert.deepEqual(at(180), [], 'exactly ×2 is within the factor');
  assert.deepEqual(at(185), [], `×2.06 but only +95 ms: under the ${P95_MIN_GROWTH_MS} ms floor`);
  assert.deepEqual(at(400), [
    { check: 'plan-cache-single-flight', what: 'burstP95Ms', before: 90, after: 400 },
  ]);
  assert.deepEqual(at(400, 5), [], 'a larger factor allows it');
  assert.deepEqual(at(30), [], 'faster is never a regression');
  const faster = renderTrendMarkdown(
    compareReports(baseline, report({ status: 'pass', measures: healthy(30) }), { p95Factor: 2 }),
    'en',
  );
  assert.match(faster, /burst p95 \| 90 ms \| 30 ms \| ▼ −60 ms \(×0\.33\) \|/);
  assert.match(faster, /\*\*No regression against the baseline\.\*\*/);
});

test('statuses: worse between runs is a regression, better or not run is not', () => {
  const cases: Array<[CheckStatus, CheckStatus, boolean, RegExp]> = [
    ['pass', 'warn', true, /🔺 regression/],
    ['warn', 'fail', true, /🔺 regression/],
    ['fail', 'pass', false, /▼ better/],
    ['pass', 'skipped', false, /changed/],
    ['skipped', 'fail', false, /changed/],
    ['warn', 'warn', false, /= same/],
  ];
  for (const [before, after, regression, shown] of cases) {
    const trend = compareReports(report({ status: before }), report({ status: after }), { p95Factor: 2 });
    const row = trend.checks.find((c) => c.id === 'plan-cache-single-flight')!;
    assert.equal(row.status.regression, regression, `${before} → ${after}`);
    assert.equal(trend.regressions.length > 0, regression, `${before} → ${after}`);
    const line = renderTrendMarkdown(trend, 'en')
      .split('\n')
      .find((l) => l.includes('(plan-cache-single-flight) | status'))!;
    assert.match(line, shown, `${before} → ${after}: ${line}`);
  }
});

test('an unchanged run shows no regression, and one measured only now or only before says so', () => {
  const same = compareReports(
    report({ status: 'pass', measures: healthy() }),
    report({ status: 'pass', measures: healthy() }),
    {
      p95Factor: 2,
    },
  );
  assert.deepEqual(same.regressions, []);
  const formatOne = compareReports(
    report({ status: 'pass' }, { status: 'pass' }),
    report({ status: 'pass', measures: healthy() }),
    {
      p95Factor: 2,
    },
  );
  assert.deepEqual(formatOne.regressions, [], 'a baseline without measures: statuses only');
  assert.match(renderTrendMarkdown(formatOne, 'en'), /heavy executions \| — \| 1 \| new \|/);
  const lost = compareReports(report({ status: 'pass', measures: healthy() }), report({ status: 'fail' }), {
    p95Factor: 2,
  });
  assert.match(renderTrendMarkdown(lost, 'en'), /heavy executions \| 1 \| — \| not measured now \|/);
});

test('no baseline: one line in the report, nothing else changes; an unusable one gives its reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = report({ status: 'pass', measures: healthy() });
  const options = { p95Factor: 2 };

  assert.equal(
    await trendAgainstBaseline(undefined, now, options),
    undefined,
    'not asked for: no trend at all',
  );
  const none = await trendAgainstBaseline(join(dir, 'base.json'), now, options);
  assert.equal(none?.kind, 'none');
  const plain = renderMarkdown(now);
  const withNone = renderMarkdown(now, { trend: none! });
  const added = withNone.split('\n').filter((line) => !plain.split('\n').includes(line));
  const missing = `No baseline to compare with: ${join(dir, 'base.json')} does not exist.`;
  assert.deepEqual(added.filter(Boolean), [`_📊 ${escapeMarkdownInline(missing)}_`]);

  writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...now, version: 9 }));
  const refused = await trendAgainstBaseline(join(dir, 'future.json'), now, options);
  assert.equal(refused?.kind, 'refused');
  assert.match(
    renderMarkdown(now, { trend: refused! }),
    /Baseline not used: .*future\.json is report format 9; this stagegate reads formats 1 and 2: it was written by a newer stagegate/,
  );

  writeFileSync(join(dir, 'main.json'), renderJson(report({ status: 'pass', measures: healthy() })));
  const compared = await trendAgainstBaseline(join(dir, 'main.json'), now, options);
  assert.equal(compared?.kind, 'compared');
});

test("the baseline's own text is escaped, and the section survives the comment's size limit", () => {
  const hostile = '<img src=x onerror=alert(1)> [x](javascript:alert(1)) @octocat';
  const baseline = report({ status: 'pass', measures: healthy() }, undefined, { startedAt: hostile });
  const now = report({ status: 'fail', measures: { ...healthy(), heavyExecutions: 20 } });
  const trend = compareReports(baseline, now, { p95Factor: 2 });
  const markdown = renderMarkdown(now, { trend });
  const prose = outsideCode(markdown);
  assert.doesNotMatch(prose, /<img|\]\(javascript|@octocat/);
  // A report far too big for a comment still keeps the regressions line.
  const huge = { ...now, checks: now.checks.map((c) => ({ ...c, reason: 'x'.repeat(300_000) })) };
  const squeezed = renderMarkdown(huge, { trend, maxChars: COMMENT_MAX_CHARS });
  assert.ok(squeezed.length <= COMMENT_MAX_CHARS);
  assert.match(squeezed, /2 regressions against the baseline:(\*\*)? plan-cache-single-flight ✅ → ❌/);
});
