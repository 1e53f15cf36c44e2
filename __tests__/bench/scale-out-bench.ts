/**
 * Scale-out, simulated on one machine: the local stage with 10 api replicas behind the gateway (what a
 * cluster's autoscaler would add). The cross-replica guarantees must not weaken with the count:
 * - single-flight: a burst of identical cold asks, spread by the gateway over every replica, still runs
 *   exactly one heavy execution (measured from every replica's own /metrics);
 * - the narrator limit holds per replica: a burst of distinct LLM-bound asks, more than the replicas can
 *   narrate at once, gets each replica narrating at most NARRATOR_MAX_CONCURRENCY (counted from the
 *   answers, by the replica that gave each, and from the in-flight gauge sampled during the burst), the
 *   rest refused with an overload answer.
 */
import { DEFAULT_LLM_QUESTIONS } from '../../src/gate/options/option-values.js';
import { LLM_LIMITED_ERROR, saturationQuestions } from '../../src/checks/narrator-saturation.js';
import { METRICS, REPLICA_HEADER, ROUTES } from '../../src/contract/index.js';
import { fireBurst } from '../../src/http/burst.js';
import { bootBenchStage, type BenchStage } from './bench-stage.js';
import { atMostEveryTime, TARGETS, type FigureBook } from './figures.js';
import { askBody } from './bench-questions.js';
import { measureBurst, type BurstMeasurement } from './single-flight-bench.js';

export interface ScaleOutProfile {
  replicas: number;
  burstSizes: number[];
  repetitions: number;
  /** Distinct LLM-bound asks in the narrator burst: more than replicas × limit, so some are refused. */
  narratorAsks: number;
  /** NARRATOR_MAX_CONCURRENCY of every replica. */
  narratorLimit: number;
}

export interface NarratorLimitMeasurement {
  asks: number;
  limit: number;
  /** LLM calls the narrator completed, by the replica that answered (x-replica-id). */
  narratedByReplica: Record<string, number>;
  /** Answers refused by the narrator limit (overload flag or `llm_concurrency_limited`). */
  overload: number;
  /** Anything else: transport errors, other HTTP errors, narrator errors or timeouts. */
  failures: number;
  firstFailure?: string;
  /** Highest `services_narrator_llm_in_flight` read on any one replica while the burst ran. */
  peakInFlight: number;
  /** Reads of every replica's gauge during the burst. */
  gaugeSamples: number;
  dispatchSpreadMs?: number;
}

export interface ScaleOutMeasurement {
  replicas: number;
  bootMs: number;
  bursts: BurstMeasurement[];
  narrator: NarratorLimitMeasurement[];
}

/** Each LLM call takes this long on the simulator: longer than any burst's dispatch, so calls overlap. */
const LLM_LATENCY_MS = 1500;
const GAUGE_POLL_MS = 20;

export async function measureScaleOut(
  profile: ScaleOutProfile,
  nextColdQuestion: () => string,
  log: (line: string) => void = () => undefined,
): Promise<ScaleOutMeasurement> {
  const stage = await bootBenchStage('single-flight', {
    replicas: profile.replicas,
    narratorMaxConcurrency: profile.narratorLimit,
    // The simulator has room for every admitted call at once: only the replicas' own limit refuses.
    env: { OLLAMA_NUM_PARALLEL: '64', SIM_LATENCY_MS: String(LLM_LATENCY_MS), SIM_TOKENS_PER_SECOND: '0' },
  });
  try {
    log(`scale-out stage (${profile.replicas} replicas) up in ${stage.bootMs} ms`);
    const bursts: BurstMeasurement[] = [];
    for (const size of profile.burstSizes)
      for (let rep = 0; rep < profile.repetitions; rep++) {
        const measured = await measureBurst(stage, size, nextColdQuestion(), `scale-${size}-${rep}`);
        bursts.push(measured);
        log(
          `scale-out single-flight ${size}: ${measured.heavyExecutions} executions over ${measured.replicas} replicas`,
        );
      }
    const narrator: NarratorLimitMeasurement[] = [];
    for (let rep = 0; rep < profile.repetitions; rep++) {
      const measured = await measureNarratorLimit(
        stage,
        profile.narratorAsks,
        profile.narratorLimit,
        `s${rep}`,
      );
      narrator.push(measured);
      log(
        `scale-out narrator: at most ${Math.max(0, ...Object.values(measured.narratedByReplica))} narrated on one replica (limit ${profile.narratorLimit}), peak in flight ${measured.peakInFlight}, ${measured.overload} refused`,
      );
    }
    return { replicas: profile.replicas, bootMs: stage.bootMs, bursts, narrator };
  } finally {
    await stage.teardown();
  }
}

export async function measureNarratorLimit(
  stage: BenchStage,
  asks: number,
  limit: number,
  tag: string,
): Promise<NarratorLimitMeasurement> {
  const questions = saturationQuestions([...DEFAULT_LLM_QUESTIONS], asks, `${tag}${Date.now()}`);
  const requests = questions.map((question, index) => ({
    method: 'POST' as const,
    path: ROUTES.ask,
    body: askBody(question, `narrator-${tag}-${index + 1}`),
  }));
  const reader = stage.driver.metrics()!;
  let sampling = true;
  let peakInFlight = 0;
  let gaugeSamples = 0;
  const sampler = (async () => {
    while (sampling) {
      const perReplica = await reader.perReplica(METRICS.narratorInFlight).catch(() => undefined);
      if (perReplica) {
        gaugeSamples++;
        for (const value of perReplica.values()) peakInFlight = Math.max(peakInFlight, value);
      }
      await new Promise((resolve) => setTimeout(resolve, GAUGE_POLL_MS));
    }
  })();
  const burst = await fireBurst({ baseUrl: stage.gatewayUrl, requests, timeoutMs: 60_000 }).finally(() => {
    sampling = false;
  });
  await sampler;

  const narratedByReplica: Record<string, number> = {};
  let overload = 0;
  const failures: string[] = [];
  for (const exchange of burst.exchanges) {
    const json = exchange.json as
      | { error?: string; meta?: { narrative_overload?: boolean; narrator?: { outcome?: string } } }
      | undefined;
    const outcome = json?.meta?.narrator?.outcome;
    if (json?.error === LLM_LIMITED_ERROR || json?.meta?.narrative_overload === true) overload++;
    else if (exchange.status === 200 && outcome === 'ok') {
      const replica = exchange.headers[REPLICA_HEADER] ?? '(no replica header)';
      narratedByReplica[replica] = (narratedByReplica[replica] ?? 0) + 1;
    } else failures.push(exchange.error ?? `HTTP ${exchange.status}, narrator ${outcome ?? 'n/a'}`);
  }
  return {
    asks,
    limit,
    narratedByReplica,
    overload,
    failures: failures.length,
    ...(failures[0] ? { firstFailure: failures[0] } : {}),
    peakInFlight,
    gaugeSamples,
    ...(burst.dispatchSpreadMs === undefined ? {} : { dispatchSpreadMs: burst.dispatchSpreadMs }),
  };
}

export const SCALE_OUT_SECTION =
  'Scale-out: 10 replicas on the local stage (single-flight and narrator limit)';

export function recordScaleOutFigures(book: FigureBook, measurement: ScaleOutMeasurement): void {
  const section = SCALE_OUT_SECTION.replace('10', String(measurement.replicas));
  book.add(
    { id: 'scale-out.boot', section, label: `boot of ${measurement.replicas} replicas`, unit: 'ms' },
    measurement.bootMs,
  );
  for (const m of measurement.bursts) {
    const id = `scale-out.burst-${m.size}`;
    book.add(
      {
        id: `${id}.heavy-executions`,
        section,
        label: `heavy executions, ${m.size} identical asks`,
        unit: 'count',
        target: TARGETS.exactlyOne,
      },
      m.heavyExecutions,
    );
    book.add(
      { id: `${id}.replicas`, section, label: `replicas that answered, ${m.size} asks`, unit: 'count' },
      m.replicas,
    );
    book.add({ id: `${id}.total`, section, label: `total time, ${m.size} asks`, unit: 'ms' }, m.totalMs);
    book.add(
      { id: `${id}.failures`, section, label: `failed answers, ${m.size} asks`, unit: 'count' },
      m.failures,
    );
  }
  for (const m of measurement.narrator) {
    const label = (text: string) => `${text}, ${m.asks} distinct LLM asks (limit ${m.limit} per replica)`;
    const perReplica = Object.values(m.narratedByReplica);
    book.add(
      {
        id: 'scale-out.narrator.max-narrated-per-replica',
        section,
        label: label('most LLM calls narrated by one replica'),
        unit: 'count',
        target: atMostEveryTime(m.limit),
      },
      Math.max(0, ...perReplica),
    );
    book.add(
      {
        id: 'scale-out.narrator.peak-in-flight',
        section,
        label: label('peak LLM calls in flight on one replica (gauge, sampled)'),
        unit: 'count',
        target: atMostEveryTime(m.limit),
      },
      m.gaugeSamples > 0 ? m.peakInFlight : undefined,
    );
    book.add(
      {
        id: 'scale-out.narrator.replicas-narrating',
        section,
        label: label('replicas that narrated'),
        unit: 'count',
      },
      perReplica.length,
    );
    book.add(
      {
        id: 'scale-out.narrator.overload',
        section,
        label: label('answers refused (overload)'),
        unit: 'count',
      },
      m.overload,
    );
    book.add(
      { id: 'scale-out.narrator.failures', section, label: label('other failures'), unit: 'count' },
      m.failures,
    );
  }
}
