/**
 * The missing-metric rule, the same in every check that reads a metric: with the metric source removed
 * (none at all, unreachable, a failure of any kind, partial, or the metric absent) no check is ✅ on
 * answers alone; each is ⚠️ with the one wording, and the verdict line says metric evidence was missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideNarratorSaturation } from '../../src/checks/narrator-saturation.js';
import { decideSingleFlight } from '../../src/checks/plan-cache-single-flight.js';
import type { CheckOutcome } from '../../src/checks/check-context.js';
import type { CounterReading } from '../../src/checks/stage-metrics.js';
import { conclusionText } from '../../src/report/conclusion.js';
import type { CheckId } from '../../src/report/model.js';
import { ask, healthz, narratorAnswers } from './exchanges.js';
import { check, sampleReport } from '../report/report-fixtures.js';

const scrape = { kind: 'scrape' as const, replicas: ['api-1', 'api-2'] };

/** Each way the evidence goes missing: the readings before and after, and the words that say why. */
const REMOVALS: Array<{
  name: string;
  before: Omit<CounterReading, 'metric'>;
  after: Omit<CounterReading, 'metric'>;
  why: RegExp;
}> = [
  {
    name: 'no metrics source',
    before: { reachable: false },
    after: { reachable: false },
    why: /no metrics source/,
  },
  {
    name: 'source unreachable',
    before: { source: scrape, reachable: true, value: 3 },
    after: {
      source: { kind: 'prometheus', url: 'http://127.0.0.1:1' },
      reachable: false,
      failure: { kind: 'unreachable', where: 'http://127.0.0.1:1', cause: 'ECONNREFUSED' },
    },
    why: /cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/,
  },
  {
    // A kind the rule does not know by name (another helper adds "not this stage's Prometheus"): still missing.
    name: 'a failure of another kind',
    before: { source: scrape, reachable: true, value: 3 },
    after: { source: scrape, reachable: false, failure: { kind: 'other', message: 'not this stage' } },
    why: /error: not this stage/,
  },
  {
    name: 'gateway-only, not a sum over replicas',
    before: { source: { kind: 'gateway-only', url: 'http://gw/metrics' }, reachable: true, value: 1 },
    after: { source: { kind: 'gateway-only', url: 'http://gw/metrics' }, reachable: true, value: 9 },
    why: /gateway only, partial/,
  },
  {
    name: 'metric absent',
    before: { source: scrape, reachable: true },
    after: { source: scrape, reachable: true },
    why: /absent from direct scrape of 2 api replicas/,
  },
];

const WORDING = /^metric evidence missing: (.+); confirmed by answers only/;

/** Each check that reads a metric, decided on healthy answers with the given readings. */
const CHECKS: Array<{
  id: CheckId;
  decide: (before: CounterReading, after: CounterReading) => CheckOutcome;
}> = [
  {
    id: 'plan-cache-single-flight',
    decide: (metricBefore, metricAfter) =>
      decideSingleFlight({
        question: 'Qual o preço atual do MXRF11?',
        answers: Array.from({ length: 6 }, (_, index) =>
          ask({ hit: index > 0, key: 'plan:k', durationMs: 500, replica: `api-${(index % 2) + 1}` }),
        ),
        burst: { connectMs: 2, dispatchSpreadMs: 1, preconnectFailures: 0 },
        metricBefore,
        metricAfter,
        latencyBudgetFactor: 3,
        latencyBudgetMs: 500,
        cacheHitPath: 'meta.compute.plan_cache_hit',
        language: 'en',
      }),
  },
  {
    id: 'narrator-saturation',
    decide: (overloadBefore, overloadAfter) =>
      decideNarratorSaturation({
        answers: narratorAnswers(2, 4),
        probes: [healthz('api-1', { durationMs: 3 })],
        timeoutMs: 30_000,
        healthzBudgetMs: 1000,
        narratorMaxConcurrency: 1,
        replicas: 2,
        metricsOffered: true,
        overloadBefore,
        overloadAfter,
        dispatchSpreadMs: 1,
        language: 'en',
      }),
  },
];

for (const removal of REMOVALS)
  test(`${removal.name}: every check that reads a metric is ⚠️ with the same words, never ✅`, () => {
    for (const { id, decide } of CHECKS) {
      const metric =
        id === 'narrator-saturation'
          ? 'services_narrator_llm_requests_total'
          : 'services_plan_heavy_executions_total';
      const outcome = decide({ metric, ...removal.before }, { metric, ...removal.after });
      assert.equal(outcome.status, 'warn', `${id}: ${outcome.reason}`);
      const words = WORDING.exec(outcome.reason);
      assert.ok(words, `${id} says the rule's words: ${outcome.reason}`);
      assert.match(words[1]!, removal.why, id);
      assert.equal(outcome.metricEvidenceMissing, words[1], id);
    }
  });

test('the same answers with the metric read are ✅ in every check (the rule is what changed the status)', () => {
  for (const { id, decide } of CHECKS) {
    const metric = 'm';
    const outcome = decide(
      { metric, source: scrape, reachable: true, value: 2 },
      { metric, source: scrape, reachable: true, value: id === 'narrator-saturation' ? 6 : 3 },
    );
    assert.equal(outcome.status, 'pass', `${id}: ${outcome.reason}`);
    assert.equal(outcome.metricEvidenceMissing, undefined);
  }
});

test('the verdict line says metric evidence was missing, naming the checks', () => {
  const report = sampleReport({
    language: 'en',
    verdict: 'ready',
    checks: [
      check({ id: 'stage-up', status: 'pass' }),
      check({ id: 'plan-cache-single-flight', status: 'warn', metricEvidenceMissing: 'no metrics source' }),
      check({ id: 'narrator-saturation', status: 'warn', metricEvidenceMissing: 'no metrics source' }),
    ],
  });
  assert.match(
    conclusionText(report),
    /with 2 degraded checks\. Metric evidence was missing in plan-cache-single-flight, narrator-saturation: confirmed by answers only\.$/,
  );
  const portuguese = conclusionText({ ...report, language: 'pt-BR' });
  assert.match(portuguese, /Evidência de métrica ausente em plan-cache-single-flight, narrator-saturation/);
  const proven = { ...report, checks: [check({ id: 'stage-up', status: 'pass' })] };
  assert.doesNotMatch(conclusionText(proven), /Metric evidence/);
});
