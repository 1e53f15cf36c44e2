/**
 * `narrator-saturation`: a burst of distinct LLM-bound questions (each tagged with the run, so no two
 * coalesce and none is served from an earlier run's cache) fired at once. The narrator limit must show:
 * some answers carry the overload flag or the `llm_concurrency_limited` error; every request completes
 * within the timeout; `/healthz`, probed throughout the burst, keeps answering fast; and the
 * `overload` outcome of the narrator's request counter grows (where metrics are reachable).
 */
import { pause } from '../kit/poll.js';
import { ROUTES, type AskRequest, type ErrorCode } from '../contract/index.js';
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
import { metricEvidence, metricEvidenceMissingText } from './metric-evidence.js';
import { counterIncrease, metricsOf, readCounter, type CounterReading } from './stage-metrics.js';
import { describeMetricsFailure, describeMetricsSource } from '../stage/stage-words.js';
import { maxOf, percentile } from './stats.js';

/** The error code of a request refused because the narrator is saturated. */
export const LLM_LIMITED_ERROR = 'llm_concurrency_limited' satisfies ErrorCode;
const OVERLOAD_OUTCOME = 'overload';
const PROBE_INTERVAL_MS = 100;

/** The burst's questions: the configured ones in turn, each tagged with the run and its position. */
export function saturationQuestions(questions: string[], count: number, runToken: string): string[] {
  return Array.from({ length: count }, (_, index) => {
    const base = questions[index % questions.length]!;
    return `${base} [stagegate ${runToken}-${index + 1}]`;
  });
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
}

export function decideNarratorSaturation(input: NarratorSaturationInput): CheckOutcome {
  const say = localize(input.language);
  const total = input.answers.length;
  const timedOut = input.answers.filter((answer) => answer.exchange.timedOut);
  const overloaded = input.answers.filter(
    (answer) => !answer.exchange.timedOut && answer.problem === undefined && isOverloadAnswer(answer),
  );
  const failed = input.answers.filter(
    (answer) =>
      !answer.exchange.timedOut &&
      (answer.problem !== undefined || (answer.error !== undefined && answer.error !== LLM_LIMITED_ERROR)),
  );
  const answered = input.answers.filter(
    (answer) => !timedOut.includes(answer) && !failed.includes(answer) && !overloaded.includes(answer),
  );
  const keys = input.answers.map((answer) => answer.cacheKey).filter((key): key is string => !!key);
  const coalesced = keys.length - new Set(keys).size;
  const probeOk = input.probes.filter((probe) => probe.ok);
  const probeLatencies = probeOk.map((probe) => probe.exchange.durationMs);
  const probeMax = maxOf(probeLatencies);
  const probeFailures = input.probes.filter((probe) => !probe.ok);
  const increase = counterIncrease(input.overloadBefore, input.overloadAfter);
  const latencies = input.answers.map((answer) => answer.exchange.durationMs);
  const unread = input.overloadAfter.failure
    ? describeMetricsFailure(input.overloadAfter.failure, say)
    : describeMetricsSource(input.overloadAfter.source, say);
  const metricText = !input.overloadAfter.reachable
    ? say(`não lida (${unread})`, `not read (${unread})`)
    : input.overloadAfter.value === undefined
      ? say(
          `${input.overloadAfter.metric}{outcome="overload"} ausente`,
          `${input.overloadAfter.metric}{outcome="overload"} absent`,
        )
      : `${input.overloadAfter.metric}{outcome="overload"} +${increase}`;

  const evidence: Evidence[] = [
    {
      kind: 'facts',
      title: say('Rajada de perguntas para o LLM', 'Burst of LLM-bound questions'),
      facts: [
        { label: say('perguntas distintas', 'distinct questions'), value: total },
        {
          label: say('limite do narrador por réplica', 'narrator limit per replica'),
          value:
            input.narratorMaxConcurrency === 0 ? say('sem limite', 'none') : input.narratorMaxConcurrency,
        },
        { label: say('dispersão do disparo', 'dispatch spread'), value: ms(input.dispatchSpreadMs) },
        { label: say('respondidas pelo narrador', 'answered by the narrator'), value: answered.length },
        {
          label: say(
            'sobrecarga (overload ou llm_concurrency_limited)',
            'overload (flag or llm_concurrency_limited)',
          ),
          value: overloaded.length,
        },
        { label: say('outras falhas', 'other failures'), value: failed.length },
        {
          label: say(
            `sem resposta em ${formatSeconds(input.timeoutMs)}`,
            `no answer within ${formatSeconds(input.timeoutMs)}`,
          ),
          value: timedOut.length,
        },
        {
          label: say('latência p50 / max', 'latency p50 / max'),
          value: `${ms(percentile(latencies, 50))} / ${ms(maxOf(latencies))}`,
        },
        { label: say('perguntas que coalesceram', 'questions that coalesced'), value: coalesced },
        {
          label: say('sondas /healthz durante a rajada', '/healthz probes during the burst'),
          value: `${probeOk.length}/${input.probes.length} ok, p50 ${ms(percentile(probeLatencies, 50))}, max ${ms(probeMax)} (${say('orçamento', 'budget')} ${ms(input.healthzBudgetMs)})`,
        },
        { label: say('métrica', 'metric'), value: metricText },
      ],
    },
    {
      kind: 'chart',
      title: say(`Resultado das ${total} perguntas da rajada`, `Outcome of the burst's ${total} asks`),
      chart: {
        type: 'pie',
        slices: [
          { label: say('respondidas', 'answered'), value: answered.length },
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
      rows: input.answers.map((answer, index) => [
        index + 1,
        answer.replica ?? '?',
        answer.overload === undefined ? '?' : answer.overload,
        answer.error ?? '',
        String(readPath(answer.exchange.json, 'meta.narrator.outcome') ?? ''),
        ms(answer.exchange.durationMs),
        answer.problem ?? '',
      ]),
    },
  ];
  const measures = measured({ overloads: overloaded.length, slowestHealthzMs: probeMax });
  const fail = (reason: string): CheckOutcome => ({ status: 'fail', reason, evidence, measures });
  const warn = (reason: string): CheckOutcome => ({ status: 'warn', reason, evidence, measures });

  if (timedOut.length > 0)
    return fail(
      say(
        `${timedOut.length}/${total} perguntas não terminaram em ${formatSeconds(input.timeoutMs)}: ${summarizeProblems(timedOut.map((answer) => answer.problem ?? '?'))}`,
        `${timedOut.length}/${total} asks did not complete within ${formatSeconds(input.timeoutMs)}: ${summarizeProblems(timedOut.map((answer) => answer.problem ?? '?'))}`,
      ),
    );
  if (failed.length > 0) {
    const problems = summarizeProblems(
      failed.map((answer) => answer.problem ?? `${say('erro', 'error')} ${answer.error}`),
    );
    return fail(
      say(
        `${failed.length}/${total} perguntas falharam fora da sobrecarga prevista: ${problems}`,
        `${failed.length}/${total} asks failed outside the designed overload: ${problems}`,
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
  if (overloaded.length === 0) {
    const capacity = input.narratorMaxConcurrency * input.replicas;
    if (input.narratorMaxConcurrency > 0 && total <= capacity)
      return warn(
        say(
          `nenhuma sobrecarga, mas a rajada (${total}) não passa da capacidade do narrador (${input.narratorMaxConcurrency} × ${input.replicas} réplicas): aumente narrator-burst`,
          `no overload, but the burst (${total}) does not exceed the narrator's capacity (${input.narratorMaxConcurrency} × ${input.replicas} replicas): raise narrator-burst`,
        ),
      );
    return fail(
      say(
        `nenhuma das ${total} perguntas simultâneas ao LLM foi recusada ou degradada: o limite do narrador não está em vigor`,
        `none of the ${total} simultaneous LLM-bound asks was refused or degraded: the narrator limit is not enforced`,
      ),
    );
  }
  const summary = say(
    `${overloaded.length}/${total} perguntas simultâneas ao LLM sinalizaram sobrecarga e ${answered.length} foram respondidas, todas em ${formatSeconds(input.timeoutMs)}; /healthz max ${ms(probeMax)} durante a rajada; ${metricText}`,
    `${overloaded.length}/${total} simultaneous LLM-bound asks signalled overload and ${answered.length} were answered, all within ${formatSeconds(input.timeoutMs)}; /healthz max ${ms(probeMax)} during the burst; ${metricText}`,
  );
  const proof = metricEvidence(say, input.overloadBefore, input.overloadAfter);
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
  return { status: 'pass', reason: summary, evidence, measures };
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

export const narratorSaturationCheck: Check = async (context) => {
  const { options, logger, runToken } = context;
  const reader = metricsOf(context.driver);
  const labels = { outcome: OVERLOAD_OUTCOME };
  const overloadBefore = await readCounter(reader, options.narratorRequestsMetric, labels);
  const questions = saturationQuestions(options.llmQuestions, options.narratorBurst, runToken);
  const requests = questions.map((question, index) => {
    const body: AskRequest = {
      question,
      conversation_id: `gate-${runToken}-ns-${index + 1}`,
      client_id: `gate-${runToken}-ns-${index + 1}`,
      nickname: 'stagegate',
    };
    return { method: 'POST' as const, path: ROUTES.ask, body };
  });
  logger.info(
    `narrator-saturation: ${requests.length} distinct LLM-bound asks at once, /healthz probed every ${PROBE_INTERVAL_MS} ms`,
  );
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
  const burst = await context.burst(requests).finally(finishBurst);
  const probes = await probing;
  const answers = burst.exchanges.map((exchange) => readAskAnswer(exchange, options, ['answer', 'overload']));
  const overloadAfter = await readCounter(reader, options.narratorRequestsMetric, labels);
  const outcome = decideNarratorSaturation({
    answers,
    probes,
    timeoutMs: options.requestTimeoutSeconds * 1000,
    healthzBudgetMs: options.healthzLatencyBudgetMs,
    narratorMaxConcurrency: options.narratorMaxConcurrency,
    replicas: options.replicas,
    metricsOffered: reader !== undefined,
    overloadBefore,
    overloadAfter,
    dispatchSpreadMs: burst.dispatchSpreadMs,
    language: options.language,
  });
  return { id: 'narrator-saturation', ...outcome, durationMs: 0 };
};
