/**
 * The LLM misbehaving behind a running stage, seen through the gateway: the Ollama simulator answering
 * 503 "server busy", answering slower than the narrator's timeout, and gone altogether. Data answers
 * degrade to the template with the right meta and metric outcome (and are not cached); questions only
 * the LLM can answer get a clear error a client can act on; nothing waits past its timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS, type NarratorOutcome } from '../../src/contract/index.js';
import type { LocalStageHarness } from '../stage/local/local-stage-harness.js';
import { bootReferenceStage, pidOf, signalGroup, sumMetric } from '../fixtures/reference-stage.js';
import { ask, askBody, describe, getStatus, type Exchange } from '../fixtures/gateway-requests.js';

/** Each with the figure the sample seed gives it, so a template answer can be recognised. */
const DATA_QUESTIONS: Array<[question: string, figure: string]> = [
  ['Qual o preço atual do HGLG11?', 'R$ 151,84'],
  ['Qual o último dividendo do KNRI11?', 'R$ 0,97'],
  ['Qual o dividend yield do MXRF11?', 'MXRF11'],
  ['Quanto está o XPML11?', 'R$ 111,22'],
];
const LLM_QUESTIONS = ['Explique o que é vacância em um fundo imobiliário', 'O que significa P/VP?'];

interface Expectation {
  outcome: Exclude<NarratorOutcome, 'ok' | 'skipped'>;
  overload: boolean;
  llmError: string;
  llmStatus: number;
  /** Every answer within this many ms. */
  withinMs: number;
}

/** Ask every question at once and check the degraded answers, the errors, the metric and the timing. */
async function assertDegraded(
  t: { diagnostic(message: string): void },
  driver: LocalStageHarness,
  label: string,
  expected: Expectation,
): Promise<Exchange[]> {
  const before = await sumMetric(driver, METRICS.narratorLlmRequests, { outcome: expected.outcome });
  const started = performance.now();
  const healthz = getStatus(`${driver.baseUrl}/healthz`);
  const data = DATA_QUESTIONS.map(([question], i) =>
    ask(driver.baseUrl, askBody(question, `${label}-d${i}`), 20_000),
  );
  const llm = LLM_QUESTIONS.map((question, i) =>
    ask(driver.baseUrl, askBody(question, `${label}-l${i}`), 20_000),
  );
  const dataReplies = await Promise.all(data);
  const llmReplies = await Promise.all(llm);
  const wall = performance.now() - started;
  const health = await healthz;
  const counted =
    (await sumMetric(driver, METRICS.narratorLlmRequests, { outcome: expected.outcome })) - before;
  t.diagnostic(
    `${label}: data answers ${dataReplies.map((r) => `${r.status}/${r.answer?.meta.narrator.outcome}/${Math.round(r.ms)}ms`).join(', ')}; ` +
      `LLM-only ${llmReplies.map((r) => `${r.status}/${r.answer?.error}/${Math.round(r.ms)}ms`).join(', ')}; ` +
      `outcome="${expected.outcome}" counted ${counted}; healthz ${health.status} in ${Math.round(health.ms)} ms; wall ${Math.round(wall)} ms`,
  );

  dataReplies.forEach((reply, i) => {
    assert.equal(reply.status, 200, describe(reply));
    const body = reply.answer!;
    assert.ok(body.answer?.includes(DATA_QUESTIONS[i]![1]), `template answer with the data: ${body.answer}`);
    assert.match(body.answer!, /Dados de exemplo/, 'the template, not an LLM text');
    assert.equal(body.error, undefined);
    assert.equal(body.meta.narrator.outcome, expected.outcome);
    assert.equal(body.meta.narrator.source, 'template');
    assert.equal(body.meta.narrative_overload, expected.overload);
    assert.ok(reply.ms < expected.withinMs, describe(reply));
  });
  for (const reply of llmReplies) {
    assert.equal(reply.status, expected.llmStatus, describe(reply));
    const body = reply.answer!;
    assert.equal(body.answer, null);
    assert.equal(body.error, expected.llmError);
    assert.ok(body.message && body.message.length > 10, 'a message a person can read');
    assert.equal(body.meta.narrator.outcome, expected.outcome);
    assert.equal(body.meta.narrative_overload, expected.overload);
    assert.ok(reply.ms < expected.withinMs, describe(reply));
  }
  assert.equal(
    counted,
    DATA_QUESTIONS.length + LLM_QUESTIONS.length,
    `services_narrator_llm_requests_total{outcome="${expected.outcome}"}`,
  );
  assert.equal(health.status, 200, 'healthz never waits on the LLM');
  assert.ok(health.ms < 2000, `healthz took ${Math.round(health.ms)} ms`);

  // Degraded answers are not cached as good ones: the same question executes again.
  const again = await ask(driver.baseUrl, askBody(DATA_QUESTIONS[0]![0], `${label}-again`), 20_000);
  assert.equal(again.status, 200, describe(again));
  assert.notEqual(
    again.answer!.meta.compute.role,
    'cache',
    'a degraded answer was not stored in the plan cache',
  );
  assert.equal(again.answer!.meta.compute.plan_cache_hit, false);
  return [...dataReplies, ...llmReplies];
}

test('Ollama answering 503 "server busy": template answers marked narrative_overload, LLM-only questions get 503 llm_concurrency_limited', async (t) => {
  const driver = await bootReferenceStage({
    after: t,
    replicas: 2,
    env: { SIM_FAIL_MODE: '503' },
  });
  const replies = await assertDegraded(t, driver, 'busy', {
    outcome: 'overload',
    overload: true,
    llmError: 'llm_concurrency_limited',
    llmStatus: 503,
    withinMs: 3000,
  });
  const limited = replies.filter((r) => r.status === 503);
  assert.equal(limited.length, LLM_QUESTIONS.length);
  // What a client can act on: come back later.
  for (const reply of limited) assert.ok(Number(reply.retryAfter) > 0, `Retry-After: ${reply.retryAfter}`);
});

test('Ollama slower than the narrator timeout, then gone: timeout and error outcomes, 504 llm_timeout and 503 llm_unavailable, nothing hangs', async (t) => {
  const narratorTimeoutMs = 1500;
  const driver = await bootReferenceStage({
    after: t,
    replicas: 2,
    narratorMaxConcurrency: 8,
    env: {
      SIM_LATENCY_MS: '8000',
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '8',
      NARRATOR_TIMEOUT_MS: String(narratorTimeoutMs),
    },
  });
  await assertDegraded(t, driver, 'slow', {
    outcome: 'timeout',
    overload: false,
    llmError: 'llm_timeout',
    llmStatus: 504,
    // The narrator gives up at its timeout, whatever the LLM does.
    withinMs: narratorTimeoutMs + 3000,
  });

  // Now the LLM disappears entirely (its process killed): connection refused, answered at once.
  const simulator = pidOf(driver, 'ollama-sim');
  signalGroup(simulator, 'SIGKILL');
  const gone = await getStatus(`${driver.urls.ollama}/api/version`, 1000);
  assert.equal(gone.status, undefined, 'the simulator is down');
  await assertDegraded(t, driver, 'down', {
    outcome: 'error',
    overload: false,
    llmError: 'llm_unavailable',
    llmStatus: 503,
    withinMs: 3000,
  });
});
