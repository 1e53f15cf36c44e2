import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, derivePlanCacheKey } from '../../src/api/plan-cache.js';
import { planQuestion, type Plan } from '../../src/api/planner.js';

test('public plans: one key for every client', () => {
  const plan = planQuestion('Qual o preço atual do MXRF11?');
  const keys = new Set(['client-a', 'client-b', 'x'].map((client) => derivePlanCacheKey(plan, client)));
  assert.equal(keys.size, 1);
  assert.match([...keys][0]!, /^plan:v1:public:[0-9a-f]{32}$/);
});

test('private plans: a different key per client, carrying the client id', () => {
  const plan = planQuestion('Como está minha carteira?');
  const a = derivePlanCacheKey(plan, 'client-a');
  const b = derivePlanCacheKey(plan, 'client-b');
  assert.notEqual(a, b);
  assert.match(a, /^plan:v1:private:client-a:[0-9a-f]{32}$/);
  assert.match(b, /^plan:v1:private:client-b:/);
  // The same client asking again in other words lands on the same key.
  assert.equal(derivePlanCacheKey(planQuestion('mostre meus fiis'), 'client-a'), a);
});

test('private keys never collide across clients, whatever the ids (property)', () => {
  const plan = planQuestion('minha carteira');
  const id = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,40}$/);
  fc.assert(
    fc.property(id, id, (x, y) => {
      fc.pre(x !== y);
      assert.notEqual(derivePlanCacheKey(plan, x), derivePlanCacheKey(plan, y));
    }),
    { numRuns: 300 },
  );
});

test('the key depends on the plan, not on the order of its fields', () => {
  const plan: Plan = { version: 1, intent: 'comparison', entities: ['HGLG11', 'MXRF11'], scope: 'public' };
  const shuffled = {
    scope: 'public',
    entities: ['HGLG11', 'MXRF11'],
    intent: 'comparison',
    version: 1,
  } as Plan;
  assert.equal(canonicalJson(plan), canonicalJson(shuffled));
  assert.equal(derivePlanCacheKey(plan, 'a'), derivePlanCacheKey(shuffled, 'a'));
  const other: Plan = { ...plan, entities: ['HGLG11', 'KNRI11'] };
  assert.notEqual(derivePlanCacheKey(plan, 'a'), derivePlanCacheKey(other, 'a'));
});

test('fault injection shared-cache-keys: private plans keyed like public ones (the leak the gate must catch)', () => {
  const plan = planQuestion('Como está minha carteira?');
  const a = derivePlanCacheKey(plan, 'client-a', { sharePrivateKeys: true });
  const b = derivePlanCacheKey(plan, 'client-b', { sharePrivateKeys: true });
  assert.equal(a, b);
  assert.doesNotMatch(a, /client/);
});
