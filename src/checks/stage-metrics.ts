/**
 * Reading a counter before and after a burst, through the driver's MetricsReader. Every step is
 * bounded and failures become a note, never an exception: metrics corroborate, they are not required.
 */
import { formatSeconds } from '../kit/duration.js';
import { settleWithin } from '../kit/settle.js';
import {
  MetricsReadError,
  type MetricsFailure,
  type MetricsReader,
  type MetricsSource,
  type StageDriver,
} from '../stage/driver.js';

export interface CounterReading {
  /** Where the numbers come from; undefined when the driver offers no metrics source. */
  source?: MetricsSource;
  metric: string;
  labels?: Record<string, string>;
  reachable: boolean;
  /** Sum over replicas; undefined when the metric is absent (or unreachable). */
  value?: number;
  /** Why the source could not be read. */
  failure?: MetricsFailure;
}

const SETTLE_TIMEOUT_MS = 15_000;
const READ_TIMEOUT_MS = 10_000;

export async function bounded<T>(
  promise: Promise<T>,
  timeoutMs: number,
  step: 'settle' | 'read',
): Promise<T> {
  const outcome = await settleWithin(promise, { limitMs: timeoutMs });
  if (outcome.kind === 'done') return outcome.value;
  if (outcome.kind === 'crashed') throw outcome.error;
  throw new MetricsReadError(
    { kind: 'slow', step, timeoutMs },
    `${step === 'settle' ? 'waiting for the metrics to settle' : 'reading a metric'} took more than ${formatSeconds(timeoutMs)}`,
  );
}

export function metricsOf(driver: StageDriver): MetricsReader | undefined {
  try {
    return driver.metrics();
  } catch {
    return undefined;
  }
}

/** Settle the reader (Prometheus lags a scrape), then sum the counter. */
export async function readCounter(
  reader: MetricsReader | undefined,
  metric: string,
  labels?: Record<string, string>,
): Promise<CounterReading> {
  if (!reader) return { metric, labels, reachable: false };
  try {
    await bounded(reader.settle(SETTLE_TIMEOUT_MS), SETTLE_TIMEOUT_MS + 1000, 'settle');
    const value = await bounded(reader.sum(metric, labels), READ_TIMEOUT_MS, 'read');
    return { source: reader.source, metric, labels, reachable: true, value };
  } catch (error) {
    const failure: MetricsFailure =
      error instanceof MetricsReadError
        ? error.failure
        : { kind: 'other', message: (error as Error)?.message ?? String(error) };
    return { source: reader.source, metric, labels, reachable: false, failure };
  }
}

/** The increase between two readings; undefined unless both are reachable. Absent before counts as 0. */
export function counterIncrease(before: CounterReading, after: CounterReading): number | undefined {
  if (!before.reachable || !after.reachable || after.value === undefined) return undefined;
  return after.value - (before.value ?? 0);
}
