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
  assert.match(outcome.reason, /1 execution and 19 hits for 20 identical simultaneous asks/);
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
