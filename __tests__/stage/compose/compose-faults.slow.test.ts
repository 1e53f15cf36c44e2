/**
 * Faults on the real engine while the gate runs (issue 20): the compose stage is broken in the middle
 * of a named check — an api replica killed during the single-flight burst, Redis paused during the
 * isolation check, Ollama crashed during the narrator burst, a lossy (and, where the kernel has netem,
 * slow) link to Redis for a whole run, the gateway restarted between two checks. One boot serves every
 * fault: each gate run keeps the stage, and the next run's boot (`up --wait`) restores it; the last run
 * tears it down. For each fault the test states what the stage must do and what the report must say:
 * the gate ends within its bounds, the check that met the fault says so (or the stage absorbed it, with
 * the proof), the checks that did not meet it keep their status, no private answer crosses clients, and
 * nothing of the project is left afterwards. Run it under `flock /tmp/stagegate-engine.lock`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CHECKS } from '../../../src/checks/index.js';
import { driverChoiceFor } from '../../../src/gate/driver-choice.js';
import { runGate } from '../../../src/gate/run-gate.js';
import { parseGateSettings } from '../../../src/gate/settings.js';
import type { CheckId, CheckStatus, GateReport } from '../../../src/report/model.js';
import { createDriver } from '../../../src/stage/create-driver.js';
import type { Check } from '../../../src/checks/index.js';
import { REPO_ROOT } from '../../action/run-entry.js';
import {
  afterAction,
  containersOf,
  crashProgram,
  degradeLink,
  docker,
  gatewayServerEvents,
  leftovers,
  lockHolder,
  netemMissing,
  onlyContainerOf,
  settleHealth,
  sleep,
  stateOf,
  withFault,
  type FaultLog,
} from './fault-harness.js';
import {
  floodTable,
  measureUser,
  quantile,
  runFlood,
  type FloodPlan,
  type FloodRow,
} from '../gateway-floods.js';
import { BOOTABLE_SERVICES, COMPOSE_FILE, engineForTests } from './stage-here.js';

const work = mkdtempSync(join(tmpdir(), 'stagegate-faults-'));
const ENV_FILE = join(work, 'stage.env');
const GATEWAY = 'http://127.0.0.1:8000';
/** The gate's own deadline for each run (its default is 1200 s), and the bound the test holds it to. */
const RUN_DEADLINE_SECONDS = 360;
const RUN_BOUND_MS = (RUN_DEADLINE_SECONDS + 30) * 1000;
/** A flood row whose measuring process's event loop stalled longer than this is run again (once). */
const MEASURER_STALL_MS = 1000;
/** How long a run waits for the stage the fault before left to be healthy again before it boots. */
const SETTLE_BOUND_MS = 90_000;

const skip = engineForTests(ENV_FILE, 'FAULTS ON COMPOSE');

function down(): void {
  spawnSync(
    'docker',
    [
      'compose',
      '--env-file',
      ENV_FILE,
      '-f',
      COMPOSE_FILE,
      'down',
      '-v',
      '--remove-orphans',
      '--timeout',
      '5',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
  );
}

before(() => {
  if (!skip) down();
});
after(() => {
  if (!skip) down();
  rmSync(work, { recursive: true, force: true });
});

/** Private answers crossing clients, in the words private-isolation uses (src/checks/private-isolation.ts). */
const LEAK =
  /same cache key|served A's entry|names A's nickname|tickers\/figures of A's answer|exactly A's private answer/;

let runs = 0;
/** One gate run on the kept stage, in English, with the given checks and faulted checks. */
async function gateRun(
  checks: CheckId[],
  faulted: Partial<Record<CheckId, Check>>,
  extra: Record<string, unknown> = {},
): Promise<{ report: GateReport; ms: number }> {
  runs++;
  // Every run starts cold, as on a new stage: the kept Redis still holds the runs before's plans (the
  // fixed private clients' among them), which the checks would rightly call "already a hit".
  if (runs > 1) {
    forgetPlans();
    // The fault before may have left a replica unhealthy for a while; this run starts on a whole stage.
    const unhealthy = await settleHealth(SETTLE_BOUND_MS);
    if (unhealthy.length > 0)
      console.log(`still not healthy after ${SETTLE_BOUND_MS / 1000} s: ${unhealthy.join(', ')}`);
  }
  const settings = parseGateSettings({
    driver: 'compose',
    services: BOOTABLE_SERVICES,
    composeEnvFile: ENV_FILE,
    language: 'en',
    checks,
    keepStage: true,
    globalDeadlineSeconds: RUN_DEADLINE_SECONDS,
    // The first run builds the api image; the next ones only bring the stage back to 3 healthy replicas.
    build: runs === 1,
    ...extra,
  });
  const driver = createDriver(driverChoiceFor(settings, { cwd: REPO_ROOT }));
  const started = Date.now();
  const report = await runGate(settings, { driver, checks: faulted });
  const ms = Date.now() - started;
  // Kept for reading afterwards (the note quotes them), when asked.
  if (process.env.STAGEGATE_FAULT_REPORTS)
    writeFileSync(
      join(process.env.STAGEGATE_FAULT_REPORTS, `run-${runs}.json`),
      JSON.stringify(report, null, 2),
    );
  console.log(
    `gate run ${runs} (${Math.round(ms / 1000)} s):\n` +
      report.checks
        .filter((check) => check.status !== 'skipped')
        .map((check) => `  ${check.id}: ${check.status} — ${check.reason}`)
        .join('\n'),
  );
  return { report, ms };
}

/** Deletes the plan cache's entries (keys `*plan:v1:*`) in the kept stage's Redis. */
function forgetPlans(): void {
  docker(
    [
      'exec',
      onlyContainerOf('redis').id,
      'sh',
      '-c',
      "redis-cli --scan --pattern '*plan:v1:*' | xargs -r redis-cli del >/dev/null",
    ],
    15_000,
  );
}

const statusOf = (report: GateReport, id: CheckId): CheckStatus | undefined =>
  report.checks.find((check) => check.id === id)?.status;
const reasonOf = (report: GateReport, id: CheckId): string =>
  report.checks.find((check) => check.id === id)?.reason ?? '';

/** The rules every faulted run keeps: bounded, named, untouched checks right, no leak. */
function assertRules(
  run: { report: GateReport; ms: number },
  untouched: Partial<Record<CheckId, CheckStatus>>,
  log: FaultLog,
): void {
  assert.deepEqual(log.errors, [], `the fault was not injected as planned: ${log.errors.join('; ')}`);
  assert.ok(run.ms < RUN_BOUND_MS, `the gate took ${run.ms} ms`);
  for (const [id, status] of Object.entries(untouched))
    assert.equal(
      statusOf(run.report, id as CheckId),
      status,
      `${id}: ${reasonOf(run.report, id as CheckId)}`,
    );
  for (const check of run.report.checks) assert.doesNotMatch(check.reason, LEAK, `${check.id} leaked`);
}

async function askPrivate(question: string, clientId: string) {
  const response = await fetch(`${GATEWAY}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      question,
      client_id: clientId,
      conversation_id: `c-${clientId}`,
      nickname: clientId,
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as {
    answer?: string;
    meta?: { compute?: { role?: string; plan_cache_hit?: boolean; cache_available?: boolean } };
  };
  return { status: response.status, compute: body.meta?.compute };
}

test(
  'an api replica killed (docker kill) during the single-flight burst',
  { skip, timeout: 7 * 60_000 },
  async () => {
    const log: FaultLog = { lines: [], errors: [] };
    let killed = '';
    const check = withFault(
      CHECKS['plan-cache-single-flight'],
      {
        moment: { at: 'burst', afterMs: 0 },
        inject: async () => {
          // The leader if it can be caught holding the lock (polled for up to 1.5 s), else the first replica.
          const redis = onlyContainerOf('redis');
          const replicas = containersOf('api');
          let leader: string | undefined;
          for (const until = Date.now() + 1500; !leader && Date.now() < until;) leader = lockHolder(redis);
          const victim = replicas.find((replica) => replica.hostname === leader) ?? replicas[0]!;
          docker(['kill', victim.id]);
          killed = victim.name;
          return `docker kill ${victim.name} (${victim.hostname}, ${leader ? 'the lock holder' : 'no lock seen: first replica'})`;
        },
      },
      log,
    );
    const run = await gateRun(
      ['stage-up', 'load-balancing', 'plan-cache-single-flight', 'private-isolation'],
      { 'plan-cache-single-flight': check },
      // An LLM-bound public question: its execution lasts long enough for the kill to meet it.
      { publicQuestion: 'Explique o que é dividend yield em fundos imobiliários' },
    );
    console.log(log.lines.join('\n'));
    // Met before the fault: the stage was whole.
    assertRules(run, { 'stage-up': 'pass', 'load-balancing': 'pass' }, log);
    const met = statusOf(run.report, 'plan-cache-single-flight');
    // The gateway re-sends a request whose replica died without answering, and a follower takes over
    // the lock after its TTL: the burst either stays exact (✅, with the single execution proven by the
    // metric) or the check says what broke, naming the replica.
    assert.ok(killed, 'a replica was killed');
    if (met === 'pass') assert.match(reasonOf(run.report, 'plan-cache-single-flight'), /\+1/);
    // Named cause: the gate reads the stage's services after a check that did not pass and names the
    // replica that died (the check itself saw only connections closed without an answer).
    else assert.ok(reasonOf(run.report, 'plan-cache-single-flight').includes(killed), killed);
    // The isolation check after it ran on the two replicas left, and held.
    assert.notEqual(
      statusOf(run.report, 'private-isolation'),
      'fail',
      reasonOf(run.report, 'private-isolation'),
    );
  },
);

test('Redis paused for 8 s during private-isolation', { skip, timeout: 7 * 60_000 }, async () => {
  const log: FaultLog = { lines: [], errors: [] };
  const redis = () => onlyContainerOf('redis');
  const check = withFault(
    CHECKS['private-isolation'],
    {
      moment: { at: 'check-start', afterMs: 0 },
      inject: async () => {
        docker(['pause', redis().id]);
        return `docker pause ${redis().name}`;
      },
      // Long enough to cover the check's three asks in turn (5-8 s here with narrated answers): with
      // 4 s, the later asks found Redis back in one run of two, and the check rightly passed.
      undo: {
        afterMs: 8000,
        run: async () => {
          docker(['unpause', redis().id]);
          return `docker unpause ${redis().name}`;
        },
      },
    },
    log,
  );
  const run = await gateRun(
    ['stage-up', 'load-balancing', 'plan-cache-single-flight', 'private-isolation'],
    {
      'private-isolation': check,
    },
    // Not HGLG11: load-balancing's question (its plan, the same cache key) would warm it.
    { publicQuestion: 'Qual o preço atual do VISC11?' },
  );
  console.log(log.lines.join('\n'));
  assertRules(run, { 'stage-up': 'pass', 'load-balancing': 'pass', 'plan-cache-single-flight': 'pass' }, log);
  // Named cause: the answers said the cache was down (the api's meta.compute.cache_available).
  assert.notEqual(statusOf(run.report, 'private-isolation'), 'pass');
  assert.match(reasonOf(run.report, 'private-isolation'), /cache was unavailable/);

  // The reference stage's promise: with Redis paused, answers come back uncached, and are not cached later.
  const question = 'Como está minha carteira?';
  const client = `paused-probe-${process.pid}`;
  docker(['pause', redis().id]);
  let during;
  try {
    during = await askPrivate(question, client);
  } finally {
    docker(['unpause', redis().id]);
  }
  assert.equal(during.status, 200);
  assert.equal(during.compute?.role, 'uncached', JSON.stringify(during.compute));
  assert.equal(during.compute?.cache_available, false);
  await sleep(1000);
  const later = await askPrivate(question, client);
  assert.equal(later.status, 200);
  assert.equal(
    later.compute?.plan_cache_hit,
    false,
    `the uncached answer was cached: ${JSON.stringify(later.compute)}`,
  );
});

test(
  'Ollama crashed (SIGKILL to ollama serve) during narrator-saturation, brought back by its restart policy',
  { skip, timeout: 7 * 60_000 },
  async () => {
    const log: FaultLog = { lines: [], errors: [] };
    const ollama = onlyContainerOf('ollama');
    const restartsBefore = stateOf(ollama).restarts;
    const check = withFault(
      CHECKS['narrator-saturation'],
      {
        moment: { at: 'burst', afterMs: 300 },
        inject: async () => {
          crashProgram(onlyContainerOf('ollama'), 'ollama serve');
          return `SIGKILL to "ollama serve" in ${ollama.name}`;
        },
      },
      log,
    );
    const run = await gateRun(['stage-up', 'load-balancing', 'private-isolation', 'narrator-saturation'], {
      'narrator-saturation': check,
    });
    console.log(log.lines.join('\n'));
    assertRules(run, { 'stage-up': 'pass', 'load-balancing': 'pass', 'private-isolation': 'pass' }, log);
    assert.notEqual(
      statusOf(run.report, 'narrator-saturation'),
      'pass',
      reasonOf(run.report, 'narrator-saturation'),
    );
    assert.match(reasonOf(run.report, 'narrator-saturation'), /llm_unavailable|ollama/i);
    // Compose's restart policy brought it back (same container, one more restart).
    let state = stateOf(ollama);
    for (const until = Date.now() + 60_000; state.status !== 'running' && Date.now() < until;) {
      await sleep(500);
      state = stateOf(ollama);
    }
    assert.equal(state.status, 'running');
    assert.equal(state.restarts, restartsBefore + 1);
  },
);

test(
  'a lossy link between the api replicas and Redis, held through a whole gate run',
  { skip, timeout: 7 * 60_000 },
  async () => {
    const missing = netemMissing();
    if (missing)
      console.log(
        `\n!!! NETEM NOT AVAILABLE HERE (${missing}): the 200 ms latency is NOT injected; 2 % loss with iptables only !!!\n`,
      );
    const log: FaultLog = { lines: [], errors: [] };
    let fault: ReturnType<typeof degradeLink> | undefined;
    // Put on the link when the first check starts (after the boot: the boot's `up` may recreate nothing,
    // but Redis must be the container the run talks to), taken off after the run.
    const check = async (context: Parameters<Check>[0]) => {
      fault = degradeLink(onlyContainerOf('redis'), { delayMs: 200, lossPercent: 2, netem: !missing });
      log.lines.push(fault.description);
      return CHECKS['stage-up'](context);
    };
    let run;
    try {
      run = await gateRun(
        ['stage-up', 'load-balancing', 'plan-cache-single-flight', 'private-isolation'],
        {
          'stage-up': check,
        },
        { publicQuestion: 'Qual o preço atual do KNRI11?' },
      );
    } finally {
      fault?.remove();
    }
    console.log(log.lines.join('\n'));
    assertRules(run, { 'stage-up': 'pass', 'load-balancing': 'pass' }, log);
    // Single-flight stays exact (✅ with +1), or the check says honestly that it degraded (never a silent ✅).
    const singleFlight = statusOf(run.report, 'plan-cache-single-flight');
    if (singleFlight === 'pass') assert.match(reasonOf(run.report, 'plan-cache-single-flight'), /\+1/);
    assert.notEqual(
      statusOf(run.report, 'private-isolation'),
      'fail',
      reasonOf(run.report, 'private-isolation'),
    );
  },
);

/** The gateway's current sessions (HAProxy's stats, frontend `gateway`, column scur). */
function gatewaySessions(): number {
  const csv = docker(
    ['exec', onlyContainerOf('gateway').id, 'wget', '-qO-', 'http://127.0.0.1:8404/stats;csv'],
    10_000,
  );
  const row = csv.split('\n').find((line) => line.startsWith('gateway,FRONTEND,'));
  if (!row) throw new Error(`no gateway frontend row in HAProxy's stats: ${csv.slice(0, 300)}`);
  return Number(row.split(',')[4]);
}

/** The gateway container's address on the stage's network. */
function gatewayAddress(): string {
  const address = docker([
    'inspect',
    '--format',
    '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
    onlyContainerOf('gateway').id,
  ]).split(' ')[0];
  if (!address) throw new Error('the gateway container has no address on the stage network');
  return address;
}

async function drain(): Promise<{ drainedMs: number | undefined; sessionsLeft: number }> {
  const started = Date.now();
  let sessions = gatewaySessions();
  while (sessions > 0 && Date.now() - started < 20_000) {
    await sleep(250);
    sessions = gatewaySessions();
  }
  return { drainedMs: sessions === 0 ? Date.now() - started : undefined, sessionsLeft: sessions };
}

test(
  'slow and abusive clients at the gateway: each flood bounded, legitimate users measured, nothing held after',
  { skip, timeout: 6 * 60_000 },
  async () => {
    // The stage as the runs before left it (kept); bring it back to 3 replicas without the gate. Not
    // `--wait`: Docker's healthchecks start a node process each second, which on a loaded 2-core
    // machine can outlast their timeout while the api serves in milliseconds; the gateway's own checks
    // are what a user depends on, so wait for 3 replicas answering through it.
    docker(
      [
        'compose',
        '--env-file',
        ENV_FILE,
        '-f',
        join(REPO_ROOT, COMPOSE_FILE),
        'up',
        '-d',
        '--scale',
        'api=3',
        ...BOOTABLE_SERVICES,
      ],
      5 * 60_000,
    );
    const replicasSeen = new Set<string>();
    for (const until = Date.now() + 120_000; replicasSeen.size < 3 && Date.now() < until;) {
      const response = await fetch(`${GATEWAY}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(
        () => undefined,
      );
      if (response?.status === 200) replicasSeen.add(response.headers.get('x-replica-id') ?? '?');
      else await sleep(500);
      await response?.arrayBuffer();
    }
    assert.equal(replicasSeen.size, 3, `replicas behind the gateway: ${[...replicasSeen]}`);
    // The floods and the user measured beside them go to the gateway container's own address on the
    // stage's bridge network, not to the published 127.0.0.1:8000: that one is served by Docker's
    // userland proxy (docker-proxy), which spends 6 file descriptors per connection (2 sockets, 2 splice
    // pipes) under dockerd's limit of 20,000 here, and EXITS on the first `accept4: too many open files`
    // (past ~3,300 connections): the port then refuses everyone until the container restarts. Traffic
    // from outside the machine reaches a published port through iptables' DNAT, as this does.
    const host = gatewayAddress();
    const port = 8000;
    const cachedQuestion = JSON.stringify({
      question: 'Qual o preço atual do MXRF11?',
      client_id: 'flood-user',
      conversation_id: 'flood-user-1',
      nickname: 'flood-user',
    });
    // Warm the cache: from now on this ask is a cache hit on every replica.
    for (let index = 0; index < 6; index++)
      await fetch(`${GATEWAY}/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: cachedQuestion,
        signal: AbortSignal.timeout(30_000),
      }).then((response) => response.arrayBuffer());
    const user = (durationMs: number) =>
      Promise.all([
        measureUser({
          host,
          port,
          method: 'GET',
          path: '/healthz',
          durationMs,
          workers: 2,
          timeoutMs: 15_000,
        }),
        measureUser({
          host,
          port,
          method: 'POST',
          path: '/ask',
          body: cachedQuestion,
          durationMs,
          workers: 2,
          timeoutMs: 15_000,
        }),
      ]);
    const rows: FloodRow[] = [];
    const [healthz, cachedAsk] = await user(6000);
    rows.push({ flood: 'no flood', healthz, cachedAsk, floods: [], drainedMs: 0, sessionsLeft: 0 });

    const FLOOD_MS = 9000;
    const floodsBegan = new Date().toISOString();
    const plans: Array<{ flood: string; plans: FloodPlan[] }> = [
      {
        flood: 'slow headers (500 slowloris connections, a header line a second)',
        plans: [{ kind: 'slow-headers', host, port, connections: 500, durationMs: FLOOD_MS, refill: true }],
      },
      {
        flood: '2,000 request bodies that never finish',
        plans: [
          { kind: 'stalled-bodies', host, port, connections: 2000, durationMs: FLOOD_MS, refill: true },
        ],
      },
      {
        flood: '4,500 idle new connections (past maxconn 3900)',
        plans: [
          { kind: 'connection-flood', host, port, connections: 4500, durationMs: FLOOD_MS, refill: true },
        ],
      },
      {
        flood: '1,000 idle keep-alive connections',
        plans: [
          {
            kind: 'idle-keep-alive',
            host,
            port,
            connections: 1000,
            durationMs: FLOOD_MS + 4000,
            refill: false,
          },
        ],
      },
      {
        flood: 'oversized: 100 × 64 kB header, 100 × 8 MB body',
        plans: [
          { kind: 'oversized-headers', host, port, connections: 100, durationMs: FLOOD_MS, refill: true },
          { kind: 'oversized-bodies', host, port, connections: 100, durationMs: FLOOD_MS, refill: true },
        ],
      },
    ];
    for (const { flood, plans: floodPlans } of plans) {
      // A flood whose measuring process stalled (its own event loop late by over a second: this
      // process or the whole machine not scheduled, as on a loaded 2-core runner) measured the
      // stall, not the gateway: that row is kept in the table as not counted, and the flood runs once
      // more. A stall while the gateway alone is slow leaves the loop on time, and fails below.
      for (let attempt = 1; ; attempt++) {
        console.log(`${new Date().toISOString()} flood: ${flood}`);
        const watch = monitorEventLoopDelay({ resolution: 20 });
        watch.enable();
        const floods = Promise.all(floodPlans.map(runFlood));
        // Measured once the flood is at full strength, and ended before it stops.
        await sleep(1500);
        const [healthz, cachedAsk] = await user(FLOOD_MS - 2500);
        const results = await floods;
        watch.disable();
        const measurerLagMs = watch.max / 1e6;
        const measured = { healthz, cachedAsk, floods: results, measurerLagMs, ...(await drain()) };
        if (measurerLagMs > MEASURER_STALL_MS && attempt === 1) {
          rows.push({ flood: `(not counted: the measurer stalled) ${flood}`, ...measured });
          continue;
        }
        rows.push({ flood, ...measured });
        break;
      }
    }
    // The table, and what the gateway said of its replicas meanwhile: every assertion below quotes both.
    const events = gatewayServerEvents(floodsBegan);
    const table = `${floodTable(rows)}\n\ngateway's server events since ${floodsBegan}:\n${events.join('\n') || '(none)'}`;
    console.log(`\n${table}\n`);

    // The published port (docker-proxy) was left alone by the floods, and still answers.
    const published = await fetch(`${GATEWAY}/healthz`, { signal: AbortSignal.timeout(5000) });
    await published.arrayBuffer();
    assert.equal(published.status, 200, 'the published 127.0.0.1:8000 answers after the floods');

    const row = (prefix: string) => rows.find((candidate) => candidate.flood.startsWith(prefix))!;
    // Nothing stays held after any flood.
    for (const each of rows) assert.equal(each.sessionsLeft, 0, `${each.flood}: sessions left\n${table}`);
    // A body that never finishes is answered 408 by the gateway at `timeout http-request` (5 s), never
    // held for the api's 30 s: generous bound, 10 s.
    const stalled = row('2,000').floods[0]!;
    assert.ok(stalled.releasedMs.length > 0, table);
    assert.ok((quantile(stalled.releasedMs, 0.99) ?? 0) < 10_000, table);
    assert.ok((stalled.answers['408'] ?? 0) > 0, table);
    // Slow headers are cut at `timeout http-request` (5 s) too: released, and within 10 s.
    const slow = row('slow headers').floods[0]!;
    assert.ok(slow.releasedMs.length > 0, table);
    assert.ok((quantile(slow.releasedMs, 0.99) ?? 0) < 10_000, table);
    // Idle keep-alive connections are closed at `timeout http-keep-alive` (10 s).
    const idle = row('1,000 idle').floods[0]!;
    assert.ok(idle.releasedMs.length > 0 && (quantile(idle.releasedMs, 0.99) ?? 0) < 15_000, table);
    // Oversized headers and bodies are refused, not served.
    for (const flood of row('oversized').floods)
      assert.ok(
        Object.keys(flood.answers).every((code) => ['400', '413', 'none'].includes(code)),
        table,
      );
    // Legitimate users get answers during the floods that the gateway bounds per connection.
    for (const prefix of ['slow headers', '2,000', '1,000 idle', 'oversized'])
      assert.equal(row(prefix).healthz.errors + row(prefix).cachedAsk.errors, 0, `${prefix}\n${table}`);
  },
);

test(
  'the gateway restarted between load-balancing and plan-cache-single-flight; the last run tears down',
  { skip, timeout: 7 * 60_000 },
  async () => {
    const log: FaultLog = { lines: [], errors: [] };
    const check = afterAction(
      CHECKS['plan-cache-single-flight'],
      async () => {
        const gateway = onlyContainerOf('gateway');
        docker(['restart', '--time', '2', gateway.id]);
        return `docker restart ${gateway.name}`;
      },
      log,
    );
    const run = await gateRun(
      ['stage-up', 'load-balancing', 'plan-cache-single-flight', 'private-isolation'],
      { 'plan-cache-single-flight': check },
      { publicQuestion: 'Qual o preço atual do XPML11?', keepStage: false },
    );
    console.log(log.lines.join('\n'));
    assertRules(run, { 'stage-up': 'pass', 'load-balancing': 'pass' }, log);
    const met = statusOf(run.report, 'plan-cache-single-flight');
    if (met !== 'pass')
      assert.match(reasonOf(run.report, 'plan-cache-single-flight'), /gateway|503|refused|closed/i);
    assert.deepEqual(leftovers(), [], 'the stage is torn down');
  },
);
