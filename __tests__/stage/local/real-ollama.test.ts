/**
 * The boot's check of a real Ollama (the local stage never pulls a model): against an in-process HTTP
 * server standing in for Ollama, it passes when the model is there, names the models it has when not,
 * retries a server that is not ready yet, and ends at its deadline or on abort with a clear reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { checkRealOllama } from '../../../src/stage/local/steps/ollama.js';

/** An Ollama stand-in with these models; /api/version fails the first `failFirst` times. */
async function fakeOllama(
  models: string[],
  failFirst = 0,
): Promise<{ url: string; server: Server; versionCalls: () => number }> {
  let calls = 0;
  const server = createServer((request, response) => {
    if (request.url === '/api/version') {
      calls += 1;
      response.writeHead(calls <= failFirst ? 503 : 200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ version: '0.0.0' }));
    }
    if (request.url === '/api/tags') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ models: models.map((name) => ({ name })) }));
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, versionCalls: () => calls };
}

test('the model is there (an untagged name means :latest): the check passes', async (t) => {
  const ollama = await fakeOllama(['qwen2.5:0.5b', 'llama3:latest']);
  t.after(() => ollama.server.close());
  await checkRealOllama(ollama.url, 'qwen2.5:0.5b', 5000, undefined);
  await checkRealOllama(ollama.url, 'llama3', 5000, undefined);
});

test('the model is missing: the reason names what it has and how to pull it, without waiting out the timeout', async (t) => {
  const ollama = await fakeOllama(['llama3:latest']);
  t.after(() => ollama.server.close());
  const started = Date.now();
  await assert.rejects(checkRealOllama(ollama.url, 'qwen2.5:0.5b', 30_000, undefined), {
    message: `ollama at ${ollama.url} does not have the model "qwen2.5:0.5b" (it has: llama3:latest); run "ollama pull qwen2.5:0.5b" first`,
  });
  assert.ok(Date.now() - started < 20_000);
});

test('an Ollama that is not ready yet is asked again', async (t) => {
  const ollama = await fakeOllama(['qwen2.5:0.5b'], 2);
  t.after(() => ollama.server.close());
  await checkRealOllama(ollama.url, 'qwen2.5:0.5b', 20_000, undefined);
  assert.equal(ollama.versionCalls(), 3);
});

test('an Ollama that never answers well: the reason at the deadline says what it last got', async (t) => {
  const ollama = await fakeOllama([], 1000);
  t.after(() => ollama.server.close());
  await assert.rejects(checkRealOllama(ollama.url, 'qwen2.5:0.5b', 700, undefined), {
    message: `ollama at ${ollama.url} did not answer /api/version within the boot timeout: /api/version answered HTTP 503`,
  });
  const closed = await fakeOllama([]);
  await new Promise((resolve) => closed.server.close(resolve));
  await assert.rejects(
    checkRealOllama(closed.url, 'qwen2.5:0.5b', 500, undefined),
    /did not answer \/api\/version within the boot timeout: ECONNREFUSED/,
  );
});

test('an abort ends the check at once', async (t) => {
  const ollama = await fakeOllama([], 1000);
  t.after(() => ollama.server.close());
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = Date.now();
  await assert.rejects(checkRealOllama(ollama.url, 'qwen2.5:0.5b', 60_000, controller.signal), {
    message: 'boot aborted while checking Ollama',
  });
  assert.ok(Date.now() - started < 20_000);
});
