/** Time as the runner sees it, injectable so tests can control phases and timestamps. */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Monotonic milliseconds, for durations. */
  now(): number;
  /** Wall-clock time, for the report's `startedAt`. */
  date(): Date;
}

export const systemClock: Clock = { now: () => performance.now(), date: () => new Date() };
