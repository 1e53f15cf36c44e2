/**
 * An HTTP server that speaks enough of Ollama's API for the stage and the tests, with Ollama's field
 * names, status codes and error texts: `/api/chat` and `/api/generate` (NDJSON stream or one JSON),
 * `/api/tags`, `/api/ps`, `/api/show`, `/api/pull`, `/api/version`, and `/`. It is a SIMULATOR: replies
 * are deterministic text built from the prompt (see reply.ts), not a language model.
 *
 * Concurrency follows Ollama's scheduler: OLLAMA_NUM_PARALLEL requests generate at once, up to
 * OLLAMA_MAX_QUEUE more wait, and beyond that the request is refused with 503 and Ollama's own
 * "server busy" error. A client that disconnects frees its slot (or its queue place) at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  loggedStatus,
  readBodyBytes,
  requestPath,
  serveHttp,
  writeJson as sendJson,
} from '../kit/http-server.js';
import type { Logger } from '../kit/json-logger.js';
import { isRelease, Semaphore } from '../kit/semaphore.js';
import { normalizeModelName, type SimConfig } from './config.js';
import { buildReply, countTokens, tokenize } from './reply.js';

/** Ollama's exact text (server/sched.go, ErrMaxQueue), answered with HTTP 503. */
export const OLLAMA_BUSY_ERROR = 'server busy, please try again.  maximum pending requests exceeded';
/** What a crashed llama runner looks like through Ollama's API (HTTP 500). */
const RUNNER_CRASH_ERROR = 'llama runner process has terminated: exit status 2';
export const SIM_VERSION = '0.6.8-ollama-sim';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface OllamaSimulator {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Requests generating and waiting right now. */
  load(): { active: number; queued: number };
  close(graceMs: number): Promise<void>;
}

interface RequestContext {
  requestId: string;
  path: string;
  fields: Record<string, unknown>;
  /** Fires when the client goes away before the response is complete. */
  abort: AbortController;
}

export function createOllamaSimulator(config: SimConfig, logger: Logger): OllamaSimulator {
  // Ollama's per-model slots plus a bounded queue (NUM_PARALLEL + MAX_QUEUE pending, then "server busy").
  const slots = new Semaphore({ limit: config.numParallel, maxWaiting: config.maxQueue });
  const startedAt = new Date();
  const lastUsed = new Map<string, Date>();

  const http = serveHttp((req, res) => {
    const started = performance.now();
    const ctx: RequestContext = {
      requestId: randomUUID(),
      path: requestPath(req.url),
      fields: {},
      abort: new AbortController(),
    };
    res.setHeader('x-request-id', ctx.requestId);
    res.once('close', () => {
      if (!res.writableFinished) ctx.abort.abort();
      logger.info('request', {
        method: req.method,
        path: ctx.path,
        status: loggedStatus(res),
        duration_ms: Math.round(performance.now() - started),
        request_id: ctx.requestId,
        ...(res.writableFinished ? {} : { aborted: true }),
        ...ctx.fields,
      });
    });
    handle(req, res, ctx).catch((error: unknown) => {
      logger.error('request failed', { path: ctx.path, error });
      if (!res.headersSent) sendJson(res, 500, { error: (error as Error).message });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const method = req.method ?? 'GET';
    const route = `${method} ${ctx.path}`;
    switch (route) {
      case 'GET /':
      case 'HEAD /':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Ollama is running');
        return;
      case 'GET /api/version':
        return sendJson(res, 200, { version: SIM_VERSION });
      case 'GET /api/tags':
        return sendJson(res, 200, { models: config.models.map((name) => modelEntry(name, startedAt)) });
      case 'GET /api/ps':
        return sendJson(res, 200, {
          models: [...lastUsed.entries()].map(([name, at]) => ({
            ...modelEntry(name, startedAt),
            expires_at: new Date(at.getTime() + 5 * 60_000).toISOString(),
            size_vram: 0,
          })),
        });
      case 'POST /api/show':
        return show(req, res);
      case 'POST /api/pull':
        return pull(req, res);
      case 'POST /api/chat':
        return generate(req, res, ctx, 'chat');
      case 'POST /api/generate':
        return generate(req, res, ctx, 'generate');
      default:
        // Gin's default for unknown routes, which is what Ollama answers.
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found');
    }
  }

  async function show(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, res);
    if (!body) return;
    const requested = stringField(body, 'model') ?? stringField(body, 'name');
    if (!requested) return sendJson(res, 400, { error: 'model is required' });
    const name = normalizeModelName(requested);
    if (!config.models.includes(name)) return sendJson(res, 404, { error: `model '${requested}' not found` });
    const entry = modelEntry(name, startedAt);
    sendJson(res, 200, {
      license: '',
      modelfile: `# Simulated by ollama-sim: there are no weights behind this model.\nFROM ${name}\n`,
      parameters: 'temperature 0',
      template: '{{ .Prompt }}',
      details: entry.details,
      model_info: { 'general.architecture': entry.details.family, 'general.parameter_count': 0 },
      capabilities: ['completion'],
      modified_at: entry.modified_at,
    });
  }

  async function pull(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, res);
    if (!body) return;
    const requested = stringField(body, 'model') ?? stringField(body, 'name');
    if (!requested) return sendJson(res, 400, { error: 'model is required' });
    const stream = body.stream !== false;
    const known = config.models.includes(normalizeModelName(requested));
    // The simulator cannot download anything: it "pulls" only the models it was started with.
    const failure = { error: 'pull model manifest: file does not exist' };
    if (!stream) return known ? sendJson(res, 200, { status: 'success' }) : sendJson(res, 500, failure);
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
    if (!known) {
      res.end(`${JSON.stringify(failure)}\n`);
      return;
    }
    const digest = `sha256:${sha256(requested)}`;
    res.write(
      `${JSON.stringify({ status: `pulling ${digest.slice(7, 19)}`, digest, total: 0, completed: 0 })}\n`,
    );
    res.write(`${JSON.stringify({ status: 'verifying sha256 digest' })}\n`);
    res.write(`${JSON.stringify({ status: 'writing manifest' })}\n`);
    res.end(`${JSON.stringify({ status: 'success' })}\n`);
  }

  async function generate(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    kind: 'chat' | 'generate',
  ): Promise<void> {
    const body = await readBody(req, res);
    if (!body) return;
    const model = stringField(body, 'model');
    if (!model) return sendJson(res, 400, { error: 'model is required' });
    ctx.fields.model = model;
    const name = normalizeModelName(model);
    if (!config.models.includes(name)) return sendJson(res, 404, { error: `model '${model}' not found` });

    let prompt: string;
    if (kind === 'chat') {
      const messages = body.messages;
      if (messages !== undefined && !isMessageList(messages))
        return sendJson(res, 400, { error: 'messages must be a list of {role, content} objects' });
      prompt = (messages ?? []).map((m) => m.content).join('\n');
      if ((messages ?? []).length === 0) return sendLoaded(res, model, kind);
    } else {
      if (body.prompt !== undefined && typeof body.prompt !== 'string')
        return sendJson(res, 400, { error: 'prompt must be a string' });
      prompt = body.prompt ?? '';
      if (prompt === '') return sendLoaded(res, model, kind);
    }
    const stream = body.stream !== false;

    switch (config.failMode) {
      case '503':
        return sendJson(res, 503, { error: OLLAMA_BUSY_ERROR });
      case '500':
        return sendJson(res, 500, { error: RUNNER_CRASH_ERROR });
      case 'hang':
        ctx.fields.fault = 'hang';
        return; // Never answers; the socket stays open until the client gives up.
      default:
    }

    const queuedAt = performance.now();
    const release = await slots.acquire(ctx.abort.signal);
    if (release === 'full') {
      ctx.fields.busy = true;
      return sendJson(res, 503, { error: OLLAMA_BUSY_ERROR });
    }
    if (!isRelease(release)) return; // The client left while queued.
    ctx.fields.queued_ms = Math.round(performance.now() - queuedAt);
    lastUsed.set(name, new Date());
    try {
      const lastUser =
        kind === 'chat'
          ? ([...(body.messages as ChatMessage[])].reverse().find((m) => m.role === 'user')?.content ??
            prompt)
          : prompt;
      const reply = buildReply(model, lastUser);
      await respond(res, ctx, { model, kind, stream, reply, promptTokens: countTokens(prompt) });
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      release();
    }
  }

  async function respond(
    res: ServerResponse,
    ctx: RequestContext,
    job: { model: string; kind: 'chat' | 'generate'; stream: boolean; reply: string; promptTokens: number },
  ): Promise<void> {
    const signal = ctx.abort.signal;
    const started = process.hrtime.bigint();
    const tokens = tokenize(job.reply);
    const perTokenMs = config.tokensPerSecond > 0 ? 1000 / config.tokensPerSecond : 0;
    await sleep(config.latencyMs, undefined, { signal });
    const firstTokenAt = process.hrtime.bigint();
    const piece = (text: string) =>
      job.kind === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text };
    const stats = () => {
      const now = process.hrtime.bigint();
      return {
        done_reason: 'stop',
        done: true,
        total_duration: Number(now - started),
        load_duration: Math.round(Number(firstTokenAt - started) / 4),
        prompt_eval_count: job.promptTokens,
        prompt_eval_duration: Math.round((Number(firstTokenAt - started) * 3) / 4),
        eval_count: tokens.length,
        eval_duration: Number(now - firstTokenAt),
      };
    };

    if (!job.stream) {
      await sleep(Math.round(perTokenMs * tokens.length), undefined, { signal });
      return sendJson(res, 200, {
        model: job.model,
        created_at: new Date().toISOString(),
        ...piece(job.reply),
        ...stats(),
      });
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const generationStart = performance.now();
    for (const [i, token] of tokens.entries()) {
      const due = generationStart + perTokenMs * i;
      const wait = due - performance.now();
      if (wait >= 1) await sleep(Math.round(wait), undefined, { signal });
      res.write(
        `${JSON.stringify({ model: job.model, created_at: new Date().toISOString(), ...piece(token), done: false })}\n`,
      );
    }
    res.end(
      `${JSON.stringify({ model: job.model, created_at: new Date().toISOString(), ...piece(''), ...stats() })}\n`,
    );
  }

  /** Ollama's answer to a request without messages/prompt: the model is (pretend-)loaded, nothing generated. */
  function sendLoaded(res: ServerResponse, model: string, kind: 'chat' | 'generate'): void {
    const piece = kind === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' };
    sendJson(res, 200, {
      model,
      created_at: new Date().toISOString(),
      ...piece,
      done_reason: 'load',
      done: true,
    });
  }

  return {
    server: http.server,
    listen: http.listen,
    load: () => ({ active: slots.active, queued: slots.waiting }),
    close: http.close,
  };
}

interface ChatMessage {
  role: string;
  content: string;
}

function isMessageList(value: unknown): value is ChatMessage[] {
  return (
    Array.isArray(value) &&
    value.every(
      (m) =>
        m !== null &&
        typeof m === 'object' &&
        typeof (m as ChatMessage).role === 'string' &&
        typeof ((m as ChatMessage).content ?? '') === 'string',
    )
  );
}

type JsonObject = Record<string, unknown> & { messages?: ChatMessage[]; prompt?: string; stream?: unknown };

/** The JSON object body, or undefined after answering 400 the way Ollama does. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<JsonObject | undefined> {
  const bytes = await readBodyBytes(req, MAX_BODY_BYTES);
  if (bytes === 'aborted') return undefined; // The client left; nobody to answer.
  if (bytes === 'too-large') {
    res.setHeader('connection', 'close');
    sendJson(res, 413, { error: 'request body too large' });
    return undefined;
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    sendJson(res, 400, { error: 'missing request body' });
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      sendJson(res, 400, { error: 'request body must be a JSON object' });
      return undefined;
    }
    return value as JsonObject;
  } catch (error) {
    sendJson(res, 400, { error: (error as Error).message });
    return undefined;
  }
}

function stringField(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function modelEntry(name: string, modifiedAt: Date) {
  const [family = name, tag = 'latest'] = name.split('/').at(-1)!.split(':');
  const size = /^(\d+(?:\.\d+)?)b$/i.exec(tag);
  return {
    name,
    model: name,
    modified_at: modifiedAt.toISOString(),
    size: size ? Math.round(Number(size[1]) * 0.6e9) : 0,
    digest: sha256(name),
    details: {
      parent_model: '',
      format: 'gguf',
      family: family.replace(/[\d.]+$/, '') || family,
      families: [family.replace(/[\d.]+$/, '') || family],
      parameter_size: size ? `${size[1]}B` : 'unknown',
      quantization_level: 'Q4_K_M',
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
