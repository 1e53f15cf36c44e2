/**
 * The replica's in-process plan cache (L1) in front of Redis, on real processes: which layer answers
 * (`meta.compute.cache_layer`), that a copy is never served past its bound once Redis deleted or
 * expired the entry, that two clients' private entries never cross, and that a degraded answer is
 * cached at neither layer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { AskResponseSchema, METRICS } from '../../src/contract/index.js';
import type { RedisServer } from '../../src/stage/local/redis-server.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { commandsBetween, RedisCommandCounter } from '../bench/redis-commands.js';
import {
  ask,
  askBody,
  scrapeMetric,
  sumOverReplicas,
  type HttpReply,
  type AskJson,
  type RunningService,
} from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

/** The L1's bound of the main pair of replicas: long enough to see a copy served, short enough to wait out. */
const MEMORY_TTL_MS = 1500;
const CACHE_PREFIX = 'stagegate:cache:';

const stage = useApiStage({
  name: 'memory-cache',
  simulators: {
    'ollama-sim': { SIM_LATENCY_MS: '20', SIM_TOKENS_PER_SECOND: '0' },
    'ollama-sim-500': { SIM_FAIL_MODE: '500' },
  },
  replicas: {
    'api-m1': { env: { PLAN_CACHE_MEMORY_TTL_MS: String(MEMORY_TTL_MS) } },
    'api-m2': { env: { PLAN_CACHE_MEMORY_TTL_MS: String(MEMORY_TTL_MS) } },
    'api-short': { env: { PLAN_CACHE_TTL_SECONDS: '1', PLAN_CACHE_MEMORY_TTL_MS: '10000' } },
    'api-d1': { simulator: 'ollama-sim-500' },
    'api-d2': { simulator: 'ollama-sim-500' },
  },
});
let redisServer: RedisServer;
let redis: Redis;
/** m1, m2: Redis TTL 300 s, L1 TTL 1.5 s. */
let pair: RunningService[] = [];
/** Redis TTL 1 s, L1 TTL 10 s: Redis's TTL is the shorter one. */
let shortLived: RunningService;
/** Behind an Ollama that answers 500: every narrated answer degrades to the template. */
let degraded: RunningService[] = [];

before(async () => {
  await stage.booted;
  redisServer = stage.redis;
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
  pair = [stage.replica('api-m1'), stage.replica('api-m2')];
  shortLived = stage.replica('api-short');
  degraded = [stage.replica('api-d1'), stage.replica('api-d2')];
});

after(() => redis?.disconnect());

async function askOk(baseUrl: string, question: string, client: string): Promise<HttpReply<AskJson>> {
  const reply = await ask(baseUrl, askBody(question, client));
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  AskResponseSchema.parse(reply.body);
  return reply;
}

/** Polls until Redis no longer has `key` (EXISTS checks the expiry itself), so Redis's own clock decides. */
async function untilRedisExpired(key: string): Promise<void> {
  await waitUntil(async () => (await redis.exists(key)) === 0, {
    timeoutMs: 5000,
    intervalMs: 5,
    what: `Redis to expire ${key}`,
  });
}

const layerOf = (reply: HttpReply<AskJson>) => reply.body.meta.compute.cache_layer;

test('each answer says which layer answered: none (executed), then memory, or redis on another replica', async () => {
  const question = 'Qual o preço atual do MXRF11?';
  const [m1, m2] = pair as [RunningService, RunningService];
  const hitsBefore = await scrapeMetric(m1.url, METRICS.planMemoryCacheRequests, { result: 'hit' });
  const first = await askOk(m1.url, question, 'layers-1');
  const again = await askOk(m1.url, question, 'layers-2');
  const elsewhere = await askOk(m2.url, question, 'layers-3');
  assert.equal(first.body.meta.compute.role, 'leader');
  assert.equal(layerOf(first), 'none');
  // Within 1.5 s of the first answer (generous: each ask takes milliseconds).
  assert.equal(layerOf(again), 'memory');
  assert.equal(again.body.meta.compute.role, 'cache');
  assert.equal(again.body.meta.compute.plan_cache_hit, true);
  assert.equal(again.body.answer, first.body.answer);
  assert.equal(layerOf(elsewhere), 'redis', 'the other replica had no copy yet');
  assert.equal(elsewhere.body.meta.compute.plan_cache_hit, true);
  assert.ok((await scrapeMetric(m1.url, METRICS.planMemoryCacheRequests, { result: 'hit' })) > hitsBefore);
  assert.ok((await scrapeMetric(m1.url, METRICS.planMemoryCacheBytes)) > 0);
  assert.ok((await scrapeMetric(m1.url, METRICS.planMemoryCacheEntries)) >= 1);
});

test('concurrent identical asks in one replica reach Redis once: one GET and one PTTL', async () => {
  const question = 'Qual o dividend yield do BTLG11?';
  const [m1, m2] = pair as [RunningService, RunningService];
  await askOk(m1.url, question, 'flight-0'); // in Redis now; m2 has no copy of it
  const counter = await RedisCommandCounter.connect(redisServer.port);
  try {
    const before = await counter.snapshot();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) => askOk(m2.url, question, `flight-${index + 1}`)),
    );
    const commands = commandsBetween(before, await counter.snapshot()).byCommand;
    assert.equal(commands.get ?? 0, 1, `GETs: ${JSON.stringify(commands)}`);
    assert.equal(commands.pttl ?? 0, 1, `PTTLs: ${JSON.stringify(commands)}`);
    for (const reply of replies) {
      assert.equal(reply.body.meta.compute.plan_cache_hit, true);
      assert.ok(['redis', 'memory'].includes(layerOf(reply) ?? ''), `layer ${layerOf(reply)}`);
    }
  } finally {
    await counter.close();
  }
});

test(
  'after Redis deleted an entry, a copy is not served past the L1 bound',
  { timeout: 30_000 },
  async (t) => {
    const question = 'Qual o dividend yield do KNRI11?';
    const m1 = pair[0]!;
    const first = await askOk(m1.url, question, 'del-1');
    // The copy was taken before this answer reached us: it expires by filledBy + MEMORY_TTL_MS at the latest.
    const filledBy = performance.now();
    assert.equal(first.body.meta.compute.role, 'leader');
    assert.equal(await redis.del(CACHE_PREFIX + first.body.meta.compute.plan_cache_key), 1);

    const soon = await askOk(m1.url, question, 'del-2');
    const soonAt = performance.now() - filledBy;
    t.diagnostic(`right after the DEL (${Math.round(soonAt)} ms after the fill): layer ${layerOf(soon)}`);
    if (soonAt < MEMORY_TTL_MS - 200)
      assert.equal(layerOf(soon), 'memory', 'within its bound the copy still answers');

    await sleep(Math.max(0, filledBy + MEMORY_TTL_MS + 20 - performance.now()));
    const later = await askOk(m1.url, question, 'del-3');
    assert.notEqual(layerOf(later), 'memory', 'served from memory past the bound');
    assert.equal(later.body.meta.compute.role, 'leader', 'Redis had nothing: it executed again');
    assert.equal(later.body.meta.compute.plan_cache_hit, false);
  },
);

test(
  "after Redis expired an entry, no replica serves its copy: a copy lives no longer than Redis's remaining TTL",
  { timeout: 30_000 },
  async () => {
    const question = 'Quanto o HGLG11 pagou de dividendos?';
    const [m1, m2] = pair as [RunningService, RunningService];
    const first = await askOk(m1.url, question, 'exp-1');
    assert.equal(first.body.meta.compute.role, 'leader');
    const key = CACHE_PREFIX + first.body.meta.compute.plan_cache_key;
    // The entry is near the end of its life when m2 reads it: m2's copy must end with it, not 1.5 s after.
    assert.equal(await redis.pexpire(key, 1200), 1);
    const read = await askOk(m2.url, question, 'exp-2');
    assert.equal(layerOf(read), 'redis');
    await untilRedisExpired(key);
    const after = await askOk(m2.url, question, 'exp-3');
    assert.notEqual(layerOf(after), 'memory', "m2 served its copy after Redis's entry expired");
    assert.equal(after.body.meta.compute.role, 'leader');
  },
);

test(
  'an entry written with a Redis TTL shorter than the L1 TTL leaves the L1 with it',
  { timeout: 30_000 },
  async () => {
    const question = 'Qual o preço atual do XPML11?';
    const first = await askOk(shortLived.url, question, 'short-1');
    assert.equal(first.body.meta.compute.role, 'leader');
    const key = CACHE_PREFIX + first.body.meta.compute.plan_cache_key;
    const writtenBy = performance.now();
    const again = await askOk(shortLived.url, question, 'short-2');
    if (performance.now() - writtenBy < 800) assert.equal(layerOf(again), 'memory');
    await untilRedisExpired(key);
    const after = await askOk(shortLived.url, question, 'short-3');
    assert.notEqual(layerOf(after), 'memory', 'the copy outlived the Redis entry (L1 TTL is 10 s)');
    assert.equal(after.body.meta.compute.role, 'leader');
  },
);

test("two clients' private entries never cross, in either layer", { timeout: 60_000 }, async () => {
  // The seed gives client-a MXRF11 (1.500 cotas) and HGLG11; client-b holds KNRI11, XPML11, BTLG11.
  const own = { 'client-a': ['MXRF11', '1.500 cotas'], 'client-b': ['KNRI11', 'BTLG11'] } as const;
  const foreign = { 'client-a': ['KNRI11', 'BTLG11'], 'client-b': ['MXRF11', 'HGLG11', '1.500'] } as const;
  const layers: Record<string, Set<string>> = { 'client-a': new Set(), 'client-b': new Set() };
  // Interleaved, on both replicas, in two wordings of the same private plan: each client's first ask
  // executes, the later ones come from Redis and from each replica's memory.
  for (let round = 0; round < 4; round++)
    for (const replica of pair)
      for (const client of ['client-a', 'client-b'] as const) {
        const question = round % 2 ? 'mostre meus fiis' : 'Como está minha carteira?';
        const reply = await askOk(replica.url, question, client);
        const compute = reply.body.meta.compute;
        layers[client]!.add(layerOf(reply) ?? 'absent');
        assert.equal(compute.plan_scope, 'private');
        assert.ok(
          compute.plan_cache_key.includes(`:${client}:`),
          `${client}'s key: ${compute.plan_cache_key}`,
        );
        const text = reply.body.answer ?? '';
        for (const expected of own[client])
          assert.ok(text.includes(expected), `${client} lacks ${expected}: ${text}`);
        for (const leak of foreign[client]) assert.ok(!text.includes(leak), `${client} got ${leak}: ${text}`);
      }
  for (const client of ['client-a', 'client-b']) {
    assert.ok(layers[client]!.has('memory'), `${client} was answered from memory: ${[...layers[client]!]}`);
    assert.ok(layers[client]!.has('redis'), `${client} was answered from Redis: ${[...layers[client]!]}`);
  }
});

test('a degraded answer is cached at neither layer', { timeout: 60_000 }, async () => {
  const question = 'Qual o histórico de 6 meses do VISC11?';
  const asks = Array.from({ length: 6 }, (_, index) =>
    ask(degraded[index % 2]!.url, askBody(question, `deg-${index}`)),
  );
  const replies = await Promise.all(asks);
  for (const reply of replies) {
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.meta.narrator.source, 'template', 'the narrator failed: the template answered');
    assert.equal(reply.body.meta.narrator.outcome, 'error');
  }
  const key = CACHE_PREFIX + replies[0]!.body.meta.compute.plan_cache_key;
  assert.equal(await redis.exists(key), 0, 'not in Redis');
  const executions = await sumOverReplicas(degraded, METRICS.heavyExecutions);

  // Asked again on both replicas, one after the other: each executes again, neither layer answers.
  for (const [index, replica] of degraded.entries()) {
    const again = await ask(replica.url, askBody(question, `deg-again-${index}`));
    assert.equal(again.body.meta.narrator.source, 'template');
    assert.equal(again.body.meta.compute.role, 'leader', `${replica.name} answered from a cache`);
    assert.equal(layerOf(again), 'none');
    assert.equal(again.body.meta.compute.plan_cache_hit, false);
  }
  assert.equal(await sumOverReplicas(degraded, METRICS.heavyExecutions), executions + 2);
  assert.equal(await redis.exists(key), 0);
  for (const replica of degraded) {
    assert.equal(await scrapeMetric(replica.url, METRICS.planMemoryCacheEntries), 0, `${replica.name} L1`);
    assert.equal(await scrapeMetric(replica.url, METRICS.planMemoryCacheRequests, { result: 'hit' }), 0);
  }
});
