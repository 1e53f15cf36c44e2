import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fireBurst } from '../../src/http/burst.js';
import { createGateHttpClient, IDLE_CONNECTION_MAX_MS } from '../../src/http/gate-http-client.js';
import { findFreePort } from '../../src/stage/local/process.js';

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('a burst reaches the server all at once: every request is in flight before the first answer', async (t) => {
  const size = 20;
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting: Array<() => void> = [];
  const { server, url } = await listen((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = () => {
        inFlight--;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ echo: JSON.parse(body) }));
      };
      // Hold every answer until all requests arrived (or 3 s passed): proves they were concurrent.
      waiting.push(answer);
      if (waiting.length === size) waiting.splice(0).forEach((release) => release());
      else
        setTimeout(
          () => waiting.includes(answer) && waiting.splice(waiting.indexOf(answer), 1) && answer(),
          3000,
        );
    });
  });
  t.after(() => close(server));
  const result = await fireBurst({
    baseUrl: url,
    requests: Array.from({ length: size }, (_, index) => ({
      method: 'POST' as const,
      path: '/ask',
      body: { index },
    })),
    timeoutMs: 10_000,
  });
  assert.equal(maxInFlight, size, 'all requests were in the server at the same time');
  assert.equal(result.preconnectFailures, 0);
  assert.ok(
    result.dispatchSpreadMs !== undefined && result.dispatchSpreadMs < 1000,
    `spread ${result.dispatchSpreadMs}`,
  );
  assert.deepEqual(
    result.exchanges.map((exchange) => (exchange.json as { echo: { index: number } }).echo.index),
    Array.from({ length: size }, (_, index) => index),
    'each exchange is the answer to its own request',
  );
});

test('a server that accepts and never answers: each request ends at its timeout, as data', async (t) => {
  const { server, url } = await listen(() => undefined);
  t.after(() => close(server));
  const client = createGateHttpClient({ baseUrl: url, timeoutMs: 800 });
  t.after(() => client.close());
  const started = Date.now();
  const exchange = await client.postJson('/ask', { question: 'x' });
  assert.equal(exchange.error, 'timed out after 0.8 s');
  assert.equal(exchange.timedOut, true);
  assert.ok(Date.now() - started < 5000);
  const burst = await fireBurst({
    baseUrl: url,
    requests: [
      { method: 'GET', path: '/a' },
      { method: 'GET', path: '/b' },
    ],
    timeoutMs: 800,
  });
  assert.deepEqual(
    burst.exchanges.map((entry) => entry.error),
    ['timed out after 0.8 s', 'timed out after 0.8 s'],
  );
});

test('the run signal aborts requests in flight; refused connections and huge bodies are described', async (t) => {
  const { server, url } = await listen((req, res) => {
    if (req.url === '/huge') {
      res.setHeader('content-type', 'application/json');
      res.end(`[${'1,'.repeat(400_000)}1]`);
    }
  });
  t.after(() => close(server));
  const run = new AbortController();
  const client = createGateHttpClient({
    baseUrl: url,
    timeoutMs: 10_000,
    signal: run.signal,
    bodyLimitBytes: 64 * 1024,
  });
  t.after(() => client.close());
  setTimeout(() => run.abort(new Error('global deadline of 1 s reached')), 200);
  const aborted = await client.get('/never');
  assert.equal(aborted.error, 'aborted: global deadline of 1 s reached');

  const fresh = createGateHttpClient({ baseUrl: url, timeoutMs: 5000, bodyLimitBytes: 64 * 1024 });
  t.after(() => fresh.close());
  const huge = await fresh.get('/huge');
  assert.equal(huge.bodyTruncated, true);
  assert.equal(huge.body.length, 64 * 1024);
  assert.equal(huge.jsonError, 'body larger than the gate reads');

  const port = await findFreePort();
  const refused = createGateHttpClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
  t.after(() => refused.close());
  assert.equal((await refused.get('/healthz')).error, 'connection refused');
});

test('an idle connection is closed by the gate within its own bound, however long the stage says it lives', async (t) => {
  // Node's server says `Keep-Alive: timeout=65` with this setting, as the reference api does.
  const { server, url } = await listen((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 65_000;
  t.after(() => close(server));
  const closed = new Promise<number>((resolve) =>
    server.on('connection', (socket) => socket.on('close', () => resolve(performance.now()))),
  );
  const client = createGateHttpClient({ baseUrl: url, timeoutMs: 5000 });
  t.after(() => client.close());
  const exchange = await client.get('/healthz');
  assert.equal(exchange.headers['keep-alive'], 'timeout=65');
  const answered = performance.now();
  const idleMs = await Promise.race([
    closed.then((at) => at - answered),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), IDLE_CONNECTION_MAX_MS + 5000)),
  ]);
  assert.ok(
    idleMs !== undefined,
    `the gate still holds the idle connection ${IDLE_CONNECTION_MAX_MS + 5000} ms on`,
  );
});
