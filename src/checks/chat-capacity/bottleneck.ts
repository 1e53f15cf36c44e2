/**
 * What saturated first, named from the stage's own metrics at the first level that failed (compared with
 * the highest level that held, where one did), and whether that calls for phase B — and which part of
 * it. Each finding carries the numbers it rests on; a stage whose metrics cannot tell gets "not
 * identifiable", with the metric that would make it identifiable, never a guess.
 */
import type { Say } from '../../report/language.js';
import { SIGNAL_METRIC, type SignalId, type Signals } from './stage-signals.js';
import type { StepResult } from './step-judge.js';

export type BottleneckPart = 'narrator' | 'llm' | 'plan-cache' | 'gateway' | 'cpu';

export type Bottleneck =
  | { kind: 'named'; part: BottleneckPart; evidence: string }
  /** No metric (or none that moved) could tell; `missing`: the metrics that would. */
  | { kind: 'not-identifiable'; missing: string[]; why: string }
  /** No level failed: nothing saturated within the search. */
  | { kind: 'none-reached' };

export interface PhaseB {
  calledFor: boolean;
  /** Which part of phase B: a queue or workers, streaming; empty when not called for. */
  parts: Array<'queue-or-workers' | 'streaming'>;
  line: string;
}

/** Share of the SLO, per ask, that a wait must reach to count as what saturated. */
const WAIT_SHARE_OF_SLO = 0.1;
/** The LLM's mean call time at the failing level against the held one, to count as slowed by load. */
const LLM_SLOWDOWN = 1.5;
/** Redis' mean command time at the failing level against the held one (and at least this many ms). */
const REDIS_SLOWDOWN = 3;
const REDIS_MIN_MEAN_MS = 5;
const CPU_BUSY_SHARE = 0.85;
const LAG_LIMIT_SECONDS = 0.1;
/** The LLM's share of a narrated answer's latency above which streaming is what would help. */
const STREAMING_SHARE = 0.5;

const meanMs = (seconds: number | undefined, count: number | undefined) =>
  seconds !== undefined && count !== undefined && count > 0 ? (seconds / count) * 1000 : undefined;

const round = (value: number) => Math.round(value);

export interface BottleneckInput {
  failing?: StepResult;
  failingSignals: Signals;
  held?: StepResult;
  heldSignals: Signals;
  sloMs: number;
  /** Why no metrics could be read at all (no source, unreachable), in words; undefined when read. */
  metricsUnread?: string;
  say: Say;
}

export function findBottleneck(input: BottleneckInput): Bottleneck {
  const { failing, say } = input;
  if (!failing) return { kind: 'none-reached' };
  const s = input.failingSignals;
  const h = input.heldSignals;
  const asks = Math.max(1, failing.sent);
  const seconds = Math.max(0.001, failing.durationMs / 1000);
  const missing = (Object.keys(SIGNAL_METRIC) as SignalId[])
    .filter((id) => s[id] === undefined)
    .map((id) => SIGNAL_METRIC[id]);
  if (input.metricsUnread)
    return {
      kind: 'not-identifiable',
      missing: [...new Set(Object.values(SIGNAL_METRIC))],
      why: input.metricsUnread,
    };

  const permitPerAskMs = s.permitWaitSeconds !== undefined ? (s.permitWaitSeconds * 1000) / asks : undefined;
  const llmMean = meanMs(s.llmSeconds, s.llmCalls);
  const llmMeanHeld = meanMs(h.llmSeconds, h.llmCalls);
  const llmSlowed =
    llmMean !== undefined && llmMeanHeld !== undefined && llmMean >= LLM_SLOWDOWN * llmMeanHeld;
  // What made the answers fail decides between the two: refusals (degraded answers) are the
  // semaphore's; late answers while the LLM's own calls slowed down are the backend's, even when the
  // permits those slow calls held made the semaphore refuse some too.
  const lateFromLlm = llmSlowed && failing.counts.late > failing.counts.degraded;
  if (
    (!lateFromLlm && (s.narratorOverloads ?? 0) > (s.llmBusy ?? 0)) ||
    (permitPerAskMs ?? 0) >= WAIT_SHARE_OF_SLO * input.sloMs
  )
    return {
      kind: 'named',
      part: 'narrator',
      evidence:
        permitPerAskMs === undefined
          ? say(
              `semáforo do narrador: ${s.narratorOverloads ?? 0} sobrecargas (${SIGNAL_METRIC.narratorOverloads}); espera por vaga não verificada: ${SIGNAL_METRIC.permitWaitSeconds} não exposta`,
              `narrator semaphore: ${s.narratorOverloads ?? 0} overloads (${SIGNAL_METRIC.narratorOverloads}); permit wait not cross-checked: ${SIGNAL_METRIC.permitWaitSeconds} not exposed`,
            )
          : say(
              `semáforo do narrador: ${s.narratorOverloads ?? 0} sobrecargas e ${round(permitPerAskMs)} ms por pergunta esperando uma vaga (${SIGNAL_METRIC.narratorOverloads}, ${SIGNAL_METRIC.permitWaitSeconds})`,
              `narrator semaphore: ${s.narratorOverloads ?? 0} overloads and ${round(permitPerAskMs)} ms per ask waiting for a permit (${SIGNAL_METRIC.narratorOverloads}, ${SIGNAL_METRIC.permitWaitSeconds})`,
            ),
    };

  const llmTrouble = (s.llmBusy ?? 0) + (s.llmErrors ?? 0);
  if (llmTrouble > 0 || llmSlowed)
    return {
      kind: 'named',
      part: 'llm',
      evidence: say(
        `backend do LLM: ${s.llmBusy ?? 0} recusas "ocupado" (503), ${s.llmErrors ?? 0} erros, latência média ${llmMeanHeld === undefined ? '?' : round(llmMeanHeld)} → ${llmMean === undefined ? '?' : round(llmMean)} ms (${SIGNAL_METRIC.llmSeconds})`,
        `LLM backend: ${s.llmBusy ?? 0} "busy" refusals (503), ${s.llmErrors ?? 0} errors, mean latency ${llmMeanHeld === undefined ? '?' : round(llmMeanHeld)} → ${llmMean === undefined ? '?' : round(llmMean)} ms (${SIGNAL_METRIC.llmSeconds})`,
      ),
    };

  const redisMean = meanMs(s.redisSeconds, s.redisCommands);
  const redisMeanHeld = meanMs(h.redisSeconds, h.redisCommands);
  const sfWaitPerAskMs =
    s.singleFlightWaitSeconds !== undefined ? (s.singleFlightWaitSeconds * 1000) / asks : undefined;
  if (
    (redisMean !== undefined &&
      redisMean >= REDIS_MIN_MEAN_MS &&
      (redisMeanHeld === undefined || redisMean >= REDIS_SLOWDOWN * redisMeanHeld)) ||
    (sfWaitPerAskMs ?? 0) >= WAIT_SHARE_OF_SLO * input.sloMs
  )
    return {
      kind: 'named',
      part: 'plan-cache',
      evidence: say(
        `cache de planos / Redis: comando médio ${redisMeanHeld === undefined ? '?' : round(redisMeanHeld)} → ${redisMean === undefined ? '?' : round(redisMean)} ms, ${sfWaitPerAskMs === undefined ? '?' : round(sfWaitPerAskMs)} ms por pergunta esperando o single-flight (${SIGNAL_METRIC.redisSeconds}, ${SIGNAL_METRIC.singleFlightWaitSeconds})`,
        `plan cache / Redis: mean command ${redisMeanHeld === undefined ? '?' : round(redisMeanHeld)} → ${redisMean === undefined ? '?' : round(redisMean)} ms, ${sfWaitPerAskMs === undefined ? '?' : round(sfWaitPerAskMs)} ms per ask waiting on single-flight (${SIGNAL_METRIC.redisSeconds}, ${SIGNAL_METRIC.singleFlightWaitSeconds})`,
      ),
    };

  if ((s.gatewayQueue ?? 0) > 0)
    return {
      kind: 'named',
      part: 'gateway',
      evidence: say(
        `gateway: a fila do backend chegou a um novo máximo (+${s.gatewayQueue}) (${SIGNAL_METRIC.gatewayQueue})`,
        `gateway: its backend queue reached a new maximum (+${s.gatewayQueue}) (${SIGNAL_METRIC.gatewayQueue})`,
      ),
    };

  const cpuShare = s.maxReplicaCpuSeconds !== undefined ? s.maxReplicaCpuSeconds / seconds : undefined;
  if ((cpuShare ?? 0) >= CPU_BUSY_SHARE || (s.maxReplicaLagSeconds ?? 0) >= LAG_LIMIT_SECONDS)
    return {
      kind: 'named',
      part: 'cpu',
      evidence: say(
        `CPU das réplicas: a mais ocupada usou ${cpuShare === undefined ? '?' : round(cpuShare * 100)} % de um núcleo, lag p99 do event loop ${s.maxReplicaLagSeconds === undefined ? '?' : round(s.maxReplicaLagSeconds * 1000)} ms (${SIGNAL_METRIC.maxReplicaCpuSeconds}, ${SIGNAL_METRIC.maxReplicaLagSeconds})`,
        `replicas' CPU: the busiest used ${cpuShare === undefined ? '?' : round(cpuShare * 100)} % of a core, event-loop lag p99 ${s.maxReplicaLagSeconds === undefined ? '?' : round(s.maxReplicaLagSeconds * 1000)} ms (${SIGNAL_METRIC.maxReplicaCpuSeconds}, ${SIGNAL_METRIC.maxReplicaLagSeconds})`,
      ),
    };

  return {
    kind: 'not-identifiable',
    missing,
    why:
      missing.length === Object.keys(SIGNAL_METRIC).length
        ? say('o stage não expõe nenhuma dessas métricas', 'the stage exposes none of these metrics')
        : say(
            'nenhuma métrica exposta mostrou saturação neste nível',
            'no exposed metric showed saturation at this level',
          ),
  };
}

/** Mean of the narrated answers' LLM time over their latency, from what the answers themselves say. */
function llmShareOfNarrated(step: StepResult): number | undefined {
  const narrated = step.samples.filter(
    (sample) => sample.kind === 'narrated' && sample.llmMs !== undefined && sample.llmMs > 0,
  );
  if (narrated.length === 0) return undefined;
  const llm = narrated.reduce((sum, sample) => sum + (sample.llmMs ?? 0), 0);
  const total = narrated.reduce((sum, sample) => sum + sample.latencyMs, 0);
  return total > 0 ? llm / total : undefined;
}

function p95Of(step: StepResult, kind: 'public'): number | undefined {
  const latencies = step.samples
    .filter((sample) => sample.kind === kind && sample.answerClass !== 'no-answer')
    .map((sample) => sample.latencyMs)
    .sort((a, b) => a - b);
  return latencies.length === 0 ? undefined : latencies[Math.ceil(0.95 * latencies.length) - 1];
}

export function decidePhaseB(input: {
  bottleneck: Bottleneck;
  failing?: StepResult;
  held: number;
  sloMs: number;
  narratorLimit: number;
  say: Say;
}): PhaseB {
  const { bottleneck, failing, say } = input;
  if (bottleneck.kind === 'none-reached')
    return {
      calledFor: false,
      parts: [],
      line: say(
        `fase B não indicada pelas medidas: nenhum nível falhou (até ${input.held} usuários sustentados)`,
        `phase B not called for by the measures: no level failed (up to ${input.held} users held)`,
      ),
    };
  if (bottleneck.kind === 'not-identifiable' || !failing)
    return {
      calledFor: false,
      parts: [],
      line: say(
        'fase B: não dá para decidir — o gargalo não é identificável pelas métricas deste stage',
        'phase B: cannot be decided — the bottleneck is not identifiable from the metrics this stage exposes',
      ),
    };
  const share = llmShareOfNarrated(failing);
  const streaming = share !== undefined && share >= STREAMING_SHARE;
  const percent = share === undefined ? '?' : Math.round(share * 100);
  if (bottleneck.part === 'narrator' || bottleneck.part === 'llm') {
    const publicP95 = p95Of(failing, 'public');
    const cachedSlow = publicP95 !== undefined && publicP95 > input.sloMs;
    const parts: PhaseB['parts'] = ['queue-or-workers', ...(streaming ? (['streaming'] as const) : [])];
    const knob =
      bottleneck.part === 'narrator'
        ? say(
            ` (o limite do narrador, hoje ${input.narratorLimit} por réplica, é um ajuste que pode movê-lo: veja a comparação no bench)`,
            ` (the narrator limit, now ${input.narratorLimit} per replica, is a knob that may move it: compare in the bench)`,
          )
        : '';
    return {
      calledFor: true,
      parts,
      line: say(
        `fase B indicada: fila ou workers para o ${bottleneck.part === 'narrator' ? 'narrador' : 'LLM'}${streaming ? `, e streaming (o LLM leva ${percent} % de uma resposta narrada)` : ''}${cachedSlow ? `; perguntas em cache também ficaram lentas (p95 ${Math.round(publicP95)} ms)` : ''}${knob}`,
        `phase B called for: a queue or workers for the ${bottleneck.part === 'narrator' ? 'narrator' : 'LLM'}${streaming ? `, and streaming (the LLM takes ${percent} % of a narrated answer)` : ''}${cachedSlow ? `; cached questions slowed down too (p95 ${Math.round(publicP95)} ms)` : ''}${knob}`,
      ),
    };
  }
  if (streaming)
    return {
      calledFor: true,
      parts: ['streaming'],
      line: say(
        `fase B indicada: streaming — o LLM leva ${percent} % de uma resposta narrada (timings.llm_ms das respostas), qualquer que seja o limite visto`,
        `phase B called for: streaming — the LLM takes ${percent} % of a narrated answer (the answers' timings.llm_ms), whatever the limit seen`,
      ),
    };
  const part = {
    'plan-cache': say('o Redis / cache de planos', 'Redis / the plan cache'),
    gateway: say('o gateway', 'the gateway'),
    cpu: say('a CPU das réplicas (mais réplicas)', "the replicas' CPU (more replicas)"),
  }[bottleneck.part];
  return {
    calledFor: false,
    parts: [],
    line: say(
      `fase B não indicada: o limite é ${part}, que se resolve sem filas nem streaming`,
      `phase B not called for: the limit is ${part}, which is solved without queues or streaming`,
    ),
  };
}
