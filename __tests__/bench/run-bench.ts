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
import { measureTimeToVerdict, type VerdictMeasurement } from './time-to-verdict-bench.js';

export interface BenchProfile {
  /** `scale-out`: only the 10-replica section (`npm run bench -- --scale-out`). */
  name: 'full' | 'smoke' | 'scale-out';
  repetitions: number;
  burstSizes: number[];
  throughput: { connections: number; durationMs: number; warmupMs: number };
  /** Rounds of the four loads, back to back: short and many, so machine noise hits them alike. */
  throughputRounds: number;
  memoryAsks: number;
  gateBurstSize: number;
  verdictRepetitions: number;
  /** The 10-replica stage; the smoke run leaves it to __tests__/bench/scale-out.test.ts. */
  scaleOut?: ScaleOutProfile;
}

const SCALE_OUT: ScaleOutProfile = {
  replicas: 10,
  burstSizes: [20, 200],
  repetitions: 3,
  narratorAsks: 60,
  narratorLimit: 2,
};

export const PROFILES: Record<BenchProfile['name'], BenchProfile> = {
  full: {
    name: 'full',
    repetitions: 3,
    burstSizes: [20, 200, 1000],
    throughput: { connections: 16, durationMs: 1500, warmupMs: 300 },
    throughputRounds: 5,
    memoryAsks: 10_000,
    gateBurstSize: 20,
    verdictRepetitions: 3,
    scaleOut: SCALE_OUT,
  },
  smoke: {
    name: 'smoke',
    repetitions: 1,
    burstSizes: [20],
    throughput: { connections: 4, durationMs: 1000, warmupMs: 0 },
    throughputRounds: 1,
    memoryAsks: 300,
    gateBurstSize: 20,
    verdictRepetitions: 1,
  },
  'scale-out': {
    name: 'scale-out',
    repetitions: SCALE_OUT.repetitions,
    burstSizes: [],
    throughput: { connections: 0, durationMs: 0, warmupMs: 0 },
    throughputRounds: 0,
    memoryAsks: 0,
    gateBurstSize: 0,
    verdictRepetitions: 0,
    scaleOut: SCALE_OUT,
  },
};

export interface BenchResults {
  version: 1;
  profile: BenchProfile;
  startedAt: string;
  durationMs: number;
  machine: {
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
    gateBurst: { control: GateBurstMeasurement[]; gateway: GateBurstMeasurement[] };
    timeToVerdict: VerdictMeasurement[];
    memory: MemoryMeasurement[];
    stageBootMs: Record<StageFlavour, number>;
    scaleOut?: ScaleOutMeasurement;
  };
}

export interface BenchHooks {
  /** Progress lines (the CLI prints them to stderr). */
  log?: (line: string) => void;
}

/** The gate's default public question; on the stage it is among the warm (cached) ones. */
const GATE_BURST_QUESTION = warmQuestions()[0]!;

const CPU_GROUP_LABELS = {
  generator: 'bench process (generator + log relay)',
  api: 'api replicas',
  gateway: 'gateway',
  redis: 'redis',
  control: 'control server',
} as const;

const SECTIONS = {
  singleFlight: 'Cross-replica single-flight (3 replicas, through the gateway)',
  baseline: 'Baseline: single-flight and plan cache off',
  throughput: 'Cached /ask throughput (closed loop)',
  gateBurst: "The gate's burst (src/http/burst.ts)",
  verdict: 'Time to verdict (five checks, local stage)',
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
    gateBurst: { control: [], gateway: [] },
    timeToVerdict: [],
    memory: [],
    stageBootMs: { 'single-flight': 0, baseline: 0 },
  };
  let questionIndex = 0;
  const results = (): BenchResults => ({
    version: 1,
    profile,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    machine: {
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
  } finally {
    await control.stop();
  }

  recordFigures(book, details, profile);
  return results();
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

  const t = SECTIONS.throughput;
  for (const r of details.throughput) {
    book.add(
      {
        id: 'throughput.healthz-gateway',
        section: t,
        label: 'GET /healthz via gateway (ceiling)',
        unit: 'req/s',
      },
      r.healthzGateway.requestsPerSecond,
    );
    book.add(
      { id: 'throughput.ask-gateway', section: t, label: 'cached POST /ask via gateway', unit: 'req/s' },
      r.askGateway.requestsPerSecond,
    );
    book.add(
      {
        id: 'throughput.ask-vs-healthz',
        section: t,
        label: 'cached /ask ÷ /healthz via gateway',
        unit: 'ratio',
        target: TARGETS.cachedAskRatio,
      },
      r.askGateway.requestsPerSecond / r.healthzGateway.requestsPerSecond,
    );
    book.add(
      {
        id: 'throughput.ask-redis-per-request',
        section: t,
        label: 'Redis commands per cached /ask via gateway',
        unit: 'cmd/req',
      },
      r.askRedis.perRequest,
    );
    book.add(
      {
        id: 'throughput.ask-direct',
        section: t,
        label: 'cached POST /ask, one replica directly',
        unit: 'req/s',
      },
      r.askDirect.requestsPerSecond,
    );
    book.add(
      {
        id: 'throughput.gateway-vs-direct',
        section: t,
        label: 'cached /ask via gateway ÷ one replica directly',
        unit: 'ratio',
      },
      r.askGateway.requestsPerSecond / r.askDirect.requestsPerSecond,
    );
    book.add(
      {
        id: 'throughput.control',
        section: t,
        label: 'generator vs trivial node:http server (control)',
        unit: 'req/s',
      },
      r.control.requestsPerSecond,
    );
    book.add(
      {
        id: 'throughput.ask-gateway-p50',
        section: t,
        label: 'cached /ask via gateway, p50 latency',
        unit: 'ms',
      },
      r.askGateway.latencyMs.p50,
    );
    book.add(
      {
        id: 'throughput.ask-gateway-p99',
        section: t,
        label: 'cached /ask via gateway, p99 latency',
        unit: 'ms',
      },
      r.askGateway.latencyMs.p99,
    );
    book.add(
      {
        id: 'throughput.healthz-gateway-p50',
        section: t,
        label: '/healthz via gateway, p50 latency',
        unit: 'ms',
      },
      r.healthzGateway.latencyMs.p50,
    );
    book.add(
      {
        id: 'throughput.healthz-gateway-p99',
        section: t,
        label: '/healthz via gateway, p99 latency',
        unit: 'ms',
      },
      r.healthzGateway.latencyMs.p99,
    );
    book.add(
      { id: 'throughput.ask-direct-p50', section: t, label: 'cached /ask directly, p50 latency', unit: 'ms' },
      r.askDirect.latencyMs.p50,
    );
    book.add(
      { id: 'throughput.ask-direct-p99', section: t, label: 'cached /ask directly, p99 latency', unit: 'ms' },
      r.askDirect.latencyMs.p99,
    );
    for (const [key, label, load] of [
      ['healthz-gateway', '/healthz via gateway', r.healthzGateway],
      ['ask-gateway', 'cached /ask via gateway', r.askGateway],
      ['ask-direct', 'cached /ask directly', r.askDirect],
      ['control', 'control', r.control],
    ] as const) {
      const perRequest = (ms: number | undefined) =>
        load.requests && ms !== undefined ? (ms * 1000) / load.requests : undefined;
      const groups =
        key === 'control'
          ? (['generator', 'control'] as const)
          : (['generator', 'api', 'gateway', 'redis'] as const);
      for (const group of groups) {
        if (group === 'gateway' && key === 'ask-direct') continue;
        book.add(
          {
            id: `throughput.cpu.${key}.${group}`,
            section: t,
            label: `${CPU_GROUP_LABELS[group]} CPU per request, ${label}`,
            unit: 'µs',
          },
          perRequest(load.cpu.byGroup[group]),
        );
      }
      const ours = Object.values(load.cpu.byGroup).reduce((total, value) => total + value, 0);
      book.add(
        {
          id: `throughput.cpu.${key}.others`,
          section: t,
          label: `CPU of other tenants during ${label}`,
          unit: '% of a core',
        },
        Number.isFinite(load.cpu.machineBusyMs)
          ? (100 * Math.max(0, load.cpu.machineBusyMs - ours)) / load.cpu.wallMs
          : undefined,
      );
    }
    book.add(
      {
        id: 'throughput.errors',
        section: t,
        label: 'non-2xx or failed requests (all four loads)',
        unit: 'count',
      },
      r.healthzGateway.errors + r.askGateway.errors + r.askDirect.errors + r.control.errors,
    );
  }

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
