/**
 * What the gate saw for one HTTP request: the response (status, headers, body, parsed JSON) or why
 * there was none (timeout, refused, reset). Plain data, so the checks' decisions are pure functions of it.
 */
import { formatSeconds } from '../kit/duration.js';
import { inEnglish, type Say } from '../report/language.js';

/** Why no complete response arrived, as data: said in the report's language by describeRequestFailure. */
export type RequestFailure =
  | { kind: 'timeout'; timeoutMs: number }
  /** The run was stopped (deadline, cancellation); `reason` as the run gave it. */
  | { kind: 'aborted'; reason?: string }
  | { kind: 'refused' }
  | { kind: 'closed' }
  | { kind: 'host-not-found' }
  /** Anything else: the error code (or message) as it came. */
  | { kind: 'other'; code: string };

/** Why a body is not JSON: empty, cut at the client's limit, or not valid JSON. */
export type JsonFailure = 'empty' | 'truncated' | 'invalid';

export interface HttpExchange {
  method: string;
  path: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Body as text, cut at the client's body limit (`bodyTruncated`). */
  body: string;
  bodyTruncated: boolean;
  /** Parsed body when it was JSON; `jsonFailure` (and `jsonError`, in English) say why not otherwise. */
  json?: unknown;
  jsonFailure?: JsonFailure;
  jsonError?: string;
  /** Set when no complete response arrived (`error` says it in English, for logs). */
  failure?: RequestFailure;
  error?: string;
  timedOut: boolean;
  /** Milliseconds from the client's origin (burst release or client creation) to the request start. */
  startedAtMs: number;
  /** Milliseconds from the start to the whole body read (or to the error). */
  durationMs: number;
}

/** True when a complete response with a 2xx status arrived. */
export function isSuccess(exchange: HttpExchange): boolean {
  return exchange.error === undefined && exchange.status !== undefined && exchange.status < 300;
}

/** Why a request got no response, in words a report reader understands. */
export function describeRequestFailure(failure: RequestFailure, say: Say = inEnglish): string {
  switch (failure.kind) {
    case 'timeout':
      return say(
        `sem resposta em ${formatSeconds(failure.timeoutMs)}`,
        `timed out after ${formatSeconds(failure.timeoutMs)}`,
      );
    case 'aborted':
      return say(
        `interrompida: ${failure.reason ?? 'a execução parou'}`,
        `aborted: ${failure.reason ?? 'the run was stopped'}`,
      );
    case 'refused':
      return say('conexão recusada', 'connection refused');
    case 'closed':
      return say('conexão fechada sem resposta', 'connection closed without an answer');
    case 'host-not-found':
      return say('host não encontrado', 'host not found');
    case 'other':
      return say(`requisição falhou: ${failure.code}`, `request failed: ${failure.code}`);
  }
}

/** Why a body is not JSON, in words. */
export function describeJsonFailure(failure: JsonFailure, say: Say = inEnglish): string {
  switch (failure) {
    case 'empty':
      return say('corpo vazio', 'empty body');
    case 'truncated':
      return say('corpo maior do que o gate lê', 'body larger than the gate reads');
    case 'invalid':
      return say('JSON inválido', 'invalid JSON');
  }
}

/** Short, one-line, human description of what came back: `200 application/json`, `timed out after 5 s`. */
export function describeExchange(exchange: HttpExchange, say: Say = inEnglish): string {
  if (exchange.failure !== undefined) return describeRequestFailure(exchange.failure, say);
  if (exchange.error !== undefined) return exchange.error;
  const type = exchange.headers['content-type']?.split(';')[0] ?? say('sem content-type', 'no content-type');
  return `HTTP ${exchange.status} ${type}`;
}

/** First characters of the body on one line, for reasons and evidence. */
export function bodySnippet(exchange: HttpExchange, maxChars = 80, say: Say = inEnglish): string {
  const flat = exchange.body.replace(/\s+/g, ' ').trim();
  if (flat === '') return say('(corpo vazio)', '(empty body)');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}
