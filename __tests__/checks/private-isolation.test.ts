import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessLeak,
  decidePrivateIsolation,
  privateTokens,
  type PrivateIsolationInput,
} from '../../src/checks/private-isolation.js';
import { ask } from './exchanges.js';

const A_TEXT =
  'Você tem 1.500 cotas de MXRF11 (preço médio R$ 10,12, cotação R$ 10,36, valor R$ 15.540,00). Você tem 40 cotas de HGLG11 (preço médio R$ 158,30).';
const B_TEXT = 'Você tem 120 cotas de KNRI11 (preço médio R$ 151,20, cotação R$ 147,70, valor R$ 17.724,00).';

function input(overrides: Partial<PrivateIsolationInput>): PrivateIsolationInput {
  return {
    question: 'Como está minha carteira?',
    clientA: 'client-a',
    clientB: 'client-b',
    nicknameA: 'Ana-7x',
    a1: ask({ hit: false, key: 'plan:private:client-a', answer: A_TEXT }),
    b: ask({ hit: false, key: 'plan:private:client-b', answer: B_TEXT }),
    a2: ask({ hit: true, key: 'plan:private:client-a', answer: A_TEXT }),
    language: 'en',
    ...overrides,
  };
}

test('tickers and standalone figures are the private tokens; dates and glued digits are not', () => {
  assert.deepEqual(
    [...privateTokens('qwen2.5 em 25/05/2024: 1.500 cotas de MXRF11 a R$ 10,36; 40 cotas')].sort(),
    ['1036', '1500', 'MXRF11'],
  );
});

test('distinct keys, B a miss, A repeat a hit, nothing of A in B → pass', () => {
  const outcome = decidePrivateIsolation(input({}));
  assert.equal(outcome.status, 'pass', outcome.reason);
});

test("one key for both clients fails, and says B was served A's entry", () => {
  const outcome = decidePrivateIsolation(
    input({ b: ask({ hit: true, key: 'plan:private:client-a', answer: A_TEXT }) }),
  );
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /same cache key .*B was served A's entry/);
});

test("B receiving A's answer, or most of A's figures, fails even with distinct keys", () => {
  const identical = decidePrivateIsolation(
    input({ b: ask({ hit: false, key: 'plan:private:client-b', answer: A_TEXT }) }),
  );
  assert.equal(identical.status, 'fail');
  assert.match(identical.reason, /word for word/);
  const rephrased = `Sua carteira: MXRF11 1500 cotas a 10,36 (médio 10,12), HGLG11 40 cotas (médio 158,30), total 15.540,00.`;
  const figures = decidePrivateIsolation(
    input({ b: ask({ hit: false, key: 'plan:private:client-b', answer: rephrased }) }),
  );
  assert.equal(figures.status, 'fail');
  assert.match(figures.reason, /holds \d+ of the \d+ tickers\/figures of A's answer/);
});

test("A's nickname in B's answer fails", () => {
  const outcome = decidePrivateIsolation(
    input({ b: ask({ key: 'plan:private:client-b', answer: `Olá Ana-7x! ${B_TEXT}` }) }),
  );
  assert.equal(outcome.status, 'fail');
});

test('a warm B (own key) or an uncached repeat of A is a warning, not a pass', () => {
  assert.match(
    decidePrivateIsolation(input({ b: ask({ hit: true, key: 'plan:private:client-b', answer: B_TEXT }) }))
      .reason,
    /already a hit on its own key/,
  );
  const uncached = decidePrivateIsolation(
    input({ a2: ask({ hit: false, key: 'plan:private:client-a', answer: A_TEXT }) }),
  );
  assert.equal(uncached.status, 'warn');
  assert.match(uncached.reason, /not served from the cache/);
});

test('a failed ask fails the check', () => {
  const outcome = decidePrivateIsolation(
    input({ b: ask({ status: 500, error: 'internal_error', answer: null }) }),
  );
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /B: error internal_error/);
});

test("assessLeak counts only tokens stable across A's two answers", () => {
  const leak = assessLeak('MXRF11 1500 999', 'MXRF11 1500', 'MXRF11', 'Ana');
  assert.deepEqual(leak.aTokens, ['MXRF11', '1500']);
  assert.deepEqual(leak.shared, ['MXRF11']);
});

test('an uncached repeat of A while the stage says its cache is down names the cache, not the plans', () => {
  const down = {
    ...ask({ hit: false, key: 'plan:private:client-a', answer: A_TEXT }),
    cacheAvailable: false,
  };
  const result = decidePrivateIsolation(input({ a2: down }));
  assert.equal(result.status, 'warn');
  assert.match(
    result.reason,
    /the stage's cache was unavailable \(cache_available: false on 1 of 3 answers\)/,
  );
  assert.doesNotMatch(result.reason, /private plans are not cached/);
});
