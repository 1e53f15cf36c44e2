/**
 * The one bounded wait: wait for a promise, but no longer than a limit nor past an abort, and say which
 * came first. Every "give it N ms, then move on" in the project goes through here, so none of them
 * leaves a timer or a listener behind, or forgets that the work may also fail.
 */

/** How a bounded wait ended: the work's value or error, or the bound that came first. */
export type Settled<T> =
  | { kind: 'done'; value: T }
  | { kind: 'crashed'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

/**
 * Waits for `work`, but no longer than `limitMs` (when given) nor past `signal` aborting (when given).
 * Never rejects, and leaves no timer or listener behind; the work itself is not stopped (whoever owns it
 * passes it the signal).
 */
export function settleWithin<T>(
  work: Promise<T>,
  bounds: { limitMs?: number; signal?: AbortSignal },
): Promise<Settled<T>> {
  const { limitMs, signal } = bounds;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => finish({ kind: 'aborted' });
    function finish(outcome: Settled<T>) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    }
    work.then(
      (value) => finish({ kind: 'done', value }),
      (error: unknown) => finish({ kind: 'crashed', error }),
    );
    if (limitMs !== undefined) timer = setTimeout(() => finish({ kind: 'timeout' }), Math.max(0, limitMs));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
