import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleWithin } from '../../src/kit/settle.js';

const never = new Promise<never>(() => undefined);

test('settleWithin says how a wait ended: the value, the error, the limit or the signal, whichever came first', async () => {
  assert.deepEqual(await settleWithin(Promise.resolve(7), { limitMs: 5000 }), { kind: 'done', value: 7 });
  const boom = new Error('boom');
  assert.deepEqual(await settleWithin(Promise.reject(boom), {}), { kind: 'crashed', error: boom });
  assert.deepEqual(await settleWithin(never, { limitMs: 10 }), { kind: 'timeout' });
  const stop = new AbortController();
  const waiting = settleWithin(never, { limitMs: 60_000, signal: stop.signal });
  stop.abort();
  assert.deepEqual(await waiting, { kind: 'aborted' });
  assert.deepEqual(await settleWithin(never, { signal: AbortSignal.abort() }), { kind: 'aborted' });
});
