/**
 * The replica's in-process plan cache (L1): expiry, oldest-first eviction within the byte
 * budget, and that the budget bounds real memory — the heap after 100,000 distinct questions, measured
 * after a full garbage collection, grows by no more than the budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryCache, type MemoryEviction, type MemoryLookup } from '../../src/api/memory-cache.js';
import { derivePlanCacheKey, estimatedEntryBytes } from '../../src/api/plan-cache.js';
import type { PlanExecution } from '../../src/api/plan-executor.js';
import { planQuestion } from '../../src/api/planner.js';

function recordingObserver() {
  const lookups: MemoryLookup[] = [];
  const evictions: MemoryEviction[] = [];
  return {
    lookups,
    evictions,
    observer: {
      lookup: (r: MemoryLookup) => lookups.push(r),
      evicted: (r: MemoryEviction) => evictions.push(r),
    },
  };
}

test('an entry is served until its expiry and not a moment after', () => {
  let now = 1000;
  const record = recordingObserver();
  const cache = new MemoryCache<string>({ maxBytes: 1000, now: () => now, observer: record.observer });
  assert.equal(cache.set('k', 'v', 10, 1500), true);
  now = 1499;
  assert.equal(cache.get('k'), 'v');
  now = 1500;
  assert.equal(cache.get('k'), undefined);
  assert.equal(cache.size, 0);
  assert.equal(cache.sizeBytes, 0);
  assert.deepEqual(record.lookups, ['hit', 'miss']);
  assert.deepEqual(record.evictions, ['expired']);
  // Already expired when offered: not stored at all.
  assert.equal(cache.set('late', 'v', 10, now), false);
  assert.equal(cache.size, 0);
});

test('the oldest entries go first when the budget is full; a stored-again key counts as new', () => {
  const record = recordingObserver();
  const cache = new MemoryCache<string>({ maxBytes: 300, now: () => 0, observer: record.observer });
  cache.set('a', 'A', 100, 1);
  cache.set('b', 'B', 100, 1);
  cache.set('c', 'C', 100, 1);
  assert.equal(cache.get('a'), 'A'); // a hit does not make an entry younger...
  cache.set('b', 'B2', 100, 1); // ...storing it again does: now a, c, b from oldest
  cache.set('d', 'D', 150, 1); // needs 150: a and c go
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.get('c'), undefined);
  assert.equal(cache.get('b'), 'B2');
  assert.equal(cache.get('d'), 'D');
  assert.equal(cache.sizeBytes, 250);
  assert.deepEqual(record.evictions, ['capacity', 'capacity']);
});

test('replacing a key counts its bytes once; an entry larger than the budget is not kept', () => {
  const cache = new MemoryCache<string>({ maxBytes: 100, now: () => 0 });
  cache.set('k', 'one', 40, 1);
  cache.set('k', 'two', 60, 1);
  assert.equal(cache.get('k'), 'two');
  assert.equal(cache.sizeBytes, 60);
  assert.equal(cache.set('k', 'huge', 101, 1), false);
  assert.equal(cache.get('k'), undefined, 'the older value of the key is dropped too');
  assert.equal(cache.sizeBytes, 0);
  assert.throws(() => new MemoryCache({ maxBytes: -1 }), /maxBytes must be a whole number/);
});

/** A narrated answer of realistic size, in Portuguese (accents make V8 store it as a two-byte string). */
function resultFor(index: number): PlanExecution {
  return {
    answer:
      `Resposta ${index}: a vacância física é a parcela da área bruta locável que está desocupada; ` +
      'a financeira mede a receita que deixa de entrar. Um FII com vacância alta distribui menos ' +
      'rendimentos por cota até repor os inquilinos. (dados de exemplo, não é recomendação de investimento)',
    narrator: { outcome: 'ok', source: 'llm', model: 'qwen2.5:0.5b' },
    narrative_overload: false,
    sql_ms: 1,
    llm_ms: 700 + (index % 100),
    executed_by: 'api-1',
    cacheable: true,
  };
}

test('memory stays within the bound with 100,000 distinct questions', { timeout: 120_000 }, async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };
  const questions = 100_000;
  const maxBytes = 4 * 1024 * 1024;
  const record = { evicted: 0 };
  const cache = new MemoryCache<PlanExecution>({
    maxBytes,
    observer: { lookup() {}, evicted: () => (record.evicted += 1) },
  });
  const keys = new Set<string>();
  const heapBefore = settle();
  let largestSize = 0;
  for (let index = 0; index < questions; index++) {
    // Explain plans are keyed by their topic: every question is a plan of its own.
    const key = derivePlanCacheKey(planQuestion(`O que é o indicador ${index}?`), 'client-a');
    if (index % 1000 === 0) keys.add(key);
    // Stored as the plan cache stores what it reads from Redis: parsed from its JSON.
    const json = JSON.stringify(resultFor(index));
    cache.set(key, JSON.parse(json) as PlanExecution, estimatedEntryBytes(key, json), Infinity);
    largestSize = Math.max(largestSize, cache.sizeBytes);
  }
  const heapAfter = settle();
  const grewBy = heapAfter - heapBefore;
  t.diagnostic(
    `${cache.size} entries kept, ${record.evicted} evicted; estimated ${cache.sizeBytes} bytes; ` +
      `heap grew by ${grewBy} bytes (bound ${maxBytes})`,
  );
  assert.equal(keys.size, questions / 1000, 'the questions are distinct plans');
  assert.ok(largestSize <= maxBytes, `estimated size reached ${largestSize} > ${maxBytes}`);
  assert.ok(cache.size < questions && cache.size > 0, `${cache.size} entries kept`);
  assert.equal(record.evicted, questions - cache.size, 'every entry that is gone was evicted');
  assert.ok(grewBy <= maxBytes, `the heap grew by ${grewBy} bytes, more than the ${maxBytes}-byte bound`);
  // The newest entry is there; the first ones were evicted.
  const newest = derivePlanCacheKey(planQuestion(`O que é o indicador ${questions - 1}?`), 'client-a');
  assert.ok(cache.get(newest));
  assert.equal(cache.get(derivePlanCacheKey(planQuestion('O que é o indicador 0?'), 'client-a')), undefined);
});
