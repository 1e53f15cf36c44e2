/**
 * What the gate saw for one HTTP request: the response (status, headers, body, parsed JSON) or why
 * there was none (timeout, refused, reset). Plain data, so the checks' decisions are pure functions of it.
 */

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
  /** Parsed body when it was JSON; `jsonError` says why not otherwise. */
  json?: unknown;
  jsonError?: string;
  /** Set when no complete response arrived: timeout, connection refused, reset, aborted. */
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

/** Short, one-line, human description of what came back: `200 application/json`, `timed out after 5 s`. */
export function describeExchange(exchange: HttpExchange): string {
  if (exchange.error !== undefined) return exchange.error;
  const type = exchange.headers['content-type']?.split(';')[0] ?? 'no content-type';
  return `HTTP ${exchange.status} ${type}`;
}

/** First characters of the body on one line, for reasons and evidence. */
export function bodySnippet(exchange: HttpExchange, maxChars = 80): string {
  const flat = exchange.body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}
