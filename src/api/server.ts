/**
 * The HTTP side of the API (node:http): routing, request ids, the replica header, one JSON log line and
 * one latency observation per request, input refusal, and graceful shutdown. It wires the modules it is
 * given and holds no business logic of its own.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ASK_LIMITS,
  AskRequestSchema,
  REPLICA_HEADER,
  REQUEST_ID_HEADER,
  ROUTES,
  type ErrorBody,
  type ErrorCode,
  type HealthzResponse,
} from '../contract/index.js';
import type { AskService } from './ask-service.js';
import type { Fault } from './config.js';
import type { ApiMetrics } from './metrics.js';
import { readJsonBody } from './request-body.js';
import { withRequestSpan } from './tracing.js';
import { loggedStatus, requestPath, serveHttp, writeJson } from '../kit/http-server.js';
import type { LogFields, Logger } from '../kit/json-logger.js';

export interface ApiServerDeps {
  replicaId: string;
  faults: ReadonlySet<Fault>;
  logger: Logger;
  metrics: ApiMetrics;
  askService: AskService;
  isRedisUp: () => boolean;
}

export interface ApiServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stop accepting, let in-flight requests finish for up to `graceMs`, then close every socket. */
  shutdown(graceMs: number): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** How long the rest of a refused request's body may keep arriving (and be thrown away) before the connection is cut. */
const UNREAD_BODY_LINGER_MS = 2000;

interface RequestContext {
  requestId: string;
  path: string;
  fields: LogFields;
}

export function createApiServer(deps: ApiServerDeps): ApiServer {
  const startedAt = Date.now();

  const http = serveHttp((req, res) => {
    const started = performance.now();
    const ctx: RequestContext = {
      requestId: incomingRequestId(req) ?? randomUUID(),
      path: requestPath(req.url),
      fields: {},
    };
    res.setHeader(REPLICA_HEADER, deps.replicaId);
    res.setHeader(REQUEST_ID_HEADER, ctx.requestId);
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const status = loggedStatus(res);
      deps.metrics.observeHttp(ctx.path, req.method ?? 'GET', status, seconds);
      deps.logger.info('request', {
        method: req.method,
        path: ctx.path,
        status,
        duration_ms: Math.round(seconds * 10_000) / 10,
        request_id: ctx.requestId,
        ...(res.writableFinished ? {} : { aborted: true }),
        ...ctx.fields,
      });
    });
    route(req, res, ctx).catch((error: unknown) => {
      deps.logger.error('request failed', { path: ctx.path, request_id: ctx.requestId, error });
      if (!res.headersSent) sendError(res, ctx, 500, 'internal_error', 'unexpected error while answering');
      else res.destroy();
    });
  });
  const server = http.server;
  // Bounds how long a client may take to send its request (slow uploads); answering time is not bounded here.
  // The gateway already answers 408 to a request not fully arrived within 5 s (haproxy.cfg); this is
  // the api's own bound for whoever reaches it directly (a local stage's loopback ports), was 30 s.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  // Longer than a gateway's idle timeout, so the gateway closes idle connections first.
  server.keepAliveTimeout = 65_000;

  async function route(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const method = req.method ?? 'GET';
    switch (ctx.path) {
      case ROUTES.healthz:
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, ctx, 'GET, HEAD');
        return healthz(res, ctx);
      case ROUTES.metrics:
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, ctx, 'GET, HEAD');
        return metrics(res);
      case ROUTES.ask:
        if (method !== 'POST') return methodNotAllowed(res, ctx, 'POST');
        return withRequestSpan('POST /ask', req.headers, { 'http.route': ROUTES.ask }, () =>
          ask(req, res, ctx),
        );
      default:
        return sendError(res, ctx, 404, 'not_found', `no route ${method} ${ctx.path}`);
    }
  }

  function healthz(res: ServerResponse, ctx: RequestContext): void {
    const redisUp = deps.isRedisUp();
    const body: HealthzResponse = {
      status: redisUp ? 'ok' : 'degraded',
      replica: deps.replicaId,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      redis: redisUp ? 'up' : 'down',
    };
    if (deps.faults.has('healthz-fail')) {
      ctx.fields.fault = 'healthz-fail';
      return sendJson(res, 503, body);
    }
    sendJson(res, 200, body);
  }

  async function metrics(res: ServerResponse): Promise<void> {
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(text);
  }

  async function ask(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    if (deps.faults.has('ask-hang')) {
      // Fault injection: read the request and never answer; the socket stays open until the client gives up.
      ctx.fields.fault = 'ask-hang';
      req.resume();
      return;
    }
    const body = await readJsonBody(req, ASK_LIMITS.bodyMaxBytes);
    if (!body.ok) {
      sendError(res, ctx, body.status, body.error, body.message);
      if (body.unread) discardRestOfBody(req);
      return;
    }
    const parsed = AskRequestSchema.safeParse(body.value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        path: issue.path.join('.') || '(body)',
        message: describeIssue(issue, body.value),
      }));
      const summary = issues.map((i) => i.message).join('; ');
      return sendError(res, ctx, 400, 'invalid_request', `invalid request: ${summary}`, issues);
    }
    const reply = await deps.askService.answer(parsed.data, ctx.requestId);
    ctx.fields = { ...ctx.fields, ...reply.logFields };
    sendJson(res, reply.status, reply.body, reply.headers);
  }

  function methodNotAllowed(res: ServerResponse, ctx: RequestContext, allow: string): void {
    res.setHeader('allow', allow);
    sendError(res, ctx, 405, 'method_not_allowed', `${ctx.path} accepts ${allow}`);
  }

  function sendError(
    res: ServerResponse,
    ctx: RequestContext,
    status: number,
    error: ErrorCode,
    message: string,
    issues?: ErrorBody['issues'],
  ): void {
    ctx.fields.error = error;
    const body: ErrorBody = {
      error,
      message,
      ...(issues ? { issues } : {}),
      replica: deps.replicaId,
      request_id: ctx.requestId,
    };
    sendJson(res, status, body);
  }

  return { server, listen: http.listen, shutdown: http.close };
}

/** Answers of the API are never cached by a proxy in between. */
function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  writeJson(res, status, body, { ...headers, 'cache-control': 'no-store' });
}

/**
 * After refusing a request before reading its whole body (too large, wrong type): throw the rest away
 * and keep the connection, rather than closing it at once. A close with bytes still arriving makes the
 * kernel answer them with a reset, which can destroy the refusal before a proxy in front (HAProxy) has
 * read it — its client then sees a dropped connection instead of the 413. A body still coming after
 * UNREAD_BODY_LINGER_MS is cut off.
 */
function discardRestOfBody(req: IncomingMessage): void {
  if (req.complete) return;
  const cutOff = setTimeout(() => req.socket.destroy(), UNREAD_BODY_LINGER_MS);
  const done = () => clearTimeout(cutOff);
  req.once('end', done);
  req.socket.once('close', done);
  req.resume();
}

function incomingRequestId(req: IncomingMessage): string | undefined {
  const value = req.headers[REQUEST_ID_HEADER];
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}

/** Zod's issue, reworded where a field is simply missing or unknown. */
function describeIssue(
  issue: { code: string; path: PropertyKey[]; message: string; keys?: string[] },
  input: unknown,
): string {
  const field = issue.path[0];
  if (issue.code === 'unrecognized_keys' && issue.keys)
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.path.length === 0)
    return 'request body must be a JSON object with question, conversation_id, client_id, nickname';
  if (
    issue.code === 'invalid_type' &&
    typeof field === 'string' &&
    input &&
    typeof input === 'object' &&
    !(field in input)
  )
    return `${field} is required`;
  return issue.message;
}
