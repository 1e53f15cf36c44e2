/**
 * Leader death through the gateway: the replica leading a single-flight (slow simulator, so the
 * execution takes seconds) is killed while followers wait on every replica. Every request — the
 * followers, and the leader's own client, whose request HAProxy re-sends to a live replica — gets the
 * right answer within the lock TTL plus one execution; one replica takes over; the cache is not poisoned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { METRICS } from '../../src/contract/index.js';
import { bootReferenceStage, sumMetricOver } from '../fixtures/reference-stage.js';
import { ask, askBody, countBy, describe, sleep } from '../fixtures/gateway-requests.js';

const LOCK_TTL_MS = 2000;
const SIM_LATENCY_MS = 3000;
/** Lock TTL + one execution, plus slack for a shared 2-core machine. */
const BOUND_MS = LOCK_TTL_MS + SIM_LATENCY_MS + 5000;

test('a killed leader: every follower on every replica answers within lock TTL + one execution, and the cache stays clean', async (t) => {
  const driver = await bootReferenceStage({
    after: t,
    replicas: 3,
    narratorMaxConcurrency: 8,
    env: {
      SIM_LATENCY_MS: String(SIM_LATENCY_MS),
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '8',
      SINGLE_FLIGHT_LOCK_TTL_MS: String(LOCK_TTL_MS),
      SINGLE_FLIGHT_WAIT_TIMEOUT_MS: '20000',
    },
  });
  const redis = new Redis(driver.redis.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
  t.after(() => redis.disconnect());
  const gateway = driver.baseUrl;
  // VISC11's last dividend in the sample seed: R$ 0,77 paid on 2024-12-13.
  const question = 'Qual foi o último dividendo do VISC11?';
  const isRight = (text: string | null | undefined) =>
    Boolean(text?.includes('R$ 0,77') && text.includes('13/12/2024'));

  const leaderReply = ask(gateway, askBody(question, 'leader-client'), 30_000);
  const { key: lockKey, holder } = await waitForLock(redis, 5000);
  const leaderIndex = Number(/^api-(\d+):/.exec(holder)?.[1]);
  assert.ok(leaderIndex >= 1 && leaderIndex <= 3, `lock held by a replica: ${holder}`);

  // Followers spread by round robin over all three replicas, the leader's included.
  const followers = Array.from({ length: 12 }, (_, i) =>
    ask(gateway, askBody(question, `follower-${i}`), 30_000),
  );
  await sleep(500); // let them reach their replicas and subscribe
  const survivors = driver.replicaNames().filter((name) => name !== `api-${leaderIndex}`);
  const executionsBefore = await sumMetricOver(driver, survivors, METRICS.heavyExecutions);
  const takeoversBefore = await sumMetricOver(driver, survivors, METRICS.singleFlight, { role: 'takeover' });
  const killedAt = performance.now();
  await driver.killReplica(leaderIndex);

  const replies = await Promise.all([...followers, leaderReply]);
  const elapsed = performance.now() - killedAt;
  t.diagnostic(
    `leader api-${leaderIndex} killed; ${replies.length} requests answered ${Math.round(elapsed)} ms after the kill ` +
      `(bound ${BOUND_MS} ms); statuses ${JSON.stringify(countBy(replies, (r) => String(r.status ?? r.failure)))}; ` +
      `roles ${JSON.stringify(countBy(replies, (r) => r.answer?.meta.compute.role ?? '-'))}; ` +
      `answered by ${JSON.stringify(countBy(replies, (r) => r.replica ?? '-'))}`,
  );
  for (const reply of replies) {
    assert.equal(reply.status, 200, describe(reply));
    assert.ok(isRight(reply.answer?.answer), `the right answer: ${reply.text.slice(0, 200)}`);
    assert.ok(survivors.includes(reply.replica ?? ''), `answered by a survivor: ${describe(reply)}`);
  }
  assert.ok(
    elapsed < BOUND_MS,
    `everyone answered ${Math.round(elapsed)} ms after the kill (bound ${BOUND_MS} ms)`,
  );
  // The survivors ran exactly one replacement execution, led by a takeover.
  assert.equal(
    (await sumMetricOver(driver, survivors, METRICS.heavyExecutions)) - executionsBefore,
    1,
    'one replacement execution on the survivors',
  );
  assert.equal(
    (await sumMetricOver(driver, survivors, METRICS.singleFlight, { role: 'takeover' })) - takeoversBefore,
    1,
    'one takeover',
  );
  assert.equal(replies.filter((r) => r.answer?.meta.compute.role === 'leader').length, 1);
  assert.equal(await redis.exists(lockKey), 0, 'the new leader released the lock');

  // Not poisoned: the cache holds the good, narrated result, and a fresh client gets it.
  const cacheKey = `stagegate:cache:${lockKey.slice('stagegate:lock:'.length)}`;
  const stored = JSON.parse((await redis.get(cacheKey)) ?? 'null') as {
    answer?: string;
    cacheable?: boolean;
    error?: string;
  } | null;
  assert.ok(
    stored && stored.cacheable === true && !stored.error && isRight(stored.answer),
    `cached: ${JSON.stringify(stored)}`,
  );
  const fresh = await ask(gateway, askBody(question, 'fresh-client'), 10_000);
  assert.equal(fresh.status, 200, describe(fresh));
  assert.equal(fresh.answer?.meta.compute.role, 'cache');
  assert.equal(fresh.answer?.meta.narrator.outcome, 'ok');
  assert.ok(isRight(fresh.answer?.answer));
  // A different plan still executes normally on the survivors.
  const other = await ask(gateway, askBody('Qual o preço atual do HGRU11?', 'fresh-client'), 10_000);
  assert.equal(other.status, 200, describe(other));
  assert.match(other.answer?.answer ?? '', /R\$ 115,24/);
  t.diagnostic(
    `fresh ask after the fault: ${Math.round(fresh.ms)} ms, role ${fresh.answer?.meta.compute.role}`,
  );
});

/** The single-flight lock that appears first, and who holds it (`<replica>:<uuid>`). */
async function waitForLock(redis: Redis, timeoutMs: number): Promise<{ key: string; holder: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const key of await redis.keys('stagegate:lock:*')) {
      const holder = await redis.get(key);
      if (holder) return { key, holder };
    }
    await sleep(20);
  }
  throw new Error(`no single-flight lock appeared within ${timeoutMs} ms`);
}
