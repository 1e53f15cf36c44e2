import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSingleFlight, type SingleFlightInput } from '../../src/checks/plan-cache-single-flight.js';
import type { CounterReading } from '../../src/checks/stage-metrics.js';
import { ask, timedOutAsk } from './exchanges.js';

const metric = 'services_plan_heavy_executions_total';
const reading = (value: number | undefined, reachable = true): CounterReading => ({
  source: { kind: 'scrape', replicas: ['api-1', 'api-2', 'api-3'] },
  metric,
  reachable,
  value,
});

/** One leader (500 ms) and N-1 followers (~510 ms). */
function burst(size: number, misses = 1): SingleFlightInput['answers'] {
  return Array.from({ length: size }, (_, index) =>
    ask({
      hit: index >= misses,
      key: 'plan:v1:public:k',
      durationMs: index < misses ? 500 : 510,
      replica: `api-${(index % 3) + 1}`,
    }),
  );
}

function input(overrides: Partial<SingleFlightInput>): SingleFlightInput {
  return {
    question: 'Qual o preço atual do MXRF11?',
    answers: burst(20),
    burst: { connectMs: 3, dispatchSpreadMs: 2, preconnectFailures: 0 },
    metricBefore: reading(4),
    metricAfter: reading(5),
    latencyBudgetFactor: 3,
    latencyBudgetMs: 500,
    cacheHitPath: 'meta.compute.plan_cache_hit',
    language: 'en',
    ...overrides,
  };
}

test('one miss, the rest hits on one key, metric +1, latency in budget → pass', () => {
  const outcome = decideSingleFlight(input({}));
  assert.equal(outcome.status, 'pass', outcome.reason);
  assert.match(
    outcome.reason,
    /1 execution and 19 hits with the leader's answer for 20 identical simultaneous asks/,
  );
  assert.match(outcome.reason, /\+1 \(sum over replicas/);
});

test('every ask executing (no single-flight, or no cache) fails', () => {
  const outcome = decideSingleFlight(input({ answers: burst(20, 20), metricAfter: reading(24) }));
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /20 of 20 identical asks executed/);
});

test('one miss in the answers but the metric says several executions → fail', () => {
  const outcome = decideSingleFlight(input({ metricAfter: reading(7) }));
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /\+3/);
});

test('a warm cache (no miss) is reported as warm, not as a pass', () => {
  const outcome = decideSingleFlight(input({ answers: burst(20, 0), metricAfter: reading(4) }));
  assert.equal(outcome.status, 'warn');
  assert.match(outcome.reason, /cache already warm: all 20 answers were hits/);
});

test('different keys for the same public question fail', () => {
  const answers = burst(20);
  answers[3] = ask({ hit: true, key: 'plan:v1:public:other' });
  assert.match(decideSingleFlight(input({ answers })).reason, /2 different cache keys/);
});

test('failed or timed-out asks fail the check with what happened', () => {
  const answers = burst(20);
  answers[0] = timedOutAsk(5);
  const outcome = decideSingleFlight(input({ answers }));
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /1\/20 asks of the burst failed: 1× timed out after 5 s/);
});

test('followers far slower than the leader → latency explosion warning', () => {
  const answers = burst(20).map((answer, index) =>
    index === 0 ? answer : { ...answer, exchange: { ...answer.exchange, durationMs: 5000 } },
  );
  const outcome = decideSingleFlight(input({ answers }));
  assert.equal(outcome.status, 'warn');
  assert.match(outcome.reason, /latency explosion: p95 5000 ms above the budget 2000 ms/);
});

test('unreachable metrics: ⚠️ by the missing-metric rule, never ✅; a metric that does not move is a warning', () => {
  const unreachable = decideSingleFlight(
    input({
      metricBefore: reading(undefined, false),
      metricAfter: {
        ...reading(undefined, false),
        failure: { kind: 'unreachable', where: 'api-1 (http://127.0.0.1:1/metrics)', cause: 'ECONNREFUSED' },
      },
    }),
  );
  assert.equal(unreachable.status, 'warn');
  assert.match(
    unreachable.reason,
    /^metric evidence missing: cannot reach api-1 \(http:\/\/127\.0\.0\.1:1\/metrics\) \(ECONNREFUSED\); confirmed by answers only/,
  );
  assert.ok(unreachable.metricEvidenceMissing);
  assert.equal(decideSingleFlight(input({ metricAfter: reading(4) })).status, 'warn');
});

test('a spread dispatch (requests not really together) is a warning', () => {
  const outcome = decideSingleFlight(
    input({ burst: { connectMs: 3, dispatchSpreadMs: 900, preconnectFailures: 0 } }),
  );
  assert.equal(outcome.status, 'warn');
  assert.match(outcome.reason, /did not leave together/);
});

/** Answers as a stage lying in one signal would give them: the burst with `change` applied to the hits. */
const lying = (change: (index: number) => Parameters<typeof ask>[0]) =>
  burst(20).map((answer, index) =>
    index === 0
      ? answer
      : ask({
          hit: true,
          key: 'plan:v1:public:k',
          durationMs: 510,
          replica: `api-${(index % 3) + 1}`,
          ...change(index),
        }),
  );
const secondRound = (shape: Parameters<typeof ask>[0] = {}) =>
  Array.from({ length: 6 }, (_, index) =>
    ask({ hit: true, key: 'plan:v1:public:k', replica: `api-${(index % 3) + 1}`, ...shape }),
  );
const counter = (metric: string, value: number): CounterReading => ({
  source: { kind: 'scrape', replicas: ['api-1', 'api-2', 'api-3'] },
  metric,
  reachable: true,
  value,
});

test('followers answering a fallback or an empty string with plan_cache_hit = true fail', () => {
  const fallback = decideSingleFlight(
    input({ answers: lying(() => ({ answer: 'Não encontrei dados para MXRF11.' })) }),
  );
  assert.equal(fallback.status, 'fail');
  assert.match(
    fallback.reason,
    /19\/19 followers with meta\.compute\.plan_cache_hit = true answered 19× a fallback sentence/,
  );
  const empty = decideSingleFlight(
    input({ answers: lying((index) => ({ answer: index % 2 ? '' : undefined })) }),
  );
  assert.equal(empty.status, 'fail');
  assert.match(empty.reason, /an empty answer/);
});

test("hits with other answers than the leader's fail, counting the distinct answers", () => {
  const outcome = decideSingleFlight(
    input({ answers: lying((index) => ({ answer: `MXRF11 a R$ 10,${index % 9}` })) }),
  );
  assert.equal(outcome.status, 'fail');
  assert.match(
    outcome.reason,
    /10 different answers for one question: 19\/19 hits are not the leader's answer/,
  );
});

test("the LLM's or SQL's own counter growing by N fails, naming the counter", () => {
  const llm = decideSingleFlight(
    input({ llmBefore: counter('llm_total', 3), llmAfter: counter('llm_total', 23) }),
  );
  assert.equal(llm.status, 'fail');
  assert.match(llm.reason, /the answers say 1 execution, but LLM's own counter says llm_total \+20/);
  const sql = decideSingleFlight(
    input({ sqlBefore: counter('sql_total', 0), sqlAfter: counter('sql_total', 20) }),
  );
  assert.match(sql.reason, /SQL's own counter says sql_total \+20/);
  // Not exposed: weaker, said so, not a status by itself.
  const absent = decideSingleFlight(
    input({
      sqlBefore: { ...counter('sql_total', 0), value: undefined },
      sqlAfter: { ...counter('sql_total', 0), value: undefined },
      secondRound: secondRound(),
    }),
  );
  assert.equal(absent.status, 'pass', absent.reason);
  assert.match(absent.reason, /SQL: not cross-checked: sql_total not exposed/);
});

test('the second round: a miss (entry not stored, not shared or not kept) or another answer fails', () => {
  const miss = decideSingleFlight(
    input({
      secondRound: secondRound().map((answer, index) =>
        index === 1 ? ask({ hit: false, replica: 'api-2' }) : answer,
      ),
    }),
  );
  assert.equal(miss.status, 'fail');
  assert.match(
    miss.reason,
    /1\/6 asks of the second round, one at a time after the burst, were not hits \(replicas api-2\)/,
  );
  const other = decideSingleFlight(input({ secondRound: secondRound({ answer: 'HGLG11 a R$ 150' }) }));
  assert.match(other.reason, /6\/6 hits of the second round gave another answer than the leader's/);
  const healthy = decideSingleFlight(input({ secondRound: secondRound() }));
  assert.equal(healthy.status, 'pass', healthy.reason);
  assert.match(healthy.reason, /second round 6\/6 hits on api-1, api-2, api-3/);
  assert.match(healthy.reason, /followers' p95 510 ms \(bound 2000 ms, leader 500 ms\)/);
});

test('a burst served by one replica of several is said to be so (⚠️)', () => {
  const outcome = decideSingleFlight(
    input({ replicas: 3, answers: burst(20).map((answer) => ({ ...answer, replica: 'api-1' })) }),
  );
  assert.equal(outcome.status, 'warn');
  assert.match(outcome.reason, /the burst was served by one replica only \(api-1\) of 3/);
});
