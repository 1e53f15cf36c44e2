/**
 * How a boot step of the local stage fails: a one-line reason for the report that names the service
 * and quotes the last lines of its log, and the longer tail for the run's log. `waitHealthy` is the
 * wait every step uses for its process, and the one place such a failure is worded.
 */
import { basename } from 'node:path';
import { pause, pollUntil } from '../../kit/poll.js';
import { readLastLines } from './log-tail.js';
import type { ManagedProcess } from './process.js';

export class BootFailure extends Error {
  constructor(
    message: string,
    readonly log?: string,
    /** The stage is up in part: the gateway serves over the replicas that are healthy. */
    readonly partial = false,
  ) {
    super(message);
  }
}

const REASON_LOG_LINES = 15;
const REASON_INLINE_LINES = 3;
const POLL_MS = 150;

/** Throw the boot failure of an abort, before starting `what`. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new BootFailure(`boot aborted while starting ${what}`);
}

/**
 * Poll `probe` until it is true; fail fast when the process exits, and at the deadline, each time
 * with a reason that names the process and quotes its log.
 */
export async function waitHealthy(
  managed: ManagedProcess,
  probe: () => Promise<boolean>,
  options: { what: string; deadline: number; signal?: AbortSignal; progress?: () => string },
): Promise<void> {
  const outcome = await pollUntil(probe, {
    deadline: options.deadline,
    intervalMs: POLL_MS,
    signal: options.signal,
    gaveUp: () => !managed.running,
  });
  if (outcome === 'ready') return;
  if (outcome === 'aborted') throw new BootFailure(`boot aborted while waiting for ${managed.name}`);
  if (outcome === 'gave-up') {
    // Let the last output reach the log file before quoting it.
    await pause(200);
    throw await failureWithLog(
      `${managed.name} ${managed.describeState()} during boot, before answering ${options.what}`,
      managed.logFile,
    );
  }
  const progress = options.progress ? ` (${options.progress()})` : '';
  throw await failureWithLog(
    `${managed.name} was not healthy within the boot timeout: no success on ${options.what}${progress}`,
    managed.logFile,
  );
}

/**
 * A failure whose message quotes the last few log lines inline (one line, bounded) and whose `log`
 * holds the longer tail, each line indented.
 */
export async function failureWithLog(message: string, file: string): Promise<BootFailure> {
  const lines = await readLastLines(file, REASON_LOG_LINES).catch(() => []);
  if (lines.length === 0) return new BootFailure(`${message} (its log ${basename(file)} is empty)`);
  const inline = lines
    .slice(-REASON_INLINE_LINES)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line))
    .join(' ⏎ ');
  return new BootFailure(
    `${message}; last lines of ${basename(file)}: ${inline}`,
    `${message}\nLast ${lines.length} lines of ${file}:\n${lines.map((line) => `  ${line}`).join('\n')}`,
  );
}
