/**
 * The narrator limit on a replica with NARRATOR_MAX_CONCURRENCY=1 against a slow Ollama simulator:
 * a burst of distinct LLM-bound questions gets overload answers at once (never a queue without end),
 * the overload metric counts them, degraded answers are not cached, and /healthz stays fast throughout.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AskResponseSchema, HealthzResponseSchema, METRICS } from '../../src/contract/index.js';
import { ask, askBody, getJson, scrapeMetric, type RunningService } from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

const SIM_LATENCY_MS = 2000;

const stage = useApiStage({
  name: 'narrator-limit',
  // The simulator itself has room for all: the replica's own limit is what is tested here.
  simulators: {
    'ollama-sim': {
      SIM_LATENCY_MS: String(SIM_LATENCY_MS),
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '16',
    },
  },
  replicas: { 'api-limited': { env: { NARRATOR_MAX_CONCURRENCY: '1', NARRATOR_QUEUE_TIMEOUT_MS: '0' } } },
});
let api: RunningService;

before(async () => {
  await stage.booted;
  api = stage.replica('api-limited');
});

const EXPLAIN = [
  'O que é vacância em um FII?',
  'Explique o que é um fundo de papel',
  'Como funciona a amortização de cotas?',
  'O que significa P/VP?',
  'Por que fundos de shopping oscilam mais?',
];
const DATA = [
  'Qual o preço atual do MXRF11?',
  'Qual o último dividendo do HGLG11?',
  'Qual o dividend yield do KNRI11?',
  'Quanto está o XPML11?',
  'Histórico do VISC11 nos últimos 3 meses',
];

test(
  'limit 1, burst of 10 distinct LLM-bound asks: overload answers, metric counted, healthz fast',
  { timeout: 60_000 },
  async (t) => {
    const overloadBefore = await scrapeMetric(api.url, METRICS.narratorLlmRequests, { outcome: 'overload' });
    let polling = true;
    const healthz: number[] = [];
    const healthStatuses: number[] = [];
    const poller = (async () => {
      while (polling) {
        const reply = await getJson(`${api.url}/healthz`, 5000);
        HealthzResponseSchema.parse(reply.body);
        healthz.push(reply.ms);
        healthStatuses.push(reply.status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const questions = [...EXPLAIN, ...DATA];
    const replies = await Promise.all(questions.map((q, i) => ask(api.url, askBody(q, `burst-${i}`))));
    polling = false;
    await poller;

    for (const reply of replies) AskResponseSchema.parse(reply.body);
    const limited = replies.filter((r) => r.body.error === 'llm_concurrency_limited');
    const degraded = replies.filter((r) => r.status === 200 && r.body.meta.narrative_overload);
    const served = replies.filter((r) => r.body.meta.narrator.outcome === 'ok');
    t.diagnostic(
      `llm ok ${served.length}, degraded to template ${degraded.length}, llm_concurrency_limited ${limited.length}; ` +
        `healthz polls ${healthz.length}, slowest ${Math.round(Math.max(...healthz))} ms`,
    );
    assert.equal(served.length, 1, 'exactly one LLM call fits under the limit');
    assert.equal(limited.length + degraded.length, 9);
    assert.ok(limited.length >= 4 && degraded.length >= 4, 'both kinds of overload answer occur');
    for (const reply of limited) {
      assert.equal(reply.status, 503);
      assert.equal(reply.body.answer, null);
      assert.ok(Number(reply.headers.get('retry-after')) > 0, 'Retry-After tells the client when to retry');
    }
    for (const reply of degraded) {
      assert.ok(reply.body.answer && reply.body.answer.length > 0, 'a data answer degrades to the template');
      assert.equal(reply.body.meta.narrator.source, 'template');
    }
    // Refused at once, not queued behind the slow call.
    for (const reply of [...limited, ...degraded])
      assert.ok(reply.ms < SIM_LATENCY_MS, `overload answer took ${reply.ms} ms`);

    const overload =
      (await scrapeMetric(api.url, METRICS.narratorLlmRequests, { outcome: 'overload' })) - overloadBefore;
    assert.equal(overload, 9, 'services_narrator_llm_requests_total{outcome="overload"}');
    assert.ok(healthz.length >= 5, 'healthz was polled during the burst');
    assert.ok(healthStatuses.every((s) => s === 200));
    // The slow LLM call takes 2 s; a healthz that waited on anything LLM-related would show it.
    assert.ok(Math.max(...healthz) < 1000, `slowest healthz ${Math.max(...healthz)} ms`);
  },
);

test(
  'degraded answers are not cached as good ones: the same question later gets a real narration',
  { timeout: 60_000 },
  async () => {
    const question = DATA[0]!;
    const first = await ask(api.url, askBody(question, 'later-1'));
    assert.equal(first.status, 200);
    // Whatever the burst left behind for this plan must not be a cached template answer.
    assert.equal(first.body.meta.narrator.outcome, 'ok');
    const second = await ask(api.url, askBody(question, 'later-2'));
    assert.equal(second.body.meta.compute.plan_cache_hit, true);
    assert.equal(second.body.meta.narrator.source, 'llm');
  },
);
