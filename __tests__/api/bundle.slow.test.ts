/**
 * The ncc bundles of the API and the simulator run on their own — outside the repository, with no
 * node_modules to fall back on — and the API's embedded SQLite (sql.js + its .wasm) works from the bundle.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedisServer, type RedisServer } from '../../src/stage/local/redis-server.js';
import {
  REPO_ROOT,
  ask,
  askBody,
  makeWorkDir,
  startNodeService,
  stopAll,
  type RunningService,
} from './helpers/api-processes.js';

let workDir: string;
let redis: RedisServer | undefined;
let sim: RunningService | undefined;
let api: RunningService | undefined;

before(
  async () => {
    workDir = makeWorkDir('api-bundle');
    // Same ncc as .ci/package.mjs; transpile-only (-t) so type errors elsewhere in the repository cannot
    // stop this runtime check (`npm run typecheck` covers types).
    const ncc = (entry: string, out: string) =>
      promisify(execFile)('npx', ['ncc', 'build', entry, '-o', join(workDir, out), '-t', '-q'], {
        cwd: REPO_ROOT,
        timeout: 120_000,
      });
    await Promise.all([ncc('src/api/main.ts', 'api'), ncc('src/ollama-sim/main.ts', 'ollama-sim')]);
  },
  { timeout: 120_000 },
);

after(() => stopAll([api, sim, redis], workDir));

test('the bundle carries sql.js and its .wasm next to index.js', () => {
  for (const file of ['index.js', 'sql-wasm.js', 'sql-wasm.wasm'])
    assert.ok(existsSync(join(workDir, 'api', file)), file);
});

test(
  'bundled API + bundled simulator answer questions from the embedded database',
  { timeout: 60_000 },
  async () => {
    redis = await startRedisServer({ workDir });
    sim = await startNodeService({
      name: 'sim-bundle',
      entry: join(workDir, 'ollama-sim', 'index.js'),
      workDir,
      cwd: workDir,
      env: { SIM_LATENCY_MS: '10' },
      readyPath: '/',
    });
    api = await startNodeService({
      name: 'api-bundle',
      entry: join(workDir, 'api', 'index.js'),
      workDir,
      cwd: workDir,
      env: { REPLICA_ID: 'api-bundle', REDIS_URL: redis.url, OLLAMA_URL: sim.url },
      readyPath: '/healthz',
    });
    const price = await ask(api.url, askBody('Qual o preço atual do KNRI11?'));
    assert.equal(price.status, 200, JSON.stringify(price.body));
    assert.match(price.body.answer!, /KNRI11 .*R\$ 165,42/);
    const portfolio = await ask(api.url, askBody('minha carteira', 'client-c'));
    assert.match(portfolio.body.answer!, /VISC11/);
    api.process.signal('SIGTERM');
    assert.ok(await api.process.waitForExit(8000));
    assert.equal(api.process.describeState(), 'exited (code 0)');
  },
);
