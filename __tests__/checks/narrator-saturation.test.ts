import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideNarratorSaturation,
  saturationQuestions,
  type NarratorSaturationInput,
} from '../../src/checks/narrator-saturation.js';
import type { CounterReading } from '../../src/checks/stage-metrics.js';
import { ask, healthz, narratorAnswers as answers, timedOutAsk } from './exchanges.js';

const metric = 'services_narrator_llm_requests_total';
const reading = (value: number | undefined, reachable = true): CounterReading => ({
  source: { kind: 'scrape', replicas: ['api-1', 'api-2', 'api-3'] },
  metric,
  reachable,
  value,
});

function input(overrides: Partial<NarratorSaturationInput>): NarratorSaturationInput {
  return {
    answers: answers(3, 7),
    probes: Array.from({ length: 15 }, () => healthz('api-1', { durationMs: 4 })),
    timeoutMs: 30_000,
    healthzBudgetMs: 1000,
    narratorMaxConcurrency: 1,
    replicas: 3,
    metricsOffered: true,
    overloadBefore: reading(undefined),
    overloadAfter: reading(7),
    dispatchSpreadMs: 3,
    language: 'en',
    ...overrides,
  };
}

test('the burst questions are distinct, tagged with the run, and reuse the list when the burst is larger', () => {
  const questions = saturationQuestions(['Explique A', 'Explique B'], 5, '7abc');
  assert.equal(new Set(questions).size, 5);
  assert.equal(questions[2], 'Explique A [stagegate 7abc-3]');
});

test('some overload, every ask complete, healthz fast, metric up → pass', () => {
  const outcome = decideNarratorSaturation(input({}));
  assert.equal(outcome.status, 'pass', outcome.reason);
  assert.match(outcome.reason, /7\/10 simultaneous LLM-bound asks signalled overload and 3 were answered/);
});

test('an overload flag on a template answer counts like the refusal', () => {
  const flagged = [
    ...answers(3, 0),
    ...Array.from({ length: 7 }, (_, index) => ask({ key: `t${index}`, overload: true })),
  ];
  assert.equal(decideNarratorSaturation(input({ answers: flagged })).status, 'pass');
});

test('no overload at all (no narrator limit) fails; a burst too small for the limit only warns', () => {
  const unlimited = decideNarratorSaturation(
    input({ answers: answers(10, 0), overloadAfter: reading(undefined) }),
  );
  assert.equal(unlimited.status, 'fail');
  assert.match(unlimited.reason, /narrator limit is not enforced/);
  const tooSmall = decideNarratorSaturation(input({ answers: answers(3, 0), narratorMaxConcurrency: 1 }));
  assert.equal(tooSmall.status, 'warn');
  assert.match(tooSmall.reason, /raise narrator-burst/);
});

test('asks that never complete fail, naming the timeout', () => {
  const outcome = decideNarratorSaturation(input({ answers: [...answers(2, 7), timedOutAsk(30)] }));
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /1\/10 asks did not complete within 30 s/);
});

test('other errors than the designed overload fail', () => {
  const broken = [...answers(2, 7), ask({ status: 502, error: 'llm_unavailable', answer: null })];
  assert.match(
    decideNarratorSaturation(input({ answers: broken })).reason,
    /outside the designed overload: 1× error llm_unavailable/,
  );
});

test('healthz slowing down or failing during the burst fails', () => {
  const slow = decideNarratorSaturation(
    input({ probes: [healthz('api-1'), healthz('api-2', { durationMs: 2500 })] }),
  );
  assert.equal(slow.status, 'fail');
  assert.match(slow.reason, /max 2500 ms above 1000 ms/);
  const failing = decideNarratorSaturation(input({ probes: [healthz('api-1', { status: 503 })] }));
  assert.equal(failing.status, 'fail');
});

test('a metric that does not show the overload is a warning; no metrics source at all is ⚠️ by the missing-metric rule', () => {
  assert.equal(decideNarratorSaturation(input({ overloadAfter: reading(undefined) })).status, 'warn');
  const noSource = decideNarratorSaturation(
    input({
      metricsOffered: false,
      overloadBefore: { metric, reachable: false },
      overloadAfter: { metric, reachable: false },
    }),
  );
  assert.equal(noSource.status, 'warn');
  assert.match(noSource.reason, /^metric evidence missing: no metrics source; confirmed by answers only/);
});
