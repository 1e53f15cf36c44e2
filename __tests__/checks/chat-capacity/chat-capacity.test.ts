/**
 * chat-capacity's pure parts: the Wilson bound and how a level is judged, the bounded search (against
 * levels whose outcome the test decides), the bottleneck and the phase-B line from metric signals, the
 * verdict against a target, and its job-summary section through the real Mermaid parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { decidePhaseB, findBottleneck } from '../../../src/checks/chat-capacity/bottleneck.js';
import {
  combineRange,
  estimateOf,
  provenLevels,
  recheckLevel,
  recheckTarget,
  bisectLevel,
  refineLevel,
  searchCapacity,
  type SearchPlan,
} from '../../../src/checks/chat-capacity/capacity-search.js';
import { decideCapacity } from '../../../src/checks/chat-capacity/capacity-verdict.js';
import type { GeneratorLoad } from '../../../src/checks/chat-capacity/generator-watch.js';
import {
  answersToConfirm,
  judgeStep,
  wilsonBounds,
  type AskSample,
  type StepResult,
} from '../../../src/checks/chat-capacity/step-judge.js';
import { parseGateSettings } from '../../../src/gate/settings.js';
import { checkOptionsOf } from '../../../src/gate/steps/run-checks.js';
import { localize } from '../../../src/report/language.js';
import { renderMarkdown } from '../../../src/report/markdown-renderer.js';
import { checkSections, mermaidBlocks, parseChart } from '../../report/mermaid-parser.js';
import { sampleReport } from '../../report/report-fixtures.js';

const calm: GeneratorLoad = { lagP99Ms: 10, lagMaxMs: 20, utilization: 0.1, cpuShare: 0.1, bound: false };
const en = localize('en');

function samples(good: number, late = 0, extra: Partial<AskSample> = {}, kind: AskSample['kind'] = 'public') {
  return [
    ...Array.from({ length: good }, () => ({ kind, answerClass: 'good' as const, latencyMs: 100, ...extra })),
    ...Array.from({ length: late }, () => ({
      kind,
      answerClass: 'late' as const,
      latencyMs: 3000,
      ...extra,
    })),
  ];
}

function step(users: number, good: number, late = 0, generator = calm): StepResult {
  return judgeStep({
    users,
    samples: samples(good, late),
    sent: good + late,
    target: 0.95,
    generator,
    durationMs: 2000,
    stoppedEarly: false,
  });
}

test('the Wilson bound: wide on few answers, narrow on many; 32 good answers prove 95 %', () => {
  const few = wilsonBounds(10, 10);
  const many = wilsonBounds(1000, 1000);
  assert.ok(few.lower < 0.95 && many.lower > 0.99);
  assert.equal(answersToConfirm(0.95), 32);
  assert.ok(wilsonBounds(32, 32).lower >= 0.95);
  assert.ok(wilsonBounds(31, 31).lower < 0.95);
  const half = wilsonBounds(50, 100);
  assert.ok(half.lower < 0.5 && half.upper > 0.5);
});

test('a level is held, failed or indeterminate by its bound; broken answers fail it; a starved gate is not judged', () => {
  assert.equal(step(8, 60).judgement, 'held');
  assert.equal(step(8, 20, 20).judgement, 'failed');
  assert.equal(step(8, 19, 1).judgement, 'indeterminate');
  const broken = judgeStep({
    users: 8,
    samples: [...samples(60), { kind: 'public', answerClass: 'error', latencyMs: 5, status: 500 }],
    sent: 61,
    target: 0.95,
    generator: calm,
    durationMs: 2000,
    stoppedEarly: false,
  });
  assert.equal(broken.judgement, 'failed');
  const starved = step(8, 60, 0, { ...calm, lagP99Ms: 900, bound: true, cause: 'lag' });
  assert.equal(starved.judgement, 'generator-bound');
});

function plan(overrides: Partial<SearchPlan> = {}): SearchPlan {
  return {
    startUsers: 2,
    maxUsers: 128,
    target: 0.95,
    deadline: performance.now() + 60_000,
    minStepMs: 0,
    requestsLeft: () => true,
    signal: new AbortController().signal,
    ...overrides,
  };
}

test('the search doubles, bisects, re-checks, and reports the range around the knee', async () => {
  const levels: number[] = [];
  const result = await searchCapacity(plan(), async (users) => {
    levels.push(users);
    return users <= 21 ? step(users, 80) : step(users, 40, 40);
  });
  assert.deepEqual(levels.slice(0, 5), [2, 4, 8, 16, 32]);
  // Then between 16 and 32, where the curve through the answers so far crosses 95 % (bisectLevel).
  assert.ok(levels[5]! > 16 && levels[5]! < 32, `${levels[5]}`);
  // The knee is between 21 and 22: the range holds it, as close as a sixth of the level held.
  assert.ok(result.held <= 21 && result.failed! > 21, `${result.held}–${result.failed}`);
  assert.ok(result.failed! - result.held <= Math.ceil(result.held / 6));
  assert.equal(result.confirmed, true);
  // The highest level held is run again, then the level proven failed, once (refineLevel).
  assert.deepEqual(levels.slice(-2), [result.held, result.failed]);
  assert.equal(levels.filter((users) => users === result.failed).length, 2);
  assert.equal(result.end, 'resolved');
});

test('answers pooled across levels prove what no single short step can, and never across the knee', () => {
  // Each level alone is too short to prove 95 % (its bound needs 32 good answers) ...
  const steps = [step(2, 12), step(4, 12), step(8, 12), step(16, 10, 10)];
  assert.deepEqual(
    steps.map((each) => each.judgement),
    ['indeterminate', 'indeterminate', 'indeterminate', 'failed'],
  );
  // ... but 2, 4 and 8 users together gave 36 good answers of 36: 2 users held (every level above it is
  // at most as good), 4–8 pooled (24/24) is still short of proof, and the failing level is never pooled in.
  const proof = provenLevels(steps, 0.95);
  assert.equal(proof.held, 2);
  assert.deepEqual(proof.heldBy && [proof.heldBy.from, proof.heldBy.to, proof.heldBy.good], [2, 8, 36]);
  assert.equal(proof.failed, 16);
  // A second run of 8 users, as the re-check gives, proves 8.
  assert.equal(provenLevels([...steps, step(8, 40)], 0.95).held, 8);
  // Falling short is proven across the levels below it too, never above: 22/24 then 20/24 is short of 95 %.
  const near = [step(4, 22, 2), step(8, 20, 4)];
  assert.equal(provenLevels(near, 0.95).failed, 8);
  assert.equal(provenLevels(near, 0.95).held, 0);
});

test('the re-check goes to the highest level the time left can prove, else the one nearest its proof', () => {
  const at = (users: number, good: number, late: number) => ({
    ...step(users, good, late),
    durationMs: 4000,
  });
  // 8 users met 95 % barely (29/30): proving it takes ~190 answers, ~32 s at their pace (with the
  // margin); 4 users (14/14) need 18 more, ~8 s. With 15 s left, 4 is re-checked; with a minute, 8.
  const steps = [at(2, 8, 0), at(4, 14, 0), at(8, 29, 1), at(16, 50, 20)];
  assert.equal(recheckTarget(steps, 8, 0.95, 15_000), 4);
  assert.equal(recheckTarget(steps, 8, 0.95, 60_000), 8);
  // Nothing fits: the level whose proof is nearest (4 needs the fewest seconds), not the highest.
  assert.equal(recheckTarget(steps, 8, 0.95, 100), 4);
});

/** A bench run at narrator limit 1, before its re-check: a slow slope, nothing proven above 2 users. */
const benchBeforeRecheck = () => [
  step(2, 13),
  step(4, 24, 1),
  step(8, 56, 1),
  step(16, 114, 6),
  step(32, 237, 18),
  step(24, 262, 19),
];

/** A cliff between 20 and `failing` users (every level past it at half its answers good). */
const cliffTo = (...failing: number[]) =>
  [2, 4, 8, 16, 20].map((users) => step(users, 80)).concat(failing.map((users) => step(users, 40, 40)));

test('with a curve through the answers, the re-check runs where it crosses the target, below any level that fell short', () => {
  const steps = benchBeforeRecheck();
  const at = { target: 0.95, looksHeld: 16, short: 24, maxUsers: 128, remainingMs: 20_000 };
  const chosen = recheckLevel(steps, at);
  // (In the bench run the old choice, the highest level the time left could prove, was 2 users.)
  assert.ok(chosen.users >= 12 && chosen.users <= 20, String(chosen.users));
  assert.ok(chosen.heldBefore <= chosen.users);
  // Never at or above a level that fell short, whatever the curve says.
  assert.ok(recheckLevel(steps, { ...at, short: 10 }).users <= 9);
  // No level fell short yet (the climb ran out of time at 64 users, every level good): the curve's
  // crossing lies beyond the levels run, and the re-check stays at the highest one.
  const climbing = [8, 16, 32].map((users) => step(users, users * 6)).concat([step(64, 380, 10)]);
  assert.equal(recheckLevel(climbing, { ...at, looksHeld: 64, short: undefined }).users, 64);
  // A cliff rejects the curve: the level held so far is run again.
  assert.deepEqual(recheckLevel(cliffTo(24, 32), { ...at, looksHeld: 20 }), { users: 20, heldBefore: 20 });
});

test('after the re-check, the search runs where the range needs answers: the disputed level, the knee, the failed end once', () => {
  const at = { target: 0.95, maxUsers: 128, failedRechecked: new Set<number>() };
  // The bench run's levels above: held 2 (the curve's lower bound, few answers low down), failed 24.
  // Wide: the next answers go where the curve crosses the target, between the two ends.
  assert.deepEqual(refineLevel(benchBeforeRecheck(), { ...at, short: 24 }), {
    users: 15,
    failedRecheck: false,
  });
  // One short run at 16 users failed (100 of 109) while 20 and 24 users, with ten times the answers,
  // hold the curve above it: 16 users again, whose answers settle which is right.
  const disputed = [
    step(2, 20),
    step(4, 40),
    step(8, 80, 1),
    step(16, 100, 9),
    step(32, 300, 20),
    step(24, 800, 30),
    step(20, 900, 30),
    step(12, 400, 8),
  ];
  assert.equal(provenLevels(disputed, 0.95).failed, 16);
  assert.deepEqual(refineLevel(disputed, { ...at, short: 16 }), { users: 16, failedRecheck: true });
  // A cliff, resolved (held 20, failed 22): the failed level is run once more, then nothing.
  const cliff = cliffTo(24, 32, 22);
  assert.deepEqual(refineLevel(cliff, { ...at, short: 22 }), { users: 22, failedRecheck: true });
  assert.equal(refineLevel(cliff, { ...at, short: 22, failedRechecked: new Set([22]) }), undefined);
  // Nothing held and no curve (two levels): nothing to refine.
  assert.equal(refineLevel([step(2, 5, 20), step(4, 5, 40)], { ...at, short: 2 }), undefined);
  // Nothing held yet (each level too short to prove 95 %), but a curve crossing at 9 users: there.
  const unproven = [step(2, 9), step(4, 12), step(8, 28, 1), step(16, 40, 4)];
  assert.equal(provenLevels(unproven, 0.95).held, 0);
  assert.deepEqual(refineLevel(unproven, { ...at, short: 16 }), { users: 9, failedRecheck: false });
});

test('the bisection goes where the curve crosses the target, and stops when it crosses below the bracket', () => {
  const at = { target: 0.95 };
  // No curve (two levels: three are needed): the middle of the bracket.
  assert.equal(bisectLevel([step(4, 26), step(8, 20, 20)], { ...at, looksHeld: 4, ceiling: 8 }), 6);
  // A third level gives a curve, steep (a cliff between 4 and 8), crossing at ~4.8: 5, not 6.
  assert.equal(
    bisectLevel([step(2, 13), step(4, 26), step(8, 20, 20)], { ...at, looksHeld: 4, ceiling: 8 }),
    5,
  );
  // A curve crossing at ~25 users between 16 (held) and 32 (short): 25, not 24.
  const steep = [step(2, 13), step(4, 26), step(8, 57), step(16, 116), step(32, 200, 40)];
  assert.equal(bisectLevel(steep, { ...at, looksHeld: 16, ceiling: 32 }), 25);
  // A bench run at narrator limit 1: 32 users met 95 % by chance (224 of 233), 64 fell short; the curve
  // crosses at ~28, below the bracket: no bisection (it ran 48, 40 and 36 users, all failing).
  const lucky = [
    step(2, 13),
    step(4, 26),
    step(8, 56, 1),
    step(16, 115, 6),
    step(32, 224, 9),
    step(64, 433, 45),
  ];
  assert.equal(bisectLevel(lucky, { ...at, looksHeld: 32, ceiling: 64 }), undefined);
});

test('the climb stops to leave the re-check its reserve, and says it ran out of time', async () => {
  const levels: number[] = [];
  const result = await searchCapacity(
    plan({ deadline: performance.now() + 2500, minStepMs: 1000, recheckReserveMs: 1000 }),
    async (users) => {
      levels.push(users);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return step(users, 80);
    },
  );
  // 2 and 4 users, then no room for 8 beside the reserve: the re-check of 4, and "time-budget".
  assert.deepEqual(levels, [2, 4, 4]);
  assert.equal(result.end, 'time-budget');
  assert.equal(result.held, 4);
});

test('the search stops at once on broken answers, at its time budget and at its request budget', async () => {
  const broken = await searchCapacity(plan(), async (users) =>
    users < 8
      ? step(users, 80)
      : judgeStep({
          users,
          samples: [{ kind: 'public', answerClass: 'no-answer', latencyMs: 30_000 }],
          sent: 1,
          target: 0.95,
          generator: calm,
          durationMs: 30_000,
          stoppedEarly: true,
        }),
  );
  assert.equal(broken.end, 'broken');
  assert.equal(broken.broken?.users, 8);
  assert.equal(broken.steps.length, 3);

  const late = await searchCapacity(plan({ deadline: performance.now() - 1 }), async (users) =>
    step(users, 80),
  );
  assert.equal(late.end, 'time-budget');
  assert.equal(late.steps.length, 0);

  let left = 2;
  const spent = await searchCapacity(plan({ requestsLeft: () => left-- > 0 }), async (users) =>
    step(users, 80),
  );
  assert.equal(spent.end, 'request-budget');
  assert.equal(spent.steps.length, 2);
});

test('the bottleneck is named from the metrics, with the numbers; phase B follows from it, never guessed', () => {
  const failing = judgeStep({
    users: 16,
    samples: [...samples(30, 20), ...samples(5, 15, { llmMs: 2500 }, 'narrated')],
    sent: 70,
    target: 0.95,
    generator: calm,
    durationMs: 5000,
    stoppedEarly: false,
  });
  const narrator = findBottleneck({
    failing,
    failingSignals: { narratorOverloads: 12, permitWaitSeconds: 30, llmBusy: 0 },
    heldSignals: {},
    sloMs: 2000,
    say: en,
  });
  assert.equal(narrator.kind, 'named');
  assert.ok(narrator.kind === 'named' && narrator.part === 'narrator');
  assert.match(narrator.kind === 'named' ? narrator.evidence : '', /12 overloads and 429 ms per ask waiting/);
  const phaseB = decidePhaseB({
    bottleneck: narrator,
    failing,
    held: 8,
    sloMs: 2000,
    narratorLimit: 1,
    say: en,
  });
  // Late answers while the LLM's own calls slowed 3×: the backend, though its slow calls made the
  // semaphore refuse a few too; refusals that outnumber the late answers stay the semaphore's.
  const slowLlm = { narratorOverloads: 3, llmBusy: 0, llmSeconds: 30, llmCalls: 10 };
  const llm = findBottleneck({
    failing,
    failingSignals: slowLlm,
    heldSignals: { llmSeconds: 10, llmCalls: 10 },
    sloMs: 2000,
    say: en,
  });
  assert.ok(llm.kind === 'named' && llm.part === 'llm', JSON.stringify(llm));
  const refusals = Array.from({ length: 10 }, () => ({
    kind: 'narrated' as const,
    answerClass: 'degraded' as const,
    latencyMs: 30,
  }));
  const refused = judgeStep({ ...failing, samples: [...samples(40), ...refusals], target: 0.95 });
  const semaphore = findBottleneck({
    failing: refused,
    failingSignals: slowLlm,
    heldSignals: { llmSeconds: 10, llmCalls: 10 },
    sloMs: 2000,
    say: en,
  });
  assert.ok(semaphore.kind === 'named' && semaphore.part === 'narrator', JSON.stringify(semaphore));
  assert.equal(phaseB.calledFor, true);
  assert.deepEqual(phaseB.parts, ['queue-or-workers', 'streaming']);
  assert.match(phaseB.line, /phase B called for: a queue or workers for the narrator, and streaming/);
  assert.match(phaseB.line, /cached questions slowed down too/);

  const blind = findBottleneck({ failing, failingSignals: {}, heldSignals: {}, sloMs: 2000, say: en });
  assert.equal(blind.kind, 'not-identifiable');
  assert.ok(
    blind.kind === 'not-identifiable' &&
      blind.missing.includes('services_narrator_permit_wait_seconds_total'),
  );
  const undecided = decidePhaseB({
    bottleneck: blind,
    failing,
    held: 8,
    sloMs: 2000,
    narratorLimit: 1,
    say: en,
  });
  assert.equal(undecided.calledFor, false);
  assert.match(undecided.line, /cannot be decided/);

  const cpu = findBottleneck({
    failing: step(16, 20, 20),
    failingSignals: { narratorOverloads: 0, permitWaitSeconds: 0, maxReplicaCpuSeconds: 1.9 },
    heldSignals: {},
    sloMs: 2000,
    say: en,
  });
  assert.ok(cpu.kind === 'named' && cpu.part === 'cpu');
  const notCalled = decidePhaseB({
    bottleneck: cpu,
    failing: step(16, 20, 20),
    held: 8,
    sloMs: 2000,
    narratorLimit: 1,
    say: en,
  });
  assert.equal(notCalled.calledFor, false);
  assert.match(notCalled.line, /phase B not called for: the limit is the replicas' CPU/);
});

const capacityOptions = checkOptionsOf(parseGateSettings({})).capacity;

/** chat-capacity's outcome for a search that ran `steps` and proved `held` / `failed`. */
function outcomeOf(
  steps: StepResult[],
  range: { held: number; failed?: number; confirmed: boolean },
  targetUsers = 0,
  say = en,
) {
  return decideCapacity({
    search: {
      steps,
      ...range,
      end: 'resolved',
      proof: provenLevels(steps, 0.95),
      estimate: estimateOf(steps, 0.95),
      heldBy: combineRange(provenLevels(steps, 0.95), estimateOf(steps, 0.95)).heldBy,
    },
    bottleneck: { kind: 'none-reached' },
    phaseB: { calledFor: false, parts: [], line: '-' },
    options: { ...capacityOptions, targetUsers },
    requestTimeoutMs: 30_000,
    elapsedMs: 20_000,
    requestsSent: 900,
    say,
  });
}

function verdict(held: number, failed: number | undefined, confirmed: boolean, targetUsers: number) {
  const steps = [step(held, 80), ...(failed ? [step(failed, 40, 40)] : []), step(held, 80)];
  return outcomeOf(steps, { held, failed, confirmed }, targetUsers);
}

test('against a target: ✅ held and confirmed at or above it, ⚠️ inside the range, ❌ clearly below; none: the number passes', () => {
  assert.equal(verdict(20, 24, true, 16).status, 'pass');
  assert.equal(verdict(20, 24, false, 16).status, 'warn');
  assert.equal(verdict(20, 24, true, 22).status, 'warn');
  const below = verdict(8, 10, true, 16);
  assert.equal(below.status, 'fail');
  assert.match(
    below.reason,
    /below the target of 16 users: holds 8 simultaneous users at p95 ≤ 2000 ms \(fails at 10\)/,
  );
  const measured = verdict(20, 24, true, 0);
  assert.equal(measured.status, 'pass');
  assert.deepEqual(measured.measures, {
    capacityUsersHeld: 20,
    capacityUsersFailed: 24,
    capacitySloP95Ms: 2000,
    capacityAttainmentPct: 95,
  });
});

for (const language of ['pt-BR', 'en'] as const) {
  test(`${language}: the job-summary section parses as Mermaid, axes from zero; the conclusion carries the number`, async () => {
    const steps = [step(2, 80), step(4, 80), step(8, 20, 40), step(6, 80), step(6, 80)];
    const outcome = outcomeOf(steps, { held: 6, failed: 8, confirmed: true }, 0, localize(language));
    const report = {
      ...sampleReport({ language, verdict: 'ready' }),
      checks: [{ id: 'chat-capacity' as const, ...outcome, durationMs: 20_000 }],
    };
    const markdown = renderMarkdown(report);
    const section = checkSections(markdown).get('chat-capacity')!;
    const blocks = mermaidBlocks(section);
    assert.equal(blocks.length, 2, 'p95 and attainment charts');
    const charts = await Promise.all(blocks.map((block) => parseChart(block)));
    for (const chart of charts) {
      assert.ok(chart.type === 'xychart');
      assert.equal(chart.categories.length, 5);
      assert.equal(chart.yMin, 0);
      // Every word of the title survives the labels' safe alphabet (a "%" would be dropped).
      assert.doesNotMatch(chart.title, /\(\s*\)|\?/, chart.title);
    }
    // The SLO is a line over the p95 bars: as a second bar series it hid every p95 below it.
    assert.ok(charts[0]!.type === 'xychart');
    assert.deepEqual(charts[0]!.drawn, ['bar', 'line']);
    assert.deepEqual(charts[0]!.series[1], [2000, 2000, 2000, 2000, 2000]);
    assert.match(
      markdown,
      language === 'en'
        ? /Ready for multi-user chat: 6 simultaneous users at p95 ≤ 2000 ms\./
        : /Pronto para chat multiusuário: 6 usuários simultâneos a p95 ≤ 2000 ms\./,
    );
  });
}

test('no level proven held but one proven failed: the conclusion gives the upper bound, never "0 users"', () => {
  const steps = [step(2, 20), step(4, 20, 20)];
  const outcome = outcomeOf(steps, { held: 0, failed: 4, confirmed: false });
  assert.equal(outcome.status, 'pass', 'measure only: the range is the finding');
  const report = {
    ...sampleReport({ language: 'en', verdict: 'ready' }),
    checks: [{ id: 'chat-capacity' as const, ...outcome, durationMs: 20_000 }],
  };
  const markdown = renderMarkdown(report);
  assert.match(
    markdown,
    /Capacity: fewer than 4 simultaneous users at p95 ≤ 2000 ms \(no lower level proven\)\./,
  );
  assert.doesNotMatch(markdown, /0 simultaneous users/);
});
