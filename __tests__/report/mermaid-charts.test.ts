/**
 * Every chart the markdown renderer emits goes through the real Mermaid parser: a chart GitHub could
 * not draw fails here. Charts come from the checks' own decisions (the shapes real runs produce), from
 * hostile stage-supplied labels, and from sizes past the cap (then the table is what is left).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLoadBalancing } from '../../src/checks/load-balancing.js';
import { decideNarratorSaturation } from '../../src/checks/narrator-saturation.js';
import { decideSingleFlight } from '../../src/checks/plan-cache-single-flight.js';
import type { CounterReading } from '../../src/checks/stage-metrics.js';
import { CHART_MAX_POINTS, mermaidLabel, mermaidSource } from '../../src/report/mermaid.js';
import { renderMarkdown } from '../../src/report/markdown-renderer.js';
import type { CheckResult, Evidence, GateReport } from '../../src/report/model.js';
import { renderTerminal } from '../../src/report/terminal-renderer.js';
import { ask, healthz, narratorAnswers, timedOutAsk } from '../checks/exchanges.js';
import { outsideCode } from './markdown-helpers.js';
import { checkSections, mermaidBlocks, parseChart } from './mermaid-parser.js';
import { sampleReport } from './report-fixtures.js';

const reading = (metric: string, value: number | undefined): CounterReading => ({
  source: { kind: 'scrape', replicas: ['api-1', 'api-2', 'api-3'] },
  metric,
  reachable: true,
  value,
});

function singleFlight(
  size: number,
  language: GateReport['language'],
  replica = (i: number) => `api-${(i % 3) + 1}`,
) {
  const answers = Array.from({ length: size }, (_, index) =>
    ask({
      hit: index !== 2,
      key: 'plan:v1:public:k',
      durationMs: index === 2 ? 480 : 495 + index,
      replica: replica(index),
    }),
  );
  return decideSingleFlight({
    question: 'q',
    answers,
    burst: { connectMs: 3, dispatchSpreadMs: 2, preconnectFailures: 0 },
    metricBefore: reading('heavy', 4),
    metricAfter: reading('heavy', 5),
    latencyBudgetFactor: 3,
    latencyBudgetMs: 500,
    cacheHitPath: 'meta.compute.plan_cache_hit',
    language,
  });
}

function loadBalancing(replicas: string[], requests: number, language: GateReport['language']) {
  return decideLoadBalancing({
    expectedReplicas: replicas.length,
    readings: Array.from({ length: requests }, (_, index) => healthz(replicas[index % replicas.length])),
    replicaHeader: 'x-replica-id',
    logs: { mode: 'unavailable', perReplica: new Map(), total: 0 },
    language,
  });
}

function narrator(language: GateReport['language']) {
  return decideNarratorSaturation({
    answers: [...narratorAnswers(3, 6), timedOutAsk(30)],
    probes: [healthz('api-1', { durationMs: 4 })],
    timeoutMs: 30_000,
    healthzBudgetMs: 1000,
    narratorMaxConcurrency: 1,
    replicas: 3,
    metricsOffered: true,
    overloadBefore: reading('narrator', 0),
    overloadAfter: reading('narrator', 6),
    dispatchSpreadMs: 3,
    language,
  });
}

function reportOf(checks: CheckResult[], language: GateReport['language']): GateReport {
  return { ...sampleReport({ language }), checks };
}

function result(
  id: CheckResult['id'],
  outcome: { status: CheckResult['status']; reason: string; evidence: Evidence[] },
) {
  return { id, ...outcome, durationMs: 1000 };
}

for (const language of ['pt-BR', 'en'] as const) {
  test(`${language}: the three checks' charts parse, and say what the tables say`, async () => {
    const markdown = renderMarkdown(
      reportOf(
        [
          result('load-balancing', loadBalancing(['api-1', 'api-2', 'api-3'], 20, language)),
          result('plan-cache-single-flight', singleFlight(20, language)),
          result('narrator-saturation', narrator(language)),
        ],
        language,
      ),
    );
    const sections = checkSections(markdown);
    const lb = mermaidBlocks(sections.get('load-balancing') ?? '');
    assert.equal(lb.length, 1, 'one chart for load-balancing');
    const spread = await parseChart(lb[0]!);
    assert.equal(spread.type, 'xychart');
    assert.ok(spread.type === 'xychart');
    assert.deepEqual(spread.categories, ['api-1', 'api-2', 'api-3']);
    assert.deepEqual(spread.series, [[7, 7, 6]]);

    const sf = mermaidBlocks(sections.get('plan-cache-single-flight') ?? '');
    assert.equal(sf.length, 1);
    const latency = await parseChart(sf[0]!);
    assert.ok(latency.type === 'xychart');
    assert.equal(latency.categories.length, 20);
    const leader = language === 'en' ? '#3 leader' : '#3 líder';
    assert.equal(latency.categories[2], leader, 'the leader is named on its bar');
    assert.equal(latency.series[0]![2], 480);
    assert.deepEqual(
      latency.series[1],
      latency.categories.map((_, index) => (index === 2 ? 480 : 0)),
      'a series of its own marks the leader',
    );

    const ns = mermaidBlocks(sections.get('narrator-saturation') ?? '');
    assert.equal(ns.length, 1);
    const outcomes = await parseChart(ns[0]!);
    assert.ok(outcomes.type === 'pie');
    assert.deepEqual(
      [...outcomes.slices.values()],
      [3, 6, 1],
      'answered, overload and timed out; the empty slice is left out',
    );
    // Every chart in the report parses, not only the three looked at.
    for (const block of mermaidBlocks(markdown)) await parseChart(block);
  });
}

test('stage-supplied replica ids cannot break out of a chart, a string or the code fence', async () => {
  const hostile = [
    'api"] \n bar [999]',
    '%%{init: {"theme": "dark"}}%%',
    '```\n# heading',
    '<img src=x onerror=alert(1)>',
    'a; pie title x',
    'api-1',
    'api-1\u202e',
  ];
  const outcome = loadBalancing(hostile, hostile.length * 2, 'en');
  const markdown = renderMarkdown(reportOf([result('load-balancing', outcome)], 'en'));
  const blocks = mermaidBlocks(markdown);
  assert.equal(blocks.length, 1);
  const chart = await parseChart(blocks[0]!);
  assert.ok(chart.type === 'xychart');
  assert.equal(chart.categories.length, hostile.length, 'one bar per replica, none added by a label');
  assert.equal(new Set(chart.categories).size, hostile.length, 'ids that sanitize alike stay apart');
  assert.deepEqual(chart.series, [hostile.map(() => 2)]);
  for (const category of chart.categories) assert.match(category, /^[\p{L}\p{N} _.:#/()+\-…]+$/u);
  // The value axis' range (`0 --> top`) is the renderer's own numbers; nothing else may hold `>`.
  assert.match(blocks[0]!, /y-axis "answers" 0 --> 2\n/);
  assert.doesNotMatch(blocks[0]!.replace(/ 0 --> \d+\n/, '\n'), /%%|[`<>;]/);
  // Outside code, nothing of the labels became markdown.
  assert.doesNotMatch(outsideCode(markdown), /<img|^# heading/m);
});

test('mermaidLabel keeps a small alphabet, is never empty and is bounded', () => {
  assert.equal(mermaidLabel('api-2'), 'api-2');
  assert.equal(mermaidLabel('réplica #3 (líder)'), 'réplica #3 (líder)');
  assert.equal(mermaidLabel('"";;``'), '?');
  assert.equal(mermaidLabel('x'.repeat(100)).length, 40);
});

test('a chart past the cap is not drawn: a note says so and the table carries the numbers', async () => {
  const big = singleFlight(CHART_MAX_POINTS + 1, 'en');
  const markdown = renderMarkdown(reportOf([result('plan-cache-single-flight', big)], 'en'));
  assert.deepEqual(mermaidBlocks(markdown), []);
  assert.match(
    markdown,
    new RegExp(`chart not drawn: ${CHART_MAX_POINTS + 1} points, over the limit of ${CHART_MAX_POINTS}`),
  );
  assert.match(markdown, /<summary>Evidence: Each answer<\/summary>/);
  // At the cap it is drawn, and parses.
  const atCap = renderMarkdown(
    reportOf([result('plan-cache-single-flight', singleFlight(CHART_MAX_POINTS, 'en'))], 'en'),
  );
  const [block] = mermaidBlocks(atCap);
  const chart = await parseChart(block!);
  assert.ok(chart.type === 'xychart' && chart.categories.length === CHART_MAX_POINTS);
});

test('nothing to draw (an empty pie, no categories) draws nothing, and too many bytes falls back', () => {
  assert.equal(mermaidSource('t', { type: 'pie', slices: [{ label: 'a', value: 0 }] }), undefined);
  assert.equal(
    mermaidSource('t', { type: 'bars', xTitle: 'x', yTitle: 'y', categories: [], series: [] }),
    undefined,
  );
  const wide = Array.from({ length: CHART_MAX_POINTS }, (_, index) => `${'ç'.repeat(36)}${index}`);
  const series = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ name: `s${index}`, values: wide.map(() => 123456) }));
  const chart = (count: number) =>
    mermaidSource('t', { type: 'bars', xTitle: 'x', yTitle: 'y', categories: wide, series: series(count) });
  assert.ok(chart(1), 'under the byte cap');
  assert.equal(chart(10), undefined, 'past the byte cap');
});

test('a tight comment budget drops the charts before the tables; the terminal keeps its histograms', () => {
  const report = reportOf(
    [
      result('load-balancing', loadBalancing(['api-1', 'api-2', 'api-3'], 20, 'en')),
      result('plan-cache-single-flight', singleFlight(20, 'en')),
      result('narrator-saturation', narrator('en')),
    ],
    'en',
  );
  const full = renderMarkdown(report);
  assert.equal(mermaidBlocks(full).length, 3);
  // Find a budget where the tables still fit but the charts do not.
  let tight: string | undefined;
  for (let max = full.length; max > 1000; max -= 250) {
    const text = renderMarkdown(report, { maxChars: max });
    if (mermaidBlocks(text).length === 0) {
      tight = text;
      break;
    }
  }
  assert.ok(tight, 'some budget leaves the charts out');
  assert.match(tight, /<summary>Evidence: Each answer<\/summary>/, 'with the tables still there');

  const terminal = renderTerminal(report);
  assert.match(terminal, /api-1\s+█+\s+7/, 'the terminal keeps its histogram');
  assert.doesNotMatch(terminal, /xychart|mermaid|pie title/);
});

test("every bar chart's value axis starts at zero: 7/7/6 answers per replica draw as three near-equal bars", async () => {
  const markdown = renderMarkdown(
    reportOf([result('load-balancing', loadBalancing(['api-1', 'api-2', 'api-3'], 20, 'en'))], 'en'),
  );
  const [block] = mermaidBlocks(markdown);
  const chart = await parseChart(block!);
  assert.ok(chart.type === 'xychart');
  assert.deepEqual(chart.series, [[7, 7, 6]]);
  // Without the explicit range Mermaid 11 starts this axis at 6, and the replica with 6 looks empty.
  assert.equal(chart.yMin, 0);
  assert.equal(chart.yMax, 7);
});
