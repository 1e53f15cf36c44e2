import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, exists } from './local-stage-helpers.js';

const script = fileURLToPath(new URL('../fixtures/boot-then-leave.ts', import.meta.url));

interface Booted {
  ok: boolean;
  reason?: string;
  workDir: string;
  processes: Array<{ name: string; pid: number }>;
  ports: number[];
}

/** Run the script; once it printed its stage, optionally signal it; resolve with the stage and how it ended. */
async function bootAndLeave(mode: 'exit' | 'wait', signal?: NodeJS.Signals) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, how) => resolve({ code, signal: how })),
  );
  const deadline = Date.now() + 45_000;
  while (!output.includes('\n')) {
    if (Date.now() > deadline || child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stage = JSON.parse(output.split('\n')[0]!) as Booted;
  assert.equal(stage.ok, true, stage.reason);
  if (signal) child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const end = await Promise.race([
    ended,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running:\n${output}`)), 15_000);
    }),
  ]).finally(() => clearTimeout(timer));
  return { stage, end };
}

async function assertGone(stage: Booted): Promise<void> {
  // SIGKILL is asynchronous: allow the kernel a moment to reap.
  const deadline = Date.now() + 5000;
  while (stage.processes.some(({ pid }) => exists(pid) || exists(-pid)) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  for (const { name, pid } of stage.processes)
    assert.equal(exists(-pid), false, `${name} (group ${pid}) gone`);
  for (const port of stage.ports) assert.equal(await connect(port), 'refused', `port ${port}`);
  assert.equal(existsSync(stage.workDir), false, 'work dir removed');
}

test('a process that exits without tearing its stage down still leaves nothing behind', async () => {
  const { stage, end } = await bootAndLeave('exit');
  assert.equal(end.code, 0);
  assert.equal(stage.processes.length, 6, 'redis, simulator, 2 replicas, gateway, prometheus');
  await assertGone(stage);
});

test('a process stopped by SIGTERM (or Ctrl-C) kills its stage on the way out and still dies of the signal', async () => {
  const { stage, end } = await bootAndLeave('wait', 'SIGTERM');
  assert.equal(end.signal, 'SIGTERM');
  await assertGone(stage);
});
