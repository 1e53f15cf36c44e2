/**
 * Resident memory of one api replica: idle (booted, no /ask served yet), then after 10,000 cached asks
 * sent to it directly. Each of the stage's replicas is one repetition; they are loaded together.
 */
import type { BenchStage } from './bench-stage.js';
import { runClosedLoop } from './load-generator.js';
import { askTarget } from './throughput-bench.js';

export interface MemoryMeasurement {
  replica: number;
  idleMiB: number;
  afterMiB: number;
  asks: number;
  errors: number;
}

export async function idleResidentMiB(stage: BenchStage): Promise<number[]> {
  return Promise.all(stage.replicaUrls.map((_, offset) => stage.replicaRssMiB(offset + 1)));
}

export async function measureMemoryAfterAsks(
  stage: BenchStage,
  idle: number[],
  asks: number,
  connectionsPerReplica = 8,
): Promise<MemoryMeasurement[]> {
  return Promise.all(
    stage.replicaUrls.map(async (url, offset) => {
      const load = await runClosedLoop(askTarget(url), {
        connections: connectionsPerReplica,
        maxRequests: asks,
        requestTimeoutMs: 30_000,
      });
      return {
        replica: offset + 1,
        idleMiB: idle[offset]!,
        afterMiB: await stage.replicaRssMiB(offset + 1),
        asks: load.requests,
        errors: load.errors,
      };
    }),
  );
}
