/**
 * `load-balancing`: N `GET /healthz` through the gateway. Every one must succeed; the replica that
 * answered each is read from the replica header (or the body), and — where the driver shows logs —
 * also from the api service's own log lines, as a human would check with `docker compose logs api`.
 * All replicas seen → ✅, only some → ⚠️, just one (of several) or any failure → ❌.
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

export interface LoadBalancingInput {
  expectedReplicas: number;
  readings: HealthzReading[];
  replicaHeader: string;
  logs: LogCount;
  language: Language;
}

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
  const logsAgree = logEvidence(input, histogram, evidence, say);

  if (failed.length > 0)
    return {
      status: 'fail',
      reason: say(
        `${failed.length}/${total} GET /healthz falharam: ${summarizeProblems(failed.map((reading) => reading.problem ?? '?'))}`,
        `${failed.length}/${total} GET /healthz failed: ${summarizeProblems(failed.map((reading) => reading.problem ?? '?'))}`,
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
  if (histogram.length < input.expectedReplicas)
    return {
      status: 'warn',
      reason: say(
        `só ${histogram.length}/${input.expectedReplicas} réplicas responderam a ${total} GET /healthz (${seen})`,
        `only ${histogram.length}/${input.expectedReplicas} replicas answered ${total} GET /healthz (${seen})`,
      ),
      evidence,
    };
  if (logsAgree === false)
    return {
      status: 'warn',
      reason: say(
        `${histogram.length} réplicas pelo cabeçalho (${seen}), mas os logs da api não confirmam a mesma distribuição`,
        `${histogram.length} replicas by header (${seen}), but the api logs do not show the same distribution`,
      ),
      evidence,
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
  return {
    status: 'pass',
    reason: say(
      `${total}/${total} GET /healthz com sucesso, distribuídos entre ${plural(histogram.length, 'réplica', 'réplicas')} (${seen})${confirmed}${extra}`,
      `${total}/${total} GET /healthz succeeded, spread over ${plural(histogram.length, 'replica', 'replicas')} (${seen})${confirmed}${extra}`,
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

export const loadBalancingCheck: Check = async (context) => {
  const { options, http, driver, logger, runToken } = context;
  const limit = pLimit(options.concurrency);
  const ids = Array.from(
    { length: options.healthzRequests },
    (_, index) => `gate-${runToken}-lb-${index + 1}`,
  );
  logger.info(`load-balancing: ${ids.length} × GET ${ROUTES.healthz}, ${options.concurrency} at a time`);
  const exchanges = await Promise.all(
    ids.map((id) => limit(() => http.get(ROUTES.healthz, { headers: { [REQUEST_ID_HEADER]: id } }))),
  );
  const say = localize(options.language);
  const readings = exchanges.map((exchange) => readHealthz(exchange, options.replicaHeader, say));

  const succeeded = readings.filter((reading) => reading.ok).length;
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
      logs = countHealthzInLogs(lines, new Set(ids), say);
    } catch (error) {
      logs.note = `${say('logs ilegíveis', 'logs unreadable')}: ${(error as Error).message}`;
      break;
    }
    if (logs.mode === 'request-ids' && logs.total >= succeeded) break;
  }
  const outcome = decideLoadBalancing({
    expectedReplicas: options.replicas,
    readings,
    replicaHeader: options.replicaHeader,
    logs,
    language: options.language,
  });
  return { id: 'load-balancing', ...outcome, durationMs: 0 };
};
