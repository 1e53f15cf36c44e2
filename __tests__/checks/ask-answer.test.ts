import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAskAnswer, readHealthz, readPath, summarizeProblems } from '../../src/checks/ask-answer.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import { askJson, defaults, exchange } from './exchanges.js';

test('readPath follows dotted paths and stops at anything missing', () => {
  const value = { meta: { compute: { plan_cache_hit: false } } };
  assert.equal(readPath(value, 'meta.compute.plan_cache_hit'), false);
  assert.equal(readPath(value, 'meta.nothing.here'), undefined);
  assert.equal(readPath(null, 'meta'), undefined);
  assert.equal(readPath({ a: 'text' }, 'a.length'), undefined, 'no property access on strings');
});

test('a contract answer is read by the configured paths', () => {
  const answer = readAskAnswer(
    exchange({
      json: askJson({ hit: true, key: 'k1', replica: 'api-2' }),
      headers: { 'x-replica-id': 'api-2' },
    }),
    defaults,
    ['answer', 'cacheHit', 'cacheKey'],
  );
  assert.equal(answer.problem, undefined);
  assert.equal(answer.cacheHit, true);
  assert.equal(answer.cacheKey, 'k1');
  assert.equal(answer.replica, 'api-2');
  assert.equal(answer.contractIssue, undefined);
});

test('other layouts are read through other paths, and the contract difference is noted', () => {
  const settings = parseGateSettings({
    driver: 'local',
    cacheHitPath: 'cache.hit',
    cacheKeyPath: 'cache.key',
    answerPath: 'text',
  });
  const answer = readAskAnswer(
    exchange({ json: { text: 'oi', cache: { hit: false, key: 'x' } } }),
    settings,
    ['answer', 'cacheHit', 'cacheKey'],
  );
  assert.equal(answer.problem, undefined);
  assert.equal(answer.cacheHit, false);
  assert.ok(answer.contractIssue, 'the layout differs from the reference contract');
});

test('garbage answers get a plain problem: HTML, invalid JSON, missing meta, empty body', () => {
  const html = readAskAnswer(
    exchange({
      body: '<!doctype html><html><body>Welcome to nginx</body></html>',
      headers: { 'content-type': 'text/html' },
      jsonFailure: 'invalid',
    }),
    defaults,
    ['cacheHit'],
  );
  assert.match(html.problem!, /^HTTP 200 answered HTML, not JSON: "<!doctype html>/);
  const invalid = readAskAnswer(exchange({ body: '{"answer": ', jsonFailure: 'invalid' }), defaults, [
    'cacheHit',
  ]);
  assert.match(invalid.problem!, /invalid JSON/);
  const noMeta = readAskAnswer(exchange({ json: { answer: 'ok' } }), defaults, [
    'answer',
    'cacheHit',
    'cacheKey',
  ]);
  assert.match(
    noMeta.problem!,
    /no boolean at meta\.compute\.plan_cache_hit, no cache key at meta\.compute\.plan_cache_key/,
  );
  const array = readAskAnswer(exchange({ json: [1, 2] }), defaults, ['answer']);
  assert.match(array.problem!, /JSON that is not an object/);
  const error500 = readAskAnswer(exchange({ status: 500, json: { oops: true } }), defaults, ['answer']);
  assert.match(error500.problem!, /HTTP 500 without an error code at error/);
});

test('a designed error answer is usable: the error code is what the check looks at', () => {
  const limited = readAskAnswer(
    exchange({
      status: 503,
      json: askJson({ answer: null, error: 'llm_concurrency_limited', overload: true }),
    }),
    defaults,
    ['answer', 'overload'],
  );
  assert.equal(limited.problem, undefined);
  assert.equal(limited.error, 'llm_concurrency_limited');
});

test('no response at all keeps the transport error as the problem', () => {
  const answer = readAskAnswer(
    exchange({ status: undefined, error: 'connection refused', headers: {} }),
    defaults,
    ['answer'],
  );
  assert.equal(answer.problem, 'connection refused');
});

test('healthz readings: header first, body replica as fallback, failures described', () => {
  assert.equal(
    readHealthz(
      exchange({ json: { status: 'ok', replica: 'api-3', uptime_s: 1, redis: 'up' } }),
      'x-replica-id',
    ).replica,
    'api-3',
  );
  const failing = readHealthz(
    exchange({ status: 503, body: 'down', jsonError: 'invalid JSON' }),
    'x-replica-id',
  );
  assert.equal(failing.ok, false);
  assert.match(failing.problem!, /HTTP 503/);
});

test('problems are grouped, most frequent first', () => {
  assert.equal(summarizeProblems(['a', 'b', 'a']), '2× a; 1× b');
});
