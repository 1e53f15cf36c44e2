/**
 * The action's committed bundle (dist/index.js), run as the runner runs it (INPUT_* variables, the
 * runner's files) against the local reference stage: the log folds each phase into a group with each
 * check's one-line result outside its fold, and the job summary of this real run draws its Mermaid
 * charts (load-balancing, single-flight, the narrator burst, chat-capacity's two), each parsed by
 * Mermaid itself. Every check runs, chat-capacity on a short budget: the bundle carries it too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CHECK_IDS, type GateReport } from '../../src/report/model.js';
import { checkSections, mermaidBlocks, parseChart } from '../report/mermaid-parser.js';
import { removeRunDir, runEntry, type EntryRun } from './run-entry.js';

let run: EntryRun;

before(async () => {
  run = await runEntry({
    entry: 'dist/index.js',
    inputs: {
      driver: 'local',
      language: 'en',
      'pr-comment': 'false',
      checks: 'all',
      // A short search that proves its level (4 users asking fast, no narrated question to refuse):
      // a ⚠️ would add the service logs' fold this test does not expect.
      'capacity-budget-seconds': '6',
      'capacity-max-users': '4',
      'capacity-think-time-ms': '100',
      'capacity-narrated-share': '0',
    },
    timeoutMs: 300_000,
  });
});

after(() => {
  if (run) removeRunDir(run);
});

interface Fold {
  title: string;
  start: number;
  end: number;
}

/** The `::group::`…`::endgroup::` folds of a runner log; fails on a nested or unclosed one. */
function foldsOf(lines: string[]): Fold[] {
  const folds: Fold[] = [];
  let open: { title: string; start: number } | undefined;
  lines.forEach((line, index) => {
    const title = /^::group::(.*)$/.exec(line)?.[1];
    if (title !== undefined) {
      assert.equal(open, undefined, `group "${title}" opened inside "${open?.title}"`);
      open = { title, start: index };
    } else if (line === '::endgroup::') {
      assert.ok(open, `an ::endgroup:: without a group at line ${index}`);
      folds.push({ ...open, end: index });
      open = undefined;
    }
  });
  assert.equal(open, undefined, 'every group is closed');
  return folds;
}

test("the bundle's log folds boot, each check, teardown and publish; each check's result is outside its fold", () => {
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.outputs['verdict'], 'ready', run.stdout);
  const lines = run.stdout.split('\n');
  const folds = foldsOf(lines);
  const titles = folds.map((fold) => fold.title);
  assert.deepEqual(titles, ['boot', ...CHECK_IDS.map((id) => `check ${id}`), 'teardown', 'publish']);
  const inside = (index: number) => folds.some((fold) => index > fold.start && index < fold.end);
  for (const id of CHECK_IDS) {
    const fold = folds.find((candidate) => candidate.title === `check ${id}`)!;
    assert.ok(fold.end - fold.start > 1, `the fold of ${id} holds its progress lines`);
    const result = lines.findIndex((line) => new RegExp(`^(✅|⚠️|❌) ${id}: `).test(line));
    assert.ok(result > fold.end, `${id}: its result line comes after its fold`);
    assert.ok(!inside(result), `${id}: its result line is not folded away`);
    const next = folds.find((candidate) => candidate.start > fold.end);
    assert.ok(!next || result < next.start, `${id}: its result line comes before the next phase`);
  }
  // Nothing failed, so no service-log tails were printed.
  assert.ok(!titles.some((title) => title.startsWith('service logs')));
});

test('the job summary of this real run draws valid Mermaid charts for load-balancing, single-flight, the narrator burst and chat-capacity', async () => {
  const report = JSON.parse(readFileSync(run.outputs['report-json']!, 'utf8')) as GateReport;
  const sections = checkSections(run.summary);
  const chartOf = async (id: string, index = 0, count = 1) => {
    const blocks = mermaidBlocks(sections.get(id) ?? '');
    assert.equal(blocks.length, count, `${count} chart(s) in the ${id} section`);
    return parseChart(blocks[index]!);
  };

  const spread = await chartOf('load-balancing');
  assert.ok(spread.type === 'xychart', 'load-balancing: bars');
  const histogram = report.checks
    .find((check) => check.id === 'load-balancing')!
    .evidence.find((evidence) => evidence.kind === 'histogram');
  assert.ok(histogram?.kind === 'histogram');
  assert.deepEqual(
    spread.categories,
    histogram.buckets.map((bucket) => bucket.label),
  );
  assert.deepEqual(spread.series, [histogram.buckets.map((bucket) => bucket.count)]);
  assert.equal(spread.categories.length, 3);

  const latency = await chartOf('plan-cache-single-flight');
  assert.ok(latency.type === 'xychart', 'single-flight: bars');
  assert.equal(latency.categories.length, 20, 'one bar per answer of the burst');
  const leaders = latency.categories.filter((label) => / leader$/.test(label));
  assert.equal(leaders.length, 1, 'exactly one answer is marked as the leader');
  const leaderIndex = latency.categories.indexOf(leaders[0]!);
  assert.equal(
    latency.series[1]!.filter((value) => value > 0).length,
    1,
    'the leader series is zero except at the leader',
  );
  assert.equal(latency.series[1]![leaderIndex], latency.series[0]![leaderIndex]);

  const outcomes = await chartOf('narrator-saturation');
  assert.ok(outcomes.type === 'pie', 'narrator: a pie');
  const total = [...outcomes.slices.values()].reduce((sum, value) => sum + value, 0);
  assert.equal(total, 20, "the slices add up to the two bursts' asks (2 × narrator-burst 10)");
  assert.ok((outcomes.slices.get('overload') ?? 0) > 0, 'overload is one of the slices');

  // chat-capacity: p95 bars with the SLO as a line over them, and the share within the SLO; from zero.
  const p95 = await chartOf('chat-capacity', 0, 2);
  const attainment = await chartOf('chat-capacity', 1, 2);
  assert.ok(p95.type === 'xychart' && attainment.type === 'xychart');
  assert.deepEqual(p95.drawn, ['bar', 'line']);
  assert.ok(p95.categories.length >= 1 && p95.yMin === 0 && attainment.yMin === 0);

  for (const block of mermaidBlocks(run.summary)) await parseChart(block);
});
