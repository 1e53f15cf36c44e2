import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRelease, Semaphore, type Refusal, type Release } from '../../src/kit/semaphore.js';

function held(slot: Release | Refusal): Release {
  assert.ok(isRelease(slot), `expected a slot, got ${String(slot)}`);
  return slot;
}

test('tryAcquire: a slot while under the limit, undefined at the limit, a slot again after a release', () => {
  const semaphore = new Semaphore({ limit: 2 });
  const a = semaphore.tryAcquire();
  const b = semaphore.tryAcquire();
  assert.ok(a && b);
  assert.equal(semaphore.tryAcquire(), undefined, 'refused at the limit');
  assert.equal(semaphore.active, 2);
  a();
  assert.equal(semaphore.active, 1);
  assert.ok(semaphore.tryAcquire());
});

test('limit 0 means no limit (the API: NARRATOR_MAX_CONCURRENCY=0 is unlimited)', async () => {
  const unlimited = new Semaphore({ limit: 0, maxWaitMs: 0 });
  const slots = await Promise.all(Array.from({ length: 50 }, () => unlimited.acquire()));
  assert.ok(slots.every(isRelease));
  assert.equal(unlimited.active, 50);
});

test('never more than the limit at once; a release hands the slot to a waiter; releasing twice is harmless', async () => {
  const semaphore = new Semaphore({ limit: 2, maxWaitMs: 1000 });
  const a = held(await semaphore.acquire());
  held(await semaphore.acquire());
  const waiting = semaphore.acquire();
  assert.equal(semaphore.waiting, 1);
  a();
  a(); // releasing twice is harmless
  held(await waiting);
  assert.equal(semaphore.active, 2);
  assert.equal(semaphore.waiting, 0);
});

test('waiters get their slots in arrival order, and a newcomer cannot overtake them', async () => {
  const semaphore = new Semaphore({ limit: 1 });
  const first = held(await semaphore.acquire());
  const order: string[] = [];
  const waiters = ['w1', 'w2', 'w3'].map((name) =>
    semaphore.acquire().then((slot) => {
      order.push(name);
      return held(slot);
    }),
  );
  first();
  assert.equal(semaphore.tryAcquire(), undefined, 'the freed slot went to w1, not to a newcomer');
  for (const waiter of waiters) (await waiter)();
  assert.deepEqual(order, ['w1', 'w2', 'w3']);
  assert.equal(semaphore.active, 0);
});

test('maxWaitMs: a waiter gives up with timed-out after about that long, and leaves the queue', async () => {
  const busy = new Semaphore({ limit: 1, maxWaitMs: 50 });
  held(await busy.acquire());
  const started = performance.now();
  assert.equal(await busy.acquire(), 'timed-out', 'gave up after the queue timeout');
  assert.ok(performance.now() - started >= 40);
  assert.equal(busy.waiting, 0);
});

test('maxWaitMs 0 refuses at once with full (the API: NARRATOR_QUEUE_TIMEOUT_MS=0)', async () => {
  const semaphore = new Semaphore({ limit: 1, maxWaitMs: 0 });
  held(await semaphore.acquire());
  assert.equal(await semaphore.acquire(), 'full');
  assert.equal(semaphore.waiting, 0);
});

test('maxWaiting: limit + maxWaiting pending callers, the next one is refused with full', async () => {
  const semaphore = new Semaphore({ limit: 1, maxWaiting: 2 });
  const first = held(await semaphore.acquire());
  const queued = [semaphore.acquire(), semaphore.acquire()];
  assert.equal(semaphore.waiting, 2);
  assert.equal(await semaphore.acquire(), 'full');
  first();
  const second = held(await queued[0]!);
  second();
  held(await queued[1]!)();
  assert.equal(semaphore.active, 0);
});

test('an aborted signal gives up the waiting place at once, and the slot goes to the next waiter', async () => {
  const semaphore = new Semaphore({ limit: 1, maxWaiting: 5 });
  const first = held(await semaphore.acquire());
  const leaving = new AbortController();
  const left = semaphore.acquire(leaving.signal);
  const staying = semaphore.acquire();
  leaving.abort();
  assert.equal(await left, 'aborted');
  assert.equal(semaphore.waiting, 1);
  first();
  held(await staying)();
  assert.equal(semaphore.active, 0);
  const free = await semaphore.acquire(AbortSignal.abort());
  assert.ok(
    isRelease(free),
    'a free slot is given even to an aborted caller (as before: it stops at its next await)',
  );
});
