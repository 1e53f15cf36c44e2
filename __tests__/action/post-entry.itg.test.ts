/**
 * The post step: tears down what the main step left up (keep-stage, or a main step cut short), after
 * streaming each service's log to the log dir; does nothing when main already tore down or booted
 * nothing. Run as the runner runs it, with STATE_* variables, against a stand-in `docker` on PATH that
 * records its command lines (this machine has no Docker engine).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPost } from '../../src/action/run-post.js';
import { STATE } from '../../src/action/constants.js';
import type { StateStore } from '../../src/github/ports.js';
import type { StageDriver } from '../../src/stage/driver.js';
import { recordingLogger } from '../github/recording-logger.js';
import { startFakeStage } from '../fixtures/fake-stage.js';
import { removeRunDir, runEntry } from './run-entry.js';

const FAKE_DOCKER = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_DOCKER_LOG"
case "$*" in
  "compose version") echo "Docker Compose version v2.29.1" ;;
  *" ps "*) exit 1 ;;
  *"config --services"*) printf 'api\\ngateway\\nredis\\n' ;;
  *" logs "*) svc="\${@: -1}"; for i in 1 2 3; do echo "stagegate-$svc-1  | 2025-01-01T00:00:0$i.000Z line $i of $svc"; done ;;
  *" down "*) echo "down ok" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

function fakeDocker(t: import('node:test').TestContext): { bin: string; log: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-docker-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const docker = join(dir, 'bin', 'docker');
  mkdirSync(bin);
  writeFileSync(docker, FAKE_DOCKER);
  chmodSync(docker, 0o755);
  return { bin, log: join(dir, 'docker.log'), dir };
}

function composeState(dir: string): Record<string, string> {
  return {
    [STATE.driverChoice]: JSON.stringify({
      kind: 'compose',
      compose: {
        composeFile: 'deploy/docker/docker-compose.stage.yaml',
        projectName: 'stagegate',
        apiService: 'api',
        gatewayService: 'gateway',
        requiredServices: ['redis'],
        build: true,
        cwd: dir,
      },
    }),
    [STATE.logDir]: join(dir, 'logs'),
    [STATE.teardownTimeoutMs]: '20000',
  };
}

test('post tears a kept compose stage down: logs of every service to files, then down -v --remove-orphans', async (t) => {
  const docker = fakeDocker(t);
  const run = await runEntry({
    entry: 'src/action/post.ts',
    state: composeState(docker.dir),
    env: { PATH: `${docker.bin}:${process.env.PATH}`, FAKE_DOCKER_LOG: docker.log },
  });
  t.after(() => removeRunDir(run));
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const calls = readFileSync(docker.log, 'utf8').trim().split('\n');
  const down = calls.filter((c) => c.includes(' down '));
  assert.equal(down.length, 1);
  assert.match(
    down[0]!,
    /^compose -f deploy\/docker\/docker-compose\.stage\.yaml -p stagegate down -v --remove-orphans --timeout \d+$/,
  );
  // Logs are saved before the containers go.
  const lastLogs = Math.max(...calls.map((c, i) => (c.includes(' logs ') ? i : -1)));
  assert.ok(lastLogs >= 0 && lastLogs < calls.indexOf(down[0]!), 'logs first, then down');
  for (const service of ['api', 'gateway', 'redis']) {
    const file = join(docker.dir, 'logs', `${service}.log`);
    assert.ok(existsSync(file), `${service}.log written`);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`line 3 of ${service}`));
  }
  assert.match(run.stdout, /post: tearing down the compose stage/);
  assert.match(run.stdout, /post: stage torn down/);
});

test('post does nothing when the main step already tore down, or booted nothing', async (t) => {
  const docker = fakeDocker(t);
  const env = { PATH: `${docker.bin}:${process.env.PATH}`, FAKE_DOCKER_LOG: docker.log };
  const already = await runEntry({
    entry: 'src/action/post.ts',
    state: { ...composeState(docker.dir), [STATE.tornDown]: 'true' },
    env,
  });
  t.after(() => removeRunDir(already));
  assert.equal(already.code, 0);
  assert.match(already.stdout, /already tore the stage down/);
  const nothing = await runEntry({ entry: 'src/action/post.ts', env });
  t.after(() => removeRunDir(nothing));
  assert.equal(nothing.code, 0);
  assert.match(nothing.stdout, /booted no stage; nothing to tear down/);
  assert.ok(!existsSync(docker.log), 'docker was never called');
});

test('main with keep-stage leaves the teardown to post, through the state it saves', async (t) => {
  const stage = await startFakeStage({ replicas: ['a', 'b', 'c'] });
  t.after(() => stage.close());
  const main = await runEntry({
    entry: 'src/action/main.ts',
    inputs: {
      driver: 'external',
      'base-url': stage.baseUrl,
      checks: 'load-balancing',
      'keep-stage': 'true',
      'pr-comment': 'false',
    },
  });
  t.after(() => removeRunDir(main));
  assert.equal(main.code, 0, main.stdout);
  assert.equal(main.state[STATE.tornDown], undefined);
  assert.match(main.stdout, /keep-stage: the stage is left running/);
  const post = await runEntry({ entry: 'src/action/post.ts', state: main.state });
  t.after(() => removeRunDir(post));
  assert.equal(post.code, 0);
  assert.match(post.stdout, /post: tearing down the external stage/);
});

function memoryState(values: Record<string, string>): StateStore {
  return { save: (name, value) => (values[name] = value), get: (name) => values[name] ?? '' };
}

test('a teardown that never returns is cut off by the post step, which still ends', async () => {
  const logger = recordingLogger();
  let teardownArgs: unknown;
  const hanging = {
    kind: 'compose',
    teardown: (options: unknown) => {
      teardownArgs = options;
      return new Promise<void>(() => undefined);
    },
  } as unknown as StageDriver;
  const state = memoryState({
    [STATE.driverChoice]: JSON.stringify({ kind: 'local', local: {} }),
    [STATE.logDir]: '/tmp/x-logs',
    [STATE.teardownTimeoutMs]: '100',
  });
  const started = Date.now();
  const outcome = await runPost({ state, logger, createDriver: () => hanging });
  assert.equal(outcome, 'timed-out');
  assert.ok(Date.now() - started < 15_000);
  assert.deepEqual(teardownArgs, { logDir: '/tmp/x-logs', timeoutMs: 100 });
  assert.match(logger.warnings()[0]!, /did not finish/);
});

test('unreadable state is treated as nothing booted', async () => {
  const logger = recordingLogger();
  let created = false;
  const outcome = await runPost({
    state: memoryState({ [STATE.driverChoice]: '{not json' }),
    logger,
    createDriver: () => {
      created = true;
      throw new Error('unexpected');
    },
  });
  assert.equal(outcome, 'nothing-booted');
  assert.equal(created, false);
});
