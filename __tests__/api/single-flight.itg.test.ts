/**
 * Cross-replica single-flight, per-client isolation and leader death, against a real redis-server, three
 * API processes and the Ollama simulator (slow enough that concurrent asks overlap the execution).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { AskResponseSchema, METRICS, OPTIONAL_METRICS, REPLICA_HEADER } from '../../src/contract/index.js';
import {
  ask,
  askBody,
  scrapeMetric,
  sumOverReplicas,
  type AskJson,
  type HttpReply,
  type RunningService,
} from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

const LOCK_TTL_MS = 2000;
const SIM_LATENCY_MS = 1500;

const stage = useApiStage({
  name: 'single-flight',
  simulators: {
    'ollama-sim': {
      SIM_LATENCY_MS: String(SIM_LATENCY_MS),
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '8',
    },
  },
  env: {
    SINGLE_FLIGHT_LOCK_TTL_MS: String(LOCK_TTL_MS),
    SINGLE_FLIGHT_WAIT_TIMEOUT_MS: '15000',
    NARRATOR_MAX_CONCURRENCY: '8',
  },
  replicas: { 'api-1': {}, 'api-2': {}, 'api-3': {} },
});
let replicas: RunningService[] = [];
let probe: Redis;

before(async () => {
  await stage.booted;
  replicas = stage.replicas;
  probe = new Redis(stage.redis.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
});

after(() => probe?.disconnect());

test(
  '20 simultaneous identical public asks over 3 replicas: one heavy execution, 19 cache hits',
  { timeout: 60_000 },
  async (t) => {
    const question = 'Qual o preço atual do MXRF11?';
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ask(replicas[i % 3]!.url, askBody(question, `client-${i}`, `N${i}`)),
      ),
    );
    for (const reply of replies) {
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      AskResponseSchema.parse(reply.body);
      assert.equal(reply.headers.get(REPLICA_HEADER), reply.body.meta.replica);
    }
    const executions = await sumOverReplicas(replicas, METRICS.heavyExecutions);
    t.diagnostic(
      `heavy executions ${executions}; roles ${JSON.stringify(countBy(replies.map((r) => r.body.meta.compute.role)))}; ` +
        `slowest answer ${Math.round(Math.max(...replies.map((r) => r.ms)))} ms`,
    );
    assert.equal(executions, 1, 'heavy executions summed over the 3 /metrics endpoints');
    const hits = replies.filter((r) => r.body.meta.compute.plan_cache_hit);
    assert.equal(hits.length, 19);
    const keys = new Set(replies.map((r) => r.body.meta.compute.plan_cache_key));
    assert.equal(keys.size, 1, 'one public key for every client');
    assert.equal(new Set(replies.map((r) => r.body.answer)).size, 1, 'everyone got the same answer');
    const leaders = replies.filter((r) => r.body.meta.compute.role === 'leader');
    assert.equal(leaders.length, 1);
    assert.ok(replies.every((r) => r.body.meta.compute.executed_by === leaders[0]!.body.meta.replica));
    // The requests really were spread: every replica answered some.
    assert.equal(new Set(replies.map((r) => r.body.meta.replica)).size, 3);
    const followers = await sumOverReplicas(replicas, METRICS.singleFlight, { role: 'follower' });
    assert.ok(followers >= 1, `followers counted (${followers})`);
    // What chat-capacity reads to name the plan cache as a bottleneck: the followers' wait (they all
    // waited for a leader held ~1.5 s by the simulator) and every Redis command's round trip.
    const waited = await sumOverReplicas(replicas, OPTIONAL_METRICS.singleFlightWaitSeconds);
    assert.ok(waited >= followers * 0.5, `followers waited ${waited} s in all (${followers} followers)`);
    const commands = await sumOverReplicas(replicas, `${OPTIONAL_METRICS.redisCommandDuration}_count`);
    const seconds = await sumOverReplicas(replicas, `${OPTIONAL_METRICS.redisCommandDuration}_sum`);
    t.diagnostic(
      `Redis: ${commands} commands timed, ${seconds.toFixed(3)} s in all; followers waited ${waited.toFixed(2)} s`,
    );
    assert.ok(commands >= 20, `every ask ran Redis commands (${commands} timed)`);
    assert.ok(seconds > 0 && seconds / commands < 0.5, `mean round trip ${seconds / commands} s`);
  },
);

test(
  'within one replica, 10 concurrent identical asks reach Redis once (in-process coalescing)',
  { timeout: 60_000 },
  async () => {
    const target = replicas[0]!;
    const before = await scrapeMetric(target.url, METRICS.heavyExecutions);
    await probe.config('RESETSTAT');
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ask(target.url, askBody('Qual o último dividendo do KNRI11?', `c${i}`)),
      ),
    );
    const stats = parseCommandStats(await probe.info('commandstats'));
    assert.ok(replies.every((r) => r.status === 200));
    assert.equal(replies.filter((r) => r.body.meta.compute.plan_cache_hit).length, 9);
    assert.equal((await scrapeMetric(target.url, METRICS.heavyExecutions)) - before, 1);
    // One flight. Commands inside Lua scripts count too: the lock script does one SET NX; the release and
    // each lock extension do one GET. Outside scripts: GET (miss), GET after winning, SET (cache), PUBLISH.
    const evals = stats.eval ?? 0;
    assert.ok(evals >= 2, `EVAL calls: ${evals}`);
    assert.equal(stats.set ?? 0, 2, 'SET calls: one lock acquisition and one cache write');
    assert.ok(
      (stats.get ?? 0) - (evals - 1) <= 2,
      `GET calls outside scripts: ${(stats.get ?? 0) - (evals - 1)}`,
    );
    assert.equal(stats.publish ?? 0, 1, 'PUBLISH calls');
    assert.equal(stats.subscribe ?? 0, 0, 'nobody had to wait on the channel');
  },
);

test(
  'the same private question from two clients: two keys, no hit, none of the other client’s data',
  { timeout: 60_000 },
  async () => {
    const question = 'Como está minha carteira?';
    const a = await ask(replicas[0]!.url, askBody(question, 'client-a', 'Ana'));
    const b = await ask(replicas[1]!.url, askBody(question, 'client-b', 'Bruno'));
    for (const reply of [a, b]) assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(a.body.meta.compute.plan_scope, 'private');
    assert.notEqual(a.body.meta.compute.plan_cache_key, b.body.meta.compute.plan_cache_key);
    assert.match(a.body.meta.compute.plan_cache_key, /client-a/);
    assert.match(b.body.meta.compute.plan_cache_key, /client-b/);
    assert.equal(b.body.meta.compute.plan_cache_hit, false);
    assert.equal(b.body.meta.compute.role, 'leader');
    // The seed gives client-a MXRF11 (1.500 cotas) and HGLG11; client-b holds KNRI11, XPML11, BTLG11.
    assert.match(a.body.answer!, /MXRF11/);
    assert.match(a.body.answer!, /1\.500 cotas/);
    for (const leak of ['MXRF11', 'HGLG11', '1.500'])
      assert.ok(!b.body.answer!.includes(leak), `leak of ${leak}`);
    assert.match(b.body.answer!, /KNRI11/);
    // Private answers are still cached, per client: client-a again, on the third replica, is a hit.
    const again = await ask(replicas[2]!.url, askBody('minha carteira', 'client-a', 'Ana'));
    assert.equal(again.body.meta.compute.plan_cache_key, a.body.meta.compute.plan_cache_key);
    assert.equal(again.body.meta.compute.plan_cache_hit, true);
    assert.equal(again.body.answer, a.body.answer);
  },
);

test(
  'leader killed mid-flight: followers on other replicas take over and all answer within the lock TTL',
  { timeout: 60_000 },
  async (t) => {
    const question = 'Qual foi o último dividendo do VISC11?';
    const leader = replicas[2]!;
    const survivors = [replicas[0]!, replicas[1]!];
    const executionsBefore = await sumOverReplicas(survivors, METRICS.heavyExecutions);
    const takeoversBefore = await sumOverReplicas(survivors, METRICS.singleFlight, { role: 'takeover' });

    const leaderReply = ask(leader.url, askBody(question, 'leader-client')).catch((error: Error) => error);
    const lockKey = await waitForLock(leader.name);
    const followerReplies = Array.from({ length: 6 }, (_, i) =>
      ask(survivors[i % 2]!.url, askBody(question, `follower-${i}`), 20_000),
    );
    await new Promise((r) => setTimeout(r, 300)); // let them subscribe and wait
    leader.process.signal('SIGKILL');
    const killedAt = performance.now();
    assert.ok(await leader.process.waitForExit(5000), 'leader process gone');

    const replies: Array<HttpReply<AskJson>> = await Promise.all(followerReplies);
    const elapsed = performance.now() - killedAt;
    await leaderReply; // its client gets a broken connection; nothing to check there
    for (const reply of replies) {
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.ok(reply.body.answer && reply.body.answer.includes('VISC11'));
    }
    // Lock TTL + one execution, with generous slack for a shared 2-core machine.
    const bound = LOCK_TTL_MS + SIM_LATENCY_MS + 6000;
    t.diagnostic(
      `followers answered ${Math.round(elapsed)} ms after the leader was killed (lock TTL ${LOCK_TTL_MS} ms)`,
    );
    assert.ok(
      elapsed < bound,
      `followers answered ${Math.round(elapsed)} ms after the kill (bound ${bound})`,
    );
    const executions = (await sumOverReplicas(survivors, METRICS.heavyExecutions)) - executionsBefore;
    assert.equal(executions, 1, 'exactly one replacement execution');
    const takeovers =
      (await sumOverReplicas(survivors, METRICS.singleFlight, { role: 'takeover' })) - takeoversBefore;
    assert.equal(takeovers, 1);
    assert.equal(replies.filter((r) => r.body.meta.compute.role === 'leader').length, 1);
    assert.equal(replies.filter((r) => r.body.meta.compute.plan_cache_hit).length, 5);
    assert.equal(await probe.exists(lockKey), 0, 'lock released by the new leader');
  },
);

async function waitForLock(owner: string): Promise<string> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const keys = await probe.keys('stagegate:lock:*');
    for (const key of keys) {
      const token = await probe.get(key);
      if (token?.startsWith(`${owner}:`)) return key;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no lock held by ${owner} within 5 s`);
}

function parseCommandStats(info: string): Record<string, number> {
  const stats: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) stats[match[1]!] = Number(match[2]);
  return stats;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
