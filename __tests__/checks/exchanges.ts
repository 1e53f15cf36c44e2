/** Synthetic HTTP exchanges and answers for the checks' decision tests. */
import type { HttpExchange } from '../../src/http/http-exchange.js';
import {
  readAskAnswer,
  readHealthz,
  type AskAnswer,
  type HealthzReading,
} from '../../src/checks/ask-answer.js';
import { parseGateSettings } from '../../src/gate/settings.js';

/** English, so the problems the checks quote read as the tests expect. */
export const defaults = parseGateSettings({ driver: 'local', language: 'en' });

export function exchange(partial: Partial<HttpExchange> & { json?: unknown }): HttpExchange {
  const body = partial.body ?? (partial.json === undefined ? '' : JSON.stringify(partial.json));
  return {
    method: 'POST',
    path: '/ask',
    status: 200,
    headers: { 'content-type': 'application/json' },
    bodyTruncated: false,
    timedOut: false,
    startedAtMs: 0,
    durationMs: 100,
    ...partial,
    body,
  };
}

export interface AskShape {
  replica?: string;
  hit?: boolean;
  key?: string;
  answer?: string | null;
  overload?: boolean;
  error?: string;
  status?: number;
  durationMs?: number;
  role?: string;
}

/** A contract-shaped /ask answer. */
export function askJson(shape: AskShape): unknown {
  return {
    answer: shape.answer === undefined ? 'MXRF11 fechou a R$ 10,36.' : shape.answer,
    ...(shape.error ? { error: shape.error } : {}),
    meta: {
      replica: shape.replica ?? 'api-1',
      request_id: 'r1',
      intent: 'current_price',
      entities: [],
      narrative_overload: shape.overload ?? false,
      narrator: { outcome: shape.overload ? 'overload' : 'ok', source: 'template' },
      compute: {
        plan_cache_hit: shape.hit ?? false,
        plan_cache_key: shape.key ?? 'plan:v1:public:abc',
        plan_scope: 'public',
        role: shape.role ?? (shape.hit ? 'follower' : 'leader'),
        cache_available: true,
        timings: { total_ms: 1, wait_ms: 0, sql_ms: 0, llm_ms: 0 },
      },
    },
  };
}

export function ask(shape: AskShape): AskAnswer {
  return readAskAnswer(
    exchange({
      status: shape.status ?? 200,
      json: askJson(shape),
      durationMs: shape.durationMs ?? 100,
      headers: { 'content-type': 'application/json', 'x-replica-id': shape.replica ?? 'api-1' },
    }),
    defaults,
    ['answer', 'cacheHit', 'cacheKey', 'overload'],
  );
}

export function timedOutAsk(seconds = 30): AskAnswer {
  return readAskAnswer(
    exchange({
      status: undefined,
      headers: {},
      error: `timed out after ${seconds} s`,
      timedOut: true,
      durationMs: seconds * 1000,
    }),
    defaults,
    ['answer'],
  );
}

export function healthz(
  replica: string | undefined,
  options: { status?: number; durationMs?: number } = {},
): HealthzReading {
  return readHealthz(
    exchange({
      method: 'GET',
      path: '/healthz',
      status: options.status ?? 200,
      durationMs: options.durationMs ?? 5,
      headers: replica ? { 'x-replica-id': replica } : {},
      json: { status: 'ok', replica: replica ?? 'x', uptime_s: 1, redis: 'up' },
    }),
    'x-replica-id',
  );
}

/** A narrator burst's answers: `answered` narrated ones (1.5 s), then `overloaded` refused ones. */
export function narratorAnswers(answered: number, overloaded: number): AskAnswer[] {
  return [
    ...Array.from({ length: answered }, (_, index) =>
      ask({ key: `k${index}`, answer: 'texto', durationMs: 1500 }),
    ),
    ...Array.from({ length: overloaded }, (_, index) =>
      ask({
        key: `o${index}`,
        status: 503,
        answer: null,
        error: 'llm_concurrency_limited',
        overload: true,
        durationMs: 40,
      }),
    ),
  ];
}
