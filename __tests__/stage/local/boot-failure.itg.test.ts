/**
 * The one wait of the local stage's boot steps, against real (tiny) child processes: it ends as soon
 * as the probe says yes, fails fast when the process exits, and at the deadline says what it waited for
 * and how far it got; each failure names the process and quotes the end of its log (or says it is empty).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installExitHooks } from '../../../src/stage/exit-hooks.js';
import { BootFailure, waitHealthy } from '../../../src/stage/local/boot-failure.js';
import { ManagedProcess } from '../../../src/stage/local/process.js';

installExitHooks();

function start(t: { after(fn: () => unknown): void }, name: string, script: string): ManagedProcess {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-boot-failure-'));
  const managed = new ManagedProcess({
    name,
    command: process.execPath,
    args: ['-e', script],
    logFile: join(dir, `${name}.log`),
  });
  t.after(async () => {
    await managed.stop(1000);
    rmSync(dir, { recursive: true, force: true });
  });
  return managed;
}

test('a probe that says yes ends the wait', async (t) => {
  const managed = start(t, 'ready', 'setInterval(() => {}, 1000)');
  let calls = 0;
  await waitHealthy(managed, async () => ++calls >= 2, { what: 'GET /ready', deadline: Date.now() + 10_000 });
  assert.equal(calls, 2);
});

test('a process that exits: a fast failure naming it and quoting the end of its log', async (t) => {
  const managed = start(t, 'api-1', 'console.error("one"); console.error("two"); process.exit(3)');
  const started = Date.now();
  const failure = await waitHealthy(managed, async () => false, {
    what: 'GET /healthz',
    deadline: Date.now() + 60_000,
  }).catch((error: unknown) => error);
  assert.ok(failure instanceof BootFailure);
  assert.equal(
    failure.message,
    'api-1 exited (code 3) during boot, before answering GET /healthz; last lines of api-1.log: one ⏎ two',
  );
  assert.match(
    failure.log!,
    /^api-1 exited \(code 3\) during boot, before answering GET \/healthz\nLast 2 lines of .*api-1\.log:\n {2}one\n {2}two$/,
  );
  assert.ok(Date.now() - started < 30_000, 'did not wait out the deadline');
});

test('the deadline: what was waited for and how far it got; an empty log is said to be empty', async (t) => {
  const managed = start(t, 'gateway', 'setInterval(() => {}, 1000)');
  await assert.rejects(
    waitHealthy(managed, async () => false, {
      what: 'GET /healthz through it',
      deadline: Date.now() + 500,
      progress: () => '1/3 api servers UP: api-1',
    }),
    {
      message:
        'gateway was not healthy within the boot timeout: no success on GET /healthz through it (1/3 api servers UP: api-1) (its log gateway.log is empty)',
    },
  );
});

test('an abort ends the wait at once, naming the process', async (t) => {
  const managed = start(t, 'api-2', 'setInterval(() => {}, 1000)');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(
    waitHealthy(managed, async () => false, {
      what: 'GET /healthz',
      deadline: Date.now() + 60_000,
      signal: controller.signal,
    }),
    { message: 'boot aborted while waiting for api-2' },
  );
});
