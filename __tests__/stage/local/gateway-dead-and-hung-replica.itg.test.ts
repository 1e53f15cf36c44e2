/**
 * The gateway with a replica that dies (SIGKILL) and another that hangs (SIGSTOP: it still accepts TCP
 * connections, so only the health checks can tell), under a steady stream of asks and /healthz probes.
 * Every request keeps succeeding: HAProxy re-sends a request whose replica died or was cut off when its
 * checks took it out (`retry-on conn-failure empty-response`, redispatch), and stops routing to both.
 * Once the hung replica resumes, it is put back in rotation by its checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readServersUp } from '../../../src/stage/local/gateway-server.js';
import { waitUntil } from '../../../src/stage/local/process.js';
import { bootReferenceStage, pidOf, signalGroup } from '../../fixtures/reference-stage.js';
import {
  ask,
  askBody,
  countBy,
  describe,
  getStatus,
  percentile,
  sleep,
  type Exchange,
} from '../../fixtures/gateway-requests.js';

const QUESTIONS = [
  'Qual o preço atual do MXRF11?',
  'Qual o último dividendo do HGLG11?',
  'Qual o dividend yield do KNRI11?',
  'Quanto está o XPML11?',
  'Qual o preço atual do VISC11?',
  'Qual o último dividendo do KNCR11?',
  'Qual o dividend yield do BTLG11?',
  'Quanto está o HGRU11?',
];
const WORKERS = 5;
/** A hung leader holds its plan's lock until the lock expires: followers elsewhere wait that long at most. */
const LOCK_TTL_MS = 3000;
const MAX_REQUESTS = 2000;

interface Probe {
  phase: string;
  kind: 'ask' | 'healthz';
  status: number | undefined;
  ms: number;
  replica: string | null;
  detail: string;
}

test('a dead replica and a hung one behind the gateway: every request still succeeds, and the hung one comes back', async (t) => {
  const driver = await bootReferenceStage({
    after: t,
    replicas: 3,
    narratorMaxConcurrency: 8,
    env: {
      SIM_LATENCY_MS: '300',
      SIM_TOKENS_PER_SECOND: '0',
      OLLAMA_NUM_PARALLEL: '8',
      // Plans expire quickly, so executions (and requests waiting on them) are in flight all the time.
      PLAN_CACHE_TTL_SECONDS: '1',
      SINGLE_FLIGHT_LOCK_TTL_MS: String(LOCK_TTL_MS),
    },
  });
  const gateway = driver.baseUrl;
  const exporter = driver.urls.haproxyExporter;
  let phase = 'all up';
  const probes: Probe[] = [];
  let running = true;

  // Each request is counted in the phase it was sent in.
  const record = (
    sentIn: string,
    kind: Probe['kind'],
    reply: Exchange | Awaited<ReturnType<typeof getStatus>>,
    detail: string,
  ) =>
    probes.push({ phase: sentIn, kind, status: reply.status, ms: reply.ms, replica: reply.replica, detail });
  const askers = Array.from({ length: WORKERS }, async (_, worker) => {
    for (let i = 0; running && probes.length < MAX_REQUESTS; i++) {
      const sentIn = phase;
      const reply = await ask(
        gateway,
        askBody(QUESTIONS[(worker * 3 + i) % QUESTIONS.length]!, `user-${worker}`),
        30_000,
      );
      record(sentIn, 'ask', reply, describe(reply));
      await sleep(50);
    }
  });
  const prober = (async () => {
    while (running && probes.length < MAX_REQUESTS) {
      const sentIn = phase;
      const reply = await getStatus(`${gateway}/healthz`, 30_000);
      record(
        sentIn,
        'healthz',
        reply,
        `healthz ${reply.status} from ${reply.replica} in ${Math.round(reply.ms)} ms`,
      );
      await sleep(150);
    }
  })();

  const hung = 2;
  const hungPid = pidOf(driver, `api-${hung}`);
  let markedDownMs = 0;
  let backUpMs = 0;
  try {
    await sleep(2000);
    phase = 'api-3 killed';
    await driver.killReplica(3);
    await waitUntil(async () => !(await readServersUp(exporter, 'api')).includes('api-3'), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'HAProxy to mark the killed api-3 down',
    });
    await sleep(1500);

    phase = `api-${hung} hung`;
    const stoppedAt = performance.now();
    signalGroup(hungPid, 'SIGSTOP');
    await waitUntil(async () => !(await readServersUp(exporter, 'api')).includes(`api-${hung}`), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `HAProxy to mark the hung api-${hung} down`,
    });
    markedDownMs = performance.now() - stoppedAt;
    await sleep(1500);

    phase = `api-${hung} resumed`;
    const resumedAt = performance.now();
    signalGroup(hungPid, 'SIGCONT');
    await waitUntil(async () => (await readServersUp(exporter, 'api')).includes(`api-${hung}`), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `HAProxy to put api-${hung} back`,
    });
    backUpMs = performance.now() - resumedAt;
    await sleep(2500);
  } finally {
    signalGroup(hungPid, 'SIGCONT');
    running = false;
    await Promise.all([...askers, prober]);
  }

  const phases = [...new Set(probes.map((probe) => probe.phase))];
  for (const name of phases) {
    const inPhase = probes.filter((probe) => probe.phase === name);
    const ms = inPhase.map((probe) => probe.ms);
    t.diagnostic(
      `${name}: ${inPhase.length} requests (${inPhase.filter((p) => p.kind === 'ask').length} asks), ` +
        `statuses ${JSON.stringify(countBy(inPhase, (p) => String(p.status ?? 'none')))}, ` +
        `by ${JSON.stringify(countBy(inPhase, (p) => p.replica ?? '-'))}, ` +
        `p50 ${Math.round(percentile(ms, 50))} ms, p95 ${Math.round(percentile(ms, 95))} ms, max ${Math.round(Math.max(...ms))} ms`,
    );
  }
  t.diagnostic(
    `HAProxy took api-${hung} out ${Math.round(markedDownMs)} ms after SIGSTOP, and back ${Math.round(backUpMs)} ms after SIGCONT`,
  );

  const failed = probes.filter((probe) => probe.status !== 200);
  assert.deepEqual(
    failed.map((probe) => `${probe.phase}: ${probe.detail}`),
    [],
    'every request through the gateway succeeded',
  );
  for (const name of phases)
    assert.ok(probes.filter((p) => p.phase === name).length >= 5, `traffic during "${name}"`);
  // Nothing answered from the dead replica after its death, nor from the hung one while it was hung.
  assert.ok(!probes.some((p) => p.phase !== 'all up' && p.replica === 'api-3'));
  assert.ok(!probes.some((p) => p.phase === `api-${hung} hung` && p.replica === `api-${hung}`));
  // A request caught on the hung replica waited for the health checks (then was re-sent), and one waiting
  // on a plan the hung replica was leading waited for its lock to expire — never for HAProxy's 120 s
  // server timeout.
  const slowest = Math.max(...probes.map((probe) => probe.ms));
  assert.ok(slowest < markedDownMs + LOCK_TTL_MS + 5000, `slowest request ${Math.round(slowest)} ms`);
  // The hung replica, once resumed, serves again (the same process, not a restart).
  assert.ok(
    probes.some((p) => p.phase === `api-${hung} resumed` && p.replica === `api-${hung}`),
    `api-${hung} serves again`,
  );
  assert.equal(pidOf(driver, `api-${hung}`), hungPid);
});
