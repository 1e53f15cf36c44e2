/**
 * Redis going away and coming back: answers keep coming (uncached, marked so), /healthz says "degraded"
 * without hanging, a frozen Redis (SIGSTOP) cannot stall an answer beyond the command timeout, and
 * caching resumes by itself once Redis is back on its port.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AskResponseSchema, HealthzResponseSchema, METRICS } from '../../src/contract/index.js';
import { startRedisServer, type RedisServer } from '../../src/stage/local/redis-server.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { ask, askBody, getJson, scrapeMetric, type RunningService } from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

const stage = useApiStage({
  name: 'redis-outage',
  simulators: { 'ollama-sim': { SIM_LATENCY_MS: '100', SIM_TOKENS_PER_SECOND: '0' } },
  replicas: { 'api-outage': { env: { REDIS_COMMAND_TIMEOUT_MS: '500' } } },
});
let redis: RedisServer | undefined;
let redisPort: number;
let api: RunningService;

before(async () => {
  await stage.booted;
  redis = stage.redis;
  redisPort = redis.port;
  api = stage.replica('api-outage');
});

test('with Redis up, a repeated question is a cache hit', { timeout: 60_000 }, async () => {
  const first = await ask(api.url, askBody('Qual o preço atual do HGLG11?'));
  const second = await ask(api.url, askBody('Qual o preço atual do HGLG11?', 'client-b'));
  assert.equal(first.body.meta.compute.role, 'leader');
  assert.equal(second.body.meta.compute.plan_cache_hit, true);
});

test(
  'Redis stopped: answers still come, marked uncached; healthz degraded and fast',
  { timeout: 60_000 },
  async (t) => {
    await redis!.stop();
    redis = undefined;
    const bypassBefore = await scrapeMetric(api.url, METRICS.planCacheRequests, { result: 'bypass' });

    const health = await getJson(`${api.url}/healthz`);
    assert.equal(health.status, 200);
    const body = HealthzResponseSchema.parse(health.body);
    assert.equal(body.status, 'degraded');
    assert.equal(body.redis, 'down');

    const replies = [];
    for (const question of ['Qual o preço atual do HGLG11?', 'Qual o dividend yield do BTLG11?']) {
      const reply = await ask(api.url, askBody(question), 10_000);
      replies.push(reply);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      AskResponseSchema.parse(reply.body);
      assert.ok(reply.body.answer);
      assert.equal(reply.body.meta.compute.cache_available, false);
      assert.equal(reply.body.meta.compute.role, 'uncached');
      assert.equal(reply.body.meta.compute.plan_cache_hit, false);
    }
    t.diagnostic(
      `answers without Redis took ${replies.map((r) => Math.round(r.ms)).join(', ')} ms; healthz ${Math.round(health.ms)} ms`,
    );
    assert.ok(health.ms < 1000);
    const bypass =
      (await scrapeMetric(api.url, METRICS.planCacheRequests, { result: 'bypass' })) - bypassBefore;
    assert.equal(bypass, 2);
  },
);

test(
  'Redis back on its port: caching resumes without a restart of the API',
  { timeout: 60_000 },
  async () => {
    redis = stage.track(
      await startRedisServer({ workDir: stage.workDir, port: redisPort, name: 'redis-again' }),
    );
    await waitUntil(
      async () => HealthzResponseSchema.parse((await getJson(`${api.url}/healthz`)).body).redis === 'up',
      { timeoutMs: 10_000, what: 'the API to reconnect to Redis' },
    );
    const first = await ask(api.url, askBody('Qual o último dividendo do HGRU11?'));
    const second = await ask(api.url, askBody('qual o ultimo dividendo do hgru11', 'client-c'));
    assert.equal(first.body.meta.compute.cache_available, true);
    assert.equal(first.body.meta.compute.role, 'leader');
    assert.equal(second.body.meta.compute.plan_cache_hit, true);
  },
);

test(
  'a frozen Redis (SIGSTOP) cannot stall answers beyond the command timeout',
  { timeout: 60_000 },
  async (t) => {
    redis!.process.signal('SIGSTOP');
    try {
      const reply = await ask(api.url, askBody('Qual o preço atual do KNCR11?'), 10_000);
      const health = await getJson(`${api.url}/healthz`);
      t.diagnostic(`answer with a frozen Redis took ${Math.round(reply.ms)} ms`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.meta.compute.cache_available, false);
      assert.ok(reply.ms < 5000, `took ${reply.ms} ms`);
      assert.equal(health.status, 200);
      assert.ok(health.ms < 1000);
    } finally {
      redis!.process.signal('SIGCONT');
    }
  },
);
