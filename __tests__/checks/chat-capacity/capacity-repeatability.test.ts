/**
 * How repeatable the capacity search's held end is on a stage whose share of good answers falls slowly
 * with users — the reference stage at narrator limit 1, where the narrator refuses a share of narrations
 * that grows with the load from any load on. A bench run takes twenty minutes and gives three repeats;
 * this runs the real search ninety times in a second on each of two model stages: every answer good
 * with a probability that falls with users, answers at the rate users with one second's think time give,
 * the check's own step times, a virtual clock, seeded draws. One stage's refusals grow steadily (a power
 * of the users); the other is the narrator as queueing theory has it, refusals that level off at the
 * share of narrated questions. Both cross the target at 20 users, near where the real stage does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { searchCapacity, type LevelMode } from '../../../src/checks/chat-capacity/capacity-search.js';
import {
  MIN_JUDGED_ANSWERS,
  judgeStep,
  wilsonBounds,
  type AskSample,
} from '../../../src/checks/chat-capacity/step-judge.js';
import { stepTimes } from '../../../src/checks/chat-capacity/chat-capacity.js';

/** A small seeded PRNG, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const TARGET = 0.95;
/** Users where the model's share of good answers is the target, and how fast its refusals grow. */
const KNEE_USERS = 20;
const REFUSAL_POWER = 1.25;
/** A user's cycle: one second's think time and a short answer. */
const CYCLE_MS = 1200;
const calm = { lagP99Ms: 0, lagMaxMs: 0, utilization: 0, cpuShare: 0, bound: false };

type Stage = (users: number) => number;

/** Refusals that grow as a power of the users, with no ceiling. */
const steadyStage: Stage = (users) =>
  1 - Math.min(0.99, (1 - TARGET) * (users / KNEE_USERS) ** REFUSAL_POWER);

/**
 * The reference stage at narrator limit 1, as queueing theory has it: each replica's narrator is a loss
 * system with one server (Erlang B), so a narrated ask is refused with probability a/(1+a), a growing
 * with the users, and only narrated asks (15 % of the mix) can be refused: the share of good answers
 * flattens towards 85 %. Measured on the real stage: ~99 % at 8 users, ~94–95 % at 16–17, 89–91 % at 64.
 */
const NARRATED_SHARE = 0.15;
const narratorStage: Stage = (users) => {
  // Offered load per narrator at which refusals make the share of good answers the target.
  const atKnee = (1 - TARGET) / NARRATED_SHARE / (1 - (1 - TARGET) / NARRATED_SHARE);
  const offered = (atKnee * users) / KNEE_USERS;
  return 1 - (NARRATED_SHARE * offered) / (1 + offered);
};

/** One search with the check's own step times, on the virtual clock `now`. */
async function searchOnce(
  stage: Stage,
  budgetMs: number,
  random: () => number,
  clock: { now: number },
): Promise<number> {
  clock.now = 0;
  const times = stepTimes(budgetMs, 1000);
  const deadline = budgetMs;
  const result = await searchCapacity(
    {
      startUsers: 2,
      maxUsers: 128,
      target: TARGET,
      deadline,
      minStepMs: times.rampMs + times.minMs,
      recheckReserveMs: budgetMs * 0.3,
      requestsLeft: () => true,
      signal: new AbortController().signal,
    },
    async (users: number, mode: LevelMode) => {
      const started = clock.now;
      const maxMs =
        mode === 'recheck' ? Math.max(times.maxMs, deadline - clock.now - times.rampMs - 1000) : times.maxMs;
      clock.now += times.rampMs;
      let good = 0;
      let total = 0;
      // As runStep: ends at its longest, at the deadline, or from its shortest on once its answers
      // decide the level (a climbing step: once they meet the target; a gathering step: never).
      for (let judged = 0; ;) {
        clock.now += 50;
        judged += 50;
        for (let expected = (users * 50) / CYCLE_MS; expected > 0; expected -= 1)
          if (random() < Math.min(1, expected)) {
            total += 1;
            if (random() < stage(users)) good += 1;
          }
        if (clock.now >= deadline || judged >= maxMs) break;
        if (judged < times.minMs || total < MIN_JUDGED_ANSWERS || mode === 'gather') continue;
        const { lower, upper } = wilsonBounds(good, total);
        if (lower >= TARGET || upper < TARGET || (mode === 'climb' && good / total >= TARGET)) break;
      }
      const samples: AskSample[] = Array.from({ length: total }, (_, index) => ({
        kind: 'narrated',
        answerClass: index < good ? 'good' : 'degraded',
        latencyMs: 100,
      }));
      return judgeStep({
        users,
        samples,
        sent: total,
        target: TARGET,
        generator: calm,
        durationMs: clock.now - started,
        stoppedEarly: false,
      });
    },
  );
  return result.held;
}

/** The bench's bound on three repeats: each within ±25 % of their median, or ±2 users. */
function threeWithin(three: number[]): boolean {
  const median = [...three].sort((a, b) => a - b)[1]!;
  return three.every((users) => Math.abs(users - median) <= Math.max(2, 0.25 * median));
}

/** Ninety searches of `budgetMs` (the bench's 180 s unless said) on `stage`, on a virtual clock: the held ends, in order. */
async function ninetySearches(stage: Stage, budgetMs = 180_000): Promise<number[]> {
  const clock = { now: 0 };
  const real = performance.now;
  performance.now = () => clock.now;
  const held: number[] = [];
  try {
    const random = seeded(20261202);
    for (let run = 0; run < 90; run += 1) held.push(await searchOnce(stage, budgetMs, random, clock));
  } finally {
    performance.now = real;
  }
  return held;
}

function describe(
  held: number[],
  budgetMs = 180_000,
): { median: number; within: number; above: number; text: string } {
  const triples = Array.from({ length: 30 }, (_, index) => held.slice(index * 3, index * 3 + 3));
  const within = triples.filter(threeWithin).length;
  const sorted = [...held].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const above = held.filter((users) => users > KNEE_USERS).length;
  const text = `held over 90 searches of ${budgetMs / 1000} s: ${sorted.join(' ')}; ${within} of 30 triples within ±25 %, ${above} above the knee`;
  return { median, within, above, text };
}

test('on a steadily falling stage, three repeats of the search hold within ±25 % of their median, nine times in ten', async () => {
  const { median, within, above, text } = describe(await ninetySearches(steadyStage));
  console.log(text);
  // The held end is a one-sided 90 % lower bound: above the knee one time in ten at most (9 of 90),
  // with room for the draw (two standard deviations: 14).
  assert.ok(above <= 14, `${above} of 90 held ends above the knee`);
  assert.ok(median <= KNEE_USERS && median >= 0.7 * KNEE_USERS, `median ${median}`);
  // Before the search refined the range after its re-check: 20 of these 30 (the bench: 1 run of 2).
  assert.ok(within >= 26, `${within} of 30 triples of repeats within ±25 % of their median`);
});

test('on the narrator-limited stage (a floor at 85 %), the held end stays a lower bound, and spreads wider', async () => {
  const { median, above, text } = describe(await ninetySearches(narratorStage));
  // What this shape costs in 180 s is printed, not asserted: one triple in two within ±25 % at best,
  // where the bench needs three in three; the next test gives it the bench's budget at limit 1.
  console.log(text);
  assert.ok(above <= 14, `${above} of 90 held ends above the knee`);
  assert.ok(median <= KNEE_USERS && median >= 0.5 * KNEE_USERS, `median ${median}`);
});

test('on the narrator-limited stage, searches of 600 s (the bench budget at limit 1) hold within ±25 % four times in five', async () => {
  const { median, within, above, text } = describe(await ninetySearches(narratorStage, 600_000), 600_000);
  console.log(text);
  assert.ok(above <= 14, `${above} of 90 held ends above the knee`);
  assert.ok(median <= KNEE_USERS && median >= 0.6 * KNEE_USERS, `median ${median}`);
  // 300 searches a design in the study behind it: 0.82–0.86 of triples within, 0.65–0.74 before the
  // search gathered at the knee and steered its bisection by the curve (docs/chat-capacity.md).
  assert.ok(within >= 21, `${within} of 30 triples of repeats within ±25 % of their median`);
});
