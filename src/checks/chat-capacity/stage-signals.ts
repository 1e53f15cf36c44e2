/**
 * The stage's own metrics around each level of users: a snapshot before and after, and what grew in
 * between (narrator overloads and permit waits, LLM calls and their time, Redis command time,
 * single-flight waits, each replica's CPU and event-loop lag, the gateway's queue). Every metric is
 * optional: one a stage does not expose is recorded as absent, never as zero.
 */
import { METRICS, OPTIONAL_METRICS } from '../../contract/index.js';
import { MetricsReadError, type MetricsFailure, type MetricsReader } from '../../stage/driver.js';
import { bounded } from '../stage-metrics.js';

/** A signal: a counter's growth over a step (or, for lag, the highest replica's value after it). */
export const SIGNAL_IDS = [
  'narratorOverloads',
  'permitWaitSeconds',
  'llmSeconds',
  'llmCalls',
  'llmBusy',
  'llmErrors',
  'redisSeconds',
  'redisCommands',
  'singleFlightWaitSeconds',
  'gatewayQueue',
  'maxReplicaCpuSeconds',
  'maxReplicaLagSeconds',
] as const;
export type SignalId = (typeof SIGNAL_IDS)[number];
export type Signals = Partial<Record<SignalId, number>>;

/** The metric each signal is read from, for the report ("… would make it identifiable"). */
export const SIGNAL_METRIC: Record<SignalId, string> = {
  narratorOverloads: `${METRICS.narratorLlmRequests}{outcome="overload"}`,
  permitWaitSeconds: OPTIONAL_METRICS.narratorPermitWaitSeconds,
  llmSeconds: `${OPTIONAL_METRICS.llmRequestDuration}_sum`,
  llmCalls: `${OPTIONAL_METRICS.llmRequestDuration}_count`,
  llmBusy: `${OPTIONAL_METRICS.llmRequestDuration}_count{outcome="busy"}`,
  llmErrors: `${OPTIONAL_METRICS.llmRequestDuration}_count{outcome="error"|"timeout"}`,
  redisSeconds: `${OPTIONAL_METRICS.redisCommandDuration}_sum`,
  redisCommands: `${OPTIONAL_METRICS.redisCommandDuration}_count`,
  singleFlightWaitSeconds: OPTIONAL_METRICS.singleFlightWaitSeconds,
  gatewayQueue: OPTIONAL_METRICS.gatewayMaxQueue,
  maxReplicaCpuSeconds: OPTIONAL_METRICS.processCpuSeconds,
  maxReplicaLagSeconds: OPTIONAL_METRICS.eventLoopLagP99,
};

/** Raw readings of one moment; per-replica CPU is kept whole so a delta can be taken per replica. */
export interface SignalSnapshot {
  sums: Partial<Record<SignalId, number>>;
  cpuByReplica?: Map<string, number>;
  lagByReplica?: Map<string, number>;
  failure?: MetricsFailure;
}

const SNAPSHOT_TIMEOUT_MS = 5000;

async function sumOf(reader: MetricsReader, metric: string, labels?: Record<string, string>) {
  return reader.sum(metric, labels).catch((error: unknown) => {
    if (error instanceof MetricsReadError) throw error;
    return undefined;
  });
}

async function addAll(values: Array<Promise<number | undefined>>): Promise<number | undefined> {
  const read = await Promise.all(values);
  return read.every((value) => value === undefined)
    ? undefined
    : read.reduce<number>((sum, value) => sum + (value ?? 0), 0);
}

/** Every signal's metric now; bounded by `timeoutMs`, a failure kept as data. */
export async function takeSnapshot(
  reader: MetricsReader | undefined,
  timeoutMs = SNAPSHOT_TIMEOUT_MS,
): Promise<SignalSnapshot | undefined> {
  if (!reader) return undefined;
  const llm = `${OPTIONAL_METRICS.llmRequestDuration}`;
  const redis = `${OPTIONAL_METRICS.redisCommandDuration}`;
  const reading = (async (): Promise<SignalSnapshot> => {
    await reader.settle(timeoutMs);
    const [overloads, permit, llmSum, llmCount, busy, errors, redisSum, redisCount, sfWait, queue, cpu, lag] =
      await Promise.all([
        sumOf(reader, METRICS.narratorLlmRequests, { outcome: 'overload' }),
        sumOf(reader, OPTIONAL_METRICS.narratorPermitWaitSeconds),
        sumOf(reader, `${llm}_sum`),
        sumOf(reader, `${llm}_count`),
        sumOf(reader, `${llm}_count`, { outcome: 'busy' }),
        addAll([
          sumOf(reader, `${llm}_count`, { outcome: 'error' }),
          sumOf(reader, `${llm}_count`, { outcome: 'timeout' }),
        ]),
        sumOf(reader, `${redis}_sum`),
        sumOf(reader, `${redis}_count`),
        sumOf(reader, OPTIONAL_METRICS.singleFlightWaitSeconds),
        sumOf(reader, OPTIONAL_METRICS.gatewayMaxQueue),
        reader.perReplica(OPTIONAL_METRICS.processCpuSeconds).catch(() => undefined),
        reader.perReplica(OPTIONAL_METRICS.eventLoopLagP99).catch(() => undefined),
      ]);
    return {
      sums: {
        narratorOverloads: overloads,
        permitWaitSeconds: permit,
        llmSeconds: llmSum,
        llmCalls: llmCount,
        llmBusy: busy,
        llmErrors: errors,
        redisSeconds: redisSum,
        redisCommands: redisCount,
        singleFlightWaitSeconds: sfWait,
        gatewayQueue: queue,
      },
      cpuByReplica: cpu && cpu.size > 0 ? cpu : undefined,
      lagByReplica: lag && lag.size > 0 ? lag : undefined,
    };
  })();
  try {
    return await bounded(reading, timeoutMs * 2, 'read');
  } catch (error) {
    const failure: MetricsFailure =
      error instanceof MetricsReadError
        ? error.failure
        : { kind: 'other', message: (error as Error)?.message ?? String(error) };
    return { sums: {}, failure };
  }
}

/** What grew between two snapshots; a signal absent from either is left out (not exposed, not zero). */
export function signalsBetween(
  before: SignalSnapshot | undefined,
  after: SignalSnapshot | undefined,
): Signals {
  if (!before || !after || before.failure || after.failure) return {};
  const out: Signals = {};
  for (const id of SIGNAL_IDS) {
    const was = before.sums[id];
    const now = after.sums[id];
    if (now === undefined) continue;
    // A gauge of the most ever queued grows only when a new maximum was reached during the step.
    out[id] = Math.max(0, now - (was ?? 0));
  }
  if (before.cpuByReplica && after.cpuByReplica) {
    let most = 0;
    for (const [replica, seconds] of after.cpuByReplica)
      most = Math.max(most, seconds - (before.cpuByReplica.get(replica) ?? seconds));
    out.maxReplicaCpuSeconds = most;
  }
  if (after.lagByReplica) out.maxReplicaLagSeconds = Math.max(...after.lagByReplica.values());
  return out;
}
