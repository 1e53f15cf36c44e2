/**
 * The compose stage on a real Docker Engine: the seed's procedure step by step, the gate's compose
 * driver (ready, broken, never healthy), and the action's bundle with its post step. The images that
 * cannot be pulled here are built by .ci/compose-setup (Debian's Redis, HAProxy and Prometheus, Node
 * 24, the project's Ollama simulator); Grafana and Tempo cannot be had, so every boot names the other
 * services. When no engine can run, every test here is skipped with the reason, said loudly once.
 */
import { renderMarkdown } from '../../../src/report/markdown-renderer.js';
import { checkSections, mermaidBlocks, parseChart } from '../../report/mermaid-parser.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LLM_QUESTIONS } from '../../../src/gate/options/option-values.js';
import { parseComposeLogs } from '../../../src/stage/compose/compose-logs.js';
import type { GateReport } from '../../../src/report/model.js';

/** What these tests read of an `/ask` answer or error, and of a Prometheus query result. */
interface Answer {
  error?: string;
  meta?: { narrative_overload?: boolean; compute?: { plan_cache_hit?: boolean; plan_cache_key?: string } };
  data?: { result?: Array<{ value?: [number, string] }> };
}
import { REPO_ROOT, runEntry } from '../../action/run-entry.js';
import { BOOTABLE_SERVICES as SERVICES, COMPOSE_FILE as FILE, engineForTests } from './stage-here.js';

const GATEWAY = 'http://127.0.0.1:8000';
const PROMETHEUS = 'http://127.0.0.1:9090';
const work = mkdtempSync(join(tmpdir(), 'stagegate-compose-'));
const ENV_FILE = join(work, 'stage.env');
const DOCKERD_PIDFILE = join(work, 'dockerd.pid');

const skip = engineForTests(ENV_FILE, 'COMPOSE STAGE', DOCKERD_PIDFILE);

/** The env file's assignments (images built here), which compose interpolates. */
function stageEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, COMPOSE_ANSI: 'never', ...extra };
}

function compose(args: string[], extra: Record<string, string> = {}, timeoutMs = 5 * 60_000) {
  const result = spawnSync('docker', ['compose', '--env-file', ENV_FILE, '-f', FILE, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: stageEnv(extra),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function mustCompose(args: string[], extra: Record<string, string> = {}, timeoutMs?: number): string {
  const result = compose(args, extra, timeoutMs);
  assert.equal(result.code, 0, `docker compose ${args.join(' ')}:\n${result.stderr.slice(-3000)}`);
  return result.stdout;
}

/** Containers, networks and volumes that still carry the project's label. */
function leftovers(): string[] {
  const label = 'label=com.docker.compose.project=stagegate';
  const list = (args: string[]) =>
    spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).stdout.split('\n').filter(Boolean);
  return [
    ...list(['ps', '-aq', '--filter', label]).map((id) => `container ${id}`),
    ...list(['network', 'ls', '-q', '--filter', label]).map((id) => `network ${id}`),
    ...list(['volume', 'ls', '-q', '--filter', label]).map((id) => `volume ${id}`),
  ];
}

function down(): void {
  compose(['down', '-v', '--remove-orphans', '--timeout', '5'], {}, 120_000);
}

async function getJson(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
}

let conversations = 0;
/** One `/ask` as a chat client sends it (the contract: src/contract/ask.ts). */
function ask(question: string, clientId = `client-${conversations}`) {
  conversations++;
  return getJson(`${GATEWAY}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      question,
      client_id: clientId,
      conversation_id: `conversation-${conversations}`,
      nickname: clientId,
    }),
  });
}

async function promQuery(query: string): Promise<number | undefined> {
  const { body } = await getJson(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(query)}`);
  const value = body?.data?.result?.[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}

/** Polls until `probe` returns a value that `done` accepts; the last value either way. */
async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    value = await probe();
  }
  return value;
}

async function replicasBehindGateway(requests: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${GATEWAY}/healthz`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    const replica = response.headers.get('x-replica-id') ?? '?';
    seen.set(replica, (seen.get(replica) ?? 0) + 1);
    await response.arrayBuffer();
  }
  return seen;
}

/** The CLI gate (from source) on the compose stage, with a JSON report. */
function runGate(args: string[], extra: Record<string, string> = {}) {
  const report = join(work, `report-${Date.now()}.json`);
  return new Promise<{ code: number | null; output: string; report: GateReport }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        'src/cli/main.ts',
        '--driver',
        'compose',
        '--services',
        SERVICES.join(','),
        '--compose-env-file',
        ENV_FILE,
        '--language',
        'pt-BR',
        '--json',
        report,
        ...args,
      ],
      { cwd: REPO_ROOT, env: stageEnv(extra), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), 8 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        output,
        report: existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined,
      });
    });
  });
}

const statusOf = (report: GateReport, id: string) => report.checks.find((check) => check.id === id)?.status;

before(() => {
  if (!skip) down();
});

after(() => {
  if (!skip) down();
  // Stop the engine only when this file started it (CI's .ci/run starts and stops its own).
  if (existsSync(DOCKERD_PIDFILE)) {
    const pid = Number(readFileSync(DOCKERD_PIDFILE, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  rmSync(work, { recursive: true, force: true });
});

test(
  "the seed's procedure on a real engine: up, spread, single-flight, isolation, narrator limit, scale 3 → 4",
  { skip, timeout: 15 * 60_000 },
  async (t) => {
    t.after(down);
    // The seed's procedure as the stage-official job runs it (.ci/seed-procedure: up --build --scale
    // api=3 with NARRATOR_MAX_CONCURRENCY=1, ps, the curl steps); every service but Grafana and Tempo.
    const procedure = spawnSync('bash', ['.ci/seed-procedure', '--env-file', ENV_FILE, ...SERVICES], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 10 * 60_000,
      env: stageEnv({ NARRATOR_MAX_CONCURRENCY: '1', SEED_BOOT_TIMEOUT_SECONDS: '540' }),
    });
    assert.equal(procedure.status, 0, `${procedure.stdout.slice(-3000)}\n${procedure.stderr.slice(-2000)}`);
    assert.match(procedure.stdout, /seed-procedure: done: every step holds/);

    const ps = mustCompose(['ps', '--format', 'json'])
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { Service: string; State: string; Health: string });
    const count = (service: string) => ps.filter((row) => row.Service === service).length;
    assert.equal(count('api'), 3);
    assert.equal(count('gateway'), 1);
    for (const service of ['api', 'gateway', 'redis', 'ollama', 'prometheus'])
      assert.ok(
        ps
          .filter((row) => row.Service === service)
          .every((row) => row.State === 'running' && row.Health === 'healthy'),
        `${service}: ${JSON.stringify(ps.filter((row) => row.Service === service))}`,
      );

    // 20 GET /healthz through the gateway reach all 3 replicas (the replica's own header says which).
    const spread = await replicasBehindGateway(20);
    assert.equal(spread.size, 3, `replicas seen: ${[...spread.entries()]}`);
    // `docker compose logs api | grep healthz`: lines from every replica's container. They include the
    // gateway's and Docker's own health probes, so they show that each replica serves, not how the
    // 20 requests were spread (the header above shows that).
    const healthzLines = parseComposeLogs(mustCompose(['logs', '--no-color', 'api'])).filter((line) =>
      line.text.includes('/healthz'),
    );
    assert.deepEqual([...new Set(healthzLines.map((line) => line.instance))].sort(), [
      'api-1',
      'api-2',
      'api-3',
    ]);

    // Prometheus sees the three replicas before anything is counted.
    assert.equal(
      await waitFor(
        () => promQuery('count(up{job="api"} == 1)'),
        (n) => n === 3,
        30_000,
      ),
      3,
    );
    const executionsBefore = (await promQuery('sum(services_plan_heavy_executions_total)')) ?? 0;

    // 20 simultaneous identical public asks: one miss, 19 hits.
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask('Qual o preço atual do MXRF11?')));
    assert.ok(
      answers.every((answer) => answer.status === 200),
      JSON.stringify(answers.map((answer) => [answer.status, answer.body])).slice(0, 2000),
    );
    const hits = answers.map((answer) => answer.body.meta?.compute?.plan_cache_hit);
    assert.equal(hits.filter((hit) => hit === false).length, 1, `hits: ${hits}`);
    assert.equal(hits.filter((hit) => hit === true).length, 19);
    // The counter summed on Prometheus grows by exactly 1 (waited for, then one more scrape to be sure).
    const grown = await waitFor(
      () => promQuery('sum(services_plan_heavy_executions_total)'),
      (n) => (n ?? 0) > executionsBefore,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const executionsAfter = (await promQuery('sum(services_plan_heavy_executions_total)')) ?? 0;
    assert.equal((grown ?? 0) - executionsBefore, 1);
    assert.equal(executionsAfter - executionsBefore, 1);

    // The same private question as two clients: two keys.
    const a = await ask('Como está minha carteira?', 'client-a');
    const b = await ask('Como está minha carteira?', 'client-b');
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual(a.body.meta?.compute?.plan_cache_key, b.body.meta?.compute?.plan_cache_key);

    // NARRATOR_MAX_CONCURRENCY=1: a burst of 10 LLM-bound asks ends (no hang) with some overload.
    const burst = await Promise.all(
      DEFAULT_LLM_QUESTIONS.slice(0, 10).map((question) =>
        ask(question).catch((error: Error) => ({
          status: 0,
          headers: new Headers(),
          body: { error: error.message } as Answer,
        })),
      ),
    );
    assert.ok(
      burst.every((answer) => answer.status !== 0),
      `an ask hung: ${JSON.stringify(burst.map((x) => x.body.error))}`,
    );
    const overloaded = burst.filter(
      (answer) =>
        answer.body?.meta?.narrative_overload === true || answer.body?.error === 'llm_concurrency_limited',
    );
    assert.ok(overloaded.length > 0, `statuses ${burst.map((answer) => answer.status)}`);
    const overloadMetric = await waitFor(
      () => promQuery('sum(services_narrator_llm_requests_total{outcome="overload"})'),
      (n) => (n ?? 0) > 0,
      20_000,
    );
    assert.ok(
      (overloadMetric ?? 0) > 0,
      'services_narrator_llm_requests_total{outcome="overload"} on Prometheus',
    );

    // Scaling 3 → 4 without recreating the running replicas: the gateway and Prometheus pick it up.
    const apiIds = () => mustCompose(['ps', '-q', 'api']).split('\n').filter(Boolean).sort();
    const before = apiIds();
    mustCompose(['up', '-d', '--no-recreate', '--scale', 'api=4', '--wait', ...SERVICES], {
      NARRATOR_MAX_CONCURRENCY: '1',
    });
    const afterScale = apiIds();
    assert.equal(afterScale.length, 4);
    assert.ok(
      before.every((id) => afterScale.includes(id)),
      'the three replicas were not recreated',
    );
    // While the gateway takes the new replica in, a request may fail (one clean-clone run saw a bare
    // "fetch failed" here): the wait tolerates and records that; once four replicas answer, twenty
    // requests in a row must all succeed.
    const blips: string[] = [];
    const seen = await waitFor(
      () =>
        replicasBehindGateway(20).catch((error: Error & { cause?: { code?: string; message?: string } }) => {
          blips.push(`${error.message} (${error.cause?.code ?? error.cause?.message ?? 'no cause'})`);
          return new Map<string, number>();
        }),
      (replicas) => replicas.size === 4,
      30_000,
    );
    if (blips.length > 0) t.diagnostic(`while scaling out: ${blips.join('; ')}`);
    assert.equal(seen.size, 4, `gateway: ${[...seen.entries()]}; failures: ${blips.join('; ') || 'none'}`);
    assert.equal((await replicasBehindGateway(20)).size, 4, 'after the scale-out every request is served');
    assert.equal(
      await waitFor(
        () => promQuery('count(up{job="api"} == 1)'),
        (n) => n === 4,
        30_000,
      ),
      4,
    );
  },
);

test(
  'the gate with --driver compose: five ✅, chat-capacity measured, "pronto", and nothing of the project left afterwards',
  { skip, timeout: 10 * 60_000 },
  async (t) => {
    // chat-capacity on small budgets: it measures on the real engine without making this run long.
    const run = await runGate(['--capacity-budget-seconds', '10', '--capacity-max-requests', '800']);
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.equal(run.report.verdict, 'ready');
    assert.deepEqual(
      run.report.checks.slice(0, 5).map((check) => [check.id, check.status]),
      [
        ['stage-up', 'pass'],
        ['load-balancing', 'pass'],
        ['plan-cache-single-flight', 'pass'],
        ['private-isolation', 'pass'],
        ['narrator-saturation', 'pass'],
      ],
    );
    const capacity = run.report.checks[5]!;
    t.diagnostic(`chat-capacity: ${capacity.status} — ${capacity.reason} (${capacity.durationMs} ms)`);
    assert.equal(capacity.id, 'chat-capacity');
    assert.ok(capacity.status === 'pass' || capacity.status === 'warn', capacity.reason);
    assert.ok(capacity.durationMs < 10_000 + 30_000 + 5000, 'within its budget plus one request timeout');
    // Its section of the job summary parses as Mermaid, value axes from zero.
    const section = checkSections(renderMarkdown(run.report)).get('chat-capacity')!;
    const blocks = mermaidBlocks(section);
    assert.equal(blocks.length, 2);
    for (const block of blocks) {
      const chart = await parseChart(block);
      assert.ok(chart.type === 'xychart' && chart.yMin === 0);
    }
    assert.match(run.output, /Stage pronto para chat multiusuário/);
    // Grafana and Tempo were not booted, and the report says so plainly.
    assert.match(run.report.checks[0]!.reason, /grafana, tempo: não iniciados neste boot/);
    assert.deepEqual(leftovers(), []);
  },
);

test(
  'a broken stage through compose (SINGLE_FLIGHT_ENABLED=false): ❌ plan-cache-single-flight',
  { skip, timeout: 10 * 60_000 },
  async () => {
    const run = await runGate(['--checks', 'stage-up,plan-cache-single-flight'], {
      SINGLE_FLIGHT_ENABLED: 'false',
    });
    assert.equal(run.code, 1, run.output.slice(-4000));
    assert.equal(run.report.verdict, 'not-ready');
    assert.equal(statusOf(run.report, 'stage-up'), 'pass');
    assert.equal(statusOf(run.report, 'plan-cache-single-flight'), 'fail');
    assert.match(run.output, /Stage não pronto/);
    assert.deepEqual(leftovers(), []);
  },
);

test(
  'api replicas that never get healthy: ❌ stage-up, with the unhealthy service’s log in the report',
  { skip, timeout: 10 * 60_000 },
  async () => {
    const run = await runGate(['--boot-timeout-seconds', '75'], { FAULT_INJECTION: 'healthz-fail' });
    assert.equal(run.code, 1, run.output.slice(-4000));
    const stageUp = run.report.checks.find((check) => check.id === 'stage-up')!;
    assert.equal(stageUp.status, 'fail');
    assert.match(stageUp.reason, /api/);
    const diagnostics = stageUp.evidence.find((evidence) => evidence.kind === 'lines');
    assert.ok(diagnostics?.kind === 'lines', 'the boot diagnostics are evidence in the report');
    // The api's own log lines (its JSON request log of the failing /healthz), not only compose's words.
    assert.ok(
      diagnostics.lines.some((line: string) => /api-\d+ \| .*"path":"\/healthz".*"status":503/.test(line)),
      diagnostics.lines.slice(-20).join('\n'),
    );
    assert.deepEqual(leftovers(), []);
  },
);

test(
  "the action's bundle with keep-stage: the stage stays up; its post step saves every service's log and tears it down",
  { skip, timeout: 10 * 60_000 },
  async () => {
    const logDir = join(work, 'action-logs');
    const main = await runEntry({
      entry: 'dist/index.js',
      cwd: REPO_ROOT,
      timeoutMs: 8 * 60_000,
      inputs: {
        driver: 'compose',
        services: SERVICES.join(','),
        'compose-env-file': ENV_FILE,
        'keep-stage': 'true',
        'log-dir': logDir,
        checks: 'stage-up,load-balancing',
      },
    });
    assert.equal(main.code, 0, main.stdout.slice(-4000));
    const running = mustCompose(['ps', '-q']).split('\n').filter(Boolean);
    assert.equal(running.length, 7, 'kept: 3 api, gateway, redis, ollama, prometheus');

    const post = await runEntry({
      entry: 'dist/post/index.js',
      cwd: REPO_ROOT,
      timeoutMs: 4 * 60_000,
      state: main.state,
    });
    assert.equal(post.code, 0, post.stdout.slice(-4000));
    assert.deepEqual(readdirSync(logDir).sort(), SERVICES.map((name) => `${name}.log`).sort());
    const apiLog = readFileSync(join(logDir, 'api.log'), 'utf8');
    assert.ok(!apiLog.includes('\x1b'), 'saved logs carry no terminal escapes');
    assert.deepEqual([...new Set(parseComposeLogs(apiLog).map((line) => line.instance))].sort(), [
      'api-1',
      'api-2',
      'api-3',
    ]);
    assert.deepEqual(leftovers(), []);
  },
);
