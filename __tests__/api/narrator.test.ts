/**
 * The narrator against the Ollama simulator over real HTTP (the simulator runs in this process): ok,
 * Ollama's own 503 "server busy" and a full limiter as overload, timeouts, errors.
 * The limiter itself (the kit's semaphore) is tested in __tests__/kit/semaphore.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../kit/silent-logger.js';
import { Semaphore } from '../../src/kit/semaphore.js';
import { OllamaNarrator, type NarrationResult } from '../../src/api/narrator.js';
import { findFreePort } from '../../src/stage/local/process.js';
import { loadSimConfig } from '../../src/ollama-sim/config.js';
import { createOllamaSimulator, type OllamaSimulator } from '../../src/ollama-sim/simulator.js';

const simulators: OllamaSimulator[] = [];
after(() => Promise.all(simulators.map((s) => s.close(500))));

async function simulator(env: Record<string, string>): Promise<{ url: string; sim: OllamaSimulator }> {
  const sim = createOllamaSimulator(loadSimConfig({ SIM_TOKENS_PER_SECOND: '0', ...env }), silentLogger);
  simulators.push(sim);
  const address = await sim.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${address.port}`, sim };
}

function narrator(
  url: string,
  options: { max?: number; queueMs?: number; timeoutMs?: number; model?: string } = {},
) {
  const outcomes: string[] = [];
  let inFlight = 0;
  const n = new OllamaNarrator({
    baseUrl: url,
    model: options.model ?? 'qwen2.5:0.5b',
    timeoutMs: options.timeoutMs ?? 5000,
    limiter: new Semaphore({ limit: options.max ?? 0, maxWaitMs: options.queueMs ?? 0 }),
    observer: { outcome: (o) => outcomes.push(o), inFlightChanged: (d) => (inFlight += d) },
  });
  return { n, outcomes, inFlight: () => inFlight };
}

const request = { question: 'Qual o preço do MXRF11?', facts: ['MXRF11 fechou a R$ 10,36 em 30/12/2024.'] };

test('ok: the reply of /api/chat becomes the narration', { timeout: 60_000 }, async () => {
  const { url } = await simulator({ SIM_LATENCY_MS: '10' });
  const { n, outcomes, inFlight } = narrator(url);
  const result = await n.narrate(request);
  assert.equal(result.outcome, 'ok');
  assert.match((result as Extract<NarrationResult, { outcome: 'ok' }>).text, /MXRF11 fechou a R\$ 10,36/);
  assert.deepEqual(outcomes, ['ok']);
  assert.equal(inFlight(), 0);
});

test(
  'Ollama answering 503 "server busy" (its queue full) counts as overload',
  { timeout: 60_000 },
  async () => {
    const { url, sim } = await simulator({
      SIM_LATENCY_MS: '600',
      OLLAMA_NUM_PARALLEL: '1',
      OLLAMA_MAX_QUEUE: '0',
    });
    const { n, outcomes } = narrator(url); // no limit of our own: the simulator is the one refusing
    const results = await Promise.all([n.narrate(request), n.narrate(request), n.narrate(request)]);
    assert.deepEqual(results.map((r) => r.outcome).sort(), ['ok', 'overload', 'overload']);
    const busy = results.find((r) => r.outcome === 'overload') as { detail: string };
    assert.match(busy.detail, /server busy, please try again\. {2}maximum pending requests exceeded/);
    assert.deepEqual(outcomes.sort(), ['ok', 'overload', 'overload']);
    assert.deepEqual(sim.load(), { active: 0, queued: 0 });

    const failing = await simulator({ SIM_FAIL_MODE: '503' });
    assert.equal((await narrator(failing.url).n.narrate(request)).outcome, 'overload');
  },
);

test(
  'a full limiter refuses at once, without calling Ollama; a short queue wait can get the slot',
  { timeout: 60_000 },
  async () => {
    const { url, sim } = await simulator({ SIM_LATENCY_MS: '400', OLLAMA_NUM_PARALLEL: '4' });
    const { n } = narrator(url, { max: 1 });
    const first = n.narrate(request);
    await waitFor(() => sim.load().active === 1);
    const started = performance.now();
    const refused = await n.narrate(request);
    assert.equal(refused.outcome, 'overload');
    assert.ok(performance.now() - started < 200, 'refused at once');
    assert.deepEqual(sim.load(), { active: 1, queued: 0 }, 'only the first call reached the simulator');
    assert.equal((await first).outcome, 'ok');

    const queued = narrator(url, { max: 1, queueMs: 3000 });
    const results = await Promise.all([queued.n.narrate(request), queued.n.narrate(request)]);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['ok', 'ok'],
    );
  },
);

test(
  'timeout: a hanging Ollama is abandoned after NARRATOR_TIMEOUT_MS, and the simulator frees the slot',
  { timeout: 60_000 },
  async () => {
    const { url, sim } = await simulator({ SIM_LATENCY_MS: '5000', OLLAMA_NUM_PARALLEL: '1' });
    const { n, outcomes, inFlight } = narrator(url, { timeoutMs: 300 });
    const started = performance.now();
    const result = await n.narrate(request);
    assert.equal(result.outcome, 'timeout');
    assert.ok(performance.now() - started < 2000);
    assert.deepEqual(outcomes, ['timeout']);
    assert.equal(inFlight(), 0);
    // The client went away: the simulator must not keep generating for nobody.
    await waitFor(() => sim.load().active === 0);
    assert.deepEqual(sim.load(), { active: 0, queued: 0 });

    const hanging = await simulator({ SIM_FAIL_MODE: 'hang' });
    assert.equal((await narrator(hanging.url, { timeoutMs: 300 }).n.narrate(request)).outcome, 'timeout');
  },
);

test('errors: runner crash (500), unknown model (404), nothing listening', { timeout: 60_000 }, async () => {
  const crashed = await simulator({ SIM_FAIL_MODE: '500' });
  const crash = await narrator(crashed.url).n.narrate(request);
  assert.equal(crash.outcome, 'error');
  assert.match((crash as { detail: string }).detail, /Ollama 500: llama runner process has terminated/);

  const { url } = await simulator({ SIM_LATENCY_MS: '0' });
  const missing = await narrator(url, { model: 'no-such-model:7b' }).n.narrate(request);
  assert.equal(missing.outcome, 'error');
  assert.match((missing as { detail: string }).detail, /Ollama 404: model 'no-such-model:7b' not found/);

  const closedPort = await findFreePort();
  const refused = await narrator(`http://127.0.0.1:${closedPort}`).n.narrate(request);
  assert.equal(refused.outcome, 'error');
  assert.match((refused as { detail: string }).detail, /cannot reach Ollama: ECONNREFUSED/);
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
