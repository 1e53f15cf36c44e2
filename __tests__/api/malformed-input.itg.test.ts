/**
 * Hostile and broken requests against a real replica: each gets a 4xx with a specific, contract-shaped
 * error body, the replica keeps serving, and every request leaves exactly one structured log line.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ASK_LIMITS, ErrorBodySchema, REPLICA_HEADER, REQUEST_ID_HEADER } from '../../src/contract/index.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { ask, askBody, readJsonLogLines, type RunningService } from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

const stage = useApiStage({
  name: 'malformed',
  simulators: { 'ollama-sim': { SIM_LATENCY_MS: '20', SIM_TOKENS_PER_SECOND: '0' } },
  replicas: { 'api-strict': {} },
});
let api: RunningService;

before(async () => {
  await stage.booted;
  api = stage.replica('api-strict');
});

const valid = askBody('Qual o preço atual do MXRF11?');

interface Case {
  name: string;
  method?: string;
  path?: string;
  contentType?: string | null;
  body?: string | Buffer;
  status: number;
  error: string;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'bad JSON',
    body: '{"question": "oi",',
    status: 400,
    error: 'invalid_request',
    message: /not valid JSON/,
  },
  { name: 'empty body', body: '', status: 400, error: 'invalid_request', message: /empty/ },
  { name: 'JSON array', body: '[1,2]', status: 400, error: 'invalid_request', message: /JSON object/ },
  { name: 'JSON null', body: 'null', status: 400, error: 'invalid_request', message: /JSON object/ },
  {
    name: 'missing field',
    body: JSON.stringify({ ...valid, client_id: undefined }),
    status: 400,
    error: 'invalid_request',
    message: /client_id is required/,
  },
  {
    name: 'extra field',
    body: JSON.stringify({ ...valid, admin: true }),
    status: 400,
    error: 'invalid_request',
    message: /unknown field "admin"/,
  },
  {
    name: 'wrong type',
    body: JSON.stringify({ ...valid, client_id: 42 }),
    status: 400,
    error: 'invalid_request',
    message: /client_id must be a string/,
  },
  {
    name: 'question too long',
    body: JSON.stringify({ ...valid, question: 'x'.repeat(ASK_LIMITS.questionMaxChars + 1) }),
    status: 400,
    error: 'invalid_request',
    message: /question must be at most 1000 characters/,
  },
  {
    name: 'blank question',
    body: JSON.stringify({ ...valid, question: '   ' }),
    status: 400,
    error: 'invalid_request',
    message: /question must not be empty/,
  },
  {
    name: 'client id outside the safe alphabet',
    body: JSON.stringify({ ...valid, client_id: "a'; DROP TABLE positions; --" }),
    status: 400,
    error: 'invalid_request',
    message: /client_id may only contain/,
  },
  {
    name: 'invalid UTF-8',
    body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    error: 'invalid_request',
    message: /UTF-8/,
  },
  {
    name: '1 MB question (Content-Length declared)',
    body: JSON.stringify({ ...valid, question: 'x'.repeat(1024 * 1024) }),
    status: 413,
    error: 'payload_too_large',
    message: /at most 16384 bytes/,
  },
  {
    name: 'text/plain',
    contentType: 'text/plain',
    body: JSON.stringify(valid),
    status: 415,
    error: 'unsupported_media_type',
    message: /application\/json/,
  },
  {
    name: 'no Content-Type',
    contentType: null,
    // A Buffer, because fetch labels a string body text/plain by itself.
    body: Buffer.from(JSON.stringify(valid)),
    status: 415,
    error: 'unsupported_media_type',
    message: /header missing/,
  },
  { name: 'GET /ask', method: 'GET', status: 405, error: 'method_not_allowed', message: /accepts POST/ },
  {
    name: 'POST /healthz',
    method: 'POST',
    path: '/healthz',
    body: '{}',
    status: 405,
    error: 'method_not_allowed',
    message: /GET/,
  },
  {
    name: 'unknown route',
    method: 'GET',
    path: '/admin',
    status: 404,
    error: 'not_found',
    message: /no route GET \/admin/,
  },
];

for (const c of cases) {
  test(`refuses ${c.name} with ${c.status} ${c.error}`, { timeout: 15_000 }, async () => {
    const headers: Record<string, string> = {};
    if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
    const response = await fetch(`${api.url}${c.path ?? '/ask'}`, {
      method: c.method ?? 'POST',
      headers,
      body: c.body,
      signal: AbortSignal.timeout(5000),
    });
    const body = ErrorBodySchema.parse(await response.json());
    assert.equal(response.status, c.status);
    assert.equal(body.error, c.error);
    assert.match(body.message, c.message);
    assert.equal(response.headers.get(REPLICA_HEADER), 'api-strict');
    assert.equal(body.request_id, response.headers.get(REQUEST_ID_HEADER));
    if (c.status === 405) assert.ok(response.headers.get('allow'));
  });
}

test(
  'a 1 MB body sent in chunks without Content-Length is refused with 413; nothing hangs',
  { timeout: 20_000 },
  async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    // Always settles: an answer, or the error that prevented it (never swallowed).
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${api.url}/ask`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(result.status, 413);
    const body = ErrorBodySchema.parse(JSON.parse(result.body));
    assert.equal(body.error, 'payload_too_large');
    assert.match(body.message, /body kept coming/);
  },
);

test(
  'a client that sends half a body and hangs up does not hurt the replica',
  { timeout: 10_000 },
  async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${api.url}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '500' },
      });
      req.on('error', () => resolve());
      req.write('{"question": "Qual o pre');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
  },
);

test(
  'after all of that the replica still answers, and logged one JSON line per request',
  { timeout: 20_000 },
  async () => {
    const reply = await ask(api.url, valid);
    assert.equal(reply.status, 200);
    assert.ok(reply.body.answer);
    assert.ok(api.process.running);
    const health = await fetch(`${api.url}/healthz`);
    assert.equal(health.status, 200);

    // cases + chunked + hang-up + the valid ask + healthz (the readiness probe adds at least one more).
    // The log reaches its file through a pipe: give the last lines a moment.
    const expected = cases.length + 4;
    const requestLines = () => readJsonLogLines(api).filter((l) => l.msg === 'request');
    await waitUntil(async () => requestLines().length >= expected, {
      timeoutMs: 3000,
      what: 'request log lines',
    }).catch(() => {});
    const lines = requestLines();
    assert.ok(lines.length >= expected, `request lines: ${lines.length}, expected at least ${expected}`);
    for (const line of lines) {
      for (const field of ['ts', 'level', 'replica', 'method', 'path', 'status', 'duration_ms', 'request_id'])
        assert.ok(field in line, `log line without ${field}: ${JSON.stringify(line)}`);
      assert.equal(line.replica, 'api-strict');
    }
    assert.ok(lines.some((l) => l.path === '/healthz' && l.status === 200));
    assert.ok(lines.some((l) => l.path === '/ask' && l.status === 413));
    assert.ok(
      lines.some((l) => l.path === '/ask' && l.aborted === true),
      'the hang-up is logged as aborted',
    );
  },
);
