import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideNarratorSaturation,
  saturationQuestions,
  type NarratorSaturationInput,
} from '../../src/checks/narrator-saturation.js';
import type { CounterReading } from '../../src/checks/stage-metrics.js';
import {
  ask,
  askJson,
  defaults,
  exchange,
  healthz,
  narratorAnswers as answers,
  timedOutAsk,
} from './exchanges.js';
import { readAskAnswer, type AskAnswer } from '../../src/checks/ask-answer.js';

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

test('missing metric evidence is a warning in the shared wording; a metric under-counting the refusals fails', () => {
  const absent = decideNarratorSaturation(input({ overloadAfter: reading(undefined) }));
  assert.equal(absent.status, 'warn');
  assert.match(absent.reason, /^metric evidence missing: .* absent from .*; confirmed by answers only/);
  const noSource = decideNarratorSaturation(
    input({
      metricsOffered: false,
      overloadBefore: { metric, reachable: false },
      overloadAfter: { metric, reachable: false },
    }),
  );
  assert.equal(noSource.status, 'warn');
  assert.match(noSource.reason, /^metric evidence missing: /);
  const uncounted = decideNarratorSaturation(
    input({ overloadBefore: reading(4), overloadAfter: reading(4) }),
  );
  assert.equal(uncounted.status, 'fail');
  assert.match(uncounted.reason, /the answers show 7 overloads, but .*outcome="overload"} grew only \+0/);
});

/** A narrated answer from `replica`, its LLM call the last `llmMs` of a request that started at `at`. */
function narrated(replica: string, at: number, durationMs: number, llmMs: number): AskAnswer {
  const json = askJson({ replica, key: `plan:n:${replica}:${at}:${llmMs}` }) as {
    meta: { narrator: { source: string }; compute: { timings: { llm_ms: number } } };
  };
  json.meta.narrator.source = 'llm';
  json.meta.compute.timings.llm_ms = llmMs;
  return readAskAnswer(
    exchange({ json, startedAtMs: at, durationMs, headers: { 'x-replica-id': replica } }),
    defaults,
    ['answer', 'overload'],
  );
}

const refused = (count: number, durationMs = 5) =>
  Array.from({ length: count }, (_, index) => ask({ key: `r${index}`, overload: true, durationMs }));

test('narrations in flight above the limit, by timing or by the high-watermark, fail', () => {
  const healthy = [
    narrated('api-1', 0, 900, 800),
    narrated('api-2', 0, 900, 800),
    narrated('api-3', 0, 900, 800),
  ];
  const ok = decideNarratorSaturation(input({ answers: [...healthy, ...refused(7)] }));
  assert.equal(ok.status, 'pass', ok.reason);
  assert.match(ok.reason, /at most 3 narrations in flight \(capacity 3\)/);
  // Limit off by one: two LLM calls at once on api-1.
  const offByOne = decideNarratorSaturation(
    input({ answers: [...healthy, narrated('api-1', 0, 900, 700), ...refused(6)] }),
  );
  assert.equal(offByOne.status, 'fail');
  assert.match(
    offByOne.reason,
    /narrations in flight above the limit by timing: 4 \(api-1 2, api-2 1, api-3 1\), limit 1/,
  );
  // One after the other on the same replica is not two at once.
  const sequential = decideNarratorSaturation(
    input({ answers: [...healthy, narrated('api-1', 900, 900, 800), ...refused(6)] }),
  );
  assert.equal(sequential.status, 'pass', sequential.reason);
  const watermark = decideNarratorSaturation(
    input({
      answers: [...healthy, ...refused(7)],
      inFlightHighWatermark: new Map([
        ['api-1', 2],
        ['api-2', 1],
      ]),
    }),
  );
  assert.equal(watermark.status, 'fail');
  assert.match(
    watermark.reason,
    /the stage's own metric shows narrations above the limit: services_narrator_llm_in_flight_max max 2/,
  );
});

test('slow refusals, refused asks that reached the LLM, and a second burst that narrates nothing fail', () => {
  const slow = decideNarratorSaturation(
    input({ answers: [...answers(3, 0), ...refused(7, 4000)], refusalBudgetMs: 2000 }),
  );
  assert.equal(slow.status, 'fail');
  assert.match(slow.reason, /slow refusals: the slowest of 7 refusals took 4000 ms, above 2000 ms/);
  const llm = [narrated('api-1', 0, 900, 800), narrated('api-2', 0, 900, 800)];
  const called = decideNarratorSaturation(input({ answers: [...llm, ...refused(8)], llmCallsIncrease: 10 }));
  assert.equal(called.status, 'fail');
  assert.match(called.reason, /the LLM was called 10 times for 2 narrated answers: 8 asks refused/);
  const leaked = decideNarratorSaturation(
    input({ answers: [...llm, ...refused(8)], secondAnswers: refused(10), overloadAfter: reading(18) }),
  );
  assert.equal(leaked.status, 'fail');
  assert.match(
    leaked.reason,
    /the second burst, after the first had ended, got no ask narrated \(10\/10 refused\): the narrator's permits are not released/,
  );
});
