/**
 * The API as a process: configuration errors end it with one clear line, SIGTERM lets in-flight work
 * finish and exits 0, and each FAULT_INJECTION switch really breaks what it says it breaks (so the gate
 * can be shown to catch it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import { REPLICA_HEADER } from '../../src/contract/index.js';
import { REPO_ROOT, ask, askBody, readJsonLogLines } from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

const stage = useApiStage({
  name: 'api-process',
  simulators: {
    'ollama-sim': { SIM_LATENCY_MS: '1200', SIM_TOKENS_PER_SECOND: '0', OLLAMA_NUM_PARALLEL: '4' },
  },
});

function runApi(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/api/main.ts'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', PORT: '0', REDIS_URL: stage.redis.url, ...env },
        timeout: 20_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

test(
  'a bad environment value exits 1 with one line naming the variable, no stack trace',
  { timeout: 60_000 },
  async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { NARRATOR_MAX_CONCURRENCY: 'lots' },
        /NARRATOR_MAX_CONCURRENCY must be a whole number \(got "lots"\)/,
      ],
      [
        { FAULT_INJECTION: 'healthz-fail,bogus' },
        /FAULT_INJECTION has unknown fault "bogus"; known faults: shared-cache-keys/,
      ],
      [
        { REDIS_URL: 'http://127.0.0.1:6379' },
        /REDIS_URL must be a URL starting with redis:\/\/ or rediss:\/\//,
      ],
      [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
      [{ PLAN_CACHE_ENABLED: 'maybe' }, /PLAN_CACHE_ENABLED must be true or false/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of debug, info, warn, error/],
    ];
    const results = await Promise.all(cases.map(([env]) => runApi(env)));
    results.forEach((result, i) => {
      const [, expected] = cases[i]!;
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
      assert.match(lines[0]!, /^stagegate-api: invalid configuration: /);
      assert.match(lines[0]!, expected);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  },
);

test(
  'SIGTERM: the in-flight ask still gets its answer, then the process exits 0',
  { timeout: 60_000 },
  async () => {
    const api = await stage.startReplica('api-graceful');
    const inFlight = ask(api.url, askBody('Qual o dividend yield do XPML11?'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    api.process.signal('SIGTERM');
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.ok(reply.body.answer?.includes('XPML11'));
    assert.ok(await api.process.waitForExit(8000), 'exited');
    assert.equal(api.process.describeState(), 'exited (code 0)');
    const messages = readJsonLogLines(api).map((l) => l.msg);
    assert.ok(messages.includes('shutting down') && messages.includes('stopped'));
    await assert.rejects(
      fetch(`${api.url}/healthz`, { signal: AbortSignal.timeout(2000) }),
      'no longer accepting',
    );
  },
);

test(
  'FAULT_INJECTION=healthz-fail,ask-hang: healthz 503, /ask never answers, shutdown still bounded',
  { timeout: 60_000 },
  async () => {
    const api = await stage.startReplica(
      'api-faulty',
      {
        FAULT_INJECTION: 'healthz-fail,ask-hang',
        SHUTDOWN_GRACE_MS: '1000',
      },
      { anyStatus: true },
    );
    const health = await fetch(`${api.url}/healthz`, { signal: AbortSignal.timeout(3000) });
    assert.equal(health.status, 503);
    assert.equal(health.headers.get(REPLICA_HEADER), 'api-faulty');

    const outcome = await new Promise<string>((resolve) => {
      const req = request(
        `${api.url}/ask`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        () => resolve('answered'),
      );
      req.on('error', () => resolve('error'));
      req.setTimeout(1500, () => {
        resolve('still open after 1.5 s');
        req.destroy();
      });
      req.end(JSON.stringify(askBody('Qual o preço atual do MXRF11?')));
    });
    assert.equal(outcome, 'still open after 1.5 s');

    // A hanging request holds the socket; SIGTERM waits SHUTDOWN_GRACE_MS at most, then closes it.
    const hanging = fetch(`${api.url}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(askBody('Qual o preço atual do MXRF11?')),
      signal: AbortSignal.timeout(10_000),
    }).catch((error: Error) => error);
    await new Promise((r) => setTimeout(r, 200));
    const stopAt = performance.now();
    api.process.signal('SIGTERM');
    assert.ok(await api.process.waitForExit(6000));
    assert.equal(api.process.describeState(), 'exited (code 0)');
    assert.ok(performance.now() - stopAt < 5000);
    assert.ok(
      (await hanging) instanceof Error,
      'the hanging request ended with a closed socket, not an answer',
    );
  },
);

test(
  'FAULT_INJECTION=shared-cache-keys really leaks one client’s portfolio to another',
  { timeout: 60_000 },
  async () => {
    const api = await stage.startReplica('api-leaky', {
      FAULT_INJECTION: 'shared-cache-keys',
    });
    const a = await ask(api.url, askBody('Como está minha carteira?', 'client-a'));
    const b = await ask(api.url, askBody('Como está minha carteira?', 'client-b'));
    assert.equal(a.body.meta.compute.plan_cache_key, b.body.meta.compute.plan_cache_key);
    assert.doesNotMatch(a.body.meta.compute.plan_cache_key, /client-a/);
    assert.equal(b.body.meta.compute.plan_cache_hit, true);
    assert.match(b.body.answer!, /MXRF11/, 'client-b received client-a’s positions');
  },
);

test(
  'with OTEL_EXPORTER_OTLP_ENDPOINT set, spans of an ask reach the collector over OTLP/HTTP',
  { timeout: 60_000 },
  async () => {
    const received: Array<{ path: string; body: string }> = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as { port: number };
    try {
      const api = await stage.startReplica('api-traced', {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      });
      const reply = await ask(api.url, askBody('Qual o dividend yield do HGRU11?'));
      assert.equal(reply.status, 200);
      api.process.signal('SIGTERM'); // shutdown flushes the batch
      assert.ok(await api.process.waitForExit(8000));
      const traces = received.filter((r) => r.path === '/v1/traces');
      assert.ok(traces.length >= 1, 'an export reached /v1/traces');
      const all = traces.map((t) => t.body).join('\n');
      for (const span of ['POST /ask', 'single-flight', 'sql', 'narrator'])
        assert.ok(all.includes(span), `span ${span}`);
      assert.ok(all.includes('api-traced'), 'resource names the replica');
    } finally {
      collector.close();
    }
  },
);
