/**
 * A degraded execution (the LLM timed out, the template answered) is handed to the requests waiting for
 * it on every replica — one execution, no stampede — but it is not cached: the next ask executes again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../src/contract/index.js';
import { startRedisServer, type RedisServer } from '../../src/stage/local/redis-server.js';
import {
  ask,
  askBody,
  makeWorkDir,
  startReplica,
  startSimulator,
  stopAll,
  sumOverReplicas,
  type RunningService,
} from './helpers/api-processes.js';

let workDir: string;
let redis: RedisServer;
let sim: RunningService;
let replicas: RunningService[] = [];

before(
  async () => {
    workDir = makeWorkDir('degraded-sharing');
    redis = await startRedisServer({ workDir });
    // An Ollama that never answers: every narration ends in the narrator's timeout.
    sim = await startSimulator(workDir, { SIM_FAIL_MODE: 'hang' });
    const env = { REDIS_URL: redis.url, OLLAMA_URL: sim.url, NARRATOR_TIMEOUT_MS: '1500' };
    replicas = await Promise.all(['api-d1', 'api-d2'].map((name) => startReplica(workDir, name, env)));
  },
  { timeout: 120_000 },
);

after(() => stopAll([...replicas, sim, redis], workDir));

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
