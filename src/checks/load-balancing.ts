/**
 * `load-balancing`: N `GET /healthz` and N `POST /ask` (one cheap public question, fresh per run)
 * through the gateway. Every one must succeed; the replica that answered each is read from the replica
 * header (or the body), and cross-checked with a second source the stage cannot fake through the
 * header: the per-replica, per-route request counters (`services_http_request_duration_seconds_count`)
 * where metrics are read, and the api service's own log lines where the driver shows logs. All
 * replicas seen and a second source agreeing → ✅; only some replicas, or no second source → ⚠️; just
 * one (of several), any failure, or a second source showing fewer requests on a replica than its header
 * claims → ❌, naming both figures.
 */
import { pause } from '../kit/poll.js';
import pLimit from 'p-limit';
import { REQUEST_ID_HEADER, ROUTES } from '../contract/index.js';
import type { Evidence } from '../report/model.js';
import { readHealthz, summarizeProblems, type HealthzReading } from './ask-answer.js';
import type { Check, CheckOutcome } from './check-context.js';
import { localize, ms, plural, type Language, type Say } from './localize.js';
import { inEnglish } from '../report/language.js';
import { countBy, maxOf, percentile } from './stats.js';
import { askFailure, readAskAnswer, type AskAnswer } from './ask-answer.js';
import { METRICS, type AskRequest } from '../contract/index.js';
import { bounded, metricsOf } from './stage-metrics.js';
import type { MetricsReader } from '../stage/driver.js';
import { describeMetricsFailure, describeMetricsSource } from '../stage/stage-words.js';
import { MetricsReadError } from '../stage/driver.js';
import type { CheckContext } from './check-context.js';
import { metricEvidenceMissingText } from './metric-evidence.js';

/** How many of the newest api log lines are searched for the gate's requests. */
const LOG_LINES_SEARCHED = 5000;
const LOG_READ_ATTEMPTS = 4;
const LOG_READ_PAUSE_MS = 400;

export interface LogCount {
  /** `request-ids`: lines carrying the gate's own request ids were found and counted exactly. */
  mode: 'request-ids' | 'healthz-lines' | 'unavailable';
  perReplica: Map<string, number>;
  /** Lines counted. */
  total: number;
  /** Why logs could not be used, when `unavailable`. */
  note?: string;
}

const PREFIXED = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\s+\|\s?(.*)$/;

/** Replica of a log line: the JSON `replica` field, else the compose prefix (`stagegate-api-2 | ...`). */
function lineReplica(line: string): { replica?: string; text: string } {
  const prefixed = PREFIXED.exec(line);
  const text = prefixed ? prefixed[2]! : line;
  const brace = text.indexOf('{');
  if (brace >= 0) {
    try {
      const record = JSON.parse(text.slice(brace)) as Record<string, unknown>;
      if (typeof record.replica === 'string' && record.replica) return { replica: record.replica, text };
    } catch {
      // Not JSON: fall back to the prefix.
    }
  }
  return { replica: prefixed?.[1], text };
}

/**
 * Count which replica logged each of the gate's `/healthz` requests. Exact when the stage logs the
 * request ids the gate sent; otherwise every `/healthz` line in the window is counted (including the
 * gateway's own health checks), which only shows which replicas served `/healthz` at all.
 */
export function countHealthzInLogs(lines: string[], requestIds: Set<string>, say: Say = inEnglish): LogCount {
  const byId: string[] = [];
  const healthz: string[] = [];
  for (const line of lines) {
    if (!line.includes(ROUTES.healthz) && ![...requestIds].some((id) => line.includes(id))) continue;
    const { replica, text } = lineReplica(line);
    const label = replica ?? '?';
    const id = /gate-[a-z0-9]+-lb-\d+/.exec(text)?.[0];
    if (id && requestIds.has(id)) byId.push(label);
    else if (text.includes(ROUTES.healthz)) healthz.push(label);
  }
  const toMap = (labels: string[]) => new Map(countBy(labels).map(({ label, count }) => [label, count]));
  if (byId.length > 0) return { mode: 'request-ids', perReplica: toMap(byId), total: byId.length };
  if (healthz.length > 0) return { mode: 'healthz-lines', perReplica: toMap(healthz), total: healthz.length };
  return {
    mode: 'unavailable',
    perReplica: new Map(),
    total: 0,
    note: say(
      `nenhuma linha ${ROUTES.healthz} entre as ${lines.length} linhas mais novas dos logs da api`,
      `no ${ROUTES.healthz} line among the newest ${lines.length} api log lines`,
    ),
  };
}

/** The per-replica increase of the request counter, by route, over the check; or why it was not read. */
export interface RequestCounts {
  metric: string;
  healthz?: Map<string, number>;
  ask?: Map<string, number>;
  /** Why the counters could not be read (no source, unreachable, absent). */
  missing?: string;
}

export interface LoadBalancingInput {
  expectedReplicas: number;
  readings: HealthzReading[];
  replicaHeader: string;
  logs: LogCount;
  language: Language;
  /** The sampled `POST /ask` answers (none on older callers). */
  asks?: AskAnswer[];
  /** Why each failed ask failed (askFailure), index for index with `asks`. */
  askFailures?: Array<string | undefined>;
  /** The second source: the stage's own per-replica request counters. */
  counts?: RequestCounts;
}

/** `api-1 7, api-2 7, api-3 6`, replicas in natural order, zeros shown for replicas only one side saw. */
function figures(replicas: string[], counts: Map<string, number>): string {
  return replicas.map((replica) => `${replica} ${counts.get(replica) ?? 0}`).join(', ');
}

/** Replicas the counter shows fewer requests on than the header claims (a header the gateway rewrote). */
function counterShortfall(byHeader: Map<string, number>, byCounter: Map<string, number>): string[] {
  return [...byHeader.entries()]
    .filter(([replica, count]) => (byCounter.get(replica) ?? 0) < count)
    .map(([replica]) => replica);
}

const sortReplicas = (replicas: Iterable<string>) =>
  [...new Set(replicas)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

export function decideLoadBalancing(input: LoadBalancingInput): CheckOutcome {
  const say = localize(input.language);
  const total = input.readings.length;
  const failed = input.readings.filter((reading) => !reading.ok);
  const unattributed = input.readings.filter((reading) => reading.ok && !reading.replica);
  const replicas = input.readings
    .filter((reading) => reading.ok && reading.replica)
    .map((reading) => reading.replica!);
  const histogram = countBy(replicas);
  const latencies = input.readings
    .filter((reading) => reading.ok)
    .map((reading) => reading.exchange.durationMs);
  const evidence: Evidence[] = [
    {
      kind: 'histogram',
      title: say(
        `Réplica que respondeu (cabeçalho ${input.replicaHeader})`,
        `Replica that answered (${input.replicaHeader} header)`,
      ),
      buckets: histogram,
    },
    {
      kind: 'chart',
      title: say('Respostas por réplica', 'Answers per replica'),
      chart: {
        type: 'bars',
        xTitle: say('réplica', 'replica'),
        yTitle: say('respostas', 'answers'),
        categories: histogram.map((bucket) => bucket.label),
        series: [{ name: say('respostas', 'answers'), values: histogram.map((bucket) => bucket.count) }],
      },
    },
    {
      kind: 'facts',
      title: say('Requisições', 'Requests'),
      facts: [
        { label: say('GET /healthz enviados', 'GET /healthz sent'), value: total },
        { label: say('com sucesso', 'succeeded'), value: total - failed.length },
        { label: say('réplicas esperadas', 'replicas expected'), value: input.expectedReplicas },
        { label: say('réplicas vistas', 'replicas seen'), value: histogram.length },
        { label: 'p50', value: ms(percentile(latencies, 50)) },
        { label: 'max', value: ms(maxOf(latencies)) },
      ],
    },
  ];
  const asks = input.asks ?? [];
  const askFailures = (input.askFailures ?? []).filter((failure): failure is string => !!failure);
  const askHistogram = countBy(asks.filter((answer) => answer.replica).map((answer) => answer.replica!));
  const combined = countBy([
    ...replicas,
    ...asks.filter((answer) => answer.replica).map((answer) => answer.replica!),
  ]);
  const logsAgree = logEvidence(input, combined, evidence, say);
  const headerByRoute = {
    healthz: new Map(histogram.map((bucket) => [bucket.label, bucket.count])),
    ask: new Map(askHistogram.map((bucket) => [bucket.label, bucket.count])),
  };
  const counts = input.counts;
  const counterRows = counts?.healthz && counts.ask ? counts : undefined;
  if (asks.length > 0)
    evidence.push({
      kind: 'histogram',
      title: say(
        `POST /ask: réplica que respondeu (cabeçalho ${input.replicaHeader})`,
        `POST /ask: replica that answered (${input.replicaHeader} header)`,
      ),
      buckets: askHistogram,
    });
  if (counterRows) {
    const all = sortReplicas([
      ...headerByRoute.healthz.keys(),
      ...headerByRoute.ask.keys(),
      ...counterRows.healthz!.keys(),
      ...counterRows.ask!.keys(),
    ]);
    evidence.push({
      kind: 'table',
      title: say(
        `Réplica pelo cabeçalho e pelo contador de requisições do stage (${counts!.metric}, aumento durante a verificação)`,
        `Replica by header and by the stage's request counter (${counts!.metric}, increase during the check)`,
      ),
      columns: [
        say('réplica', 'replica'),
        `/healthz ${say('cabeçalho', 'header')}`,
        `/healthz ${say('contador', 'counter')}`,
        `/ask ${say('cabeçalho', 'header')}`,
        `/ask ${say('contador', 'counter')}`,
      ],
      rows: all.map((replica) => [
        replica,
        headerByRoute.healthz.get(replica) ?? 0,
        counterRows.healthz!.get(replica) ?? 0,
        headerByRoute.ask.get(replica) ?? 0,
        counterRows.ask!.get(replica) ?? 0,
      ]),
    });
  } else if (counts?.missing) evidence.push({ kind: 'lines', title: counts.metric, lines: [counts.missing] });

  if (failed.length > 0)
    return {
      status: 'fail',
      reason: say(
        `${failed.length}/${total} GET /healthz falharam: ${summarizeProblems(failed.map((reading) => reading.problem ?? '?'))}`,
        `${failed.length}/${total} GET /healthz failed: ${summarizeProblems(failed.map((reading) => reading.problem ?? '?'))}`,
      ),
      evidence,
    };
  if (askFailures.length > 0)
    return {
      status: 'fail',
      reason: say(
        `${askFailures.length}/${asks.length} POST /ask falharam: ${summarizeProblems(askFailures)}`,
        `${askFailures.length}/${asks.length} POST /ask failed: ${summarizeProblems(askFailures)}`,
      ),
      evidence,
    };
  const askUnattributed = asks.filter((answer) => !answer.replica).length;
  if (askUnattributed > 0)
    return {
      status: 'fail',
      reason: say(
        `${askUnattributed}/${asks.length} respostas de /ask sem o cabeçalho ${input.replicaHeader} (nem meta.replica): não dá para saber qual réplica respondeu`,
        `${askUnattributed}/${asks.length} /ask answers without the ${input.replicaHeader} header (nor meta.replica): cannot tell which replica answered`,
      ),
      evidence,
    };
  if (unattributed.length > 0)
    return {
      status: 'fail',
      reason: say(
        `${unattributed.length}/${total} respostas sem o cabeçalho ${input.replicaHeader} (nem meta.replica no corpo): não dá para saber qual réplica respondeu`,
        `${unattributed.length}/${total} answers without the ${input.replicaHeader} header (nor meta.replica in the body): cannot tell which replica answered`,
      ),
      evidence,
    };
  const seen = histogram.map(({ label, count }) => `${label}×${count}`).join(', ');
  if (histogram.length === 1 && input.expectedReplicas > 1)
    return {
      status: 'fail',
      reason: say(
        `todas as ${total} respostas vieram de ${histogram[0]!.label}; ${input.expectedReplicas} réplicas esperadas`,
        `all ${total} answers came from ${histogram[0]!.label}; ${input.expectedReplicas} replicas expected`,
      ),
      evidence,
    };
  if (askHistogram.length === 1 && input.expectedReplicas > 1 && asks.length >= input.expectedReplicas)
    return {
      status: 'fail',
      reason: say(
        `todas as ${asks.length} respostas de POST /ask vieram de ${askHistogram[0]!.label} (/healthz: ${seen}); ${input.expectedReplicas} réplicas esperadas`,
        `all ${asks.length} POST /ask answers came from ${askHistogram[0]!.label} (/healthz: ${seen}); ${input.expectedReplicas} replicas expected`,
      ),
      evidence,
    };
  if (histogram.length < input.expectedReplicas)
    return {
      status: 'warn',
      reason: say(
        `só ${histogram.length}/${input.expectedReplicas} réplicas responderam a ${total} GET /healthz (${seen})`,
        `only ${histogram.length}/${input.expectedReplicas} replicas answered ${total} GET /healthz (${seen})`,
      ),
      evidence,
    };
  if (counterRows)
    for (const route of ['healthz', 'ask'] as const) {
      const byHeader = headerByRoute[route];
      const byCounter = counterRows[route]!;
      const short = counterShortfall(byHeader, byCounter);
      if (short.length === 0) continue;
      const all = sortReplicas([...byHeader.keys(), ...byCounter.keys()]);
      const path = route === 'ask' ? 'POST /ask' : 'GET /healthz';
      return {
        status: 'fail',
        reason: say(
          `${path}: o cabeçalho ${input.replicaHeader} diz ${figures(all, byHeader)}, mas o contador do stage (${counts!.metric}) diz ${figures(all, byCounter)}: ${short.join(', ')} não atendeu o que o cabeçalho afirma`,
          `${path}: the ${input.replicaHeader} header says ${figures(all, byHeader)}, but the stage's counter (${counts!.metric}) says ${figures(all, byCounter)}: ${short.join(', ')} did not serve what the header claims`,
        ),
        evidence,
      };
    }
  if (logsAgree === false)
    return {
      status: 'fail',
      reason: say(
        `${histogram.length} réplicas pelo cabeçalho (${seen}), mas os logs da api (pelos ids de requisição do gate) mostram outra distribuição: ${figures(sortReplicas([...combined.map((b) => b.label), ...input.logs.perReplica.keys()]), input.logs.perReplica)}`,
        `${histogram.length} replicas by header (${seen}), but the api logs (by the gate's request ids) show another spread: ${figures(sortReplicas([...combined.map((b) => b.label), ...input.logs.perReplica.keys()]), input.logs.perReplica)}`,
      ),
      evidence,
    };
  // No second source at all: the header alone is the stage's own claim (the missing-metric rule).
  if (input.counts !== undefined && !counterRows && logsAgree !== true)
    return {
      status: 'warn',
      reason: `${metricEvidenceMissingText(counts?.missing ?? '?', say)}; ${say(`${histogram.length} réplicas pelo cabeçalho (${seen})`, `${histogram.length} replicas by header (${seen})`)}`,
      evidence,
      metricEvidenceMissing: counts?.missing ?? '?',
    };
  const extra =
    histogram.length > input.expectedReplicas
      ? say(
          `; mais réplicas que as ${input.expectedReplicas} esperadas`,
          `; more replicas than the ${input.expectedReplicas} expected`,
        )
      : '';
  const confirmed =
    logsAgree === true ? say('; confirmado pelos logs da api', '; confirmed by the api logs') : '';
  const counted = counterRows
    ? say(
        `; confirmado pelo contador por réplica ${counts!.metric}`,
        `; confirmed by the per-replica counter ${counts!.metric}`,
      )
    : counts?.missing
      ? say(
          `; não verificado: ${counts.metric} (${counts.missing})`,
          `; not cross-checked: ${counts.metric} (${counts.missing})`,
        )
      : '';
  const askSeen = askHistogram.map(({ label, count }) => `${label}×${count}`).join(', ');
  const askPart =
    asks.length > 0
      ? say(
          `, e ${asks.length}/${asks.length} POST /ask (${askSeen})`,
          `, and ${asks.length}/${asks.length} POST /ask (${askSeen})`,
        )
      : '';
  return {
    status: 'pass',
    reason: say(
      `${total}/${total} GET /healthz com sucesso, distribuídos entre ${plural(histogram.length, 'réplica', 'réplicas')} (${seen})${askPart}${confirmed}${counted}${extra}`,
      `${total}/${total} GET /healthz succeeded, spread over ${plural(histogram.length, 'replica', 'replicas')} (${seen})${askPart}${confirmed}${counted}${extra}`,
    ),
    evidence,
  };
}

/** Adds the log evidence; true/false when the logs could confirm or contradict the header, else undefined. */
function logEvidence(
  input: LoadBalancingInput,
  histogram: Array<{ label: string; count: number }>,
  evidence: Evidence[],
  say: ReturnType<typeof localize>,
): boolean | undefined {
  const { logs } = input;
  if (logs.mode === 'unavailable') {
    evidence.push({
      kind: 'lines',
      title: say('Logs da api', 'api logs'),
      lines: [logs.note ?? say('indisponíveis', 'unavailable')],
    });
    return undefined;
  }
  const replicas = [...new Set([...histogram.map((bucket) => bucket.label), ...logs.perReplica.keys()])].sort(
    (a, b) => a.localeCompare(b, 'en', { numeric: true }),
  );
  const byHeader = new Map(histogram.map((bucket) => [bucket.label, bucket.count]));
  evidence.push({
    kind: 'table',
    title:
      logs.mode === 'request-ids'
        ? say(
            'Réplica por cabeçalho e pelos logs da api (ids de requisição do gate)',
            "Replica by header and by the api logs (the gate's request ids)",
          )
        : say(
            'Linhas /healthz nos logs da api (todas, incluindo as verificações de saúde do gateway)',
            "/healthz lines in the api logs (all, including the gateway's health checks)",
          ),
    columns: [say('réplica', 'replica'), say('cabeçalho', 'header'), 'logs'],
    rows: replicas.map((replica) => [replica, byHeader.get(replica) ?? 0, logs.perReplica.get(replica) ?? 0]),
  });
  if (logs.mode !== 'request-ids') return undefined;
  // Exact mode: every replica the header named must have logged the gate's requests, with the same counts.
  return replicas.every((replica) => (byHeader.get(replica) ?? 0) === (logs.perReplica.get(replica) ?? 0));
}

/** The route label values of the reference contract's request histogram. */
const ROUTE_LABELS = { healthz: ROUTES.healthz, ask: ROUTES.ask } as const;
const REQUEST_COUNTER = `${METRICS.httpRequestDuration}_count`;
const COUNTER_READ_TIMEOUT_MS = 10_000;
const COUNTER_SETTLE_TIMEOUT_MS = 15_000;

type RouteCounts = { healthz: Map<string, number>; ask: Map<string, number> };

/** Per-replica request counts of both routes, after letting the source settle; throws when unreadable. */
async function readRouteCounts(reader: MetricsReader): Promise<RouteCounts> {
  await bounded(reader.settle(COUNTER_SETTLE_TIMEOUT_MS), COUNTER_SETTLE_TIMEOUT_MS + 1000, 'settle');
  const [healthz, ask] = await Promise.all(
    (['healthz', 'ask'] as const).map((route) =>
      bounded(
        reader.perReplica(REQUEST_COUNTER, { route: ROUTE_LABELS[route] }),
        COUNTER_READ_TIMEOUT_MS,
        'read',
      ),
    ),
  );
  return { healthz: healthz!, ask: ask! };
}

function increase(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map(
    [...after.entries()].map(([replica, value]) => [replica, value - (before.get(replica) ?? 0)]),
  );
}

/** Why a metrics read failed, in the report's words. */
function describeReadError(error: unknown, say: Say): string {
  return error instanceof MetricsReadError
    ? describeMetricsFailure(error.failure, say)
    : ((error as Error)?.message ?? String(error));
}

/** Every header count covered by the counter (a request is counted a moment after it is answered). */
function countersCaughtUp(counts: RouteCounts, header: RouteCounts): boolean {
  return (['healthz', 'ask'] as const).every(
    (route) => counterShortfall(header[route], counts[route]).length === 0,
  );
}

async function sampleAsks(context: CheckContext, ids: string[]): Promise<AskAnswer[]> {
  const { options, http, runToken } = context;
  const limit = pLimit(options.concurrency);
  // One cheap public question, fresh per run (its own tag), so it is computed once and then served
  // from the plan cache: the check measures routing, not the narrator.
  const question = `${BALANCING_QUESTION} [stagegate ${runToken}-lb]`;
  const exchanges = await Promise.all(
    ids.map((id) =>
      limit(() => {
        const body: AskRequest = { question, conversation_id: id, client_id: id, nickname: 'stagegate' };
        return http.postJson(ROUTES.ask, body, { headers: { [REQUEST_ID_HEADER]: id } });
      }),
    ),
  );
  return exchanges.map((exchange) => readAskAnswer(exchange, options, ['answer']));
}

/** The question of the sampled asks: public, about a fund, answered without the LLM's free text. */
export const BALANCING_QUESTION = 'Qual a cotação do HGLG11 hoje?';

export const loadBalancingCheck: Check = async (context) => {
  const { options, http, driver, logger, runToken } = context;
  const say = localize(options.language);
  const reader = metricsOf(driver);
  let countsBefore: RouteCounts | undefined;
  let countsMissing: string | undefined = reader ? undefined : describeMetricsSource(undefined, say);
  if (reader)
    try {
      countsBefore = await readRouteCounts(reader);
    } catch (error) {
      countsMissing = describeReadError(error, say);
    }
  const limit = pLimit(options.concurrency);
  const ids = Array.from(
    { length: options.healthzRequests },
    (_, index) => `gate-${runToken}-lb-${index + 1}`,
  );
  const askIds = Array.from(
    { length: options.healthzRequests },
    (_, index) => `gate-${runToken}-lb-${options.healthzRequests + index + 1}`,
  );
  logger.info(
    `load-balancing: ${ids.length} × GET ${ROUTES.healthz} and ${askIds.length} × POST ${ROUTES.ask}, ${options.concurrency} at a time`,
  );
  const exchanges = await Promise.all(
    ids.map((id) => limit(() => http.get(ROUTES.healthz, { headers: { [REQUEST_ID_HEADER]: id } }))),
  );
  const readings = exchanges.map((exchange) => readHealthz(exchange, options.replicaHeader, say));
  const asks = await sampleAsks(context, askIds);
  const askFailures = asks.map((answer) => askFailure(answer.exchange, options));
  const header: RouteCounts = {
    healthz: new Map(
      countBy(readings.filter((r) => r.ok && r.replica).map((r) => r.replica!)).map((b) => [
        b.label,
        b.count,
      ]),
    ),
    ask: new Map(
      countBy(asks.filter((a) => a.replica).map((a) => a.replica!)).map((b) => [b.label, b.count]),
    ),
  };

  let counts: RequestCounts = {
    metric: REQUEST_COUNTER,
    ...(countsMissing ? { missing: countsMissing } : {}),
  };
  if (reader && countsBefore) {
    for (let attempt = 0; attempt < LOG_READ_ATTEMPTS && !context.signal.aborted; attempt++) {
      if (attempt > 0) await pause(LOG_READ_PAUSE_MS, context.signal);
      try {
        const after = await readRouteCounts(reader);
        if (after.healthz.size === 0 && after.ask.size === 0) {
          counts = {
            metric: REQUEST_COUNTER,
            missing: say(`${REQUEST_COUNTER} ausente`, `${REQUEST_COUNTER} absent`),
          };
          break;
        }
        const grown = {
          healthz: increase(countsBefore.healthz, after.healthz),
          ask: increase(countsBefore.ask, after.ask),
        };
        counts = { metric: REQUEST_COUNTER, ...grown };
        if (countersCaughtUp(grown, header)) break;
      } catch (error) {
        counts = { metric: REQUEST_COUNTER, missing: describeReadError(error, say) };
        break;
      }
    }
  }

  const succeeded =
    readings.filter((reading) => reading.ok).length + asks.filter((a, i) => !askFailures[i]).length;
  const allIds = new Set([...ids, ...askIds]);
  let logs: LogCount = { mode: 'unavailable', perReplica: new Map(), total: 0 };
  // Log lines reach the files (or compose) a moment after the answers: read again briefly until all show.
  for (let attempt = 0; attempt < LOG_READ_ATTEMPTS && !context.signal.aborted; attempt++) {
    if (attempt > 0) await pause(LOG_READ_PAUSE_MS, context.signal);
    try {
      const lines = await driver.logs(options.apiService, LOG_LINES_SEARCHED, context.signal);
      if (lines === undefined) {
        logs.note = say('este driver não lê logs', 'this driver cannot read logs');
        break;
      }
      logs = countHealthzInLogs(lines, allIds, say);
    } catch (error) {
      logs.note = `${say('logs ilegíveis', 'logs unreadable')}: ${(error as Error).message}`;
      break;
    }
    if (logs.mode === 'request-ids' && logs.total >= succeeded) break;
  }
  const outcome = decideLoadBalancing({
    expectedReplicas: options.replicas,
    readings,
    asks,
    askFailures,
    counts,
    replicaHeader: options.replicaHeader,
    logs,
    language: options.language,
  });
  return { id: 'load-balancing', ...outcome, durationMs: 0 };
};
