/**
 * A bounded soak of the local stage through its gateway: 50 simulated users, each asking, then
 * thinking 1–2 s, for a minute — public data questions, their own portfolio, and questions only the
 * LLM can answer (narrator limit 2 per replica, so the designed overload answers do occur). No error
 * outside those designed overload answers, /healthz fine throughout, and each replica's resident
 * memory flat from the end of the first quarter to the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '../../src/contract/index.js';
import { DEFAULT_LLM_QUESTIONS } from '../../src/gate/options/option-values.js';
import { bootReferenceStage, pidOf, rssKib, sumMetric } from '../fixtures/reference-stage.js';
import {
  ask,
  askBody,
  countBy,
  describe,
  getStatus,
  percentile,
  sleep,
  type Exchange,
} from '../fixtures/gateway-requests.js';

const USERS = 50;
const SOAK_MS = 60_000;
const WARMUP_MS = 3000;
const SAMPLE_EVERY_MS = 2500;
/** Growth allowed from the first quarter to the end: either bound passing is enough. */
const MAX_GROWTH_MIB = 40;
const MAX_GROWTH_RATIO = 0.3;

const TICKERS = ['MXRF11', 'HGLG11', 'KNRI11', 'XPML11', 'VISC11', 'KNCR11', 'BTLG11', 'HGRU11'];
const PUBLIC = TICKERS.flatMap((ticker) => [
  `Qual o preço atual do ${ticker}?`,
  `Qual o último dividendo do ${ticker}?`,
  `Qual o dividend yield do ${ticker}?`,
]);
/** Questions only the LLM answers: the gate's own narrator-burst questions. */
const LLM = DEFAULT_LLM_QUESTIONS.slice(0, 8);
const SEEDED = ['client-a', 'client-b', 'client-c', 'demo'];

/** A small seeded PRNG, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The designed answers to overload: a template answer marked so, or `llm_concurrency_limited` with 503. */
function isDesigned(exchange: Exchange): boolean {
  if (exchange.status === 200 && exchange.answer?.answer) return true;
  return exchange.status === 503 && exchange.answer?.error === 'llm_concurrency_limited';
}

test(
  'soak: 50 users for a minute of mixed traffic — no error beyond designed overload, memory flat',
  { timeout: 150_000 },
  async (t) => {
    const driver = await bootReferenceStage({
      after: t,
      replicas: 3,
      narratorMaxConcurrency: 2,
      env: {
        SIM_LATENCY_MS: '400',
        SIM_TOKENS_PER_SECOND: '0',
        OLLAMA_NUM_PARALLEL: '4',
        // Entries expire during the soak, so the LLM keeps being asked.
        PLAN_CACHE_TTL_SECONDS: '10',
        LOG_LEVEL: 'warn',
      },
    });
    const gateway = driver.baseUrl;
    const replicas = driver.replicaNames();
    const pids = replicas.map((name) => pidOf(driver, name));

    // Warm up (first executions, lazy code paths), so the first quarter is the baseline of a running stage.
    await Promise.all(PUBLIC.slice(0, 6).map((question, i) => ask(gateway, askBody(question, `warm-${i}`))));
    await sleep(WARMUP_MS);

    const started = performance.now();
    const end = started + SOAK_MS;
    const samples: Array<{ atMs: number; rss: number[] }> = [];
    const exchanges: Array<Exchange & { kind: string }> = [];
    const health: Array<number | undefined> = [];

    const sampler = (async () => {
      while (performance.now() < end) {
        samples.push({ atMs: performance.now() - started, rss: pids.map(rssKib) });
        const probe = await getStatus(`${gateway}/healthz`, 5000);
        health.push(probe.status);
        await sleep(SAMPLE_EVERY_MS);
      }
      samples.push({ atMs: performance.now() - started, rss: pids.map(rssKib) });
    })();
    const users = Array.from({ length: USERS }, async (_, user) => {
      const next = random(1000 + user);
      const clientId = user < SEEDED.length ? SEEDED[user]! : `soak-user-${user}`;
      await sleep(next() * 2000); // users arrive over the first two seconds
      while (performance.now() < end) {
        const roll = next();
        const kind = roll < 0.5 ? 'public' : roll < 0.75 ? 'private' : 'llm';
        const question =
          kind === 'public'
            ? PUBLIC[Math.floor(next() * PUBLIC.length)]!
            : kind === 'private'
              ? next() < 0.5
                ? 'Como está minha carteira?'
                : `Quantas cotas de ${TICKERS[Math.floor(next() * TICKERS.length)]} eu tenho?`
              : LLM[Math.floor(next() * LLM.length)]!;
        exchanges.push({ kind, ...(await ask(gateway, askBody(question, clientId), 30_000)) });
        await sleep(1000 + next() * 1000);
      }
    });
    await Promise.all([...users, sampler]);
    const elapsed = performance.now() - started;

    const undesigned = exchanges.filter((exchange) => !isDesigned(exchange));
    const overloaded = exchanges.filter(
      (e) => e.answer?.meta.narrative_overload || e.answer?.error === 'llm_concurrency_limited',
    );
    const ms = exchanges.map((e) => e.ms);
    const quarter = samples.filter((sample) => sample.atMs <= elapsed / 4).at(-1)!;
    const last = samples.at(-1)!;
    const growth = replicas.map((name, i) => ({
      name,
      fromMib: quarter.rss[i]! / 1024,
      toMib: last.rss[i]! / 1024,
      peakMib: Math.max(...samples.map((sample) => sample.rss[i]!)) / 1024,
    }));
    t.diagnostic(
      `${Math.round(elapsed / 1000)} s, ${exchanges.length} asks (${(exchanges.length / (elapsed / 1000)).toFixed(1)}/s): ` +
        `${JSON.stringify(countBy(exchanges, (e) => e.kind))}; statuses ${JSON.stringify(countBy(exchanges, (e) => String(e.status ?? e.failure)))}; ` +
        `designed overload answers ${overloaded.length}; latency p50 ${Math.round(percentile(ms, 50))} ms, ` +
        `p95 ${Math.round(percentile(ms, 95))} ms, max ${Math.round(Math.max(...ms))} ms; healthz ${JSON.stringify(countBy(health, String))}`,
    );
    t.diagnostic(
      `RSS (MiB) at ${Math.round(quarter.atMs / 1000)} s → at ${Math.round(last.atMs / 1000)} s: ` +
        growth
          .map(
            (g) =>
              `${g.name} ${g.fromMib.toFixed(1)} → ${g.toMib.toFixed(1)} (${(((g.toMib - g.fromMib) / g.fromMib) * 100).toFixed(1)}%, peak ${g.peakMib.toFixed(1)})`,
          )
          .join('; '),
    );
    // What the gateway logged: each request's line has a 4-letter termination state before its
    // connection counts (`----` when normal; `D---`, `SD--`… say who ended it), and the servers' UP/DOWN
    // events. A request lost with no line here was lost on the client's side of the gateway.
    const gatewayLog = driver.workDir
      ? readFileSync(join(driver.workDir, 'gateway.log'), 'utf8').split('\n')
      : [];
    const logged = gatewayLog.filter((line) => / [A-Z-]{4} \d+\/\d+\/\d+\/\d+\/\d+ /.test(line));
    const abnormal = logged.filter((line) => !/ ---- /.test(line));
    const serverEvents = gatewayLog.filter((line) => /Server api\/|has no server available/.test(line));
    t.diagnostic(
      `gateway: ${logged.length} requests logged, ${abnormal.length} ended abnormally; server events ${serverEvents.length}`,
    );
    for (const line of [...abnormal, ...serverEvents].slice(0, 20)) t.diagnostic(`  ${line}`);
    t.diagnostic(
      `heavy executions ${await sumMetric(driver, METRICS.heavyExecutions)}, narrator overloads ` +
        `${await sumMetric(driver, METRICS.narratorLlmRequests, { outcome: 'overload' })}`,
    );

    assert.ok(elapsed >= SOAK_MS, 'the soak lasted a minute');
    assert.ok(exchanges.length >= USERS * 20, `enough traffic: ${exchanges.length} asks`);
    assert.deepEqual(
      undesigned.slice(0, 10).map(describe),
      [],
      `${undesigned.length} answers outside the designed overload answers`,
    );
    for (const kind of ['public', 'private', 'llm'])
      assert.ok(
        exchanges.some((e) => e.kind === kind && e.status === 200),
        `${kind} answered`,
      );
    assert.ok(
      health.every((status) => status === 200),
      `healthz through the gateway: ${health.join(',')}`,
    );
    for (const g of growth) {
      const grewMib = g.toMib - g.fromMib;
      assert.ok(
        grewMib < MAX_GROWTH_MIB || grewMib / g.fromMib < MAX_GROWTH_RATIO,
        `${g.name} RSS grew ${grewMib.toFixed(1)} MiB (${((grewMib / g.fromMib) * 100).toFixed(1)}%) from the first quarter to the end`,
      );
    }
    assert.deepEqual(
      replicas.map((name) => pidOf(driver, name)),
      pids,
      'no replica crashed or restarted',
    );
  },
);
