/**
 * The one poll-with-deadline loop: ask `probe` again and again until it says yes, the deadline passes,
 * the signal aborts, or `gaveUp` says waiting is pointless (the process being waited on has exited).
 * It returns how the wait ended instead of throwing, so each caller words its own error (a boot failure
 * quoting a log, a plain timeout) without a second copy of the loop. A probe that throws counts as "not
 * yet": probes are network calls, and a refused connection is the normal answer of a service starting up.
 */

export type PollOutcome = 'ready' | 'timed-out' | 'aborted' | 'gave-up';

export interface PollOptions {
  /** Absolute time (Date.now() scale) after which the probe is not tried again. */
  deadline: number;
  /** Pause between two probes; the last pause is shortened to end at the deadline. Default 100 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Checked before each probe: true ends the wait at once with 'gave-up'. */
  gaveUp?: () => boolean;
}

export async function pollUntil(probe: () => Promise<boolean>, options: PollOptions): Promise<PollOutcome> {
  const interval = options.intervalMs ?? 100;
  for (;;) {
    if (options.signal?.aborted) return 'aborted';
    if (options.gaveUp?.()) return 'gave-up';
    if (await probe().catch(() => false)) return 'ready';
    const left = options.deadline - Date.now();
    if (left <= 0) return 'timed-out';
    await pause(Math.min(interval, left), options.signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
