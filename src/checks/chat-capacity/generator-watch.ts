/**
 * The load generator watching itself. Latency is measured from the moment a user meant to send, so a
 * stalled generator shows up as latency; this watch says when that latency is the generator's own:
 * its event loop lagged (timers fired late) or it was busy nearly all the time. Such a step is marked
 * generator-bound and never passes or fails on its own.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface GeneratorLoad {
  /** p99 of the gate's event-loop delay during the step. */
  lagP99Ms: number;
  lagMaxMs: number;
  /** Share of the time the gate's event loop was busy (0..1). */
  utilization: number;
  /** CPU time of the gate's process over wall time (1 = one core). */
  cpuShare: number;
  bound: boolean;
  /** Why it is bound, as data (the report words it). */
  cause?: 'lag' | 'busy';
}

/** A loop busier than this cannot send on time, whatever its lag says. */
const BUSY_UTILIZATION = 0.9;
/** Lag at or above this share of the SLO is the generator's, not the stage's (and never below 50 ms). */
const LAG_SHARE_OF_SLO = 0.25;
const LAG_FLOOR_MS = 50;

export function lagLimitMs(sloMs: number): number {
  return Math.max(LAG_FLOOR_MS, sloMs * LAG_SHARE_OF_SLO);
}

export interface GeneratorWatch {
  stop(): GeneratorLoad;
}

export function watchGenerator(sloMs: number): GeneratorWatch {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const elu: EventLoopUtilization = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    stop: () => {
      histogram.disable();
      const wallMs = Math.max(1, performance.now() - started);
      const used = process.cpuUsage(cpu);
      const utilization = performance.eventLoopUtilization(elu).utilization;
      const lagP99Ms = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
      const lagMaxMs = histogram.count > 0 ? histogram.max / 1e6 : 0;
      const cpuShare = (used.user + used.system) / 1000 / wallMs;
      const cause =
        lagP99Ms >= lagLimitMs(sloMs) ? 'lag' : utilization >= BUSY_UTILIZATION ? 'busy' : undefined;
      return { lagP99Ms, lagMaxMs, utilization, cpuShare, bound: cause !== undefined, cause };
    },
  };
}
