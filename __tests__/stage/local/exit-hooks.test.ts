/**
 * Importing the local stage (driver, process primitives, the driver factory, the compose runner) adds
 * no process listener: only an entry point's installExitHooks() does, once. The installed 'exit' hook
 * kills every registered child before it runs the cleanups (a process still writing into a work dir
 * must not race its removal). Pure: no child process is started; the hooks are called directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

const EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Listener = (...args: unknown[]) => void;

function listenersOf(event: (typeof EVENTS)[number]): Listener[] {
  return process.listeners(event as 'SIGINT') as Listener[];
}

function listeners(): Map<string, Listener[]> {
  return new Map(EVENTS.map((event) => [event, [...listenersOf(event)]]));
}

function added(before: Map<string, Listener[]>): Record<string, number> {
  return Object.fromEntries(
    EVENTS.map((event) => [event, process.listenerCount(event) - before.get(event)!.length]),
  );
}

const none = { exit: 0, SIGINT: 0, SIGTERM: 0, SIGHUP: 0 };

test('importing the local driver and the modules around it installs no process listener', async () => {
  const before = listeners();
  await import('../../../src/stage/local/local-driver.js');
  await import('../../../src/stage/local/process.js');
  await import('../../../src/stage/local/redis-server.js');
  await import('../../../src/stage/create-driver.js');
  await import('../../../src/stage/compose/command-runner.js');
  await import('../../../src/stage/exit-hooks.js');
  assert.deepEqual(added(before), none);
});

test('installExitHooks adds one exit and one listener per signal, once; the exit hook kills children before cleanups', async () => {
  const hooks = await import('../../../src/stage/exit-hooks.js');
  const before = listeners();
  hooks.installExitHooks();
  hooks.installExitHooks();
  assert.deepEqual(added(before), { exit: 1, SIGINT: 1, SIGTERM: 1, SIGHUP: 1 });

  const order: string[] = [];
  hooks.killOnExit({ signal: (signal) => order.push(`child-a ${signal}`) });
  const forgotten = hooks.killOnExit({ signal: (signal) => order.push(`child-b ${signal}`) });
  forgotten();
  hooks.registerExitCleanup(() => order.push('remove work dir'));
  hooks.registerExitCleanup(() => {
    throw new Error('a failing cleanup does not stop the others');
  });
  hooks.registerExitCleanup(() => order.push('second cleanup'));
  // A signal handled by someone else (the CLI's graceful teardown) is left to them: nothing is killed.
  const ownHandler = () => undefined;
  process.on('SIGHUP', ownHandler);
  try {
    const onHup = listenersOf('SIGHUP').find((listener) => !before.get('SIGHUP')!.includes(listener))!;
    onHup();
    assert.deepEqual(order, []);
  } finally {
    process.removeListener('SIGHUP', ownHandler);
  }

  const onExit = listenersOf('exit').find((listener) => !before.get('exit')!.includes(listener))!;
  process.removeListener('exit', onExit);
  onExit();
  assert.deepEqual(order, ['child-a SIGKILL', 'remove work dir', 'second cleanup']);
});
