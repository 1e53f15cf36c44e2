/**
 * The report speaks one language. Two walks:
 * - every sentence the gate writes in both languages (each `say('…pt-BR…', '…en…')` of the source, and
 *   every message of the renderers' tables) is read: no English word in a Portuguese sentence, no
 *   Portuguese word (or accented letter) in an English one, and the words both languages share are
 *   only the technical terms listed below;
 * - every check decides on inputs that reach each of its outcomes and each of the texts made outside
 *   the checks (HTTP failures, answers that are not JSON, metrics sources and failures, the drivers'
 *   notes on services), the reports are rendered (markdown and terminal) in both languages, and their
 *   prose is read the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import {
  readAskAnswer,
  readHealthz,
  type AskAnswer,
  type HealthzReading,
} from '../../src/checks/ask-answer.js';
import type { CheckOutcome } from '../../src/checks/check-context.js';
import { countHealthzInLogs, decideLoadBalancing, type LogCount } from '../../src/checks/load-balancing.js';
import { decideNarratorSaturation } from '../../src/checks/narrator-saturation.js';
import { decideSingleFlight } from '../../src/checks/plan-cache-single-flight.js';
import { decidePrivateIsolation } from '../../src/checks/private-isolation.js';
import { decideStageUp } from '../../src/checks/stage-up.js';
import type { CounterReading } from '../../src/checks/stage-metrics.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import type { HttpExchange, RequestFailure } from '../../src/http/http-exchange.js';
import { localize, type Language } from '../../src/report/language.js';
import { messagesFor } from '../../src/report/messages.js';
import { renderMarkdown } from '../../src/report/markdown-renderer.js';
import type { CheckId, CheckResult, GateReport } from '../../src/report/model.js';
import { renderTerminal } from '../../src/report/terminal-renderer.js';
import type { MetricsFailure, MetricsSource, ServiceNote, ServiceStatus } from '../../src/stage/driver.js';
import { REPO_ROOT } from '../action/run-entry.js';
import { exchange, type AskShape } from '../checks/exchanges.js';

// ---- what counts as a word of one language

/** English words that are not Portuguese: one of them in a pt-BR sentence is an English fragment. */
const ENGLISH = new Set(
  `the of and with without from by not is are was were to for than which this that these every only
  could cannot did does answered answer answers asks ask failed fails read absent over sum direct scrape
  scraped within timed out request requests connection refused closed body empty invalid found aborted
  stopped reached deadline burst leader latency error unknown reason booted booting replica replicas
  before after while during each all some one two more less too most its it be been being has have had
  text figures identical private question key keys client seen expected sent succeeded failures spread
  executed execution executions heavy metric metrics source lines line newest services service instance
  state address detail order outcome answered narrated narrator limit per probes probe budget coalesced
  simultaneous distinct shared share holds hold names name repeat warm already likely earlier run runs
  cancelled left chart points see table items value evidence what passed degraded nothing conclusion
  ready multi user check shortened size report unreadable whole logs' killed code
  available simulator started through seen servers stats unreachable partial scrape settle took taking
  waiting reading exceed exceeds malformed doesn't don't did not`.split(/\s+/),
);
/** Portuguese words that are not English (short ones shared by both, like `a`, `no`, `do`, `as`, are left out). */
const PORTUGUESE = new Set(
  `não de da dos das em na nas nos com sem para pelo pela pelos pelas um uma uns umas ou mais que foi
  foram está estão são é ao aos à às réplica réplicas resposta respostas pergunta perguntas falhou
  falharam lida soma coleta sobrecarga líder latência erro motivo desconhecido prazo atingido execução
  cancelada conexão recusada corpo vazio inválido encontrado interrompida parou rajada chave chaves
  cliente pesada pesadas métrica métricas leitura direta fonte nenhuma nenhum linhas linha serviços
  serviço estado endereço detalhe ordem narrador limite sondas orçamento dispersão distintas idênticas
  verificação verificações passou degradou logs dos serviços gráfico pontos tabela ilegível completos
  ficam artefato saiu encerrado código simulador iniciado visto só gateway externo servidores
  estatísticas inacessível parcial atualizarem levou esperar ler passam respondeu respondidas outras
  falhas tempo esgotado sem requisição`.split(/\s+/),
);
PORTUGUESE.delete('logs');
PORTUGUESE.delete('gateway');
// The route POST /ask, named in both languages.
ENGLISH.delete('ask');
/**
 * Words both languages use alike: technical terms, names, and short words of both. Anything else
 * found in both a Portuguese and an English sentence is a fragment of one language in the other.
 */
const SHARED = new Set(
  `a b api boot bytes cache compose driver exporter false gate gateway get global haproxy healthz hit hits
  host http json html local logs log max miss misses ms ollama overload prometheus real s stage tickers
  ttl up url do no p item chat checks ids stagegate ok base job pod
  backend bench cpu lag llm redis slo streaming wilson workers sql true fallback ask post as meta`.split(
    /\s+/,
  ),
);
const ACCENTED = /[áàâãéêíóôõúüç]/i;

/** Words of prose: identifiers (with digits, `-`, `_`, `.`, `/`) and emoji are not words of a language. */
function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_][\p{L}\p{N}_'.\-/:{}="]*/gu) ?? [])
    .map((word) => word.replace(/[.:'"]+$/, ''))
    .filter((word) => /^\p{L}+$/u.test(word));
}

function foreignWords(text: string, language: Language): string[] {
  const words = wordsOf(text);
  if (language === 'pt-BR') return words.filter((word) => ENGLISH.has(word) && !PORTUGUESE.has(word));
  return [
    ...words.filter((word) => PORTUGUESE.has(word) && !ENGLISH.has(word)),
    ...words.filter((word) => ACCENTED.test(word)),
  ];
}

// ---- walk 1: every sentence of the source, and every message of the renderers

interface Pair {
  where: string;
  pt: string;
  en: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The literal text of a string or template argument (substitutions left out), or undefined. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((span) => ` ${span.literal.text}`)].join('');
  return undefined;
}

/** Every `say(pt, en)` (or `localize(x)(pt, en)`) of the gate's source; the API and the simulator do not report. */
function sayPairs(): Pair[] {
  const pairs: Pair[] = [];
  const src = join(REPO_ROOT, 'src');
  for (const file of sourceFiles(src).filter((path) => !/[/\\]src[/\\](api|ollama-sim)[/\\]/.test(path))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.arguments.length === 2) {
        const callee = node.expression.getText(source);
        if (/(^|\.)say$|^localize\(/.test(callee)) {
          const where = `${file.slice(src.length + 1)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
          const pt = literalText(node.arguments[0]!);
          const en = literalText(node.arguments[1]!);
          assert.ok(
            pt !== undefined && en !== undefined,
            `${where}: say() takes the two sentences as literals`,
          );
          pairs.push({ where, pt, en });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return pairs;
}

/** Every message of the renderers' tables, functions called with sample arguments. */
function messageTexts(language: Language): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'function')
      out.push(String((value as (...args: unknown[]) => unknown)(2, 3, 4, 5)));
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(messagesFor(language));
  return out;
}

test('every sentence the gate writes is in one language, in both of its versions', () => {
  const pairs = sayPairs();
  assert.ok(pairs.length > 150, `the walk finds the sentences (${pairs.length})`);
  const pt = messageTexts('pt-BR');
  const en = messageTexts('en');
  assert.equal(pt.length, en.length);
  pairs.push(
    ...pt.map((text, index) => ({ where: `messages.ts message ${index}`, pt: text, en: en[index]! })),
  );

  const problems: string[] = [];
  for (const pair of pairs) {
    const inPt = foreignWords(pair.pt, 'pt-BR');
    const inEn = foreignWords(pair.en, 'en');
    if (inPt.length) problems.push(`${pair.where}: English in pt-BR (${inPt.join(', ')}): ${pair.pt}`);
    if (inEn.length) problems.push(`${pair.where}: Portuguese in en (${inEn.join(', ')}): ${pair.en}`);
  }
  const ptWords = new Set(pairs.flatMap((pair) => wordsOf(pair.pt)));
  const enWords = new Set(pairs.flatMap((pair) => wordsOf(pair.en)));
  const shared = [...ptWords].filter((word) => enWords.has(word) && !SHARED.has(word)).sort();
  if (shared.length) problems.push(`words in both languages that are not shared terms: ${shared.join(', ')}`);
  assert.deepEqual(problems, []);
});

// ---- walk 2: every check's outcomes, with the texts made outside the checks, rendered

// Paths of no language (the defaults, `answer` and `error`, are English words quoted in reasons).
const settingsOf = (language: Language) =>
  parseGateSettings({ driver: 'local', language, answerPath: 'r.t', errorPath: 'r.e' });

type Shape = AskShape;

function askExchange(shape: Shape): HttpExchange {
  const json = {
    r: {
      t: shape.answer === undefined ? 'MXRF11 10,36 HGLG11 1500' : shape.answer,
      ...(shape.error ? { e: shape.error } : {}),
    },
    meta: {
      replica: shape.replica ?? 'api-1',
      narrative_overload: shape.overload ?? false,
      narrator: { outcome: shape.overload ? 'overload' : 'ok' },
      compute: { plan_cache_hit: shape.hit ?? false, plan_cache_key: shape.key ?? 'k1', role: 'r1' },
    },
  };
  return exchange({
    status: shape.status ?? 200,
    body: JSON.stringify(json),
    json,
    durationMs: shape.durationMs ?? 100,
    headers: { 'content-type': 'application/json', 'x-replica-id': shape.replica ?? 'api-1' },
  });
}

const REQUEST_FAILURES: RequestFailure[] = [
  { kind: 'timeout', timeoutMs: 30_000 },
  { kind: 'aborted' },
  { kind: 'refused' },
  { kind: 'closed' },
  { kind: 'host-not-found' },
  { kind: 'other', code: 'EPIPE' },
];

/** Exchanges that are not usable answers, one of every kind the gate describes. */
function brokenExchanges(): HttpExchange[] {
  return [
    ...REQUEST_FAILURES.map((failure) =>
      exchange({
        status: undefined,
        headers: {},
        failure,
        error: 'x',
        timedOut: failure.kind === 'timeout',
      }),
    ),
    exchange({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html>502</html>',
      jsonFailure: 'invalid',
    }),
    exchange({ status: 200, body: '', jsonFailure: 'empty' }),
    exchange({ status: 200, body: '{"a":', jsonFailure: 'invalid' }),
    exchange({ status: 200, body: 'x'.repeat(10), jsonFailure: 'truncated' }),
    exchange({ status: 200, body: '[1]', json: [1] }),
    exchange({ status: 503, body: '{}', json: {} }),
    exchange({ status: 200, body: '{"meta":{}}', json: { meta: {} } }),
  ];
}

const asks = (language: Language, shapes: Shape[]): AskAnswer[] =>
  shapes.map((shape) =>
    readAskAnswer(askExchange(shape), settingsOf(language), ['answer', 'cacheHit', 'cacheKey', 'overload']),
  );
const broken = (language: Language): AskAnswer[] =>
  brokenExchanges().map((item) =>
    readAskAnswer(item, settingsOf(language), ['answer', 'cacheHit', 'cacheKey']),
  );
const healthz = (
  language: Language,
  replica: string | undefined,
  partial: Partial<HttpExchange> = {},
): HealthzReading =>
  readHealthz(
    exchange({
      method: 'GET',
      path: '/healthz',
      headers: replica ? { 'x-replica-id': replica } : {},
      json: { status: 'ok' },
      body: '{"status":"ok"}',
      ...partial,
    }),
    'x-replica-id',
    localize(language),
  );

const SOURCES: Array<MetricsSource | undefined> = [
  { kind: 'scrape', replicas: ['api-1', 'api-3'], notCounted: ['api-2'] },
  { kind: 'scrape', replicas: ['api-1'] },
  { kind: 'prometheus', url: 'http://127.0.0.1:9090' },
  { kind: 'gateway-only', url: 'http://127.0.0.1:8000/metrics' },
  undefined,
];
const FAILURES: MetricsFailure[] = [
  { kind: 'unreachable', where: 'api-1', cause: 'ECONNREFUSED' },
  { kind: 'unreachable', where: 'api-1', cause: 'timeout' },
  { kind: 'bad-answer', where: 'api-1' },
  { kind: 'too-large', where: 'api-1', maxBytes: 1024 },
  { kind: 'not-settled', where: 'http://127.0.0.1:9090', fresh: 1, expected: 3, timeoutMs: 15_000 },
  { kind: 'slow', step: 'settle', timeoutMs: 16_000 },
  { kind: 'slow', step: 'read', timeoutMs: 10_000 },
  { kind: 'other', message: 'EPIPE' },
];
const reading = (
  value: number | undefined,
  source?: MetricsSource,
  failure?: MetricsFailure,
): CounterReading => ({
  metric: 'services_m_total',
  reachable: failure === undefined && source !== undefined,
  ...(source ? { source } : {}),
  ...(value !== undefined ? { value } : {}),
  ...(failure ? { failure } : {}),
});
/** Readings before/after: every source, every failure, an absent metric. */
const READINGS: Array<[CounterReading, CounterReading]> = [
  ...SOURCES.map((source): [CounterReading, CounterReading] => [reading(4, source), reading(5, source)]),
  ...FAILURES.map((failure): [CounterReading, CounterReading] => [
    reading(4, SOURCES[0]),
    reading(undefined, SOURCES[2], failure),
  ]),
  [reading(undefined, SOURCES[0]), reading(undefined, SOURCES[0])],
];

function singleFlightOutcomes(language: Language): CheckOutcome[] {
  const burst = (misses: number, keys = 1, extra: Shape = {}) =>
    asks(
      language,
      Array.from({ length: 6 }, (_, index) => ({
        hit: index >= misses,
        key: `k${index % keys}`,
        durationMs: index < misses ? 500 : 510,
        ...extra,
      })),
    );
  const decide = (answers: AskAnswer[], before = READINGS[0]![0], after = READINGS[0]![1], spread = 2) =>
    decideSingleFlight({
      question: 'q1',
      answers,
      burst: { connectMs: 3, dispatchSpreadMs: spread, preconnectFailures: 0 },
      metricBefore: before,
      metricAfter: after,
      latencyBudgetFactor: 3,
      latencyBudgetMs: 500,
      cacheHitPath: 'meta.compute.plan_cache_hit',
      language,
    });
  return [
    ...READINGS.map(([before, after]) => decide(burst(1), before, after)),
    decide([...burst(1), ...broken(language)]),
    decide(
      asks(language, [{ hit: false }, { hit: true }]).map((answer, index) =>
        index === 1 ? { ...answer, cacheHit: undefined } : answer,
      ),
    ),
    decide(burst(1, 2)),
    decide(burst(0)),
    decide(burst(3)),
    decide(burst(1), reading(4, SOURCES[0]), reading(8, SOURCES[0])),
    decide(burst(1), reading(4, SOURCES[0]), reading(4, SOURCES[0])),
    decide(
      asks(language, [{ hit: false, durationMs: 100 }, ...Array(5).fill({ hit: true, durationMs: 9000 })]),
    ),
    decide(burst(1), undefined, undefined, 800),
  ];
}

function loadBalancingOutcomes(language: Language): CheckOutcome[] {
  const say = localize(language);
  const ids = new Set(['gate-2abc-lb-1', 'gate-2abc-lb-2']);
  const logs: LogCount[] = [
    {
      mode: 'unavailable',
      perReplica: new Map(),
      total: 0,
      note: say('este driver não lê logs', 'this driver cannot read logs'),
    },
    countHealthzInLogs([], ids, say),
    countHealthzInLogs(['{"replica":"api-1","path":"/healthz","request_id":"gate-2abc-lb-1"}'], ids, say),
    countHealthzInLogs(['api-2 | GET /healthz 200'], ids, say),
  ];
  const spread = (replicas: string[], count = 6) =>
    Array.from({ length: count }, (_, index) => healthz(language, replicas[index % replicas.length]));
  const decide = (readings: HealthzReading[], log: LogCount = logs[0]!) =>
    decideLoadBalancing({
      expectedReplicas: 3,
      readings,
      replicaHeader: 'x-replica-id',
      logs: log,
      language,
    });
  return [
    ...logs.map((log) => decide(spread(['api-1', 'api-2', 'api-3']), log)),
    decide(spread(['api-1', 'api-2'])),
    decide(spread(['api-1'])),
    decide(spread(['api-1', 'api-2', 'api-3', 'api-4'])),
    decide([...spread(['api-1']), healthz(language, undefined)]),
    decide([
      ...spread(['api-1']),
      ...brokenExchanges().map((item) =>
        readHealthz({ ...item, method: 'GET', path: '/healthz' }, 'x-replica-id', localize(language)),
      ),
      healthz(language, 'api-2', { status: 503, headers: {}, body: '' }),
    ]),
  ];
}

function privateIsolationOutcomes(language: Language): CheckOutcome[] {
  const [a1, b, a2, same, hitB, a2Miss, a2Other, emptyA] = asks(language, [
    { key: 'ka', answer: 'MXRF11 1500 HGLG11 2300' },
    { key: 'kb', answer: 'KNRI11 900' },
    { key: 'ka', hit: true, answer: 'MXRF11 1500 HGLG11 2300' },
    { key: 'ka', answer: 'KNRI11 900' },
    { key: 'kb', hit: true, answer: 'KNRI11 900 MXRF11' },
    { key: 'ka', hit: false, answer: 'MXRF11 1500' },
    { key: 'kc', hit: true, answer: 'MXRF11 1500' },
    { key: 'ka', answer: '' },
  ]);
  const decide = (first: AskAnswer, second: AskAnswer, third: AskAnswer) =>
    decidePrivateIsolation({
      question: 'q2',
      clientA: 'c1',
      clientB: 'c2',
      nicknameA: 'nick1',
      a1: first,
      b: second,
      a2: third,
      language,
    });
  const [failed] = broken(language);
  return [
    decide(a1!, b!, a2!),
    decide(failed!, b!, a2!),
    decide(a1!, same!, a2!),
    decide(a1!, { ...b!, answer: a1!.answer }, a2!),
    decide(a1!, { ...b!, answer: 'nick1 KNRI11' }, a2!),
    decide(a1!, { ...b!, answer: 'MXRF11 1500 HGLG11 2300 x' }, a2!),
    decide(a1!, { ...hitB!, cacheKey: undefined }, a2Miss!),
    decide(a1!, hitB!, a2Other!),
    decide(emptyA!, b!, a2!),
  ];
}

function narratorOutcomes(language: Language): CheckOutcome[] {
  const answered = (count: number) =>
    asks(
      language,
      Array.from({ length: count }, (_, index) => ({ key: `n${index}`, answer: 'x1' })),
    );
  const overloaded = (count: number) =>
    asks(
      language,
      Array.from({ length: count }, (_, index) => ({
        key: `o${index}`,
        status: 503,
        answer: null,
        error: 'llm_concurrency_limited',
        overload: true,
      })),
    );
  const probes = [healthz(language, 'api-1', { durationMs: 4 })];
  const decide = (
    answers: AskAnswer[],
    extra: { probes?: HealthzReading[]; max?: number; after?: CounterReading; offered?: boolean } = {},
  ) =>
    decideNarratorSaturation({
      answers,
      probes: extra.probes ?? probes,
      timeoutMs: 30_000,
      healthzBudgetMs: 1000,
      narratorMaxConcurrency: extra.max ?? 1,
      replicas: 3,
      metricsOffered: extra.offered ?? true,
      overloadBefore: reading(0, SOURCES[0]),
      overloadAfter: extra.after ?? reading(6, SOURCES[0]),
      dispatchSpreadMs: 3,
      language,
    });
  const timedOut = readAskAnswer(
    exchange({
      status: undefined,
      headers: {},
      failure: { kind: 'timeout', timeoutMs: 30_000 },
      error: 'x',
      timedOut: true,
    }),
    settingsOf(language),
    ['answer'],
  );
  return [
    decide([...answered(3), ...overloaded(6)]),
    ...READINGS.map(([, after]) => decide([...answered(3), ...overloaded(6)], { after })),
    decide([...answered(3), timedOut]),
    decide([...answered(3), ...broken(language).slice(6)]),
    decide([...answered(3), ...overloaded(6)], {
      probes: [healthz(language, 'api-1', { status: 500, body: '' })],
    }),
    decide([...answered(3), ...overloaded(6)], {
      probes: [healthz(language, 'api-1', { durationMs: 5000 })],
    }),
    decide(answered(3)),
    decide(answered(3), { max: 0 }),
    decide([...answered(3), ...overloaded(6)], { after: reading(0, SOURCES[0]) }),
    decide(overloaded(6)),
    decide([...answered(2), ...asks(language, [{ key: 'n0', answer: 'x1' }]), ...overloaded(6)]),
    decide([...answered(3), ...overloaded(6)], { offered: false, after: reading(undefined) }),
  ];
}

const NOTES: ServiceNote[] = [
  { kind: 'exited', code: 1, signal: null },
  { kind: 'exited', code: null, signal: 'SIGKILL' },
  { kind: 'compose-only' },
  { kind: 'ollama-simulator' },
  { kind: 'ollama-external' },
  { kind: 'haproxy', serversUp: ['api-1', 'api-2'], servers: 3, statsUrl: 'http://127.0.0.1:1/stats' },
  { kind: 'haproxy-exporter-unreachable', cause: 'timeout' },
  { kind: 'external-gateway', answer: 'HTTP 503' },
  { kind: 'not-booted', selected: ['api', 'gateway', 'redis'] },
  { kind: 'prometheus-target', job: 'api', up: true, podReady: 'false' },
  { kind: 'prometheus-target', job: 'api', up: false },
  { kind: 'prometheus-no-target', job: 'api' },
  { kind: 'prometheus-unreadable', cause: 'timeout' },
];

function stageUpOutcomes(language: Language): CheckOutcome[] {
  const row = (
    service: string,
    name: string,
    state = 'running',
    health: ServiceStatus['health'] = 'healthy',
    notes?: ServiceNote[],
  ): ServiceStatus => ({
    service,
    name,
    state,
    health,
    ...(notes ? { notes } : {}),
  });
  const healthy = [
    row('api', 'api-1', 'running', 'healthy', [NOTES[3]!]),
    row('api', 'api-2'),
    row('api', 'api-3'),
    row('gateway', 'gateway', 'running', 'healthy', [NOTES[5]!, NOTES[6]!]),
    row('redis', 'redis'),
    row('ollama', 'ollama', 'external', 'healthy', [NOTES[4]!]),
    row('prometheus', 'prometheus'),
    row('grafana', 'grafana', 'unavailable', 'none', [NOTES[2]!]),
  ];
  const decide = (
    services: ServiceStatus[] | undefined,
    extra: {
      kind?: 'local' | 'compose' | 'external';
      boot?: Partial<GateReport['checks'][number]> & { ok?: boolean; partial?: boolean; reason?: string };
      error?: string;
    } = {},
  ) =>
    decideStageUp({
      driverKind: extra.kind ?? 'local',
      baseUrl: 'http://127.0.0.1:1',
      boot: {
        ok: extra.boot?.ok ?? true,
        services: services ?? [],
        durationMs: 1000,
        ...(extra.boot?.partial ? { partial: true } : {}),
        ...(extra.boot?.reason ? { reason: extra.boot.reason } : {}),
      },
      ...(services ? { services } : {}),
      ...(extra.error ? { servicesError: extra.error } : {}),
      apiService: 'api',
      gatewayService: 'gateway',
      replicas: 3,
      requiredServices: ['redis', 'ollama', 'prometheus', 'grafana'],
      language,
    });
  return [
    decide(healthy),
    decide([...healthy, row('api', 'api-4')]),
    decide([...healthy, row('gateway', 'gateway-2')]),
    decide([...healthy.slice(1), row('api', 'api-1', 'exited', 'unhealthy', [NOTES[0]!])]),
    decide([...healthy.slice(0, 3), row('gateway', 'gateway', 'exited', 'unhealthy', [NOTES[1]!])]),
    decide(healthy.slice(0, 3), { kind: 'compose' }),
    decide([row('gateway', 'gateway', 'running', 'unhealthy', [NOTES[7]!])], { kind: 'external' }),
    decide(undefined, { boot: { ok: false, reason: 'x1' } }),
    decide(healthy, { boot: { ok: false, partial: true, reason: 'x1' } }),
    decide(healthy, { error: 'x1' }),
  ];
}

function outcomesOf(language: Language): Array<[CheckId, CheckOutcome[]]> {
  return [
    ['stage-up', stageUpOutcomes(language)],
    ['load-balancing', loadBalancingOutcomes(language)],
    ['plan-cache-single-flight', singleFlightOutcomes(language)],
    ['private-isolation', privateIsolationOutcomes(language)],
    ['narrator-saturation', narratorOutcomes(language)],
  ];
}

function reportOf(language: Language, checks: CheckResult[], extra: Partial<GateReport> = {}): GateReport {
  return {
    version: 1,
    verdict: 'not-ready',
    worst: 'fail',
    checks,
    stage: { driver: 'local', baseUrl: 'http://127.0.0.1:1', replicas: 3, narratorMaxConcurrency: 1 },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    phases: [],
    language,
    serviceLogs: {
      linesPerService: 40,
      maxLineChars: 300,
      services: [
        { service: 'api', lines: ['{"x":1}'] },
        { service: 'redis', lines: [], error: 'EACCES' },
      ],
    },
    ...extra,
  };
}

/** The prose of a rendered report: code (logs, ids, quoted output) and HTML entities left out. */
function proseOf(markdown: string): string {
  return (
    markdown
      .replace(/\\(.)/g, '$1')
      .replace(/^(`{3,})[\s\S]*?^\1$/gm, ' ')
      .replace(/`[^`\n]*`/g, ' ')
      .replace(/&#?\w+;/g, ' ')
      .replace(/https?:\/\/\S+/g, ' ')
      .replace(/<\/?[a-z]+>/g, ' ')
      // A word cut short (`timed ou…`) is not a word of either language.
      .replace(/\p{L}*…/gu, ' ')
  );
}

test('every outcome of every check, rendered, holds no word of the other language', () => {
  const problems: string[] = [];
  const seen = new Map<Language, Set<string>>();
  for (const language of ['pt-BR', 'en'] as const) {
    const words = new Set<string>();
    seen.set(language, words);
    for (const [id, outcomes] of outcomesOf(language)) {
      assert.ok(
        new Set(outcomes.map((outcome) => outcome.status)).size >= 2,
        `${id}: outcomes of more than one status`,
      );
      const checks = outcomes.map((outcome) => ({ id, ...outcome, durationMs: 10 }));
      for (const text of [
        renderMarkdown(reportOf(language, checks)),
        renderTerminal(reportOf(language, checks)),
        renderMarkdown(reportOf(language, checks, { verdict: 'boot-failed' }), { maxChars: 3000 }),
        renderMarkdown(reportOf(language, checks, { verdict: 'ready', worst: 'warn' })),
      ]) {
        const prose = proseOf(text);
        for (const word of wordsOf(prose)) words.add(word);
        const foreign = [...new Set(foreignWords(prose, language))];
        if (foreign.length) problems.push(`${language} ${id}: ${foreign.join(', ')}`);
      }
    }
  }
  const shared = [...seen.get('pt-BR')!].filter((word) => seen.get('en')!.has(word) && !SHARED.has(word));
  // Names the stage or the test data put in (replica and client names, codes) are the same in both.
  const data = new Set([
    'q',
    'x',
    'nick',
    'ka',
    'kb',
    'kc',
    'k',
    'n',
    'o',
    'c',
    'eacces',
    'epipe',
    'econnrefused',
    'sigkill',
    'grafana',
    'redis',
    'running',
    'healthy',
    'unhealthy',
    'exited',
    'external',
    'unavailable',
    'none',
    'true',
    'mxrf',
    'hglg',
    'knri',
    'llm',
    'item',
    'xxxxxxxxxx',
  ]);
  const unexplained = shared.filter((word) => !data.has(word)).sort();
  if (unexplained.length) problems.push(`words in both languages' reports: ${unexplained.join(', ')}`);
  assert.deepEqual(problems, []);
});
