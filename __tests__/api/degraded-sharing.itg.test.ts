/**
 * A degraded execution (the LLM timed out, the template answered) is handed to the requests waiting for
 * it on every replica — one execution, no stampede — but it is not cached: the next ask executes again.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../src/contract/index.js';
import { ask, askBody, sumOverReplicas, type RunningService } from './helpers/api-processes.js';
import { useApiStage } from './helpers/api-stage.js';

const stage = useApiStage({
  name: 'degraded-sharing',
  // An Ollama that never answers: every narration ends in the narrator's timeout.
  simulators: { 'ollama-sim': { SIM_FAIL_MODE: 'hang' } },
  env: { NARRATOR_TIMEOUT_MS: '1500' },
  replicas: { 'api-d1': {}, 'api-d2': {} },
});
let replicas: RunningService[] = [];

before(async () => {
  await stage.booted;
  replicas = stage.replicas;
});

test('one degraded execution is shared with every waiter, and not cached', { timeout: 60_000 }, async () => {
  const question = 'Qual o dividend yield do MXRF11?';
  const replies = await Promise.all(
    Array.from({ length: 8 }, (_, i) => ask(replicas[i % 2]!.url, askBody(question, `w-${i}`))),
  );
  for (const reply of replies) {
    assert.equal(reply.status, 200);
    assert.equal(reply.body.meta.narrator.outcome, 'timeout');
    assert.equal(reply.body.meta.narrator.source, 'template');
    assert.match(reply.body.answer!, /dividend yield de 12 meses do MXRF11 é de 11,65%/);
  }
  assert.equal(await sumOverReplicas(replicas, METRICS.heavyExecutions), 1, 'one execution for all eight');
  assert.equal(replies.filter((r) => r.body.meta.compute.role === 'leader').length, 1);
  assert.equal(replies.filter((r) => r.body.meta.compute.plan_cache_hit).length, 7);

  const later = await ask(replicas[1]!.url, askBody(question, 'later'));
  assert.equal(later.body.meta.compute.role, 'leader', 'the degraded answer was not cached');
  assert.equal(later.body.meta.compute.plan_cache_hit, false);
  assert.equal(await sumOverReplicas(replicas, METRICS.heavyExecutions), 2);
});
