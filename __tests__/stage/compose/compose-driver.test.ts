/**
 * The compose driver against a fake CommandRunner that records every docker command and answers like
 * compose would: the exact command lines, the parsing of `ps` (both output shapes) and `logs`, the
 * boot's failure diagnostics, teardown order and log files, and the missing-compose error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CommandNotFoundError,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
} from '../../../src/stage/compose/command-runner.js';
import { ComposeDriver, type ComposeDriverOptions } from '../../../src/stage/compose/compose-driver.js';
import { parseComposePs, formatServiceTable } from '../../../src/stage/compose/compose-ps.js';
import { newestLines, parseComposeLogs, timestampSortKey } from '../../../src/stage/compose/compose-logs.js';
import { parseComposeVersion } from '../../../src/stage/compose/compose-commands.js';
import { inEnglish } from '../../../src/report/language.js';
import { NARRATOR_PROBE_VALUE } from '../../../src/stage/compose/compose-discovery.js';
import { describeServiceDetail } from '../../../src/stage/stage-words.js';

interface Call {
  command: string;
  args: string[];
  options: RunOptions;
  at: number;
  endedAt?: number;
}

type Answer = Partial<CommandResult> | Error | Promise<Partial<CommandResult>>;

/** Records calls; `answer` decides each result from the compose subcommand and its arguments. */
class FakeRunner implements CommandRunner {
  readonly calls: Call[] = [];
  private clock = 0;
  constructor(private readonly answer: (sub: string, args: string[], options: RunOptions) => Answer) {}

  async run(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
    const call: Call = { command, args, options, at: this.clock++ };
    this.calls.push(call);
    const sub = subcommand(args);
    let answer = await this.answer(sub, args, options);
    // `config --format json`: the reference file as compose resolves it, unless the test answers itself.
    if (
      sub === 'config' &&
      args.includes('json') &&
      !(answer instanceof Error) &&
      !answer.stdout &&
      !answer.exitCode
    )
      answer = { ...answer, stdout: referenceConfig(options.env?.NARRATOR_MAX_CONCURRENCY) };
    call.endedAt = this.clock++;
    if (answer instanceof Error) throw answer;
    const result: CommandResult = {
      exitCode: 0,
      signal: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      aborted: false,
      durationMs: 1,
      ...answer,
    };
    if (options.stdoutFile) {
      // As the real runner does: stdout goes through the filter, when one is given, into the file.
      const filter = options.stdoutFileFilter?.();
      const chunks: Buffer[] = [];
      if (filter) {
        filter.on('data', (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
        const ended = new Promise((done) => filter.on('end', done));
        // Split mid-sequence, as pipes do: the filter must see an escape cut in two.
        const bytes = Buffer.from(result.stdout);
        filter.write(bytes.subarray(0, 3));
        filter.end(bytes.subarray(3));
        await ended;
      }
      writeFileSync(options.stdoutFile, filter ? Buffer.concat(chunks) : result.stdout);
      result.stdout = '';
    }
    return result;
  }

  subcommands(): string[] {
    return this.calls.map((call) => subcommand(call.args));
  }
}

/** What `docker compose config --format json` prints for the reference file (the fields read). */
function referenceConfig(narrator = '4'): string {
  const port = (published: number, target: number) => [
    { mode: 'ingress', host_ip: '127.0.0.1', target, published: String(published), protocol: 'tcp' },
  ];
  const healthcheck = { test: ['CMD', 'true'], interval: '1s' };
  return JSON.stringify({
    name: 'stagegate',
    services: {
      api: { environment: { NARRATOR_MAX_CONCURRENCY: narrator, PORT: '8080' }, healthcheck },
      gateway: { image: 'haproxy', ports: port(8000, 8000), healthcheck },
      redis: { image: 'redis', healthcheck },
      ollama: { image: 'ollama/ollama', healthcheck },
      prometheus: { image: 'prom/prometheus', ports: port(9090, 9090), healthcheck },
      grafana: { image: 'grafana/grafana', ports: port(3000, 3000), healthcheck },
      tempo: { image: 'grafana/tempo', healthcheck },
    },
  });
}

/** `version`, `up`, `ps`, `logs`, `down`, `config`: the word after the global flags. */
function subcommand(args: string[]): string {
  let i = 1; // after "compose"
  while (i < args.length && (args[i] === '-f' || args[i] === '-p' || args[i] === '--env-file')) i += 2;
  return args[i] ?? '';
}

const FILE = 'deploy/docker/docker-compose.stage.yaml';
const REQUIRED = ['redis', 'ollama', 'prometheus', 'grafana', 'tempo'];

function psLine(
  service: string,
  n: number,
  state = 'running',
  health = 'healthy',
  extra: object = {},
): string {
  return JSON.stringify({
    ID: `${service}${n}`,
    Name: `stagegate-${service}-${n}`,
    Service: service,
    Project: 'stagegate',
    State: state,
    Health: health,
    ExitCode: state === 'exited' ? 1 : 0,
    Status: state === 'running' ? `Up 10 seconds (${health})` : 'Exited (1) 3 seconds ago',
    Publishers: [],
    ...extra,
  });
}

function healthyStage(replicas = 3): string {
  const lines = [];
  for (let n = 1; n <= replicas; n++) lines.push(psLine('api', n));
  lines.push(
    psLine('gateway', 1, 'running', 'healthy', {
      Publishers: [
        { URL: '127.0.0.1', TargetPort: 8000, PublishedPort: 8000, Protocol: 'tcp' },
        { URL: '', TargetPort: 8404, PublishedPort: 0, Protocol: 'tcp' },
      ],
    }),
  );
  for (const service of REQUIRED) lines.push(psLine(service, 1));
  return lines.join('\n');
}

function driver(runner: CommandRunner, overrides: Partial<ComposeDriverOptions> = {}) {
  const said: string[] = [];
  const instance = new ComposeDriver({
    composeFile: FILE,
    projectName: 'stagegate',
    requiredServices: REQUIRED,
    runner,
    env: { PATH: '/usr/bin', HOME: '/home/test' },
    log: (text) => said.push(text),
    ...overrides,
  });
  return { driver: instance, said };
}

const spec = {
  replicas: 3,
  narratorMaxConcurrency: 1,
  bootTimeoutMs: 300_000,
  env: { FAULT_INJECTION: 'ask-hang' },
};

test('boot runs `up -d --build --scale api=N --wait --wait-timeout S` with the narrator limit in its environment', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: 'Docker Compose version v2.29.1\n' };
    if (sub === 'ps') return { stdout: healthyStage() };
    return {};
  });
  const { driver: stage } = driver(runner);
  const result = await stage.boot(spec);
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(runner.subcommands(), ['version', 'config', 'up', 'ps']);
  assert.deepEqual(runner.calls[0]!.args, ['compose', 'version']);
  // The file is read first, with a probe value that shows whether the narrator limit reaches the api.
  const config = runner.calls[1]!;
  assert.deepEqual(config.args, ['compose', '-f', FILE, '-p', 'stagegate', 'config', '--format', 'json']);
  assert.equal(config.options.env?.NARRATOR_MAX_CONCURRENCY, NARRATOR_PROBE_VALUE);

  const up = runner.calls[2]!;
  assert.equal(up.command, 'docker');
  const waitTimeout = Number(up.args.at(-1));
  assert.deepEqual(up.args, [
    'compose',
    '-f',
    FILE,
    '-p',
    'stagegate',
    'up',
    '-d',
    '--build',
    '--scale',
    'api=3',
    '--wait',
    '--wait-timeout',
    String(waitTimeout),
  ]);
  // compose's own wait ends ~10 s before the runner's hard bound (the whole boot timeout).
  assert.ok(waitTimeout >= 285 && waitTimeout <= 290, `wait timeout ${waitTimeout}`);
  assert.ok(
    up.options.timeoutMs <= 300_000 && up.options.timeoutMs > 295_000,
    `runner bound ${up.options.timeoutMs}`,
  );
  assert.equal(up.options.env?.NARRATOR_MAX_CONCURRENCY, '1');
  assert.equal(up.options.env?.FAULT_INJECTION, 'ask-hang', 'spec.env reaches compose, which passes it on');
  // Nothing set: no port is imposed on the file, the URLs are read from what it publishes.
  assert.equal(up.options.env?.GATEWAY_PORT, undefined);
  assert.equal(up.options.env?.PROMETHEUS_PORT, undefined);
  assert.equal(up.options.env?.HOME, '/home/test', 'the caller environment is kept');
  assert.equal(stage.baseUrl, 'http://127.0.0.1:8000');
  const values = Object.fromEntries(stage.describe()!.values.map((v) => [v.option, v]));
  assert.equal(values['base-url']!.origin, 'discovered');
  assert.equal(values['prometheus-url']!.value, 'http://127.0.0.1:9090');
  assert.equal(values['prometheus-url']!.origin, 'discovered');
  assert.match(values['prometheus-url']!.how!, /published by `prometheus`/);
  assert.deepEqual(stage.describe()!.findings, []);

  assert.equal(result.services.filter((s) => s.service === 'api').length, 3);
  const gateway = result.services.find((s) => s.service === 'gateway')!;
  assert.equal(gateway.address, '127.0.0.1:8000->8000/tcp');
  assert.equal(gateway.health, 'healthy');
});

test('without build, on compose older than 2.17, with 5 replicas: no --build and no --wait-timeout', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: 'v2.16.0\n' };
    if (sub === 'ps') return { stdout: healthyStage(5) };
    return {};
  });
  const { driver: stage } = driver(runner, { build: false, baseUrl: 'http://localhost:18000/' });
  const result = await stage.boot({ replicas: 5, narratorMaxConcurrency: 0, bootTimeoutMs: 60_000 });
  assert.equal(result.ok, true, result.reason);
  assert.deepEqual(runner.calls[2]!.args, [
    'compose',
    '-f',
    FILE,
    '-p',
    'stagegate',
    'up',
    '-d',
    '--scale',
    'api=5',
    '--wait',
  ]);
  assert.equal(runner.calls[2]!.options.env?.GATEWAY_PORT, '18000');
  assert.equal(runner.calls[2]!.options.env?.NARRATOR_MAX_CONCURRENCY, '0');
  assert.equal(stage.baseUrl, 'http://localhost:18000');
});

test('a gateway URL off this machine is not turned into a published port', async () => {
  const runner = new FakeRunner((sub) =>
    sub === 'version' ? { stdout: '2.30.0' } : { stdout: healthyStage() },
  );
  const { driver: stage } = driver(runner, {
    baseUrl: 'https://stage.example.com:8443',
    prometheusUrl: null,
  });
  await stage.boot(spec);
  assert.equal(runner.calls[1]!.options.env?.GATEWAY_PORT, undefined);
  assert.equal(runner.calls[1]!.options.env?.PROMETHEUS_PORT, undefined);
  assert.equal(stage.metrics(), undefined, 'no Prometheus, no metrics reader');
});

test('the metrics reader queries the stage Prometheus', () => {
  const { driver: stage } = driver(new FakeRunner(() => ({})), { prometheusUrl: 'http://127.0.0.1:19090' });
  const reader = stage.metrics();
  assert.ok(reader);
  assert.deepEqual(reader.source, { kind: 'prometheus', url: 'http://127.0.0.1:19090' });
  assert.equal(stage.metrics(), reader, 'one reader per driver');
});

test('ps output is parsed the same from a JSON array (compose < 2.21) and from JSON lines (≥ 2.21)', () => {
  const entries = [
    {
      Name: 'stagegate-api-10',
      Service: 'api',
      State: 'running',
      Health: 'healthy',
      ExitCode: 0,
      Publishers: [{ URL: '', TargetPort: 8080, PublishedPort: 0, Protocol: 'tcp' }],
    },
    { Name: 'stagegate-api-2', Service: 'api', State: 'exited', Health: '', ExitCode: 137, Publishers: null },
    {
      Name: 'stagegate-gateway-1',
      Service: 'gateway',
      State: 'running',
      Health: 'starting',
      ExitCode: 0,
      Publishers: [
        { URL: '0.0.0.0', TargetPort: 8000, PublishedPort: 8000, Protocol: 'tcp' },
        { URL: '::', TargetPort: 8000, PublishedPort: 8000, Protocol: 'tcp' },
      ],
    },
    {
      Name: 'stagegate-redis-1',
      Service: 'redis',
      State: 'running',
      Health: '',
      ExitCode: 0,
      Publishers: [],
    },
  ];
  const fromArray = parseComposePs(JSON.stringify(entries, null, 2));
  const fromLines = parseComposePs(`${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
  assert.deepEqual(fromArray, fromLines);
  assert.deepEqual(fromLines, [
    { service: 'api', name: 'stagegate-api-2', state: 'exited', health: 'none', detail: 'exit code 137' },
    { service: 'api', name: 'stagegate-api-10', state: 'running', health: 'healthy' },
    {
      service: 'gateway',
      name: 'stagegate-gateway-1',
      state: 'running',
      health: 'starting',
      address: '0.0.0.0:8000->8000/tcp',
    },
    { service: 'redis', name: 'stagegate-redis-1', state: 'running', health: 'none' },
  ]);
  assert.deepEqual(parseComposePs(''), [], 'no containers: empty output');
  assert.deepEqual(parseComposePs('[]'), []);
});

test('ps entries from older releases (state and health in one string) and the Status fallback', () => {
  const [old] = parseComposePs(
    JSON.stringify([{ Name: 'p-db-1', Service: 'db', State: 'running (healthy)' }]),
  );
  assert.equal(old!.state, 'running');
  assert.equal(old!.health, 'healthy');
  const [fromStatus] = parseComposePs(
    JSON.stringify({
      Name: 'p-db-1',
      Service: 'db',
      State: 'running',
      Status: 'Up 3 seconds (health: starting)',
    }),
  );
  assert.equal(fromStatus!.health, 'starting');
  const [unhealthy] = parseComposePs(
    JSON.stringify({ Name: 'p-db-1', Service: 'db', State: 'running', Status: 'Up 1 minute (unhealthy)' }),
  );
  assert.equal(unhealthy!.health, 'unhealthy');
  assert.match(formatServiceTable([unhealthy!]), /^NAME\s+SERVICE\s+STATE\s+HEALTH/);
});

test('ps output that is not compose JSON is refused with a message saying what was printed', () => {
  assert.throws(() => parseComposePs('NAME  IMAGE  COMMAND'), /not JSON \(line 1\): NAME {2}IMAGE/);
  assert.throws(() => parseComposePs('{"Name":"x"}'), /entry 1 has no "Service" field/);
  assert.throws(() => parseComposePs('[1]'), /entry 1 is not a JSON object/);
});

test('logs are read with prefix and timestamps, put in time order across replicas, newest kept', async () => {
  const stdout = [
    'stagegate-api-1  | 2026-08-01T10:00:00.5Z {"msg":"request","path":"/healthz","replica":"a1"}',
    'stagegate-api-2  | 2026-08-01T10:00:00.09Z {"msg":"request","path":"/healthz","replica":"b2"}',
    'stagegate-api-1  | 2026-08-01T10:00:01.000000001Z {"msg":"request","path":"/ask","replica":"a1"}',
    'stagegate-api-2  | 2026-08-01T10:00:00.1Z plain text line | with a pipe',
    'stagegate-api-2  | 2026-08-01T10:00:00.95Z ',
    '',
  ].join('\n');
  const runner = new FakeRunner((sub) => (sub === 'version' ? { stdout: '2.29.1' } : { stdout }));
  const { driver: stage } = driver(runner);
  const lines = await stage.logLines('api', 3);
  assert.deepEqual(runner.calls.at(-1)!.args, [
    'compose',
    '-f',
    FILE,
    '-p',
    'stagegate',
    'logs',
    '--no-color',
    '--timestamps',
    '--tail',
    '3',
    'api',
  ]);
  assert.deepEqual(
    lines.map((line) => [line.instance, line.text]),
    [
      ['stagegate-api-1', '{"msg":"request","path":"/healthz","replica":"a1"}'],
      ['stagegate-api-2', ''],
      ['stagegate-api-1', '{"msg":"request","path":"/ask","replica":"a1"}'],
    ],
  );
  const texts = await stage.logs('api', 10);
  assert.equal(texts.length, 5);
  assert.equal(texts[0], '{"msg":"request","path":"/healthz","replica":"b2"}', '00.09 s is oldest');
  assert.equal(texts[1], 'plain text line | with a pipe', 'a pipe inside the message is kept');
  assert.deepEqual(await stage.logs('api', 0), []);
  await assert.rejects(stage.logs('api; rm -rf /', 5), /service name "api; rm -rf \/" must be/);
});

test('log parsing: other prefixes, lines without timestamps, and the sort key of trimmed fractions', () => {
  const parsed = parseComposeLogs('api-1  | hello\napi_2 | 2026-01-01T00:00:00Z world\nno prefix at all\n');
  assert.deepEqual(parsed, [
    { instance: 'api-1', text: 'hello' },
    { instance: 'api_2', timestamp: '2026-01-01T00:00:00Z', text: 'world' },
    { instance: 'api_2', text: 'no prefix at all' },
  ]);
  assert.ok(timestampSortKey('2026-01-01T00:00:05.1Z') > timestampSortKey('2026-01-01T00:00:05.09Z'));
  assert.ok(timestampSortKey('2026-01-01T00:00:05Z') < timestampSortKey('2026-01-01T00:00:05.000000001Z'));
  assert.deepEqual(newestLines(parsed, 0), []);
});

test('compose versions are read from the forms `docker compose version` prints', () => {
  assert.equal(parseComposeVersion('Docker Compose version v2.29.1\n')?.text, 'v2.29.1');
  assert.equal(parseComposeVersion('2.29.1\n')?.text, '2.29.1');
  assert.equal(parseComposeVersion('v2.17.0')?.minor, 17);
  assert.equal(parseComposeVersion('2.24.6-desktop.1')?.patch, 6);
  assert.equal(parseComposeVersion('garbage'), undefined);
});

test('a missing docker, or docker without the compose plugin, is a clear error, not a crash', async () => {
  const noDocker = new FakeRunner(() => new CommandNotFoundError('docker'));
  const { driver: first } = driver(noDocker);
  const result = await first.boot(spec);
  assert.equal(result.ok, false);
  assert.match(
    result.reason!,
    /^docker compose v2 is not available: the "docker" command was not found on PATH/,
  );
  await assert.rejects(first.services(), /docker compose v2 is not available/);

  // What docker 28 prints without the plugin.
  const noPlugin = new FakeRunner(() => ({
    exitCode: 1,
    stderr: "docker: unknown command: docker compose\n\nRun 'docker --help' for more information\n",
  }));
  const { driver: second, said } = driver(noPlugin);
  const again = await second.boot(spec);
  assert.equal(
    again.reason,
    'docker compose v2 is not available: "docker compose version" failed (exit 1): docker: unknown command: docker compose; install the Compose v2 plugin, or use the local driver',
  );
  assert.deepEqual(noPlugin.subcommands(), ['version'], 'nothing else is attempted');
  await second.teardown();
  assert.ok(said.some((line) => /teardown skipped: docker compose v2 is not available/.test(line)));

  const v1 = new FakeRunner(() => ({ stdout: '1.29.2' }));
  assert.match(
    (await driver(v1).driver.boot(spec)).reason!,
    /found compose 1\.29\.2; version 2 or later is needed/,
  );
});

test('a failed boot reports compose error, what is wrong, and ps plus the logs of the failing services', async () => {
  const ps = [
    psLine('api', 1, 'created', ''),
    psLine('api', 2, 'created', ''),
    psLine('api', 3, 'created', ''),
    psLine('ollama', 1, 'running', 'unhealthy'),
    psLine('redis', 1),
    psLine('prometheus', 1),
    psLine('grafana', 1),
    psLine('tempo', 1),
  ].join('\n');
  const runner = new FakeRunner((sub, args) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'up')
      return {
        exitCode: 1,
        stderr:
          ' Container stagegate-ollama-1  Waiting\ndependency failed to start: container stagegate-ollama-1 is unhealthy\n',
      };
    if (sub === 'ps') return { stdout: ps };
    if (sub === 'logs')
      return {
        stdout: `stagegate-${args.at(-1)}-1  | 2026-08-01T10:00:00Z stagegate: could not pull qwen2.5:0.5b\n`,
      };
    return {};
  });
  const { driver: stage, said } = driver(runner);
  const result = await stage.boot(spec);
  assert.equal(result.ok, false);
  assert.match(
    result.reason!,
    /^docker compose up failed \(exit 1\): dependency failed to start: container stagegate-ollama-1 is unhealthy/,
  );
  assert.match(result.reason!, /api: 0 of 3 replicas running and healthy \(stagegate-api-1 created/);
  assert.match(result.reason!, /ollama: stagegate-ollama-1 running\/unhealthy/);
  assert.match(result.reason!, /gateway: no container/);
  assert.doesNotMatch(result.reason!, /redis/);
  assert.equal(result.services.length, 8);

  const logged = runner.calls
    .filter((call) => subcommand(call.args) === 'logs')
    .map((call) => call.args.at(-1));
  assert.deepEqual(logged.sort(), ['api', 'gateway', 'ollama'], 'logs of the failing services only');
  const log = result.log!;
  assert.match(log, /docker compose ps:\nNAME\s+SERVICE/);
  assert.match(log, /stagegate-ollama-1\s+ollama\s+running\s+unhealthy/);
  assert.match(log, /docker compose up \(last lines\):[\s\S]*is unhealthy/);
  assert.match(
    log,
    /logs of ollama \(last 60 lines\):\nstagegate-ollama-1 \| stagegate: could not pull qwen2\.5:0\.5b/,
  );
  assert.ok(said.includes(log), 'the diagnostics are printed to the log as well');
});

test('a boot that outlives the boot timeout is reported as such', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'up') return { exitCode: null, signal: 'SIGTERM', timedOut: true };
    if (sub === 'ps') return { stdout: psLine('api', 1, 'running', 'starting') };
    return { stdout: '' };
  });
  const result = await driver(runner).driver.boot({ ...spec, bootTimeoutMs: 20_000 });
  assert.equal(result.ok, false);
  assert.match(result.reason!, /did not finish within the boot timeout \(20 s\) and was stopped/);
  assert.match(
    result.reason!,
    /api: 0 of 3 replicas running and healthy \(stagegate-api-1 running\/starting\)/,
  );
});

/** The reference stage with one api replica that never gets healthy, and the gateway serving the rest. */
function stageWithUnhealthyReplica(gateway: { state?: string; health?: string } = {}): string {
  return [
    psLine('api', 1),
    psLine('api', 2, 'running', 'unhealthy'),
    psLine('api', 3),
    psLine('gateway', 1, gateway.state ?? 'running', gateway.health ?? 'healthy'),
    ...REQUIRED.map((service) => psLine(service, 1)),
  ].join('\n');
}

test('an api replica that never gets healthy: a failed boot, partly up, containers left for the teardown', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'up') return { exitCode: 1, stderr: 'container stagegate-api-2 is unhealthy\n' };
    if (sub === 'ps') return { stdout: stageWithUnhealthyReplica() };
    if (sub === 'logs') return { stdout: 'stagegate-api-2  | 2026-08-01T10:00:00Z GET /healthz 503\n' };
    return {};
  });
  const { driver: stage, said } = driver(runner);
  const result = await stage.boot(spec);
  assert.equal(result.ok, false);
  assert.equal(result.partial, true);
  assert.match(
    result.reason!,
    /^docker compose up failed \(exit 1\): container stagegate-api-2 is unhealthy; api: 2 of 3 replicas running and healthy \(stagegate-api-2 running\/unhealthy\)$/,
  );
  assert.deepEqual(
    result.services.filter((s) => s.service === 'api').map((s) => `${s.name} ${s.health}`),
    ['stagegate-api-1 healthy', 'stagegate-api-2 unhealthy', 'stagegate-api-3 healthy'],
    'the services come from ps',
  );
  assert.ok(
    !runner.subcommands().includes('down'),
    'boot never tears down: the gate checks, then tears down',
  );
  assert.ok(said.some((line) => /left running, partly booted/.test(line)));

  await stage.teardown();
  assert.equal(runner.subcommands().at(-1), 'down', 'the teardown still removes it');
});

test('a boot cut off by the boot timeout with the gateway serving is partly up too', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'up') return { exitCode: null, signal: 'SIGTERM', timedOut: true };
    if (sub === 'ps') return { stdout: stageWithUnhealthyReplica() };
    return { stdout: '' };
  });
  const result = await driver(runner).driver.boot({ ...spec, bootTimeoutMs: 20_000 });
  assert.equal(result.partial, true);
  assert.match(result.reason!, /did not finish within the boot timeout \(20 s\)/);
  assert.ok(!runner.subcommands().includes('down'));
});

test('no partial boot without a running gateway, without a ready replica, or when cancelled', async () => {
  const boot = async (ps: string, up: Partial<CommandResult> = { exitCode: 1, stderr: 'failed' }) => {
    const runner = new FakeRunner((sub) => {
      if (sub === 'version') return { stdout: '2.29.1' };
      if (sub === 'up') return up;
      if (sub === 'ps') return { stdout: ps };
      return { stdout: '' };
    });
    return driver(runner).driver.boot(spec);
  };
  // compose never started the gateway (a dependency failed): nothing serves.
  const created = await boot(stageWithUnhealthyReplica({ state: 'created', health: '' }));
  assert.equal(created.ok, false);
  assert.equal(created.partial, undefined, created.reason);
  // HAProxy's /ready says no replica passes its checks.
  const unhealthyGateway = await boot(stageWithUnhealthyReplica({ health: 'unhealthy' }));
  assert.equal(unhealthyGateway.partial, undefined);
  // Every replica unhealthy.
  const noReplica = await boot(
    [
      psLine('api', 1, 'running', 'unhealthy'),
      psLine('gateway', 1),
      ...REQUIRED.map((s) => psLine(s, 1)),
    ].join('\n'),
  );
  assert.equal(noReplica.partial, undefined);
  // A cancelled boot is never checked.
  const cancelled = await boot(stageWithUnhealthyReplica(), { exitCode: null, aborted: true });
  assert.equal(cancelled.partial, undefined);
  assert.match(cancelled.reason!, /^the boot was cancelled/);
});

test('compose reporting success with too few healthy replicas is still a failed boot', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'ps') return { stdout: healthyStage(2) };
    return { stdout: '' };
  });
  const result = await driver(runner).driver.boot(spec);
  assert.equal(result.ok, false);
  assert.match(result.reason!, /succeeded but the stage is not complete; api: 2 of 3 replicas/);
});

test('bad boot input is refused before any command runs', async () => {
  const runner = new FakeRunner(() => ({}));
  const stage = driver(runner).driver;
  assert.match(
    (await stage.boot({ ...spec, replicas: 0 })).reason!,
    /replicas must be a whole number ≥ 1, got 0/,
  );
  assert.match((await stage.boot({ ...spec, bootTimeoutMs: -1 })).reason!, /boot timeout must be a positive/);
  assert.match(
    (await stage.boot({ ...spec, env: { 'BAD NAME': 'x' } })).reason!,
    /"BAD NAME" is not a valid environment/,
  );
  assert.equal(runner.calls.length, 0);
  assert.throws(
    () => driver(runner, { projectName: 'Stage Gate' }),
    /project name "Stage Gate" must be lowercase/,
  );
  assert.throws(() => driver(runner, { baseUrl: 'ftp://x' }), /base URL "ftp:\/\/x" must start with http/);
  assert.throws(() => driver(runner, { apiService: '../api' }), /api service name "\.\.\/api"/);
});

test('teardown streams every service log to a file, then runs `down -v --remove-orphans --timeout T`', async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'stagegate-compose-logs-'));
  t.after(() => rmSync(logDir, { recursive: true, force: true }));
  const runner = new FakeRunner(async (sub, args) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'ps') return { stdout: healthyStage(2) };
    if (sub === 'logs') {
      // Logs finish at different times; down must wait for all of them.
      await new Promise((resolve) => setTimeout(resolve, args.at(-1) === 'ollama' ? 50 : 5));
      return { stdout: `stagegate-${args.at(-1)}-1  | 2026-08-01T10:00:00Z line of ${args.at(-1)}\n` };
    }
    return {};
  });
  const { driver: stage, said } = driver(runner);
  await stage.teardown({ logDir, timeoutMs: 60_000 });

  const subs = runner.subcommands();
  assert.deepEqual(subs.slice(0, 2), ['version', 'ps']);
  assert.equal(subs.at(-1), 'down');
  const logCalls = runner.calls.filter((call) => subcommand(call.args) === 'logs');
  assert.deepEqual(logCalls.map((call) => call.args.at(-1)).sort(), ['api', 'gateway', ...REQUIRED].sort());
  for (const call of logCalls) {
    assert.deepEqual(
      call.args.slice(5),
      ['logs', '--no-color', '--timestamps', call.args.at(-1)],
      'whole log, no --tail',
    );
    assert.equal(call.options.stdoutFile, join(logDir, `${call.args.at(-1)}.log`), 'streamed to a file');
  }
  const down = runner.calls.at(-1)!;
  assert.ok(
    logCalls.every((call) => call.endedAt! < down.at),
    'down starts only after every log has been saved',
  );
  assert.deepEqual(down.args, [
    'compose',
    '-f',
    FILE,
    '-p',
    'stagegate',
    'down',
    '-v',
    '--remove-orphans',
    '--timeout',
    '10',
  ]);
  assert.ok(down.options.timeoutMs <= 60_000);
  assert.equal(
    readFileSync(join(logDir, 'ollama.log'), 'utf8'),
    'stagegate-ollama-1  | 2026-08-01T10:00:00Z line of ollama\n',
  );
  assert.ok(said.includes('stage torn down'));
});

test('teardown never throws: a failing down, failing logs and an unwritable log dir are only reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-compose-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const blocker = join(dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.29.1' };
    if (sub === 'down') return new Error('spawn EAGAIN');
    return { exitCode: 1, stderr: 'no such project' };
  });
  const { driver: stage, said } = driver(runner);
  await stage.teardown({ logDir: join(blocker, 'logs'), timeoutMs: 5000 });
  assert.ok(said.some((line) => /cannot save logs: cannot create/.test(line)));
  assert.ok(said.some((line) => /teardown: spawn EAGAIN/.test(line)));

  // With a usable dir but ps and config failing, no service is known: down still runs.
  const { driver: other, said: otherSaid } = driver(runner);
  await other.teardown({ logDir: join(dir, 'logs'), timeoutMs: 5000 });
  assert.ok(existsSync(join(dir, 'logs')));
  assert.equal(runner.subcommands().at(-1), 'down');
  assert.ok(otherSaid.some((line) => /spawn EAGAIN/.test(line)));
});

// Compose 2.25–2.26 print ESC[2K before every `logs` line even with --no-color (seen on a real engine).
const ERASE_LINE = '\x1b[2K';

test('terminal escapes that compose prints anyway are stripped: replica prefixes and timestamps survive', async () => {
  const stdout = [
    `${ERASE_LINE}api-1  | 2026-11-30T10:38:37.084Z {"path":"/healthz","replica":"r1"}`,
    `${ERASE_LINE}api-2  | 2026-11-30T10:38:36.001Z {"path":"/healthz","replica":"r2"}`,
    `${ERASE_LINE}\x1b[1;32mapi-3\x1b[0m  | 2026-11-30T10:38:38.5Z {"path":"/healthz","replica":"r3"}`,
  ].join('\n');
  const parsed = parseComposeLogs(stdout);
  assert.deepEqual(
    parsed.map((line) => line.instance),
    ['api-1', 'api-2', 'api-3'],
  );
  assert.ok(parsed.every((line) => line.timestamp !== undefined && !line.text.includes('\x1b')));
  // So the newest lines come from every replica, in time order, not from one.
  assert.deepEqual(
    newestLines(parsed, 3).map((line) => line.instance),
    ['api-2', 'api-1', 'api-3'],
  );

  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: 'Docker Compose version 2.26.1-4\n' };
    if (sub === 'logs') return { stdout };
    if (sub === 'up') return { exitCode: 1, stderr: `${ERASE_LINE}\x1b[1A Container x  Error\r\n` };
    return {};
  });
  const { driver: stage } = driver(runner);
  const lines = await stage.logs('api', 10);
  assert.equal(lines.length, 3);
  assert.ok(
    lines.every((line) => line.startsWith('{"path"')),
    lines.join('\n'),
  );
  const boot = await stage.boot(spec);
  assert.match(boot.reason ?? '', /exit 1\): Container x {2}Error/);
  assert.ok(!(boot.reason ?? '').includes('\x1b'));
});

test('saved service logs carry no terminal escapes, even when a sequence is cut between two reads', async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'stagegate-compose-escapes-'));
  t.after(() => rmSync(logDir, { recursive: true, force: true }));
  const runner = new FakeRunner((sub, args) => {
    if (sub === 'version') return { stdout: '2.26.1' };
    if (sub === 'ps') return { stdout: psLine('api', 1) };
    if (sub === 'logs')
      return { stdout: `${ERASE_LINE}${args.at(-1)}-1  | 2026-11-30T10:00:00Z olá ✓\n${ERASE_LINE}tail\n` };
    return {};
  });
  const { driver: stage } = driver(runner);
  await stage.teardown({ logDir, timeoutMs: 10_000 });
  assert.equal(readFileSync(join(logDir, 'api.log'), 'utf8'), 'api-1  | 2026-11-30T10:00:00Z olá ✓\ntail\n');
});

test('services and env file: `up` names the services to boot, every command gets --env-file', async () => {
  const runner = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.26.1' };
    if (sub === 'ps')
      return {
        stdout: [1, 2, 3]
          .map((n) => psLine('api', n))
          .concat(['gateway', 'redis', 'ollama', 'prometheus'].map((name) => psLine(name, 1)))
          .join('\n'),
      };
    return {};
  });
  const selected = ['api', 'gateway', 'redis', 'ollama', 'prometheus'];
  const { driver: stage } = driver(runner, { services: selected, envFile: '.stagegate/stage.env' });
  const boot = await stage.boot(spec);
  assert.equal(boot.ok, true, boot.reason);
  const up = runner.calls.find((call) => subcommand(call.args) === 'up')!;
  assert.deepEqual(up.args.slice(0, 7), [
    'compose',
    '--env-file',
    '.stagegate/stage.env',
    '-f',
    FILE,
    '-p',
    'stagegate',
  ]);
  assert.deepEqual(up.args.slice(-selected.length), selected);
  for (const call of runner.calls.slice(1))
    assert.equal(call.args[2], '.stagegate/stage.env', `${subcommand(call.args)} gets the env file`);
  // Grafana and Tempo were left out on purpose: listed as not booted, not as down.
  const services = await stage.services();
  const notBooted = services.filter((row) => row.state === 'not-booted');
  assert.deepEqual(
    notBooted.map((row) => row.service),
    ['grafana', 'tempo'],
  );
  assert.match(
    describeServiceDetail(notBooted[0]!, inEnglish),
    /left out of this boot \(services: api, gateway, redis, ollama, prometheus\)/,
  );

  // A required service that was selected but has no container is still a failed boot.
  const missing = new FakeRunner((sub) => {
    if (sub === 'version') return { stdout: '2.26.1' };
    if (sub === 'ps') return { stdout: [psLine('api', 1), psLine('gateway', 1)].join('\n') };
    return {};
  });
  const partial = await driver(missing, { services: ['api', 'gateway', 'redis'] }).driver.boot({
    ...spec,
    replicas: 1,
  });
  assert.equal(partial.ok, false);
  assert.match(partial.reason ?? '', /redis: no container/);
  assert.doesNotMatch(partial.reason ?? '', /grafana/);
  assert.throws(() => driver(missing, { services: ['api gateway'] }), /service name "api gateway"/);
});
