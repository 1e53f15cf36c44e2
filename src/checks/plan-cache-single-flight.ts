/**
 * `plan-cache-single-flight`: a burst of identical public asks, from distinct clients, fired at once
 * over connections opened beforehand. Exactly one may execute (one `plan_cache_hit = false`, the
 * leader); every other answer must be a hit on the same key, the heavy-execution counter summed over
 * replicas must grow by exactly one (where metrics are reachable), and latency must stay within the
 * budget relative to the leader's. A cache warm from an earlier run proves nothing and says so.
 */
import { ROUTES, type AskRequest } from '../contract/index.js';
import type { Evidence } from '../report/model.js';
import type { BurstResult } from '../http/burst.js';
import { readAskAnswer, readPath, summarizeProblems, type AskAnswer } from './ask-answer.js';
import { measured, type Check, type CheckOutcome } from './check-context.js';
import { localize, ms, type Language } from './localize.js';
import { metricEvidence, metricEvidenceMissingText } from './metric-evidence.js';
import { counterIncrease, metricsOf, readCounter, type CounterReading } from './stage-metrics.js';
import { describeMetricsFailure, describeMetricsSource } from '../stage/stage-words.js';
import { maxOf, percentile } from './stats.js';

export interface SingleFlightInput {
  question: string;
  answers: AskAnswer[];
  burst: Pick<BurstResult, 'connectMs' | 'dispatchSpreadMs' | 'preconnectFailures'>;
  metricBefore: CounterReading;
  metricAfter: CounterReading;
  latencyBudgetFactor: number;
  latencyBudgetMs: number;
  cacheHitPath: string;
  language: Language;
}

export function decideSingleFlight(input: SingleFlightInput): CheckOutcome {
  const say = localize(input.language);
  const total = input.answers.length;
  const failed = input.answers.filter((answer) => answer.problem !== undefined || answer.error !== undefined);
  const usable = input.answers.filter((answer) => !failed.includes(answer));
  const misses = usable.filter((answer) => answer.cacheHit === false);
  const hits = usable.filter((answer) => answer.cacheHit === true);
  const keys = [...new Set(usable.map((answer) => answer.cacheKey).filter((key): key is string => !!key))];
  const leader = misses.length === 1 ? misses[0] : undefined;
  const latencies = usable.map((answer) => answer.exchange.durationMs);
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const max = maxOf(latencies);
  const leaderMs = leader?.exchange.durationMs;
  const budget =
    leaderMs === undefined ? undefined : leaderMs * input.latencyBudgetFactor + input.latencyBudgetMs;
  const proof = metricEvidence(say, input.metricBefore, input.metricAfter);
  // Only a source that sums this stage's replicas can count executions (a partial one would lie).
  const increase = proof.kind === 'read' ? counterIncrease(input.metricBefore, input.metricAfter) : undefined;
  const metricText = describeMetric(
    input.metricBefore,
    input.metricAfter,
    counterIncrease(input.metricBefore, input.metricAfter),
    say,
  );

  const evidence: Evidence[] = [
    {
      kind: 'facts',
      title: say('Rajada', 'Burst'),
      facts: [
        { label: say('pergunta', 'question'), value: input.question },
        { label: say('requisições idênticas', 'identical requests'), value: total },
        {
          label: say('conexões abertas antes', 'connections opened beforehand'),
          value: `${total - input.burst.preconnectFailures}/${total} (${ms(input.burst.connectMs)})`,
        },
        { label: say('dispersão do disparo', 'dispatch spread'), value: ms(input.burst.dispatchSpreadMs) },
        { label: `misses (${input.cacheHitPath} = false)`, value: misses.length },
        { label: 'hits', value: hits.length },
        { label: say('falhas', 'failures'), value: failed.length },
        { label: say('chaves de cache', 'cache keys'), value: keys.join(', ') || '-' },
        { label: say('execuções pesadas (métrica)', 'heavy executions (metric)'), value: metricText },
        { label: say('latência do líder', "leader's latency"), value: ms(leaderMs) },
        { label: 'p50 / p95 / max', value: `${ms(p50)} / ${ms(p95)} / ${ms(max)}` },
        {
          label: say('orçamento p95', 'p95 budget'),
          value:
            budget === undefined
              ? '-'
              : `${ms(budget)} (${say('líder', 'leader')} × ${input.latencyBudgetFactor} + ${input.latencyBudgetMs} ms)`,
        },
      ],
    },
    {
      kind: 'chart',
      title: say(
        'Latência de cada resposta (ms), líder marcado',
        "Each answer's latency (ms), leader marked",
      ),
      chart: {
        type: 'bars',
        xTitle: say('resposta', 'answer'),
        yTitle: 'ms',
        categories: input.answers.map(
          (answer, index) => `#${index + 1}${answer === leader ? ` ${say('líder', 'leader')}` : ''}`,
        ),
        // The leader as a series of its own: drawn over the others, in another colour.
        series: [
          {
            name: say('respostas', 'answers'),
            values: input.answers.map((answer) => answer.exchange.durationMs),
          },
          {
            name: say('líder', 'leader'),
            values: input.answers.map((answer) => (answer === leader ? answer.exchange.durationMs : 0)),
          },
        ],
      },
    },
    {
      kind: 'table',
      title: say('Cada resposta', 'Each answer'),
      columns: [
        '#',
        say('réplica', 'replica'),
        'hit',
        say('papel', 'role'),
        say('latência', 'latency'),
        say('problema', 'problem'),
      ],
      rows: input.answers.map((answer, index) => [
        index + 1,
        answer.replica ?? '?',
        answer.cacheHit === undefined ? '?' : answer.cacheHit,
        String(readPath(answer.exchange.json, 'meta.compute.role') ?? ''),
        ms(answer.exchange.durationMs),
        answer.problem ?? answer.error ?? '',
      ]),
    },
  ];
  // Heavy executions: the stage's own counter where it was read, else what the answers say (the misses).
  const measures = measured({
    heavyExecutions: increase ?? misses.length,
    burstP50Ms: p50,
    burstP95Ms: p95,
    leaderMs,
  });
  const fail = (reason: string): CheckOutcome => ({ status: 'fail', reason, evidence, measures });
  const warn = (reason: string): CheckOutcome => ({ status: 'warn', reason, evidence, measures });

  if (failed.length > 0) {
    const problems = summarizeProblems(
      failed.map((answer) => answer.problem ?? `${say('erro', 'error')} ${answer.error}`),
    );
    return fail(
      say(
        `${failed.length}/${total} perguntas da rajada falharam: ${problems}`,
        `${failed.length}/${total} asks of the burst failed: ${problems}`,
      ),
    );
  }
  const unknown = total - misses.length - hits.length;
  if (unknown > 0)
    return fail(
      say(
        `${unknown}/${total} respostas sem ${input.cacheHitPath}`,
        `${unknown}/${total} answers without ${input.cacheHitPath}`,
      ),
    );
  if (keys.length > 1)
    return fail(
      say(
        `a mesma pergunta pública gerou ${keys.length} chaves de cache diferentes: o plano não é compartilhado`,
        `the same public question produced ${keys.length} different cache keys: the plan is not shared`,
      ),
    );
  if (misses.length === 0)
    return warn(
      say(
        `cache já quente: as ${total} respostas foram hits (chave ${keys[0] ?? '?'}), provavelmente de uma execução anterior dentro do TTL do cache; o single-flight não foi exercitado. Rode num stage novo, depois do TTL ou com outra public-question`,
        `cache already warm: all ${total} answers were hits (key ${keys[0] ?? '?'}), likely from an earlier run within the plan cache's TTL; single-flight was not exercised. Run on a fresh stage, after the TTL, or with another public-question`,
      ),
    );
  if (misses.length > 1)
    return fail(
      say(
        `${misses.length} de ${total} perguntas idênticas executaram (plan_cache_hit = false): sem single-flight entre as requisições simultâneas; métrica: ${metricText}`,
        `${misses.length} of ${total} identical asks executed (plan_cache_hit = false): no single-flight across simultaneous requests; metric: ${metricText}`,
      ),
    );
  if (increase !== undefined && increase > 1)
    return fail(
      say(
        `1 miss nas respostas, mas ${metricText}: mais de uma execução pesada para a rajada`,
        `1 miss in the answers, but ${metricText}: more than one heavy execution for the burst`,
      ),
    );

  const summary = say(
    `1 execução e ${hits.length} hits para ${total} perguntas idênticas simultâneas (dispersão ${ms(input.burst.dispatchSpreadMs)}); métrica: ${metricText}; p95 ${ms(p95)} (líder ${ms(leaderMs)})`,
    `1 execution and ${hits.length} hits for ${total} identical simultaneous asks (spread ${ms(input.burst.dispatchSpreadMs)}); metric: ${metricText}; p95 ${ms(p95)} (leader ${ms(leaderMs)})`,
  );
  if (proof.kind === 'missing')
    return {
      ...warn(`${metricEvidenceMissingText(proof.why, say)}; ${summary}`),
      metricEvidenceMissing: proof.why,
    };
  if (increase === 0)
    return warn(
      say(
        `${summary}; a métrica não confirma a execução`,
        `${summary}; the metric does not confirm the execution`,
      ),
    );
  if (budget !== undefined && p95 !== undefined && p95 > budget)
    return warn(
      say(
        `explosão de latência: p95 ${ms(p95)} acima do orçamento ${ms(budget)} (líder ${ms(leaderMs)} × ${input.latencyBudgetFactor} + ${input.latencyBudgetMs} ms); ${summary}`,
        `latency explosion: p95 ${ms(p95)} above the budget ${ms(budget)} (leader ${ms(leaderMs)} × ${input.latencyBudgetFactor} + ${input.latencyBudgetMs} ms); ${summary}`,
      ),
    );
  if (
    leaderMs !== undefined &&
    input.burst.dispatchSpreadMs !== undefined &&
    input.burst.dispatchSpreadMs > leaderMs
  )
    return warn(
      say(
        `as requisições não saíram juntas (dispersão ${ms(input.burst.dispatchSpreadMs)} > líder ${ms(leaderMs)}): o single-flight foi pouco exercitado; ${summary}`,
        `the requests did not leave together (spread ${ms(input.burst.dispatchSpreadMs)} > leader ${ms(leaderMs)}): single-flight was barely exercised; ${summary}`,
      ),
    );
  return { status: 'pass', reason: summary, evidence, measures };
}

function describeMetric(
  before: CounterReading,
  after: CounterReading,
  increase: number | undefined,
  say: ReturnType<typeof localize>,
): string {
  if (!after.reachable || !before.reachable) {
    const failure = after.failure ?? before.failure;
    const why = failure ? describeMetricsFailure(failure, say) : describeMetricsSource(after.source, say);
    return say(`não lida (${why})`, `not read (${why})`);
  }
  const source = describeMetricsSource(after.source, say);
  if (after.value === undefined)
    return say(`${after.metric} ausente em ${source}`, `${after.metric} absent from ${source}`);
  return say(
    `${after.metric} +${increase} (soma das réplicas, ${source})`,
    `${after.metric} +${increase} (sum over replicas, ${source})`,
  );
}

export const planCacheSingleFlightCheck: Check = async (context) => {
  const { options, logger, runToken } = context;
  const reader = metricsOf(context.driver);
  const metricBefore = await readCounter(reader, options.heavyExecutionsMetric);
  const requests = Array.from({ length: options.singleFlightBurst }, (_, index) => {
    const body: AskRequest = {
      question: options.publicQuestion,
      conversation_id: `gate-${runToken}-sf-${index + 1}`,
      client_id: `gate-${runToken}-sf-${index + 1}`,
      nickname: 'stagegate',
    };
    return { method: 'POST' as const, path: ROUTES.ask, body };
  });
  logger.info(
    `plan-cache-single-flight: ${requests.length} identical asks at once ("${options.publicQuestion}")`,
  );
  const burst = await context.burst(requests);
  const answers = burst.exchanges.map((exchange) =>
    readAskAnswer(exchange, options, ['answer', 'cacheHit', 'cacheKey']),
  );
  const metricAfter = await readCounter(reader, options.heavyExecutionsMetric);
  const outcome = decideSingleFlight({
    question: options.publicQuestion,
    answers,
    burst,
    metricBefore,
    metricAfter,
    latencyBudgetFactor: options.latencyBudgetFactor,
    latencyBudgetMs: options.latencyBudgetMs,
    cacheHitPath: options.cacheHitPath,
    language: options.language,
  });
  return { id: 'plan-cache-single-flight', ...outcome, durationMs: 0 };
};
