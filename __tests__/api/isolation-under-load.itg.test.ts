/**
 * Isolation under load, through the gateway: 100 clients ask the same private question at the same
 * moment, with public asks mixed in. Every client gets its own cache key and its own execution, no
 * answer holds another client's positions or nickname, and the public plans are still shared (one
 * execution each).
 *
 * What each client should see comes from the sample seed: client-a, client-b, client-c and demo hold
 * positions (SEED_POSITIONS); any other client id has none, so its portfolio answer is the "no positions
 * yet" sentence — and a leaked answer would show someone's "N cotas de TICKER" in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../src/contract/index.js';
import { SEED_POSITIONS } from '../../src/api/sql/seed.js';
import { bootReferenceStage, sumMetric } from '../fixtures/reference-stage.js';
import { ask, askBody, countBy, describe, percentile } from '../fixtures/gateway-requests.js';

const PRIVATE_QUESTION = 'Como está minha carteira?';
const PUBLIC_QUESTIONS = ['Qual o preço atual do HGLG11?', 'Qual o último dividendo do MXRF11?'];
const PUBLIC_ASKS_EACH = 15;
const SEEDED_CLIENTS = [...new Set(SEED_POSITIONS.map((position) => position.clientId))];
const integer = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });
/** How a position shows in a portfolio answer (template and simulator alike restate the facts). */
const positionText = (position: { ticker: string; quantity: number }) =>
  `${integer.format(position.quantity)} cotas de ${position.ticker}`;

test('100 clients asking the same private question at once: 100 keys, no cross-client data, public plans still shared', async (t) => {
  const driver = await bootReferenceStage({
    after: t,
    replicas: 3,
    narratorMaxConcurrency: 8,
    env: { SIM_LATENCY_MS: '200', SIM_TOKENS_PER_SECOND: '0', OLLAMA_NUM_PARALLEL: '8' },
  });
  assert.ok(SEEDED_CLIENTS.length >= 2 && SEEDED_CLIENTS.length < 100);
  const clients = [
    ...SEEDED_CLIENTS,
    ...Array.from(
      { length: 100 - SEEDED_CLIENTS.length },
      (_, i) => `load-user-${String(i).padStart(3, '0')}`,
    ),
  ];
  const nickname = (client: string) => `Nick${clients.indexOf(client)}x`;
  const requests: Array<{ kind: 'private' | 'public'; client: string; question: string }> = [
    ...clients.map((client) => ({ kind: 'private' as const, client, question: PRIVATE_QUESTION })),
    ...PUBLIC_QUESTIONS.flatMap((question, q) =>
      Array.from({ length: PUBLIC_ASKS_EACH }, (_, i) => ({
        kind: 'public' as const,
        client: `public-${q}-${i}`,
        question,
      })),
    ),
  ];
  // Interleave deterministically, so public asks sit among the private ones.
  requests.sort((a, b) => hash(a.client) - hash(b.client));

  const executionsBefore = await sumMetric(driver, METRICS.heavyExecutions);
  const replies = await Promise.all(
    requests.map(async (request) => ({
      request,
      reply: await ask(
        driver.baseUrl,
        askBody(request.question, request.client, nickname(request.client)),
        30_000,
      ),
    })),
  );
  const executions = (await sumMetric(driver, METRICS.heavyExecutions)) - executionsBefore;
  const all = replies.map((entry) => entry.reply);
  t.diagnostic(
    `${replies.length} asks at once; statuses ${JSON.stringify(countBy(all, (r) => String(r.status ?? r.failure)))}; ` +
      `heavy executions ${executions}; latency p50 ${Math.round(
        percentile(
          all.map((r) => r.ms),
          50,
        ),
      )} ms, ` +
      `p95 ${Math.round(
        percentile(
          all.map((r) => r.ms),
          95,
        ),
      )} ms, max ${Math.round(Math.max(...all.map((r) => r.ms)))} ms; ` +
      `answered by ${JSON.stringify(countBy(all, (r) => r.replica ?? '-'))}`,
  );
  for (const reply of all) assert.equal(reply.status, 200, describe(reply));

  // Private: one key and one execution per client, keyed by that client.
  const privates = replies.filter((entry) => entry.request.kind === 'private');
  const keys = new Set(privates.map((entry) => entry.reply.answer!.meta.compute.plan_cache_key));
  assert.equal(keys.size, 100, '100 distinct private keys');
  let leaks = 0;
  for (const { request, reply } of privates) {
    const body = reply.answer!;
    const text = body.answer ?? '';
    assert.equal(body.meta.compute.plan_scope, 'private');
    assert.ok(
      body.meta.compute.plan_cache_key.includes(`:${request.client}:`),
      `${request.client}'s key: ${body.meta.compute.plan_cache_key}`,
    );
    assert.equal(
      body.meta.compute.plan_cache_hit,
      false,
      `${request.client} was not served anyone else's result`,
    );
    assert.equal(body.meta.compute.role, 'leader');
    assert.equal(body.meta.compute.executed_by, body.meta.replica);

    const own = SEED_POSITIONS.filter((position) => position.clientId === request.client);
    const ownTexts = new Set(own.map(positionText));
    for (const expected of ownTexts)
      assert.ok(text.includes(expected), `${request.client} sees its own "${expected}": ${text}`);
    if (own.length === 0)
      assert.match(text, /ainda não tem posições/, `${request.client} holds nothing: ${text}`);
    for (const other of SEED_POSITIONS) {
      if (other.clientId === request.client || ownTexts.has(positionText(other))) continue;
      if (text.includes(positionText(other))) leaks += 1;
    }
    for (const client of clients)
      if (client !== request.client && new RegExp(`\\b${nickname(client)}\\b`).test(text)) leaks += 1;
  }
  assert.equal(leaks, 0, 'answers holding another client’s positions or nickname');

  // Public: still one key and one execution per question, shared by everyone who asked it.
  for (const question of PUBLIC_QUESTIONS) {
    const publics = replies
      .filter((entry) => entry.request.question === question)
      .map((entry) => entry.reply.answer!);
    assert.equal(
      new Set(publics.map((body) => body.meta.compute.plan_cache_key)).size,
      1,
      `one key for "${question}"`,
    );
    assert.equal(
      publics.filter((body) => !body.meta.compute.plan_cache_hit).length,
      1,
      `one miss for "${question}"`,
    );
    assert.equal(new Set(publics.map((body) => body.answer)).size, 1, 'everyone got the same public answer');
  }
  assert.equal(
    executions,
    100 + PUBLIC_QUESTIONS.length,
    'heavy executions: one per private client, one per public plan',
  );
});

/** A small stable hash, for a deterministic interleaving. */
function hash(text: string): number {
  let value = 2166136261;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 16777619) >>> 0;
  return value;
}
