/** Shared by the local stage's tests: proof that nothing is left behind after a teardown. */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import type { LocalStageControl } from './local-stage-harness.js';

/** True while a process (or, with a negative id, a process group) exists. */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves 'refused' when nothing listens on the port, 'open' when something accepts. */
export function connect(port: number): Promise<'open' | 'refused' | 'other'> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve('other');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'other'),
    );
    socket.connect(port, '127.0.0.1');
  });
}

/** Every process (and its group) is gone and every port refuses connections. */
export async function assertNothingLeft(stage: LocalStageControl): Promise<void> {
  const processes = stage.processes();
  assert.ok(processes.length > 0, 'the stage recorded the processes it started');
  for (const { name, pid, running } of processes) {
    assert.equal(running, false, `${name} is not running`);
    // A program that could not be spawned at all never had a pid.
    if (pid === undefined) continue;
    assert.equal(exists(pid), false, `${name} (pid ${pid}) is gone`);
    assert.equal(exists(-pid), false, `${name}'s process group ${pid} is gone`);
  }
  const ports = stage.usedPorts();
  assert.ok(ports.length > 0);
  for (const port of ports) assert.equal(await connect(port), 'refused', `port ${port} refuses connections`);
}
