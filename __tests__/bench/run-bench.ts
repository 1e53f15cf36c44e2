/**
 * The whole bench in one run, on the local stage (real processes, loopback, bounded load): the
 * single-flight stage and its baseline, cached-ask throughput, the gate's burst, time to verdict and
 * memory. Returns every figure with its repetitions; `run.ts` prints and writes them, the smoke test
 * checks them.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { bootBenchStage, type BenchStage, type StageFlavour } from './bench-stage.js';
import { coldQuestion, warmQuestions } from './bench-questions.js';
import { startControlServer } from './control-server.js';
import { FigureBook, summarize, TARGETS, type FigureSummary } from './figures.js';
import { measureGateBurst, type GateBurstMeasurement } from './gate-burst-bench.js';
import { idleResidentMiB, measureMemoryAfterAsks, type MemoryMeasurement } from './memory-bench.js';
import {
  measureScaleOut,
  recordScaleOutFigures,
  type ScaleOutMeasurement,
  type ScaleOutProfile,
} from './scale-out-bench.js';
import { measureBurst, type BurstMeasurement } from './single-flight-bench.js';
import { round, spreadOf } from './stats.js';
import { measureThroughputRound, warmCache, type ThroughputRound } from './throughput-bench.js';
import { recordThroughputFigures } from './throughput-figures.js';
import { ensureWrk, wrkGenerator } from './wrk.js';
import { measureTimeToVerdict, type VerdictMeasurement } from './time-to-verdict-bench.js';
import { measureComposeStage, type ComposeMeasurement } from './compose-bench.js';
import {
  CAPACITY_VARIANTS,
  budgetOf,
  measureCapacity,
  recordCapacityFigures,
  type CapacityMeasurement,
  type CapacityProfile,
} from './capacity-bench.js';

export interface BenchProfile {
  /** `scale-out`: only the 10-replica section (`npm run bench -- --scale-out`). */
  name: 'full' | 'smoke' | 'scale-out' | 'capacity';
  repetitions: number;
  burstSizes: number[];
  throughput: { connections: number; durationMs: number; warmupMs: number };
  /** Rounds of the four loads, back to back: short and many, so machine noise hits them alike. */
  throughputRounds: number;
  /** The same four loads driven by wrk (whole seconds: wrk's -d). */
  wrk: { threads: number; connections: number; durationMs: number; warmupMs: number };
  wrkRounds: number;
  memoryAsks: number;
  gateBurstSize: number;
  verdictRepetitions: number;
  /** Gate runs on the compose stage (a real Docker Engine, set up by .ci/compose-setup); 0: none. */
  composeRepetitions: number;
  /** The 10-replica stage; the smoke run leaves it to __tests__/bench/scale-out.slow.test.ts. */
  scaleOut?: ScaleOutProfile;
  /** The chat-capacity check on fresh local stages, by narrator limit. */
  capacity?: CapacityProfile;
}

/**
 * Four times the check's default time budget, and at narrator limit 1 thirteen times. At limit 1 the
 * narrator refuses a share of narrations that grows with the load from any load on, and only narrations
 * can be refused: the share of good answers falls about two points per doubling of the users near the
 * 95 % target, so the users held are known only as well as that share is, to about half a point: several
 * thousand answers near the knee. A model of the search on that stage (capacity-repeatability.test.ts,
 * docs/chat-capacity.md) gives three repeats within ±25 % of their median 0.4 of the time in 180 s and
 * 0.85 in 600 s; limit 4 and the queue, whose share falls steeply at their knee, do in 180 s. The climb
 * costs the same whatever the budget (~55 s); the rest goes to the levels around the knee.
 */
const CAPACITY: CapacityProfile = {
  variants: CAPACITY_VARIANTS.map((variant) => variant.id),
  repetitions: 3,
  budgetSeconds: 180,
  budgetSecondsOf: { 'limit-1': 600 },
};

const SCALE_OUT: ScaleOutProfile = {
  replicas: 10,
  burstSizes: [20, 200],
  repetitions: 3,
  narratorAsks: 60,
  narratorLimit: 2,
};

/** A profile that runs one section only: every other section's sizes at zero. */
const ONE_SECTION: Omit<BenchProfile, 'name' | 'repetitions'> = {
  burstSizes: [],
  throughput: { connections: 0, durationMs: 0, warmupMs: 0 },
  throughputRounds: 0,
  wrk: { threads: 0, connections: 0, durationMs: 0, warmupMs: 0 },
  wrkRounds: 0,
  memoryAsks: 0,
  gateBurstSize: 0,
  verdictRepetitions: 0,
  composeRepetitions: 0,
};

export const PROFILES: Record<BenchProfile['name'], BenchProfile> = {
  full: {
    name: 'full',
    repetitions: 3,
    burstSizes: [20, 200, 1000],
    throughput: { connections: 16, durationMs: 1500, warmupMs: 300 },
    throughputRounds: 5,
    wrk: { threads: 2, connections: 32, durationMs: 2000, warmupMs: 1000 },
    wrkRounds: 5,
    memoryAsks: 10_000,
    gateBurstSize: 20,
    verdictRepetitions: 3,
    composeRepetitions: 2,
    scaleOut: SCALE_OUT,
    capacity: CAPACITY,
  },
  smoke: {
    name: 'smoke',
    repetitions: 1,
    burstSizes: [20],
    throughput: { connections: 4, durationMs: 1000, warmupMs: 0 },
    throughputRounds: 1,
    wrk: { threads: 2, connections: 4, durationMs: 1000, warmupMs: 0 },
    wrkRounds: 1,
    memoryAsks: 300,
    gateBurstSize: 20,
    verdictRepetitions: 1,
    composeRepetitions: 0,
    // One short search: the harness works end to end; the figures come from the full run.
    capacity: { variants: ['limit-1'], repetitions: 1, budgetSeconds: 6 },
  },
  'scale-out': { ...ONE_SECTION, name: 'scale-out', repetitions: SCALE_OUT.repetitions, scaleOut: SCALE_OUT },
  capacity: { ...ONE_SECTION, name: 'capacity', repetitions: CAPACITY.repetitions, capacity: CAPACITY },
};

export interface BenchResults {
  version: 1;
  profile: BenchProfile;
  startedAt: string;
  durationMs: number;
  machine: {
    /** wrk's version line (absent when the profile runs no wrk rounds). */
    wrk?: string;
    cpus: number;
    cpuModel: string;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  figures: FigureSummary[];
  /** Every raw measurement behind the figures. */
  details: {
    singleFlight: BurstMeasurement[];
    baseline: BurstMeasurement[];
    throughput: ThroughputRound[];
    wrkThroughput: ThroughputRound[];
    gateBurst: { control: GateBurstMeasurement[]; gateway: GateBurstMeasurement[] };
    timeToVerdict: VerdictMeasurement[];
    memory: MemoryMeasurement[];
    stageBootMs: Record<StageFlavour, number>;
    scaleOut?: ScaleOutMeasurement;
    compose?: ComposeMeasurement;
    capacity?: CapacityMeasurement[];
  };
}

export interface BenchHooks {
  /** Progress lines (the CLI prints them to stderr). */
  log?: (line: string) => void;
}

/** The gate's default public question; on the stage it is among the warm (cached) ones. */
const GATE_BURST_QUESTION = warmQuestions()[0]!;

const SECTIONS = {
  singleFlight: 'Cross-replica single-flight (3 replicas, through the gateway)',
  baseline: 'Baseline: single-flight and plan cache off',
  throughput: 'Cached /ask throughput (closed loop)',
  wrkThroughput: 'Cached /ask throughput, wrk (C load generator, same loads)',
  gateBurst: "The gate's burst (src/http/burst.ts)",
  verdict: 'Time to verdict (five checks, local stage; chat-capacity has its own section)',
  compose:
    'The compose stage on a real Docker Engine (images built here; Grafana and Tempo not booted) beside the local stage',
  memory: 'Memory of one api replica',
} as const;

export async function runBench(profile: BenchProfile, hooks: BenchHooks = {}): Promise<BenchResults> {
  const log = hooks.log ?? (() => undefined);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((value) => round(value));
  const book = new FigureBook();
  const details: BenchResults['details'] = {
    singleFlight: [],
    baseline: [],
    throughput: [],
    wrkThroughput: [],
    gateBurst: { control: [], gateway: [] },
    timeToVerdict: [],
    memory: [],
    stageBootMs: { 'single-flight': 0, baseline: 0 },
  };
  let questionIndex = 0;
  // wrk only for a profile that runs its rounds (the scale-out profile does not).
  const wrkVersion = profile.wrkRounds > 0 ? ensureWrk(log) : undefined;
  const wrk = wrkGenerator({ threads: profile.wrk.threads });
  const results = (): BenchResults => ({
    version: 1,
    profile,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    machine: {
      ...(wrkVersion ? { wrk: wrkVersion } : {}),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg().map((value) => round(value)),
    },
    figures: book.all().map(summarize),
    details,
  });

  if (profile.name === 'scale-out' && profile.scaleOut) {
    details.scaleOut = await measureScaleOut(profile.scaleOut, () => coldQuestion(questionIndex++), log);
    recordScaleOutFigures(book, details.scaleOut);
    return results();
  }
  if (profile.name === 'capacity') {
    details.capacity = await runCapacity(profile.capacity!, log);
    recordCapacityFigures(book, details.capacity);
    return results();
  }

  const control = await startControlServer();
  try {
    // ---- the gate's burst against the control server (nothing else running yet), after one unrecorded
    // burst so the first sample does not carry the JIT's warm-up
    await measureGateBurst(control.url, GATE_BURST_QUESTION, profile.gateBurstSize);
    for (let rep = 0; rep < Math.max(profile.repetitions, 3); rep++)
      details.gateBurst.control.push(
        await measureGateBurst(control.url, GATE_BURST_QUESTION, profile.gateBurstSize),
      );
    log(
      `gate burst vs control: ${details.gateBurst.control.map((m) => round(m.dispatchSpreadMs)).join(', ')} ms spread`,
    );

    // ---- the stage as shipped
    let stage: BenchStage | undefined = await bootBenchStage('single-flight');
    try {
      details.stageBootMs['single-flight'] = stage.bootMs;
      log(`single-flight stage up in ${stage.bootMs} ms at ${stage.gatewayUrl}`);

      const idle = await idleResidentMiB(stage);
      await warmCache(stage);
      details.memory = await measureMemoryAfterAsks(stage, idle, profile.memoryAsks);
      log(
        `memory: ${details.memory.map((m) => `${round(m.idleMiB, 1)}→${round(m.afterMiB, 1)} MiB`).join(', ')}`,
      );

      for (const size of profile.burstSizes)
        for (let rep = 0; rep < profile.repetitions; rep++) {
          const measured = await measureBurst(
            stage,
            size,
            coldQuestion(questionIndex++),
            `sf-${size}-${rep}`,
          );
          details.singleFlight.push(measured);
          log(
            `single-flight ${size}: ${measured.heavyExecutions} executions, leader ${round(measured.leaderMs ?? NaN)} ms, followers p99 ${round(measured.followersMinusLeaderMs?.p99 ?? NaN)} ms after it`,
          );
        }

      for (let rep = 0; rep < profile.throughputRounds; rep++) {
        const round_ = await measureThroughputRound(stage, control, profile.throughput);
        details.throughput.push(round_);
        log(
          `throughput: healthz ${Math.round(round_.healthzGateway.requestsPerSecond)}/s, ask ${Math.round(round_.askGateway.requestsPerSecond)}/s, direct ask ${Math.round(round_.askDirect.requestsPerSecond)}/s, control ${Math.round(round_.control.requestsPerSecond)}/s`,
        );
      }

      for (let rep = 0; rep < profile.wrkRounds; rep++) {
        const round_ = await measureThroughputRound(stage, control, profile.wrk, wrk);
        details.wrkThroughput.push(round_);
        log(
          `wrk: healthz ${Math.round(round_.healthzGateway.requestsPerSecond)}/s (p99 ${round(round_.healthzGateway.latencyMs.p99)} ms), ask ${Math.round(round_.askGateway.requestsPerSecond)}/s (p99 ${round(round_.askGateway.latencyMs.p99)} ms, ${round(round_.askRedis.perRequest, 3)} Redis cmd/req), direct ask ${Math.round(round_.askDirect.requestsPerSecond)}/s, control ${Math.round(round_.control.requestsPerSecond)}/s`,
        );
      }

      for (let rep = 0; rep < Math.max(profile.repetitions, 3); rep++)
        details.gateBurst.gateway.push(
          await measureGateBurst(stage.gatewayUrl, GATE_BURST_QUESTION, profile.gateBurstSize),
        );
    } finally {
      await stage.teardown();
      stage = undefined;
    }

    // ---- the baseline stage: same bursts, nothing shared
    const baseline = await bootBenchStage('baseline');
    try {
      details.stageBootMs.baseline = baseline.bootMs;
      log(`baseline stage up in ${baseline.bootMs} ms`);
      for (const size of profile.burstSizes)
        for (let rep = 0; rep < profile.repetitions; rep++) {
          const measured = await measureBurst(
            baseline,
            size,
            coldQuestion(questionIndex++),
            `base-${size}-${rep}`,
          );
          details.baseline.push(measured);
          log(`baseline ${size}: ${measured.heavyExecutions} executions in ${round(measured.totalMs)} ms`);
        }
    } finally {
      await baseline.teardown();
    }

    // ---- scale-out: the same guarantees on 10 replicas
    if (profile.scaleOut)
      details.scaleOut = await measureScaleOut(profile.scaleOut, () => coldQuestion(questionIndex++), log);

    // ---- the gate itself, on stages of its own
    for (let rep = 0; rep < profile.verdictRepetitions; rep++) {
      const measured = await measureTimeToVerdict();
      details.timeToVerdict.push(measured);
      log(`time to verdict: ${measured.verdict} in ${round(measured.totalMs / 1000)} s`);
    }
    if (profile.composeRepetitions > 0)
      details.compose = await measureComposeStage(profile.composeRepetitions, log);
    if (profile.capacity) details.capacity = await runCapacity(profile.capacity, log);
  } finally {
    await control.stop();
  }

  recordFigures(book, details, profile);
  return results();
}

/** Variants interleaved (1, 4, queue, then again), so a noisy minute of the machine hits them alike. */
async function runCapacity(
  profile: CapacityProfile,
  log: (line: string) => void,
): Promise<CapacityMeasurement[]> {
  const measurements: CapacityMeasurement[] = [];
  for (let repetition = 0; repetition < profile.repetitions; repetition++)
    for (const variant of CAPACITY_VARIANTS.filter((entry) => profile.variants.includes(entry.id))) {
      const measured = await measureCapacity(variant, repetition, budgetOf(profile, variant.id));
      measurements.push(measured);
      log(
        `capacity, ${variant.label} #${repetition + 1}: ${measured.status}, held ${measured.held} / failed ${measured.failed ?? '–'} (${measured.steps.join('; ')}); bottleneck: ${measured.bottleneck}`,
      );
    }
  return measurements;
}

function recordFigures(book: FigureBook, details: BenchResults['details'], profile: BenchProfile): void {
  for (const size of profile.burstSizes) {
    const section = SECTIONS.singleFlight;
    const id = `single-flight.burst-${size}`;
    for (const m of details.singleFlight.filter((entry) => entry.size === size)) {
      book.add(
        {
          id: `${id}.heavy-executions`,
          section,
          label: `heavy executions, ${size} identical asks`,
          unit: 'count',
          target: TARGETS.exactlyOne,
        },
        m.heavyExecutions,
      );
      book.add(
        { id: `${id}.leader`, section, label: `leader's latency, ${size} asks`, unit: 'ms' },
        m.leaderMs,
      );
      book.add(
        { id: `${id}.followers-p50`, section, label: `followers' p50 − leader, ${size} asks`, unit: 'ms' },
        m.followersMinusLeaderMs?.p50,
      );
      book.add(
        {
          id: `${id}.followers-p99`,
          section,
          label: `followers' p99 − leader, ${size} asks`,
          unit: 'ms',
          target: TARGETS.followersWithin25Ms,
        },
        m.followersMinusLeaderMs?.p99,
      );
      book.add(
        {
          id: `${id}.redis-per-request`,
          section,
          label: `Redis commands per request, ${size} asks`,
          unit: 'cmd/req',
        },
        m.redis.perRequest,
      );
      book.add({ id: `${id}.total`, section, label: `total time, ${size} asks`, unit: 'ms' }, m.totalMs);
      book.add(
        { id: `${id}.dispatch-spread`, section, label: `dispatch spread, ${size} asks`, unit: 'ms' },
        m.dispatchSpreadMs,
      );
      book.add(
        { id: `${id}.failures`, section, label: `failed answers, ${size} asks`, unit: 'count' },
        m.failures,
      );
    }
  }
  for (const size of profile.burstSizes) {
    const section = SECTIONS.baseline;
    const id = `baseline.burst-${size}`;
    for (const m of details.baseline.filter((entry) => entry.size === size)) {
      book.add(
        {
          id: `${id}.heavy-executions`,
          section,
          label: `heavy executions, ${size} identical asks`,
          unit: 'count',
        },
        m.heavyExecutions,
      );
      book.add({ id: `${id}.total`, section, label: `total time, ${size} asks`, unit: 'ms' }, m.totalMs);
      const shipped = details.singleFlight.filter((entry) => entry.size === size);
      const shippedTotal = spreadOf(shipped.map((entry) => entry.totalMs))?.median;
      book.add(
        {
          id: `${id}.time-vs-single-flight`,
          section,
          label: `total time ÷ single-flight's median, ${size} asks`,
          unit: 'ratio',
        },
        shippedTotal ? m.totalMs / shippedTotal : undefined,
      );
      book.add(
        { id: `${id}.failures`, section, label: `failed answers, ${size} asks`, unit: 'count' },
        m.failures,
      );
    }
  }

  if (details.scaleOut) recordScaleOutFigures(book, details.scaleOut);

  recordThroughputFigures(book, details.throughput, {
    idPrefix: 'throughput',
    section: SECTIONS.throughput,
    generatorLabel: 'bench process (generator + log relay)',
    targets: { askVsHealthz: TARGETS.cachedAskRatio },
  });
  recordThroughputFigures(book, details.wrkThroughput, {
    idPrefix: 'wrk',
    section: SECTIONS.wrkThroughput,
    generatorLabel: 'wrk',
    targets: {
      askVsHealthz: TARGETS.wrkCachedAskRatio,
      askP99VsHealthzP99: TARGETS.wrkCachedAskP99,
      redisPerAsk: TARGETS.wrkRedisPerCachedAsk,
    },
  });

  const g = SECTIONS.gateBurst;
  for (const [where, list] of [
    ['trivial server', details.gateBurst.control],
    ['gateway, cached /ask', details.gateBurst.gateway],
  ] as const) {
    const key = where === 'trivial server' ? 'control' : 'gateway';
    for (const m of list) {
      book.add(
        {
          id: `gate-burst.${key}.dispatch-spread`,
          section: g,
          label: `dispatch spread of ${m.size}, ${where}`,
          unit: 'ms',
          target: TARGETS.dispatchSpread,
        },
        m.dispatchSpreadMs,
      );
      book.add(
        {
          id: `gate-burst.${key}.client-cpu`,
          section: g,
          label: `client CPU per request, ${where}`,
          unit: 'µs',
        },
        m.clientCpuUsPerRequest,
      );
      book.add(
        {
          id: `gate-burst.${key}.connect`,
          section: g,
          label: `opening ${m.size} connections, ${where}`,
          unit: 'ms',
        },
        m.connectMs,
      );
      book.add(
        { id: `gate-burst.${key}.total`, section: g, label: `release → last answer, ${where}`, unit: 'ms' },
        m.totalMs,
      );
    }
  }

  const v = SECTIONS.verdict;
  for (const m of details.timeToVerdict) {
    book.add(
      {
        id: 'verdict.total',
        section: v,
        label: `time to verdict (${m.verdict})`,
        unit: 's',
        target: TARGETS.timeToVerdict,
      },
      m.totalMs / 1000,
    );
    for (const phase of m.phases)
      book.add(
        { id: `verdict.phase.${phase.name}`, section: v, label: `  ${phase.name}`, unit: 's' },
        phase.durationMs / 1000,
      );
  }

  recordComposeFigures(book, details);
  if (details.capacity) recordCapacityFigures(book, details.capacity);

  const mem = SECTIONS.memory;
  for (const m of details.memory) {
    book.add(
      { id: 'memory.idle', section: mem, label: 'RSS idle (booted, no /ask yet)', unit: 'MiB' },
      m.idleMiB,
    );
    book.add(
      { id: 'memory.after-asks', section: mem, label: `RSS after ${m.asks} cached asks`, unit: 'MiB' },
      m.afterMiB,
    );
  }
}

/** Cold and warm boot, the gate's phases on the warm compose stage, and its ratio to the local stage. */
function recordComposeFigures(book: FigureBook, details: BenchResults['details']): void {
  const c = SECTIONS.compose;
  const compose = details.compose;
  if (!compose) return;
  if (!compose.available) {
    book.add({ id: 'compose.skipped', section: c, label: 'compose stage not measured', unit: 'count' }, 0);
    book.note('compose.skipped', compose.reason);
    return;
  }
  book.add(
    {
      id: 'compose.cold-boot',
      section: c,
      label: 'cold boot (api image built with no layer cache)',
      unit: 's',
    },
    compose.coldBootMs / 1000,
  );
  book.add(
    { id: 'compose.warm-boot', section: c, label: 'warm boot (every image present)', unit: 's' },
    compose.warmBootMs / 1000,
  );
  const localTotals = details.timeToVerdict.map((m) => m.totalMs).sort((a, b) => a - b);
  const localMedian = localTotals[Math.floor(localTotals.length / 2)];
  for (const m of compose.verdicts) {
    book.add(
      {
        id: 'compose.verdict.total',
        section: c,
        label: `time to verdict, compose (${m.verdict})`,
        unit: 's',
      },
      m.totalMs / 1000,
    );
    for (const phase of m.phases)
      book.add(
        { id: `compose.verdict.phase.${phase.name}`, section: c, label: `  ${phase.name}`, unit: 's' },
        phase.durationMs / 1000,
      );
    book.add(
      {
        id: 'compose.verdict.ratio',
        section: c,
        label: 'compose ÷ local time to verdict (local: median of this run)',
        unit: '×',
        target: TARGETS.composeVerdictRatio,
      },
      localMedian ? m.totalMs / localMedian : undefined,
    );
  }
}
