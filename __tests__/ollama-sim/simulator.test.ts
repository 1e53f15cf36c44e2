/**
 * The Ollama-compatible simulator over real HTTP: Ollama's endpoints and field names, NDJSON streaming,
 * Ollama's queue-full 503, model-not-found 404, fail modes. The simulator runs in this process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../kit/silent-logger.js';
import { loadSimConfig } from '../../src/ollama-sim/config.js';
import {
  OLLAMA_BUSY_ERROR,
  createOllamaSimulator,
  type OllamaSimulator,
} from '../../src/ollama-sim/simulator.js';

const running: OllamaSimulator[] = [];
after(() => Promise.all(running.map((s) => s.close(500))));

async function start(env: Record<string, string> = {}): Promise<{ url: string; sim: OllamaSimulator }> {
  const sim = createOllamaSimulator(loadSimConfig(env), silentLogger);
  running.push(sim);
  const { port } = await sim.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, sim };
}

const post = (url: string, body: unknown, timeoutMs = 10_000) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });

const chat = (model = 'qwen2.5:0.5b', stream?: boolean) => ({
  model,
  ...(stream === undefined ? {} : { stream }),
  messages: [
    { role: 'system', content: 'Responda em português.' },
    {
      role: 'user',
      content: 'Pergunta: Qual o preço?\n\nDados:\n- MXRF11 fechou a R$ 10,36.\n- Dados de exemplo.',
    },
  ],
});

test('metadata endpoints answer like Ollama', { timeout: 30_000 }, async () => {
  const { url } = await start({ SIM_MODELS: 'qwen2.5:0.5b,llama3.2' });
  const root = await fetch(url);
  assert.equal(await root.text(), 'Ollama is running');
  const version = (await (await fetch(`${url}/api/version`)).json()) as { version: string };
  assert.match(version.version, /^\d+\.\d+\.\d+-ollama-sim$/);
  const tags = (await (await fetch(`${url}/api/tags`)).json()) as {
    models: Array<{ name: string; model: string; digest: string; details: { format: string } }>;
  };
  assert.deepEqual(
    tags.models.map((m) => m.name),
    ['qwen2.5:0.5b', 'llama3.2:latest'],
  );
  assert.equal(tags.models[0]!.details.format, 'gguf');
  assert.match(tags.models[0]!.digest, /^[0-9a-f]{64}$/);

  const show = await post(`${url}/api/show`, { model: 'llama3.2' });
  assert.equal(show.status, 200);
  assert.ok('modelfile' in ((await show.json()) as object));
  const unknown = await post(`${url}/api/show`, { model: 'mistral:7b' });
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { error: "model 'mistral:7b' not found" });

  const pull = await post(`${url}/api/pull`, { model: 'qwen2.5:0.5b' });
  const statuses = (await pull.text())
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { status: string }).status);
  assert.equal(statuses[0], 'pulling manifest');
  assert.equal(statuses.at(-1), 'success');
  const pullMissing = await post(`${url}/api/pull`, { model: 'mistral:7b', stream: false });
  assert.equal(pullMissing.status, 500);

  assert.equal((await fetch(`${url}/api/nothing`)).status, 404);
});

test(
  '/api/chat streams NDJSON chunks and a final done:true with statistics; stream:false gives the same text',
  { timeout: 30_000 },
  async () => {
    const { url } = await start({ SIM_LATENCY_MS: '30', SIM_TOKENS_PER_SECOND: '500' });
    const streamed = await post(`${url}/api/chat`, chat());
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers.get('content-type'), 'application/x-ndjson');
    const chunks = (await streamed.text())
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & { message: { role: string; content: string } },
      );
    assert.ok(chunks.length > 3);
    const final = chunks.at(-1)!;
    assert.equal(final.done, true);
    assert.equal(final.done_reason, 'stop');
    for (const field of [
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ])
      assert.equal(typeof final[field], 'number', field);
    assert.ok(chunks.slice(0, -1).every((c) => c.done === false && c.message.role === 'assistant'));
    const text = chunks.map((c) => c.message.content).join('');
    assert.match(text, /^\[ollama-sim qwen2\.5:0\.5b\] .*MXRF11 fechou a R\$ 10,36\./);
    assert.equal(final.eval_count, chunks.length - 1);

    const whole = (await (await post(`${url}/api/chat`, chat('qwen2.5:0.5b', false))).json()) as {
      message: { content: string };
      done: boolean;
      model: string;
    };
    assert.equal(whole.done, true);
    assert.equal(whole.model, 'qwen2.5:0.5b');
    assert.equal(whole.message.content, text, 'deterministic: same prompt, same reply');
  },
);

test(
  '/api/generate answers with `response`; an empty prompt just "loads" the model',
  { timeout: 30_000 },
  async () => {
    const { url } = await start({ SIM_LATENCY_MS: '0', SIM_TOKENS_PER_SECOND: '0' });
    const reply = (await (
      await post(`${url}/api/generate`, { model: 'qwen2.5:0.5b', prompt: 'Olá', stream: false })
    ).json()) as {
      response: string;
      done: boolean;
    };
    assert.equal(reply.done, true);
    assert.match(reply.response, /Resposta simulada para "Olá"/);
    const load = (await (await post(`${url}/api/generate`, { model: 'qwen2.5:0.5b' })).json()) as {
      done_reason: string;
    };
    assert.equal(load.done_reason, 'load');
  },
);

test('unknown model → 404 with Ollama’s text; bad requests → 400', { timeout: 30_000 }, async () => {
  const { url } = await start();
  const missing = await post(`${url}/api/chat`, chat('gpt-5'));
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: "model 'gpt-5' not found" });
  const noModel = await post(`${url}/api/chat`, { messages: [] });
  assert.equal(noModel.status, 400);
  assert.deepEqual(await noModel.json(), { error: 'model is required' });
  const empty = await fetch(`${url}/api/chat`, { method: 'POST' });
  assert.deepEqual(await empty.json(), { error: 'missing request body' });
  const bad = await fetch(`${url}/api/chat`, { method: 'POST', body: '{nope' });
  assert.equal(bad.status, 400);
});

test(
  'queue full: beyond NUM_PARALLEL + MAX_QUEUE pending requests, 503 with Ollama’s "server busy" error',
  { timeout: 30_000 },
  async () => {
    const { url, sim } = await start({
      SIM_LATENCY_MS: '800',
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '1',
      OLLAMA_MAX_QUEUE: '2',
    });
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(`${url}/api/chat`, chat('qwen2.5:0.5b', false)).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { error?: string },
          ms: performance.now() - started,
        })),
      ),
    );
    const busy = responses.filter((r) => r.status === 503);
    const served = responses.filter((r) => r.status === 200);
    assert.equal(served.length, 3, '1 generating + 2 queued');
    assert.equal(busy.length, 2);
    for (const r of busy) {
      assert.deepEqual(r.body, { error: OLLAMA_BUSY_ERROR });
      assert.ok(r.ms < 700, 'refused at once, not after waiting');
    }
    // One at a time: the queued ones finish one latency after another.
    const times = served.map((r) => r.ms).sort((a, b) => a - b);
    assert.ok(times[2]! >= 3 * 800 - 100, `third finished after ${Math.round(times[2]!)} ms`);
    assert.equal(OLLAMA_BUSY_ERROR, 'server busy, please try again.  maximum pending requests exceeded');
    assert.deepEqual(sim.load(), { active: 0, queued: 0 });
  },
);

test('a client that leaves frees its queue place and its slot', { timeout: 30_000 }, async () => {
  const { url, sim } = await start({
    SIM_LATENCY_MS: '3000',
    OLLAMA_NUM_PARALLEL: '1',
    OLLAMA_MAX_QUEUE: '1',
  });
  const controllers = [new AbortController(), new AbortController()];
  const pending = controllers.map((c) =>
    fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify(chat()), signal: c.signal }).catch(
      () => 'aborted',
    ),
  );
  await waitFor(() => sim.load().active === 1 && sim.load().queued === 1);
  for (const c of controllers) c.abort();
  await Promise.all(pending);
  await waitFor(() => sim.load().active === 0 && sim.load().queued === 0);
  assert.deepEqual(sim.load(), { active: 0, queued: 0 });
});

test('fail modes: 503 busy, 500 runner crash, hang', { timeout: 30_000 }, async () => {
  const busy = await start({ SIM_FAIL_MODE: '503' });
  const r503 = await post(`${busy.url}/api/chat`, chat());
  assert.equal(r503.status, 503);
  assert.deepEqual(await r503.json(), { error: OLLAMA_BUSY_ERROR });
  const crash = await start({ SIM_FAIL_MODE: '500' });
  const r500 = await post(`${crash.url}/api/chat`, chat());
  assert.equal(r500.status, 500);
  assert.match(((await r500.json()) as { error: string }).error, /llama runner process has terminated/);
  const hang = await start({ SIM_FAIL_MODE: 'hang' });
  await assert.rejects(post(`${hang.url}/api/chat`, chat(), 500), /TimeoutError|aborted/i);
  // Metadata keeps working in every fail mode.
  assert.equal((await fetch(`${hang.url}/api/tags`)).status, 200);
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
