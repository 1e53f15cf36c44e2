import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pause, pollUntil } from '../../src/kit/poll.js';

test('pollUntil: ready as soon as the probe says yes, counting throws as "not yet"', async () => {
  let calls = 0;
  const outcome = await pollUntil(
    async () => {
      calls += 1;
      if (calls === 1) throw new Error('ECONNREFUSED');
      return calls >= 3;
    },
    { deadline: Date.now() + 10_000, intervalMs: 1 },
  );
  assert.equal(outcome, 'ready');
  assert.equal(calls, 3);
});

test('pollUntil: timed-out once the deadline passes, after at least one probe', async () => {
  let calls = 0;
  const outcome = await pollUntil(
    async () => {
      calls += 1;
      return false;
    },
    { deadline: Date.now() + 30, intervalMs: 5 },
  );
  assert.equal(outcome, 'timed-out');
  assert.ok(calls >= 2, `probed ${calls} times`);
});

test('pollUntil: aborted and gave-up end the wait without another probe', async () => {
  const controller = new AbortController();
  let calls = 0;
  const waiting = pollUntil(
    async () => {
      calls += 1;
      return false;
    },
    { deadline: Date.now() + 60_000, intervalMs: 10_000, signal: controller.signal },
  );
  await pause(20);
  controller.abort();
  assert.equal(await waiting, 'aborted');
  assert.equal(calls, 1);

  let exited = false;
  const gaveUp = pollUntil(async () => ((exited = true), false), {
    deadline: Date.now() + 60_000,
    intervalMs: 1,
    gaveUp: () => exited,
  });
  assert.equal(await gaveUp, 'gave-up');
});
