/**
 * The production side of single-flight's lock seam (`RedisPlanLocks`) against a real redis-server: the
 * same answers the in-memory stand-in gives (helpers/redis-stand-in.ts), so the unit tests of
 * single-flight-seam.test.ts speak for the real thing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisPlanLocks } from '../../src/api/plan-lock.js';
import { useApiStage } from './helpers/api-stage.js';

const stage = useApiStage({ name: 'plan-lock', simulators: {} });
let redis: Redis;
let locks: RedisPlanLocks;

before(async () => {
  await stage.booted;
  redis = new Redis(stage.redis.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
  locks = new RedisPlanLocks(redis);
});

after(() => redis?.disconnect());

test('acquire, then the holder’s remaining time for anyone else; extend and release only by the holder’s token', async () => {
  assert.deepEqual(await locks.acquire('k1', 'a:1', 5000), { acquired: true });
  const other = await locks.acquire('k1', 'b:1', 5000);
  assert.equal(other.acquired, false);
  assert.ok(
    !other.acquired && other.holderRemainingMs !== undefined && other.holderRemainingMs > 0,
    JSON.stringify(other),
  );
  assert.ok(!other.acquired && other.holderRemainingMs! <= 5000);

  assert.equal(await locks.extend('k1', 'b:1', 60_000), false, 'not the holder: no extension');
  assert.ok((await redis.pttl('stagegate:lock:k1')) <= 5000);
  assert.equal(await locks.extend('k1', 'a:1', 60_000), true);
  assert.ok((await redis.pttl('stagegate:lock:k1')) > 5000, 'extended');

  await locks.release('k1', 'b:1');
  assert.equal(await redis.get('stagegate:lock:k1'), 'a:1', 'not the holder: not released');
  await locks.release('k1', 'a:1');
  assert.equal(await redis.exists('stagegate:lock:k1'), 0);
  assert.deepEqual(await locks.acquire('k1', 'b:1', 5000), { acquired: true }, 'free again');
});

test('a lock that ran out is free for the next token', async () => {
  assert.deepEqual(await locks.acquire('k2', 'a:1', 50), { acquired: true });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(await locks.extend('k2', 'a:1', 5000), false, 'expired: nothing to extend');
  assert.deepEqual(await locks.acquire('k2', 'b:1', 5000), { acquired: true });
});

test('a lock set by hand without expiry is held by someone, for an unknown time — never taken', async () => {
  await redis.set('stagegate:lock:k3', 'by-hand');
  assert.deepEqual(await locks.acquire('k3', 'a:1', 5000), { acquired: false, holderRemainingMs: undefined });
  assert.equal(await redis.get('stagegate:lock:k3'), 'by-hand');
});
