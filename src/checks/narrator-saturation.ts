/**
 * `narrator-saturation`: two bursts of distinct LLM-bound questions of several shapes (explain, compare,
 * why, long free text; each tagged with the run, so no two coalesce and none is served from an earlier
 * run's cache) fired at once, the second after the first has ended. The narrator limit must show: some
 * answers carry the overload flag or the `llm_concurrency_limited` error, and are refused fast; the
 * narrations in flight never exceed limit × replicas (from timing, and from the stage's high-watermark
 * where exposed); the LLM is called no more often than answers were narrated (a refused ask must not
 * reach it); the overload counter grows by at least the refusals seen; the second burst narrates again
 * (permits are released); every request completes within the timeout; `/healthz`, probed throughout,
 * keeps answering fast.
 */
import { pause } from '../kit/poll.js';
import { OPTIONAL_METRICS, ROUTES, type AskRequest, type ErrorCode } from '../contract/index.js';
import type { Evidence } from '../report/model.js';
import { formatSeconds } from '../kit/duration.js';
import {
  readAskAnswer,
  readHealthz,
  readPath,
  summarizeProblems,
  type AskAnswer,
  type HealthzReading,
} from './ask-answer.js';
import { measured, type Check, type CheckContext, type CheckOutcome } from './check-context.js';
import { localize, ms, type Language } from './localize.js';
import { metricEvidence, metricEvidenceMissingText, notCrossCheckedText } from './metric-evidence.js';
import { bounded, counterIncrease, metricsOf, readCounter, type CounterReading } from './stage-metrics.js';
import { maxOf, percentile } from './stats.js';
import { narrationsInFlight, type InFlightEstimate } from './narrations-in-flight.js';

/** The error code of a request refused because the narrator is saturated. */
export const LLM_LIMITED_ERROR = 'llm_concurrency_limited' satisfies ErrorCode;
const OVERLOAD_OUTCOME = 'overload';
/** The counter's outcomes of a call that reached the LLM (a refusal by the limiter is `overload`). */
const LLM_CALL_OUTCOMES = ['ok', 'error', 'timeout'] as const;
const PROBE_INTERVAL_MS = 100;
const READ_TIMEOUT_MS = 10_000;

/**
 * The burst's questions: the configured ones in turn, each tagged with the run and its position. A later
 * round (`round` 2) starts further down the list, so it asks other shapes, under other tags.
 */
export function saturationQuestions(
  questions: string[],
  count: number,
  runToken: string,
  round = 1,
): string[] {
  const offset = (round - 1) * count;
  const tag = round === 1 ? runToken : `${runToken}-r${round}`;
  return Array.from({ length: count }, (_, index) => {
    const base = questions[(offset + index) % questions.length]!;
    return `${base} [stagegate ${tag}-${index + 1}]`;
  });
}

/** A narrated answer that says the LLM wrote it (or does not say how it was narrated). */
function narratedByLlm(answer: AskAnswer): boolean {
  const source = readPath(answer.exchange.json, 'meta.narrator.source');
  return source === undefined || source === 'llm';
}

function isOverloadAnswer(answer: AskAnswer): boolean {
  return answer.overload === true || answer.error === LLM_LIMITED_ERROR;
}

export interface NarratorSaturationInput {
  answers: AskAnswer[];
  probes: HealthzReading[];
  timeoutMs: number;
  healthzBudgetMs: number;
  narratorMaxConcurrency: number;
  replicas: number;
  /** False when the driver offers no metrics source at all (an external stage without prometheus-url). */
  metricsOffered: boolean;
  overloadBefore: CounterReading;
  overloadAfter: CounterReading;
  dispatchSpreadMs?: number;
  language: Language;
  /** The second burst, fired after the first ended: it must narrate again (permits released). */
  secondAnswers?: AskAnswer[];
  /** Refusals must come back within this (they must not wait in a queue first). */
  refusalBudgetMs?: number;
  /** Calls that reached the LLM over both bursts (counter outcomes ok, error, timeout); undefined: not read. */
  llmCallsIncrease?: number;
  /** The stage's high-watermark of narrations in flight, per replica, after the bursts; undefined: not read. */
  inFlightHighWatermark?: Map<string, number>;
  /** Why the high-watermark was not read (absent, or no source). */
  inFlightHighWatermarkNote?: string;
}

/** The answers of one burst, sorted by what they say. */
function sortAnswers(answers: AskAnswer[]) {
  const timedOut = answers.filter((answer) => answer.exchange.timedOut);
  const overloaded = answers.filter(
    (answer) => !answer.exchange.timedOut && answer.problem === undefined && isOverloadAnswer(answer),
  );
  const failed = answers.filter(
    (answer) =>
      !answer.exchange.timedOut &&
      (answer.problem !== undefined || (answer.error !== undefined && answer.error !== LLM_LIMITED_ERROR)),
  );
  const answered = answers.filter(
    (answer) => !timedOut.includes(answer) && !failed.includes(answer) && !overloaded.includes(answer),
  );
  return { timedOut, overloaded, failed, answered, narrated: answered.filter(narratedByLlm) };
}

function describeInFlight(estimate: InFlightEstimate): string {
  const perReplica = [...estimate.perReplica.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([replica, count]) => `${replica} ${count}`)
    .join(', ');
  return `${estimate.total}${perReplica ? ` (${perReplica})` : ''}`;
}

export function decideNarratorSaturation(input: NarratorSaturationInput): CheckOutcome {
  const say = localize(input.language);
  const first = sortAnswers(input.answers);
  const second = input.secondAnswers ? sortAnswers(input.secondAnswers) : undefined;
  const all = [...input.answers, ...(input.secondAnswers ?? [])];
  const total = input.answers.length;
  const sent = all.length;
  const timedOut = [...first.timedOut, ...(second?.timedOut ?? [])];
  const failed = [...first.failed, ...(second?.failed ?? [])];
  const overloaded = [...first.overloaded, ...(second?.overloaded ?? [])];
  const narrated = [...first.narrated, ...(second?.narrated ?? [])];
  const answered = first.answered;
  const keys = all.map((answer) => answer.cacheKey).filter((key): key is string => !!key);
  const coalesced = keys.length - new Set(keys).size;
  const probeOk = input.probes.filter((probe) => probe.ok);
  const probeLatencies = probeOk.map((probe) => probe.exchange.durationMs);
  const probeMax = maxOf(probeLatencies);
  const probeFailures = input.probes.filter((probe) => !probe.ok);
  const increase = counterIncrease(input.overloadBefore, input.overloadAfter);
  const latencies = all.map((answer) => answer.exchange.durationMs);
  const refusalMax = maxOf(overloaded.map((answer) => answer.exchange.durationMs));
  const limit = input.narratorMaxConcurrency;
  const capacity = limit * input.replicas;
  // Each burst is timed from its own origin: the most in flight is the larger of the two.
  const inFlight = [first, ...(second ? [second] : [])]
    .map((burst) => narrationsInFlight(burst.narrated))
    .reduce((a, b) => (b.total > a.total ? b : a));
  const watermark = input.inFlightHighWatermark;
  const watermarkMax = watermark ? maxOf([...watermark.values()]) : undefined;
  const proof = metricEvidence(say, input.overloadBefore, input.overloadAfter);
  const metricMissing = proof.kind === 'missing' ? proof.why : undefined;
  // Missing evidence is said once, by the rule's own words, at the head of the reason.
  const metricText =
    metricMissing === undefined ? `${input.overloadAfter.metric}{outcome="overload"} +${increase}` : '';
  const watermarkText =
    watermark && watermark.size > 0
      ? `${OPTIONAL_METRICS.narratorInFlightMax} max ${watermarkMax} (${[...watermark.entries()].map(([replica, value]) => `${replica} ${value}`).join(', ')})`
      : `${notCrossCheckedText(OPTIONAL_METRICS.narratorInFlightMax, say)}${input.inFlightHighWatermarkNote ? ` (${input.inFlightHighWatermarkNote})` : ''}`;

  const evidence: Evidence[] = [
    {
      kind: 'facts',
      title: say('Rajadas de perguntas para o LLM', 'Bursts of LLM-bound questions'),
      facts: [
        { label: say('perguntas distintas', 'distinct questions'), value: total },
        {
          label: say('limite do narrador por réplica', 'narrator limit per replica'),
          value: limit === 0 ? say('sem limite', 'none') : limit,
        },
        { label: say('dispersão do disparo', 'dispatch spread'), value: ms(input.dispatchSpreadMs) },
        { label: say('respondidas pelo narrador', 'answered by the narrator'), value: answered.length },
        {
          label: say(
            'sobrecarga (overload ou llm_concurrency_limited)',
            'overload (flag or llm_concurrency_limited)',
          ),
          value: first.overloaded.length,
        },
        { label: say('outras falhas', 'other failures'), value: first.failed.length },
        {
          label: say(
            `sem resposta em ${formatSeconds(input.timeoutMs)}`,
            `no answer within ${formatSeconds(input.timeoutMs)}`,
          ),
          value: first.timedOut.length,
        },
        ...(second
          ? [
              {
                label: say('segunda rajada: narradas / sobrecarga', 'second burst: narrated / overload'),
                value: `${second.narrated.length} / ${second.overloaded.length} (${input.secondAnswers!.length})`,
              },
            ]
          : []),
        {
          label: say('latência p50 / max', 'latency p50 / max'),
          value: `${ms(percentile(latencies, 50))} / ${ms(maxOf(latencies))}`,
        },
        {
          label: say('recusas: mais lenta (limite)', 'refusals: slowest (bound)'),
          value: `${ms(refusalMax)}${input.refusalBudgetMs !== undefined ? ` (${ms(input.refusalBudgetMs)})` : ''}`,
        },
        {
          label: say(
            `narrações simultâneas pelo tempo (${inFlight.basis === 'llm_ms' ? 'llm_ms' : 'requisição'})`,
            `narrations in flight by timing (${inFlight.basis === 'llm_ms' ? 'llm_ms' : 'request'})`,
          ),
          value: `${describeInFlight(inFlight)}; ${say('capacidade', 'capacity')} ${limit === 0 ? '∞' : `${limit} × ${input.replicas} = ${capacity}`}`,
        },
        { label: say('pico nas métricas', 'peak by the metrics'), value: watermarkText },
        {
          label: say('chamadas ao LLM (contador) / narradas', 'LLM calls (counter) / narrated'),
          value: `${input.llmCallsIncrease ?? '?'} / ${narrated.length}`,
        },
        { label: say('perguntas que coalesceram', 'questions that coalesced'), value: coalesced },
        {
          label: say('sondas /healthz durante as rajadas', '/healthz probes during the bursts'),
          value: `${probeOk.length}/${input.probes.length} ok, p50 ${ms(percentile(probeLatencies, 50))}, max ${ms(probeMax)} (${say('orçamento', 'budget')} ${ms(input.healthzBudgetMs)})`,
        },
        { label: say('métrica', 'metric'), value: metricMissing ?? metricText },
      ],
    },
    {
      kind: 'chart',
      title: say(`Resultado das ${sent} perguntas das rajadas`, `Outcome of the bursts' ${sent} asks`),
      chart: {
        type: 'pie',
        slices: [
          {
            label: say('respondidas', 'answered'),
            value: sent - overloaded.length - failed.length - timedOut.length,
          },
          { label: say('sobrecarga', 'overload'), value: overloaded.length },
          { label: say('outras falhas', 'other failures'), value: failed.length },
          { label: say('sem resposta a tempo', 'no answer in time'), value: timedOut.length },
        ],
      },
    },
    {
      kind: 'table',
      title: say('Cada resposta', 'Each answer'),
      columns: [
        '#',
        say('réplica', 'replica'),
        'overload',
        say('erro', 'error'),
        say('narrador', 'narrator'),
        say('latência', 'latency'),
        say('problema', 'problem'),
      ],
      rows: all.map((answer, index) => [
        index < total ? index + 1 : `2.${index - total + 1}`,
        answer.replica ?? '?',
        answer.overload === undefined ? '?' : answer.overload,
        answer.error ?? '',
        String(readPath(answer.exchange.json, 'meta.narrator.outcome') ?? ''),
        ms(answer.exchange.durationMs),
        answer.problem ?? '',
      ]),
    },
  ];
  const measures = measured({ overloads: first.overloaded.length, slowestHealthzMs: probeMax });
  const fail = (reason: string): CheckOutcome => ({ status: 'fail', reason, evidence, measures });
  const warn = (reason: string): CheckOutcome => ({ status: 'warn', reason, evidence, measures });

  if (timedOut.length > 0)
    return fail(
      say(
        `${timedOut.length}/${sent} perguntas não terminaram em ${formatSeconds(input.timeoutMs)}: ${summarizeProblems(timedOut.map((answer) => answer.problem ?? '?'))}`,
        `${timedOut.length}/${sent} asks did not complete within ${formatSeconds(input.timeoutMs)}: ${summarizeProblems(timedOut.map((answer) => answer.problem ?? '?'))}`,
      ),
    );
  if (failed.length > 0) {
    const problems = summarizeProblems(
      failed.map((answer) => answer.problem ?? `${say('erro', 'error')} ${answer.error}`),
    );
    return fail(
      say(
        `${failed.length}/${sent} perguntas falharam fora da sobrecarga prevista: ${problems}`,
        `${failed.length}/${sent} asks failed outside the designed overload: ${problems}`,
      ),
    );
  }
  if (probeFailures.length > 0)
    return fail(
      say(
        `/healthz falhou durante a rajada (${probeFailures.length}/${input.probes.length}): ${summarizeProblems(probeFailures.map((probe) => probe.problem ?? '?'))}`,
        `/healthz failed during the burst (${probeFailures.length}/${input.probes.length}): ${summarizeProblems(probeFailures.map((probe) => probe.problem ?? '?'))}`,
      ),
    );
  if (probeMax !== undefined && probeMax > input.healthzBudgetMs)
    return fail(
      say(
        `/healthz ficou lento durante a rajada: max ${ms(probeMax)} acima de ${ms(input.healthzBudgetMs)}`,
        `/healthz slowed down during the burst: max ${ms(probeMax)} above ${ms(input.healthzBudgetMs)}`,
      ),
    );
  if (first.overloaded.length === 0) {
    if (limit > 0 && total <= capacity)
      return warn(
        say(
          `nenhuma sobrecarga, mas a rajada (${total}) não passa da capacidade do narrador (${limit} × ${input.replicas} réplicas): aumente narrator-burst`,
          `no overload, but the burst (${total}) does not exceed the narrator's capacity (${limit} × ${input.replicas} replicas): raise narrator-burst`,
        ),
      );
    return fail(
      say(
        `nenhuma das ${total} perguntas simultâneas ao LLM foi recusada ou degradada: o limite do narrador não está em vigor`,
        `none of the ${total} simultaneous LLM-bound asks was refused or degraded: the narrator limit is not enforced`,
      ),
    );
  }
  if (input.refusalBudgetMs !== undefined && refusalMax !== undefined && refusalMax > input.refusalBudgetMs)
    return fail(
      say(
        `recusas lentas: a mais lenta das ${overloaded.length} recusas levou ${ms(refusalMax)}, acima de ${ms(input.refusalBudgetMs)} (esperam numa fila antes de ouvir "sobrecarga")`,
        `slow refusals: the slowest of ${overloaded.length} refusals took ${ms(refusalMax)}, above ${ms(input.refusalBudgetMs)} (they wait in a queue before being told "overload")`,
      ),
    );
  if (limit > 0) {
    const overReplica = [...inFlight.perReplica.entries()].filter(([, count]) => count > limit);
    if (overReplica.length > 0 || inFlight.total > capacity)
      return fail(
        say(
          `narrações simultâneas acima do limite pelo tempo: ${describeInFlight(inFlight)}, limite ${limit} por réplica (${limit} × ${input.replicas} = ${capacity})`,
          `narrations in flight above the limit by timing: ${describeInFlight(inFlight)}, limit ${limit} per replica (${limit} × ${input.replicas} = ${capacity})`,
        ),
      );
    if (watermark && watermarkMax !== undefined && watermarkMax > limit)
      return fail(
        say(
          `a própria métrica do stage mostra narrações acima do limite: ${watermarkText}, limite ${limit} por réplica`,
          `the stage's own metric shows narrations above the limit: ${watermarkText}, limit ${limit} per replica`,
        ),
      );
  }
  if (input.llmCallsIncrease !== undefined && input.llmCallsIncrease > narrated.length)
    return fail(
      say(
        `o LLM foi chamado ${input.llmCallsIncrease} vezes para ${narrated.length} respostas narradas: ${input.llmCallsIncrease - narrated.length} perguntas recusadas (ou sinalizadas como sobrecarga) chegaram ao LLM`,
        `the LLM was called ${input.llmCallsIncrease} times for ${narrated.length} narrated answers: ${input.llmCallsIncrease - narrated.length} asks refused (or flagged as overload) still reached the LLM`,
      ),
    );
  if (increase !== undefined && metricMissing === undefined && increase < overloaded.length)
    return fail(
      say(
        `as respostas mostram ${overloaded.length} sobrecargas, mas ${input.overloadAfter.metric}{outcome="overload"} cresceu só +${increase}: a métrica não conta as recusas`,
        `the answers show ${overloaded.length} overloads, but ${input.overloadAfter.metric}{outcome="overload"} grew only +${increase}: the metric does not count the refusals`,
      ),
    );
  if (second && second.narrated.length === 0)
    return fail(
      say(
        `a segunda rajada, depois da primeira, não teve nenhuma pergunta narrada (${second.overloaded.length}/${input.secondAnswers!.length} recusadas): as vagas do narrador não são liberadas`,
        `the second burst, after the first had ended, got no ask narrated (${second.overloaded.length}/${input.secondAnswers!.length} refused): the narrator's permits are not released`,
      ),
    );
  const summary = say(
    `${first.overloaded.length}/${total} perguntas simultâneas ao LLM sinalizaram sobrecarga e ${answered.length} foram respondidas, todas em ${formatSeconds(input.timeoutMs)}; recusas em até ${ms(refusalMax)}; no máximo ${inFlight.total} narrações simultâneas (capacidade ${limit === 0 ? '∞' : capacity})${second ? `; a segunda rajada narrou ${second.narrated.length}` : ''}; /healthz max ${ms(probeMax)} durante as rajadas${metricText ? `; ${metricText}` : ''}`,
    `${first.overloaded.length}/${total} simultaneous LLM-bound asks signalled overload and ${answered.length} were answered, all within ${formatSeconds(input.timeoutMs)}; refusals within ${ms(refusalMax)}; at most ${inFlight.total} narrations in flight (capacity ${limit === 0 ? '∞' : capacity})${second ? `; the second burst narrated ${second.narrated.length}` : ''}; /healthz max ${ms(probeMax)} during the bursts${metricText ? `; ${metricText}` : ''}`,
  );
  if (proof.kind === 'missing')
    return {
      ...warn(`${metricEvidenceMissingText(proof.why, say)}; ${summary}`),
      metricEvidenceMissing: proof.why,
    };
  if (increase === undefined || increase <= 0)
    return warn(
      say(
        `${summary}: a métrica não confirma a sobrecarga`,
        `${summary}: the metric does not confirm the overload`,
      ),
    );
  if (answered.length === 0)
    return warn(
      say(`${summary}: nenhuma pergunta chegou a ser narrada`, `${summary}: no ask was narrated at all`),
    );
  if (coalesced > 0)
    return warn(
      say(
        `${summary}; ${coalesced} perguntas coalesceram (não eram distintas para o stage)`,
        `${summary}; ${coalesced} asks coalesced (not distinct to the stage)`,
      ),
    );
  const notCrossChecked = watermark && watermark.size > 0 ? '' : `; ${watermarkText}`;
  return { status: 'pass', reason: `${summary}${notCrossChecked}`, evidence, measures };
}

/** GET /healthz one after another until `stop` resolves; each probe bounded by `timeoutMs`. */
async function probeHealthzUntil(
  context: CheckContext,
  stop: Promise<void>,
  timeoutMs: number,
): Promise<HealthzReading[]> {
  const readings: HealthzReading[] = [];
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  do {
    const exchange = await context.http.get(ROUTES.healthz, { timeoutMs });
    readings.push(readHealthz(exchange, context.options.replicaHeader, localize(context.options.language)));
    if (stopped || context.signal.aborted) break;
    await pause(PROBE_INTERVAL_MS, context.signal);
  } while (!stopped && !context.signal.aborted);
  return readings;
}

/** The burst's asks: distinct questions from distinct clients, so none coalesces with another. */
function burstRequests(questions: string[], runToken: string, round: number) {
  return questions.map((question, index) => {
    const id = `gate-${runToken}-ns${round === 1 ? '' : round}-${index + 1}`;
    const body: AskRequest = { question, conversation_id: id, client_id: id, nickname: 'stagegate' };
    return { method: 'POST' as const, path: ROUTES.ask, body };
  });
}

/** One burst with /healthz probed all along; the probes are bounded like the burst's requests. */
async function burstWithProbes(context: CheckContext, round: number) {
  const { options, runToken } = context;
  const questions = saturationQuestions(options.llmQuestions, options.narratorBurst, runToken, round);
  let finishBurst: () => void = () => undefined;
  const burstDone = new Promise<void>((resolve) => {
    finishBurst = resolve;
  });
  // A probe slower than twice the budget is cut off: it already fails the check, no need to wait longer.
  const probing = probeHealthzUntil(
    context,
    burstDone,
    Math.min(options.requestTimeoutSeconds * 1000, options.healthzLatencyBudgetMs * 2),
  );
  const burst = await context.burst(burstRequests(questions, runToken, round)).finally(finishBurst);
  const probes = await probing;
  const answers = burst.exchanges.map((exchange) => readAskAnswer(exchange, options, ['answer', 'overload']));
  return { burst, probes, answers };
}

/** The counters this check reads, before or after the bursts. */
async function readNarratorCounters(context: CheckContext) {
  const reader = metricsOf(context.driver);
  const metric = context.options.narratorRequestsMetric;
  const overload = await readCounter(reader, metric, { outcome: OVERLOAD_OUTCOME });
  // readCounter settled the source just now: the other outcomes are read without waiting again.
  let llmCalls: number | undefined;
  let watermark: Map<string, number> | undefined;
  let watermarkNote: string | undefined;
  if (reader && overload.reachable) {
    try {
      const values = await Promise.all(
        LLM_CALL_OUTCOMES.map((outcome) => bounded(reader.sum(metric, { outcome }), READ_TIMEOUT_MS, 'read')),
      );
      llmCalls = values.every((value) => value === undefined)
        ? undefined
        : values.reduce<number>((sum, value) => sum + (value ?? 0), 0);
      const peaks = await bounded(
        reader.perReplica(OPTIONAL_METRICS.narratorInFlightMax),
        READ_TIMEOUT_MS,
        'read',
      );
      watermark = peaks.size > 0 ? peaks : undefined;
    } catch (error) {
      watermarkNote = (error as Error).message;
    }
  } else
    watermarkNote = reader
      ? undefined
      : localize(context.options.language)('sem fonte de métricas', 'no metrics source');
  return { reader, overload, llmCalls, watermark, watermarkNote };
}

export const narratorSaturationCheck: Check = async (context) => {
  const { options, logger } = context;
  const before = await readNarratorCounters(context);
  logger.info(
    `narrator-saturation: 2 bursts of ${options.narratorBurst} distinct LLM-bound asks at once, /healthz probed every ${PROBE_INTERVAL_MS} ms`,
  );
  const first = await burstWithProbes(context, 1);
  const second = await burstWithProbes(context, 2);
  const after = await readNarratorCounters(context);
  const llmCallsIncrease = after.llmCalls !== undefined ? after.llmCalls - (before.llmCalls ?? 0) : undefined;
  const outcome = decideNarratorSaturation({
    answers: first.answers,
    secondAnswers: second.answers,
    probes: [...first.probes, ...second.probes],
    timeoutMs: options.requestTimeoutSeconds * 1000,
    healthzBudgetMs: options.healthzLatencyBudgetMs,
    // A refusal is about as cheap as a health check: it must come back within twice its budget.
    refusalBudgetMs: options.healthzLatencyBudgetMs * 2,
    narratorMaxConcurrency: options.narratorMaxConcurrency,
    replicas: options.replicas,
    metricsOffered: before.reader !== undefined,
    overloadBefore: before.overload,
    overloadAfter: after.overload,
    llmCallsIncrease,
    inFlightHighWatermark: after.watermark,
    inFlightHighWatermarkNote: after.watermarkNote,
    dispatchSpreadMs: first.burst.dispatchSpreadMs,
    language: options.language,
  });
  return { id: 'narrator-saturation', ...outcome, durationMs: 0 };
};
