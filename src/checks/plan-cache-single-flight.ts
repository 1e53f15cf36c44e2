/**
 * `plan-cache-single-flight`: a burst of identical public asks, from distinct clients, fired at once
 * over connections opened beforehand. Exactly one may execute (one `plan_cache_hit = false`, the
 * leader); every other answer must be a hit on the same key, the heavy-execution counter summed over
 * replicas must grow by exactly one (where metrics are reachable), and latency must stay within the
 * budget relative to the leader's. A cache warm from an earlier run proves nothing and says so.
 */
import { OPTIONAL_METRICS, ROUTES, type AskRequest } from '../contract/index.js';
import type { Evidence } from '../report/model.js';
import type { BurstResult } from '../http/burst.js';
import { readAskAnswer, readPath, summarizeProblems, type AskAnswer } from './ask-answer.js';
import { measured, type Check, type CheckOutcome } from './check-context.js';
import { localize, ms, type Language } from './localize.js';
import { metricEvidence, metricEvidenceMissingText, notCrossCheckedText } from './metric-evidence.js';
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
  /** The api replicas the stage was booted with (a burst served by one replica is said to be so). */
  replicas?: number;
  /** After the burst, one at a time: each must be a hit with the leader's answer (stored, shared, kept). */
  secondRound?: AskAnswer[];
  /** The LLM's and SQL's own counters around the burst and the second round (optional cross-checks). */
  llmBefore?: CounterReading;
  llmAfter?: CounterReading;
  sqlBefore?: CounterReading;
  sqlAfter?: CounterReading;
}

/**
 * Answers that are not answers: a stage's fallback sentences (nothing found, try again, unavailable).
 * A follower served one of these with `plan_cache_hit: true` read the cache before the leader wrote it.
 */
const FALLBACK_ANSWER =
  /n[ãa]o encontrei|n[ãa]o (foi|[ée]) poss[íi]vel|tente (de )?novo|indispon[íi]vel|sem dados|no data|not found|try again/i;

/** Why an answer text is not a valid answer, or undefined when it is one. */
export function invalidAnswer(
  text: string | null | undefined,
  say: ReturnType<typeof localize>,
): string | undefined {
  if (text === null || text === undefined || text.trim() === '')
    return say('resposta vazia', 'an empty answer');
  const fallback = FALLBACK_ANSWER.exec(text);
  if (fallback)
    return say(`uma frase de fallback ("${fallback[0]}…")`, `a fallback sentence ("${fallback[0]}…")`);
  return undefined;
}

/** A counter's growth, or why it cannot cross-check (an optional metric not exposed says so). */
function crossCheck(
  before: CounterReading | undefined,
  after: CounterReading | undefined,
  say: ReturnType<typeof localize>,
): { increase?: number; text: string } {
  if (!before || !after) return { text: say('não lido', 'not read') };
  const proof = metricEvidence(say, before, after);
  if (proof.kind === 'missing')
    return {
      text:
        after.reachable && after.value === undefined
          ? notCrossCheckedText(after.metric, say)
          : metricEvidenceMissingText(proof.why, say),
    };
  const increase = counterIncrease(before, after);
  return { increase, text: `${after.metric}${labelsText(after)} +${increase}` };
}

function labelsText(reading: CounterReading): string {
  const labels = Object.entries(reading.labels ?? {});
  return labels.length ? `{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
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
  // Followers' latency is what single-flight promises: a follower waits for one execution, no more.
  const latencies = (hits.length > 0 ? hits : usable).map((answer) => answer.exchange.durationMs);
  const leaderText = leader?.answer?.trim();
  const leaderInvalid = leader ? invalidAnswer(leader.answer, say) : undefined;
  const invalidFollowers = hits
    .map((answer) => invalidAnswer(answer.answer, say))
    .filter((why): why is string => why !== undefined);
  const distinctAnswers = [...new Set(usable.map((answer) => (answer.answer ?? '').trim()))];
  const differentFollowers = hits.filter((answer) => (answer.answer ?? '').trim() !== leaderText);
  const servedBy = [...new Set(usable.map((answer) => answer.replica ?? '?'))].sort();
  const second = input.secondRound ?? [];
  const secondServedBy = [...new Set(second.map((answer) => answer.replica ?? '?'))].sort();
  const secondBroken = second.filter((answer) => answer.problem !== undefined || answer.error !== undefined);
  const secondMisses = second.filter((answer) => !secondBroken.includes(answer) && answer.cacheHit !== true);
  const secondDifferent = second.filter(
    (answer) => !secondBroken.includes(answer) && (answer.answer ?? '').trim() !== leaderText,
  );
  const llm = crossCheck(input.llmBefore, input.llmAfter, say);
  const sql = crossCheck(input.sqlBefore, input.sqlAfter, say);
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
        {
          label: say('chamadas ao LLM (métrica própria)', "LLM calls (the LLM's own counter)"),
          value: llm.text,
        },
        {
          label: say('execuções SQL (métrica própria)', "SQL executions (SQL's own counter)"),
          value: sql.text,
        },
        {
          label: say('réplicas que serviram a rajada', 'replicas that served the burst'),
          value: servedBy.join(', '),
        },
        { label: say('respostas distintas', 'distinct answers'), value: distinctAnswers.length },
        {
          label: say('segunda rodada (uma por vez)', 'second round (one at a time)'),
          value: second.length
            ? `${second.length - secondMisses.length - secondBroken.length}/${second.length} hits, ${say('réplicas', 'replicas')} ${secondServedBy.join(', ')}`
            : '-',
        },
        { label: say('latência do líder', "leader's latency"), value: ms(leaderMs) },
        { label: 'p50 / p95 / max', value: `${ms(p50)} / ${ms(p95)} / ${ms(max)}` },
        {
          label: say('limite do p95 dos seguidores', "followers' p95 bound"),
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
        `1 miss nas respostas, mas ${metricText}: mais de uma execução pesada para a rajada e sua segunda rodada`,
        `1 miss in the answers, but ${metricText}: more than one heavy execution for the burst and its second round`,
      ),
    );
  if (leaderInvalid)
    return fail(
      say(
        `o líder respondeu ${leaderInvalid}: não há resposta válida para compartilhar`,
        `the leader answered ${leaderInvalid}: there is no valid answer to share`,
      ),
    );
  if (invalidFollowers.length > 0)
    return fail(
      say(
        `${invalidFollowers.length}/${hits.length} seguidores com ${input.cacheHitPath} = true responderam ${summarizeProblems(invalidFollowers)}: um hit que não é a resposta do líder (leram o cache antes de o líder gravar)`,
        `${invalidFollowers.length}/${hits.length} followers with ${input.cacheHitPath} = true answered ${summarizeProblems(invalidFollowers)}: a hit that is not the leader's answer (they read the cache before the leader wrote it)`,
      ),
    );
  if (differentFollowers.length > 0)
    return fail(
      say(
        `${distinctAnswers.length} respostas diferentes para uma pergunta: ${differentFollowers.length}/${hits.length} hits não são a resposta do líder, embora digam ${input.cacheHitPath} = true`,
        `${distinctAnswers.length} different answers for one question: ${differentFollowers.length}/${hits.length} hits are not the leader's answer, though they say ${input.cacheHitPath} = true`,
      ),
    );
  for (const [name, counter] of [
    ['LLM', llm],
    ['SQL', sql],
  ] as const)
    if (counter.increase !== undefined && counter.increase > 1)
      return fail(
        say(
          `as respostas dizem 1 execução, mas o contador do próprio ${name} diz ${counter.text}: ${name} rodou mais de uma vez para ${total} perguntas idênticas`,
          `the answers say 1 execution, but ${name}'s own counter says ${counter.text}: ${name} ran more than once for ${total} identical asks`,
        ),
      );
  if (secondBroken.length > 0)
    return fail(
      say(
        `a segunda rodada falhou: ${summarizeProblems(secondBroken.map((answer) => answer.problem ?? `erro ${answer.error}`))}`,
        `the second round failed: ${summarizeProblems(secondBroken.map((answer) => answer.problem ?? `error ${answer.error}`))}`,
      ),
    );
  if (secondMisses.length > 0)
    return fail(
      say(
        `${secondMisses.length}/${second.length} perguntas da segunda rodada, uma por vez após a rajada, não foram hits (réplicas ${[...new Set(secondMisses.map((a) => a.replica ?? '?'))].join(', ')}): a entrada não foi gravada, não é compartilhada entre réplicas ou não foi mantida`,
        `${secondMisses.length}/${second.length} asks of the second round, one at a time after the burst, were not hits (replicas ${[...new Set(secondMisses.map((a) => a.replica ?? '?'))].join(', ')}): the entry was not stored, is not shared across replicas, or was not kept`,
      ),
    );
  if (secondDifferent.length > 0)
    return fail(
      say(
        `${secondDifferent.length}/${second.length} hits da segunda rodada deram outra resposta que a do líder`,
        `${secondDifferent.length}/${second.length} hits of the second round gave another answer than the leader's`,
      ),
    );

  const summary = say(
    `1 execução e ${hits.length} hits com a resposta do líder para ${total} perguntas idênticas simultâneas em ${servedBy.join(', ')} (dispersão ${ms(input.burst.dispatchSpreadMs)}); segunda rodada ${second.length - secondMisses.length}/${second.length} hits em ${secondServedBy.join(', ') || '-'}; métrica: ${metricText}; LLM: ${llm.text}; SQL: ${sql.text}; p95 dos seguidores ${ms(p95)} (limite ${ms(budget)}, líder ${ms(leaderMs)})`,
    `1 execution and ${hits.length} hits with the leader's answer for ${total} identical simultaneous asks on ${servedBy.join(', ')} (spread ${ms(input.burst.dispatchSpreadMs)}); second round ${second.length - secondMisses.length}/${second.length} hits on ${secondServedBy.join(', ') || '-'}; metric: ${metricText}; LLM: ${llm.text}; SQL: ${sql.text}; followers' p95 ${ms(p95)} (bound ${ms(budget)}, leader ${ms(leaderMs)})`,
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
  if ((input.replicas ?? 1) > 1 && servedBy.length === 1)
    return warn(
      say(
        `a rajada foi servida por uma só réplica (${servedBy[0]}) de ${input.replicas}: o single-flight entre réplicas não foi exercitado; ${summary}`,
        `the burst was served by one replica only (${servedBy[0]}) of ${input.replicas}: single-flight across replicas was not exercised; ${summary}`,
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

/** How many asks the second round sends, one at a time: enough to visit every replica twice. */
export function secondRoundSize(replicas: number): number {
  return Math.min(8, Math.max(3, replicas * 2));
}

export const planCacheSingleFlightCheck: Check = async (context) => {
  const { options, logger, runToken } = context;
  const reader = metricsOf(context.driver);
  const llmCalls = { outcome: 'ok' };
  const readAll = () =>
    Promise.all([
      readCounter(reader, options.heavyExecutionsMetric),
      readCounter(reader, options.narratorRequestsMetric, llmCalls),
      readCounter(reader, OPTIONAL_METRICS.sqlExecutions),
    ]);
  const [metricBefore, llmBefore, sqlBefore] = await readAll();
  const askBody = (tag: string): AskRequest => ({
    question: options.publicQuestion,
    conversation_id: `gate-${runToken}-${tag}`,
    client_id: `gate-${runToken}-${tag}`,
    nickname: 'stagegate',
  });
  const requests = Array.from({ length: options.singleFlightBurst }, (_, index) => ({
    method: 'POST' as const,
    path: ROUTES.ask,
    body: askBody(`sf-${index + 1}`),
  }));
  logger.info(
    `plan-cache-single-flight: ${requests.length} identical asks at once ("${options.publicQuestion}"), then ${secondRoundSize(options.replicas)} one at a time`,
  );
  const burst = await context.burst(requests);
  const fields = ['answer', 'cacheHit', 'cacheKey'] as const;
  const answers = burst.exchanges.map((exchange) => readAskAnswer(exchange, options, [...fields]));
  // One at a time, after the burst: the entry must have been stored, be shared by every replica, and kept.
  const secondRound = [];
  // Not after a burst that already failed, and not past a failed ask: a broken stage is not waited on twice.
  const burstFailed = answers.some((answer) => answer.problem !== undefined || answer.error !== undefined);
  for (let index = 0; !burstFailed && index < secondRoundSize(options.replicas); index++) {
    if (context.signal.aborted) break;
    const exchange = await context.http.postJson(ROUTES.ask, askBody(`sf2-${index + 1}`));
    const answer = readAskAnswer(exchange, options, [...fields]);
    secondRound.push(answer);
    if (answer.problem !== undefined || answer.error !== undefined) break;
  }
  const [metricAfter, llmAfter, sqlAfter] = await readAll();
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
    replicas: options.replicas,
    secondRound,
    llmBefore,
    llmAfter,
    sqlBefore,
    sqlAfter,
  });
  return { id: 'plan-cache-single-flight', ...outcome, durationMs: 0 };
};
