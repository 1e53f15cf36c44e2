/**
 * The gate's HTTP client: every request bounded by a timeout and by the run's abort signal, bodies read
 * up to a limit (a stage answering a huge or endless body cannot exhaust the gate), and failures returned
 * as data instead of thrown, so a check can say exactly what the stage did.
 */
import { settleWithin } from '../kit/settle.js';
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import {
  describeJsonFailure,
  describeRequestFailure,
  type HttpExchange,
  type JsonFailure,
  type RequestFailure,
} from './http-exchange.js';

export interface RequestOptions {
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface GateHttpClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  get(path: string, options?: RequestOptions): Promise<HttpExchange>;
  postJson(path: string, body: unknown, options?: RequestOptions): Promise<HttpExchange>;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The longest the gate keeps a connection idle for reuse, whatever the stage's `Keep-Alive: timeout=N`
 * says (undici trusts that hint up to 10 minutes by default). A proxy may pass on its backend's hint: the
 * reference gateway passed on the api's 65 s and closed idle connections at 10 s, and a client busy when
 * the close came then sent its request into the closed connection (Node's own fetch lost 200 POSTs of
 * 200 that way in a reproduction; undici's Client, the gate's, lost none, but the gate's verdict must not
 * hang on that). 4 s is undici's own idle time when no hint comes.
 */
export const IDLE_CONNECTION_MAX_MS = 4000;

export interface HttpClientOptions {
  baseUrl: string;
  /** Default timeout of a request: headers and the whole body. */
  timeoutMs: number;
  /** The run's signal (global deadline): aborts every request in flight. */
  signal?: AbortSignal;
  bodyLimitBytes?: number;
}

/** Join a base URL (possibly with a path prefix) and a route. */
export function joinUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${prefix}${path.startsWith('/') ? path : `/${path}`}`, base.origin);
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Why a request produced no response, as data (see describeRequestFailure for the words). */
function requestFailureOf(error: unknown, timeoutMs: number, runSignal?: AbortSignal): RequestFailure {
  const err = error as { name?: string; code?: string; message?: string };
  if (runSignal?.aborted) {
    // The run's signal says why it stopped: the global deadline, or a cancellation from outside.
    const reason = (runSignal.reason as Error | undefined)?.message;
    return reason === undefined ? { kind: 'aborted' } : { kind: 'aborted', reason };
  }
  if (
    err?.name === 'TimeoutError' ||
    err?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    err?.code === 'UND_ERR_BODY_TIMEOUT' ||
    err?.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    err?.name === 'AbortError'
  )
    return { kind: 'timeout', timeoutMs };
  if (err?.code === 'ECONNREFUSED') return { kind: 'refused' };
  if (err?.code === 'ECONNRESET' || err?.code === 'UND_ERR_SOCKET') return { kind: 'closed' };
  if (err?.code === 'ENOTFOUND') return { kind: 'host-not-found' };
  return { kind: 'other', code: err?.code ?? err?.message ?? String(error) };
}

/** Read a body stream up to `limit` bytes; stop reading (and drop the rest) beyond it. */
async function readLimited(
  body: AsyncIterable<Buffer> & { destroy?: () => void },
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = limit - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      body.destroy?.();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function parseJsonBody(
  text: string,
  truncated: boolean,
): { json?: unknown; jsonFailure?: JsonFailure; jsonError?: string } {
  const failed = (jsonFailure: JsonFailure) => ({ jsonFailure, jsonError: describeJsonFailure(jsonFailure) });
  if (text.trim() === '') return failed('empty');
  if (truncated) return failed('truncated');
  try {
    return { json: JSON.parse(text) };
  } catch {
    return failed('invalid');
  }
}

/**
 * One request on a given dispatcher, never throwing: the exchange carries the response or the error.
 * `origin` is the performance.now() value that `startedAtMs` is measured from.
 */
export async function exchangeOnce(options: {
  dispatcher: Dispatcher;
  url: URL;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  runSignal?: AbortSignal;
  bodyLimitBytes?: number;
  origin: number;
}): Promise<HttpExchange> {
  const started = performance.now();
  // An explicit controller and timer rather than AbortSignal.any/timeout: the timer must fire even if
  // the request never reaches the socket, and must be cleared once the exchange is over.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('timed out', 'TimeoutError')),
    options.timeoutMs,
  );
  const onRunAbort = () => controller.abort(options.runSignal?.reason);
  if (options.runSignal?.aborted) onRunAbort();
  else options.runSignal?.addEventListener('abort', onRunAbort, { once: true });
  const signal = controller.signal;
  const base = {
    method: options.method,
    path: options.path,
    startedAtMs: started - options.origin,
  };
  try {
    const response = await request(options.url, {
      dispatcher: options.dispatcher,
      method: options.method,
      body: options.body,
      headers: options.headers,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const { text, truncated } = await readLimited(
      response.body,
      options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    );
    const headers = flattenHeaders(response.headers);
    return {
      ...base,
      status: response.statusCode,
      headers,
      body: text,
      bodyTruncated: truncated,
      ...parseJsonBody(text, truncated),
      timedOut: false,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    const failure = requestFailureOf(error, options.timeoutMs, options.runSignal);
    return {
      ...base,
      headers: {},
      body: '',
      bodyTruncated: false,
      failure,
      error: describeRequestFailure(failure),
      timedOut: failure.kind === 'timeout' || failure.kind === 'aborted',
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
    options.runSignal?.removeEventListener('abort', onRunAbort);
  }
}

export function createGateHttpClient(options: HttpClientOptions): GateHttpClient {
  // One keep-alive agent for the sequential requests; bursts use their own connections (burst.ts).
  const agent = new Agent({
    connections: 64,
    keepAliveMaxTimeout: IDLE_CONNECTION_MAX_MS,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const origin = performance.now();
  const send = (method: 'GET' | 'POST', path: string, body: string | undefined, request: RequestOptions) =>
    exchangeOnce({
      dispatcher: agent,
      url: joinUrl(options.baseUrl, path),
      method,
      path,
      body,
      headers: request.headers,
      timeoutMs: request.timeoutMs ?? options.timeoutMs,
      runSignal: options.signal,
      bodyLimitBytes: options.bodyLimitBytes,
      origin,
    });
  return {
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    get: (path, request = {}) => send('GET', path, undefined, request),
    postJson: (path, body, request = {}) =>
      send('POST', path, JSON.stringify(body), {
        ...request,
        headers: { 'content-type': 'application/json', ...request.headers },
      }),
    close: () => closeDispatcher(agent),
  };
}

/** Close gracefully, but never wait more than `graceMs` for requests that still hang. */
export async function closeDispatcher(dispatcher: Dispatcher, graceMs = 1000): Promise<void> {
  const outcome = await settleWithin(dispatcher.close(), { limitMs: graceMs });
  if (outcome.kind !== 'done') await dispatcher.destroy().catch(() => undefined);
}
