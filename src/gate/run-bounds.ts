/**
 * The gate's one global deadline, and every bound derived from it, in one place. The boot and the checks
 * share the deadline minus a reserve; the teardown gets the reserve. A cancellation from outside (Ctrl-C,
 * a cancelled workflow) stops the run the same way the deadline does. Each step bounds its own waits
 * with `settleWithin`, so a driver or a check that ignores the signal still cannot hold the run.
 */
import { setMaxListeners } from 'node:events';
import type { Say } from '../report/language.js';
import type { Clock } from './clock.js';

/** Time kept for the teardown out of the global deadline. */
export function teardownReserveMs(globalDeadlineMs: number): number {
  return Math.round(Math.min(60_000, Math.max(5_000, globalDeadlineMs * 0.15)));
}

export interface RunBounds {
  /** Aborts when the boot and checks' share of the deadline is used up, or the run is cancelled. */
  signal: AbortSignal;
  /** Why the run stopped, in the report's language (requests and checks cut off by it quote it). */
  stopReason(): string;
  /** The teardown's share of the deadline. */
  teardownReserveMs: number;
  /** Milliseconds left of the boot and checks' share (negative once it has passed). */
  msLeft(): number;
  /** Stops the deadline timer and stops listening to the caller's signal. */
  release(): void;
}

/** Starts the clock of one run: `deadlineSeconds` from now, or sooner when `cancel` aborts. */
export function startRunBounds(options: {
  deadlineSeconds: number;
  cancel?: AbortSignal;
  clock: Clock;
  say: Say;
}): RunBounds {
  const { deadlineSeconds, cancel, clock, say } = options;
  const deadlineMs = deadlineSeconds * 1000;
  const reserveMs = teardownReserveMs(deadlineMs);
  const checksEndAt = clock.now() + deadlineMs - reserveMs;
  const stopReason = () =>
    cancel?.aborted
      ? say('execução cancelada', 'run cancelled')
      : say(
          `prazo global de ${deadlineSeconds} s atingido`,
          `global deadline of ${deadlineSeconds} s reached`,
        );
  const run = new AbortController();
  // Every request in flight listens to this signal; bursts of hundreds are expected, not a leak.
  setMaxListeners(0, run.signal);
  const timer = setTimeout(() => run.abort(new Error(stopReason())), deadlineMs - reserveMs);
  const onCancel = () => run.abort(new Error(stopReason()));
  if (cancel?.aborted) onCancel();
  else cancel?.addEventListener('abort', onCancel, { once: true });
  return {
    signal: run.signal,
    stopReason,
    teardownReserveMs: reserveMs,
    msLeft: () => checksEndAt - clock.now(),
    release: () => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
    },
  };
}
