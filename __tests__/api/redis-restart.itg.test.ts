/**
 * Redis killed and restarted on its port in the middle of a bounded stream of asks through the
 * gateway: answers keep coming (uncached and marked cache_available=false while it is gone), no API
 * process crashes, and the plan cache and the cross-replica single-flight resume by themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthzResponseSchema, METRICS } from '../../src/contract/index.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { bootReferenceStage, pidOf, sumMetric } from '../fixtures/reference-stage.js';
import {
  ask,
  askBody,
  countBy,
  describe,
  percentile,
  sleep,
  type Exchange,
} from '../fixtures/gateway-requests.js';

const QUESTIONS = [
  'Qual o preço atual do MXRF11?',
  'Qual o último dividendo do HGLG11?',
  'Qual o dividend yield do KNRI11?',
  'Quanto está o XPML11?',
  'Histórico do VISC11 nos últimos 3 meses',
  'Como está minha carteira?',
];
const WORKERS = 6;
/** Bounds of the stream: it stops at whichever comes first. */
const MAX_REQUESTS = 1500;
const REDIS_UP_MS = 3000;
const REDIS_DOWN_MS = 6000;
const AFTER_RESTART_MS = 6000;

test('Redis killed and restarted mid-traffic: answers keep coming, marked uncached, and caching resumes by itself', async (t) => {
  const driver = await bootReferenceStage({
    after: t,
    replicas: 3,
    narratorMaxConcurrency: 8,
    env: {
      SIM_LATENCY_MS: '30',
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '8',
      REDIS_COMMAND_TIMEOUT_MS: '500',
    },
  });
  const gateway = driver.baseUrl;
  const apiPids = driver.replicaNames().map((name) => pidOf(driver, name));
  const origin = performance.now();
  const marks = { stop: 0, stopped: 0, start: 0, started: 0 };

  // A bounded stream: WORKERS clients asking one after another until the scenario ends.
  let running = true;
  const exchanges: Exchange[] = [];
  const workers = Array.from({ length: WORKERS }, async (_, worker) => {
    for (let i = 0; running && exchanges.length < MAX_REQUESTS; i++) {
      const question = QUESTIONS[(worker + i) % QUESTIONS.length]!;
      exchanges.push(await ask(gateway, askBody(question, `client-${worker}`), 10_000, origin));
      await sleep(150); // think time: a modest load on shared cores
    }
  });

  await sleep(REDIS_UP_MS);
  marks.stop = performance.now() - origin;
  await driver.redis.stop();
  marks.stopped = performance.now() - origin;
  await sleep(REDIS_DOWN_MS);
  marks.start = performance.now() - origin;
  await driver.redis.start();
  marks.started = performance.now() - origin;
  // Every replica notices on its own (reconnect), without a restart.
  await waitUntil(
    async () => {
      for (const name of driver.replicaNames()) {
        const response = await fetch(`${driver.replicaUrl(Number(name.slice(4)))}/healthz`, {
          signal: AbortSignal.timeout(2000),
        });
        if (HealthzResponseSchema.parse(await response.json()).redis !== 'up') return false;
      }
      return true;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: 'every replica to see Redis up again' },
  );
  const reconnectedAt = performance.now() - origin;
  await sleep(AFTER_RESTART_MS);
  running = false;
  await Promise.all(workers);

  const during = exchanges.filter((e) => e.sentAt > marks.stopped + 200 && e.sentAt + e.ms < marks.start);
  const after = exchanges.filter((e) => e.sentAt > reconnectedAt + 1000);
  const uncached = exchanges.filter((e) => e.answer?.meta.compute.cache_available === false);
  t.diagnostic(
    `${exchanges.length} asks; Redis down from ${Math.round(marks.stopped)} to ${Math.round(marks.started)} ms, ` +
      `every replica reconnected ${Math.round(reconnectedAt - marks.started)} ms after the restart; ` +
      `statuses ${JSON.stringify(countBy(exchanges, (e) => String(e.status ?? e.failure)))}; ` +
      `answered uncached ${uncached.length} (while down: ${during.length}, p95 ${Math.round(
        percentile(
          during.map((e) => e.ms),
          95,
        ),
      )} ms, ` +
      `max ${Math.round(Math.max(0, ...during.map((e) => e.ms)))} ms); after the restart ${after.length}, ` +
      `roles ${JSON.stringify(countBy(after, (e) => e.answer?.meta.compute.role ?? '-'))}`,
  );

  // Every ask got a real answer, whatever Redis was doing.
  for (const exchange of exchanges) {
    assert.equal(exchange.status, 200, describe(exchange));
    assert.ok(exchange.answer?.answer, describe(exchange));
  }
  // While Redis was gone: answered, uncached, marked so, and not slowed down to a crawl. Concurrent
  // identical asks on one replica may still share one execution in process ("follower" of its own
  // replica), but nothing can come from another replica or from the cache.
  assert.ok(during.length >= 20, `asks while Redis was down: ${during.length}`);
  for (const exchange of during) {
    const { compute, replica } = exchange.answer!.meta;
    assert.equal(compute.cache_available, false, describe(exchange));
    assert.ok(['uncached', 'follower'].includes(compute.role), describe(exchange));
    if (compute.role === 'uncached') assert.equal(compute.plan_cache_hit, false, describe(exchange));
    assert.equal(
      compute.executed_by,
      replica,
      `executed by the replica that answered: ${describe(exchange)}`,
    );
    assert.ok(exchange.ms < 5000, describe(exchange));
  }
  // After it came back: cached again, on every replica, without anyone restarting the API.
  assert.ok(after.length >= 20, `asks after the restart: ${after.length}`);
  for (const exchange of after)
    assert.equal(exchange.answer!.meta.compute.cache_available, true, describe(exchange));
  const hitsAfter = after.filter((e) => e.answer!.meta.compute.plan_cache_hit);
  assert.ok(
    hitsAfter.length >= after.length - QUESTIONS.length * WORKERS,
    `cache hits after the restart: ${hitsAfter.length}/${after.length}`,
  );
  assert.deepEqual(new Set(hitsAfter.map((e) => e.replica)).size, 3, 'hits on every replica');

  // Single-flight resumed too: a burst of identical fresh asks over the gateway runs one execution.
  const executionsBefore = await sumMetric(driver, METRICS.heavyExecutions);
  const burst = await Promise.all(
    Array.from({ length: 9 }, (_, i) =>
      ask(gateway, askBody('Qual o último dividendo do BTLG11?', `burst-${i}`), 10_000),
    ),
  );
  for (const exchange of burst) assert.equal(exchange.status, 200, describe(exchange));
  assert.equal(
    (await sumMetric(driver, METRICS.heavyExecutions)) - executionsBefore,
    1,
    'one execution for the burst',
  );
  assert.equal(burst.filter((e) => e.answer?.meta.compute.plan_cache_hit).length, 8);

  // No API process crashed or was replaced.
  assert.deepEqual(
    driver.replicaNames().map((name) => pidOf(driver, name)),
    apiPids,
    'the same three API processes, all running',
  );
});
