import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/gate/clock.js';
import { startRunBounds, teardownReserveMs } from '../../src/gate/run-bounds.js';
import { localize } from '../../src/report/language.js';

const boundsOf = (deadlineSeconds: number, cancel: AbortSignal) =>
  startRunBounds({ deadlineSeconds, cancel, clock: systemClock, say: localize('en') });

test('the run bounds: the teardown keeps its reserve, a cancellation stops the run at once and says so', async () => {
  assert.equal(teardownReserveMs(1_200_000), 60_000);
  assert.equal(teardownReserveMs(30_000), 5_000);
  assert.equal(teardownReserveMs(100_000), 15_000);

  const cancel = new AbortController();
  const bounds = boundsOf(600, cancel.signal);
  assert.equal(bounds.teardownReserveMs, 60_000);
  assert.ok(bounds.msLeft() > 500_000 && bounds.msLeft() <= 540_000, String(bounds.msLeft()));
  assert.equal(bounds.signal.aborted, false);
  assert.equal(bounds.stopReason(), 'global deadline of 600 s reached');
  cancel.abort();
  assert.equal(bounds.signal.aborted, true);
  assert.equal(bounds.stopReason(), 'run cancelled');
  bounds.release();

  // Released: the deadline timer no longer keeps anything alive, and a later cancellation is not heard.
  const later = new AbortController();
  const released = boundsOf(30, later.signal);
  released.release();
  later.abort();
  assert.equal(released.signal.aborted, false);
});
