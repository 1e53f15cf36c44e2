import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatServices, parseStageArgs, UsageError } from '../../../src/stage/local/stage-cli.js';
import { connect } from './local-stage-helpers.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('flags are parsed into the driver options; bad ones are refused by name', () => {
  const args = parseStageArgs(
    [
      '--replicas',
      '2',
      '--narrator-max-concurrency',
      '0',
      '--env',
      'SINGLE_FLIGHT_ENABLED=false',
      '--replica-env',
      '2:FAULT_INJECTION=healthz-fail',
      '--no-prometheus',
    ],
    {},
  );
  assert.notEqual(args, 'help');
  if (args === 'help') return;
  assert.equal(args.replicas, 2);
  assert.equal(args.narratorMaxConcurrency, 0);
  assert.equal(args.bootTimeoutMs, 120_000);
  assert.deepEqual(args.env, { SINGLE_FLIGHT_ENABLED: 'false' });
  assert.deepEqual(args.options, {
    replicaEnv: { 2: { FAULT_INJECTION: 'healthz-fail' } },
    prometheus: false,
  });
  assert.equal(
    (parseStageArgs([], { OLLAMA_URL: 'http://127.0.0.1:11434' }) as { options: object }).options.constructor,
    Object,
  );
  assert.deepEqual(
    (parseStageArgs([], { OLLAMA_URL: 'http://127.0.0.1:11434' }) as { options: { ollamaUrl?: string } })
      .options.ollamaUrl,
    'http://127.0.0.1:11434',
  );
  assert.equal(parseStageArgs(['-h'], {}), 'help');

  const refused: Array<[string[], RegExp]> = [
    [['--replicas', '0'], /--replicas must be a whole number from 1 to 20, got "0"/],
    [['--replicas', 'three'], /--replicas must be a whole number/],
    [['--env', 'NOEQUALS'], /--env expects KEY=VALUE, got "NOEQUALS"/],
    [['--replica-env', '4:A=1'], /--replica-env names replica 4, but replicas are numbered 1..3/],
    [['--replica-env', 'A=1'], /--replica-env expects I:KEY=VALUE/],
    [['--ollama-url', 'localhost:11434'], /--ollama-url must be an http\(s\) URL/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ];
  for (const [argv, message] of refused)
    assert.throws(
      () => parseStageArgs(argv, {}),
      (error: Error) => error instanceof UsageError && message.test(error.message),
    );
});

test('the services table lines up like docker compose ps', () => {
  const table = formatServices([
    { service: 'api', name: 'api-1', state: 'running', health: 'healthy', address: '127.0.0.1:4001' },
    {
      service: 'grafana',
      name: 'grafana',
      state: 'unavailable',
      health: 'none',
      detail: 'not available on the local stage (compose only)',
    },
  ]);
  assert.deepEqual(table.split('\n'), [
    'SERVICE  NAME     STATE        HEALTH   ADDRESS         DETAIL',
    'api      api-1    running      healthy  127.0.0.1:4001',
    'grafana  grafana  unavailable  none                     not available on the local stage (compose only)',
  ]);
});

test('npm run stage:local boots, prints the URLs, and on Ctrl-C tears everything down, keeping the logs', async (t) => {
  const logDir = join(mkdtempSync(join(tmpdir(), 'stagegate-cmd-')), 'logs');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/stage/local/main.ts', '--replicas', '2', '--no-prometheus', '--log-dir', logDir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(join(logDir, '..'), { recursive: true, force: true });
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    assert.ok(Date.now() < deadline, `no "Press Ctrl-C" within 60 s:\n${output}`);
    assert.equal(child.exitCode, null, `exited early:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.match(output, /SERVICE +NAME +STATE +HEALTH +ADDRESS +DETAIL/);
  assert.match(
    output,
    /grafana +grafana +unavailable +none +not available on the local stage \(compose only\)/,
  );
  const gateway = /gateway +(http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
  const workDir = /work dir +(\S+)/.exec(output)?.[1];
  const replicaPorts = [...output.matchAll(/api-\d +http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) =>
    Number(match[1]),
  );
  assert.ok(gateway && workDir && replicaPorts.length === 2, output);
  const health = await fetch(`${gateway[1]}/healthz`, { signal: AbortSignal.timeout(5000) });
  assert.equal(health.status, 200);

  child.kill('SIGINT');
  assert.equal(await exited, 0, output);
  assert.match(output, /everything stopped, work dir removed/);
  assert.deepEqual(
    readdirSync(logDir)
      .filter((file) => file.endsWith('.log'))
      .sort(),
    ['api-1.log', 'api-2.log', 'gateway.log', 'ollama-sim.log', 'redis.log'],
  );
  assert.equal(existsSync(workDir), false);
  for (const port of [Number(gateway[2]), ...replicaPorts])
    assert.equal(await connect(port), 'refused', `port ${port}`);
});
