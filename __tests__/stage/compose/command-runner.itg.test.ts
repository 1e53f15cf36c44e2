/**
 * The real child-process runner, and the compose driver on top of it, against a shell script that
 * stands in for `docker` on a temporary PATH: a timeout kills the command and what it spawned, a huge
 * output streams to a file without being held in memory, a missing command is a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ChildProcessRunner, CommandNotFoundError } from '../../../src/stage/compose/command-runner.js';
import { ComposeDriver } from '../../../src/stage/compose/compose-driver.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-runner-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return probe();
}

test('a command past its timeout is killed together with the process it spawned', async (t) => {
  const dir = scratch(t);
  const pidFile = join(dir, 'grandchild.pid');
  const hang = script(dir, 'hang', `sleep 30 &\necho $! > "${pidFile}"\necho started\nwait`);
  const runner = new ChildProcessRunner({ killGraceMs: 500 });
  const started = Date.now();
  const result = await runner.run(hang, [], { timeoutMs: 700 });
  const elapsed = Date.now() - started;
  assert.equal(result.timedOut, true);
  assert.equal(result.exitCode, null);
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.stdout, 'started\n', 'output before the kill is kept');
  assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(await eventually(() => !alive(grandchild), 3000), 'the background sleep died with its group');
});

test('a command ignoring SIGTERM is SIGKILLed after the grace period', async (t) => {
  const dir = scratch(t);
  const stubborn = script(dir, 'stubborn', `trap '' TERM\necho ready\nwhile :; do sleep 0.1; done`);
  const result = await new ChildProcessRunner({ killGraceMs: 300 }).run(stubborn, [], { timeoutMs: 500 });
  assert.equal(result.timedOut, true);
  assert.equal(result.signal, 'SIGKILL');
});

test('an abort signal ends a running command', async (t) => {
  const dir = scratch(t);
  const hang = script(dir, 'hang', 'sleep 30');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const result = await new ChildProcessRunner({ killGraceMs: 300 }).run(hang, [], {
    timeoutMs: 20_000,
    signal: controller.signal,
  });
  assert.equal(result.aborted, true);
  assert.equal(result.timedOut, false);
  const before = await new ChildProcessRunner().run(hang, [], { timeoutMs: 1000, signal: controller.signal });
  assert.equal(before.aborted, true, 'an already aborted signal does not start the command');
});

test('stdout streams into a file: tens of megabytes written, none of it captured', async (t) => {
  const dir = scratch(t);
  // 400,000 lines of 48 bytes: about 19 MB, far more than the 1 MB the runner may capture here.
  const line = 'api-1  | 2026-08-01T10:00:00Z {"msg":"request"}';
  const noisy = script(dir, 'noisy', `yes '${line}' | head -n 400000\necho done >&2`);
  const file = join(dir, 'logs', 'api.log');
  const runner = new ChildProcessRunner({ maxCaptureBytes: 1024 * 1024 });
  const result = await runner.run(noisy, [], { timeoutMs: 30_000, stdoutFile: file });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, '', 'nothing held in memory');
  assert.equal(result.stderr, 'done\n');
  assert.equal(statSync(file).size, 400_000 * (line.length + 1));
});

test('captured output is bounded: only the tail of a huge stderr is kept', async (t) => {
  const dir = scratch(t);
  const loud = script(
    dir,
    'loud',
    `yes 'noise noise noise' | head -n 100000 >&2\necho 'the real error' >&2\nexit 3`,
  );
  const result = await new ChildProcessRunner({ maxCaptureBytes: 4096 }).run(loud, [], { timeoutMs: 30_000 });
  assert.equal(result.exitCode, 3);
  assert.ok(result.stderr.length < 4200, `kept ${result.stderr.length} chars`);
  assert.match(result.stderr, /^\[earlier output dropped\]/);
  assert.match(result.stderr, /the real error\n$/);
});

test('a command that does not exist rejects with CommandNotFoundError', async () => {
  await assert.rejects(
    new ChildProcessRunner().run('stagegate-no-such-command', [], { timeoutMs: 5000 }),
    (error: unknown) =>
      error instanceof CommandNotFoundError &&
      /"stagegate-no-such-command" command was not found/.test(error.message),
  );
});

/**
 * A stand-in `docker`: records each call, answers `compose version`, `ps`, `logs` (a big log for api),
 * hangs on `up` (to exercise the boot timeout) and succeeds on `down`.
 */
function fakeDocker(dir: string): { bin: string; calls: string } {
  const bin = join(dir, 'bin');
  const calls = join(dir, 'calls.txt');
  const ps = [
    { Name: 'stagegate-api-1', Service: 'api', State: 'running', Health: 'starting' },
    { Name: 'stagegate-redis-1', Service: 'redis', State: 'running', Health: 'healthy' },
  ]
    .map((entry) => JSON.stringify(entry))
    .join('\n');
  // `config --format json`, read before the boot: the reference file's services as compose resolves them,
  // with the narrator limit the driver probes with passed through (the shell fills it in).
  const healthcheck = { test: ['CMD', 'true'] };
  const published = (port: number) => [{ host_ip: '127.0.0.1', target: port, published: String(port) }];
  const config = JSON.stringify({
    name: 'stagegate',
    services: {
      api: { environment: { NARRATOR_MAX_CONCURRENCY: 'NARRATOR_VALUE', PORT: '8080' }, healthcheck },
      gateway: { image: 'haproxy', ports: published(8000), healthcheck },
      redis: { image: 'redis', healthcheck },
      prometheus: { image: 'prom/prometheus', ports: published(9090), healthcheck },
    },
  }).replace('NARRATOR_VALUE', '$NARRATOR_MAX_CONCURRENCY');
  mkdirSync(bin);
  script(
    bin,
    'docker',
    `echo "$*" >> "${calls}"
case "$*" in
  "compose version") echo "Docker Compose version v2.29.1" ;;
  *" config --format json") cat <<EOF
${config}
EOF
  ;;
  *" ps --all --format json") cat <<'EOF'
${ps}
EOF
  ;;
  *" logs "*" api") yes 'stagegate-api-1  | 2026-08-01T10:00:00Z {"msg":"request","path":"/healthz"}' | head -n 200000 ;;
  *" logs "*) echo "stagegate-redis-1  | 2026-08-01T10:00:00Z Ready to accept connections" ;;
  *" up "*) echo " Container stagegate-api-1  Waiting" >&2; sleep 30 ;;
  *" down "*) echo " Container stagegate-api-1  Removed" >&2 ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`,
  );
  return { bin, calls };
}

test('the compose driver on the real runner: boot bounded by its timeout, teardown streams logs then downs', async (t) => {
  const dir = scratch(t);
  const { bin, calls } = fakeDocker(dir);
  const said: string[] = [];
  const stage = new ComposeDriver({
    composeFile: 'deploy/docker/docker-compose.stage.yaml',
    projectName: 'stagegate',
    requiredServices: ['redis'],
    runner: new ChildProcessRunner({ killGraceMs: 500 }),
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
    log: (text) => said.push(text),
  });

  const started = Date.now();
  const boot = await stage.boot({ replicas: 2, narratorMaxConcurrency: 1, bootTimeoutMs: 2000 });
  assert.ok(Date.now() - started < 20_000, 'the hanging `up` was cut at the boot timeout');
  assert.equal(boot.ok, false);
  assert.match(boot.reason!, /did not finish within the boot timeout \(2 s\)/);
  assert.match(
    boot.reason!,
    /api: 0 of 2 replicas running and healthy \(stagegate-api-1 running\/starting\)/,
  );
  assert.match(boot.reason!, /gateway: no container/);
  assert.match(boot.log!, /docker compose up \(last lines\):\n\s*Container stagegate-api-1 {2}Waiting/);

  const services = await stage.services();
  assert.deepEqual(
    services.map((s) => [s.name, s.health]),
    [
      ['stagegate-api-1', 'starting'],
      ['stagegate-redis-1', 'healthy'],
    ],
  );
  const lines = await stage.logs('redis', 5);
  assert.deepEqual(lines, ['Ready to accept connections']);

  const logDir = join(dir, 'stage-logs');
  await stage.teardown({ logDir, timeoutMs: 30_000 });
  assert.equal(statSync(join(logDir, 'api.log')).size, 200_000 * 76, 'the whole api log, streamed');
  assert.match(readFileSync(join(logDir, 'redis.log'), 'utf8'), /Ready to accept connections/);
  const recorded = readFileSync(calls, 'utf8').trim().split('\n');
  assert.equal(recorded[0], 'compose version', 'the version is checked once');
  assert.equal(recorded.filter((line) => line === 'compose version').length, 1);
  assert.match(
    recorded.at(-1)!,
    /^compose -f deploy\/docker\/docker-compose\.stage\.yaml -p stagegate down -v --remove-orphans --timeout \d+$/,
  );
  assert.ok(said.includes('stage torn down'));
});

test('the compose driver names the missing docker binary', async () => {
  const stage = new ComposeDriver({
    composeFile: 'deploy/docker/docker-compose.stage.yaml',
    projectName: 'stagegate',
    docker: 'stagegate-no-such-docker',
  });
  const boot = await stage.boot({ replicas: 1, narratorMaxConcurrency: 1, bootTimeoutMs: 5000 });
  assert.equal(boot.ok, false);
  assert.equal(
    boot.reason,
    'docker compose v2 is not available: the "stagegate-no-such-docker" command was not found on PATH; install Docker with the Compose v2 plugin, or use the local driver',
  );
});

test(
  'this machine: a docker CLI without the compose plugin is reported as such',
  { skip: !hasDocker() && 'no docker CLI on PATH' },
  async () => {
    // services() only runs `compose version` and `ps`: harmless where compose does exist.
    const stage = new ComposeDriver({
      composeFile: 'deploy/docker/docker-compose.stage.yaml',
      projectName: 'stagegate',
    });
    // Compose is there when its version answered (`ps` may still fail: no daemon running).
    const outcome = await stage.services().then(
      () => 'compose available',
      (error: Error) => (error.name === 'ComposeUnavailableError' ? error.message : 'compose available'),
    );
    if (outcome === 'compose available') return;
    assert.match(
      outcome,
      /^docker compose v2 is not available: "docker compose version" failed \(exit \d+\): \S/,
    );
    assert.doesNotMatch(outcome, /--help/, 'the line that says what is wrong, not the pointer to help');
  },
);

function hasDocker(): boolean {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    try {
      if (statSync(join(folder, 'docker')).isFile()) return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}
