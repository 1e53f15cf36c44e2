/**
 * Process-wide exit hooks: on exit (normal, Ctrl-C, SIGTERM, SIGHUP) every child still registered is
 * killed synchronously, then every registered cleanup runs, so a crashed or interrupted run leaves no
 * orphan and no work dir behind. Importing this module installs nothing: the entry points that start
 * stages call `installExitHooks()` (the CLI, the action's main and post steps, `npm run stage:local`,
 * the test harness). Registering without the hooks installed is harmless, it just has no effect at exit.
 */

/** Something that can be sent a signal synchronously, e.g. a ManagedProcess. */
export interface Signallable {
  signal(signal: NodeJS.Signals): void;
}

const killOnExitSet = new Set<Signallable>();
const cleanups = new Set<() => void>();
let installed = false;

/** SIGKILL `child` at exit unless unregistered first (by its own stop). Returns the unregister. */
export function killOnExit(child: Signallable): () => void {
  killOnExitSet.add(child);
  return () => killOnExitSet.delete(child);
}

/**
 * Run `cleanup` (synchronous, must not throw) at exit, after every child is killed (so a process still
 * writing into a work dir cannot race its removal). Returns the unregister.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function killAllNow(): void {
  for (const child of killOnExitSet) child.signal('SIGKILL');
  killOnExitSet.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort while exiting: nothing can report it any more.
    }
  }
  cleanups.clear();
}

/** Install the hooks once per process (later calls do nothing). */
export function installExitHooks(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // An entry that handles this signal itself (graceful teardown: the CLI, the action) is in charge;
      // the 'exit' hook still kills whatever it leaves behind.
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      killAllNow();
      // Re-raise with the default handler so the exit status says what happened.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
