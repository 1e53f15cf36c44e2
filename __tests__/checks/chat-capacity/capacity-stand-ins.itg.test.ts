/**
 * chat-capacity against stand-in stages whose capacity is known in advance (capacity-stand-in.ts):
 * C slots of service time S hold about C·(X+Z)/S users at SLO X with think time Z, and twice the slots
 * hold about twice the users; a stage that answers 5xx, or goes silent, above K users is ❌ naming the
 * level, within the budget plus one request timeout, and the gate tears down as always; the search keeps
 * its time and request budgets; a step during which the gate's own event loop is starved is marked
 * generator-bound. The whole gate runs (external driver, real HTTP on loopback); only chat-capacity is
 * selected.
 */
import { test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { requestBudget, runStep } from '../../../src/checks/chat-capacity/virtual-users.js';
import { exchangeOnce, joinUrl } from '../../../src/http/gate-http-client.js';
import assert from 'node:assert/strict';
import { runGate } from '../../../src/gate/run-gate.js';
import { parseGateSettings, type GateSettingsInput } from '../../../src/gate/settings.js';
import type { CheckResult, GateReport } from '../../../src/report/model.js';
import { ExternalStageDriver } from '../../../src/stage/external/external-driver.js';
import { factOf } from '../../support/check-facts.js';
import { startCapacityStandIn, type CapacityStandInOptions } from '../../fixtures/capacity-stand-in.js';

async function capacityRun(
  stand: CapacityStandInOptions,
  settings: GateSettingsInput,
): Promise<{ report: GateReport; check: CheckResult; elapsedMs: number; asks: number; torn: boolean }> {
  const stage = await startCapacityStandIn(stand);
  try {
    const driver = new ExternalStageDriver({ baseUrl: stage.baseUrl });
    let torn = false;
    const teardown = driver.teardown.bind(driver);
    driver.teardown = async () => {
      torn = true;
      return teardown();
    };
    const started = Date.now();
    const report = await runGate(
      parseGateSettings({
        driver: 'external',
        baseUrl: stage.baseUrl,
        language: 'en',
        replicas: 1,
        checks: ['chat-capacity'],
        ...settings,
      }),
      { driver, skipPreflight: true },
    );
    const check = report.checks.find((entry) => entry.id === 'chat-capacity')!;
    const table = check.evidence.find((evidence) => evidence.kind === 'table');
    if (process.env.CAPACITY_DEBUG && table?.kind === 'table')
      for (const row of table.rows) console.log(row.join(' | '));
    return { report, check, elapsedMs: Date.now() - started, asks: stage.asks, torn };
  } finally {
    await stage.close();
  }
}

const lawSettings = {
  capacitySloP95Ms: 400,
  capacityThinkTimeMs: 400,
  capacityBudgetSeconds: 30,
  capacityMaxUsers: 96,
  capacityPublicShare: 100,
  capacityPrivateShare: 0,
  capacityNarratedShare: 0,
  requestTimeoutSeconds: 5,
};

/** A fact of chat-capacity's "Chat capacity" evidence, by its label ('' when absent). */
const capacityFact = (check: CheckResult, label: string): string => factOf(check, label) ?? '';

test('C slots of service time S hold about C·(X+Z)/S users, and twice the slots about twice the users', async (t) => {
  const expected = (slots: number) => (slots * (400 + 400)) / 100;
  const one = await capacityRun({ slots: 2, serviceMs: 100 }, lawSettings);
  t.diagnostic(`C=2: ${one.check.status} — ${one.check.reason} (${one.elapsedMs} ms, ${one.asks} asks)`);
  const two = await capacityRun({ slots: 4, serviceMs: 100 }, lawSettings);
  t.diagnostic(`C=4: ${two.check.status} — ${two.check.reason} (${two.elapsedMs} ms, ${two.asks} asks)`);
  for (const [name, run] of [
    ['C=2', one],
    ['C=4', two],
  ] as const)
    t.diagnostic(
      `${name}: proof ${capacityFact(run.check, 'proof')}; curve ${capacityFact(run.check, 'curve through all levels')}`,
    );
  for (const [run, slots] of [
    [one, 2],
    [two, 4],
  ] as const) {
    const held = run.check.measures?.capacityUsersHeld ?? 0;
    const failed = run.check.measures?.capacityUsersFailed ?? Infinity;
    const law = expected(slots);
    assert.ok(
      held <= law * 1.25 && failed >= law * 0.75,
      `C=${slots}: the range ${held}–${failed} must contain ${law} within ±25 %`,
    );
  }
  // The capacity each run reports is compared where the curve through its levels crosses the target
  // (the report's "95.0 % at ~N users"), not by the held ends: a held end is that curve's lower bound,
  // and C=2 gives fewer answers than C=4 in the same time, so its bound sits further below its
  // crossing (a CI run under load: held 11 and 27, ×2.45, while the crossings stood at about 14 and 29).
  // A run without a curve is compared by its range's geometric middle.
  const estimateOf = (run: typeof one) => {
    const crossing = /at ~(\d+(?:\.\d+)?) users/.exec(capacityFact(run.check, 'curve through all levels'));
    if (crossing) return Number(crossing[1]);
    const { capacityUsersHeld: held = 0, capacityUsersFailed: failed = held } = run.check.measures ?? {};
    return Math.sqrt(held * failed);
  };
  const ratio = estimateOf(two) / Math.max(1, estimateOf(one));
  assert.ok(
    ratio >= 1.6 && ratio <= 2.4,
    `doubling C gives ×${ratio.toFixed(2)} the users (${estimateOf(one)} → ${estimateOf(two)})`,
  );
});

const quick = {
  capacitySloP95Ms: 500,
  capacityThinkTimeMs: 200,
  capacityBudgetSeconds: 12,
  capacityPublicShare: 100,
  capacityPrivateShare: 0,
  capacityNarratedShare: 0,
  requestTimeoutSeconds: 2,
};

test('a stage that answers 5xx above K users: ❌ naming the level, and the gate tears down', async (t) => {
  const run = await capacityRun({ slots: 16, serviceMs: 20, breakAbove: 5, beyond: '5xx' }, quick);
  t.diagnostic(`${run.check.status} — ${run.check.reason} (${run.elapsedMs} ms)`);
  assert.equal(run.check.status, 'fail');
  assert.match(run.check.reason, /answered errors under load at 8 users: \d+ errors/);
  assert.match(run.check.reason, /HTTP 500/);
  assert.equal(run.report.verdict, 'not-ready');
  assert.ok(run.torn, 'the stage was torn down');
});

test('a stage that stops answering above K users: ❌ within the budget plus one request timeout', async (t) => {
  const run = await capacityRun({ slots: 16, serviceMs: 20, breakAbove: 5, beyond: 'silence' }, quick);
  t.diagnostic(`${run.check.status} — ${run.check.reason} (check ${run.check.durationMs} ms)`);
  assert.equal(run.check.status, 'fail');
  assert.match(run.check.reason, /stopped answering at 8 users: \d+ asks got no answer within 2 s/);
  // The budget (12 s) plus one request timeout (2 s), and a little for the step's own bookkeeping.
  assert.ok(run.check.durationMs < 12_000 + 2000 + 1500, `took ${run.check.durationMs} ms`);
  assert.ok(run.torn, 'the stage was torn down');
});

test('the budget holds: a slow stage, a small time and request budget, and the search stops within both', async (t) => {
  // Every answer takes 1.5 s on one slot: nothing holds, and every level would take long.
  const run = await capacityRun(
    { slots: 1, serviceMs: 1500 },
    { ...quick, capacityBudgetSeconds: 4, capacityMaxRequests: 25, requestTimeoutSeconds: 3 },
  );
  t.diagnostic(
    `${run.check.status} — ${run.check.reason} (check ${run.check.durationMs} ms, ${run.asks} asks)`,
  );
  assert.ok(run.asks <= 25, `sent ${run.asks} asks, budget 25`);
  assert.ok(run.check.durationMs < 4000 + 3000 + 1500, `took ${run.check.durationMs} ms`);
  const facts = run.check.evidence.find((evidence) => evidence.kind === 'facts');
  assert.ok(facts?.kind === 'facts');
  const used = facts.facts.find((fact) => fact.label === 'budget used')!;
  assert.match(String(used.value), /\/ 4 s, \d+ \/ 25 requests/);
});

test('a step during which the gate itself is starved is marked generator-bound, not judged', async (t) => {
  const stage = await startCapacityStandIn({ slots: 8, serviceMs: 20 });
  t.after(() => stage.close());
  const agent = new Agent({ connections: 8 });
  t.after(() => agent.close());
  const send = async () => {
    const exchange = await exchangeOnce({
      dispatcher: agent,
      url: joinUrl(stage.baseUrl, '/ask'),
      method: 'POST',
      path: '/ask',
      body: JSON.stringify({ question: 'q', client_id: 'c-u1', conversation_id: 'c', nickname: 'n' }),
      headers: { 'content-type': 'application/json' },
      timeoutMs: 5000,
      origin: 0,
    });
    return {
      kind: 'public' as const,
      answerClass: exchange.status === 200 ? ('good' as const) : ('error' as const),
    };
  };
  const plan = (sendUntil: number) => ({
    users: 4,
    rampMs: 200,
    minMs: 1500,
    maxMs: 1500,
    thinkTimeMs: 100,
    sloMs: 1000,
    target: 0.95,
    sendUntil,
    requests: requestBudget(10_000),
    mix: { public: 1, private: 0, narrated: 0 },
    signal: new AbortController().signal,
  });
  // Starve the gate's own event loop: busy for 400 ms out of every 450 ms while the step runs.
  const starve = setInterval(() => {
    const until = Date.now() + 400;
    while (Date.now() < until) {
      /* the generator cannot send on time now */
    }
  }, 50);
  const starved = await runStep(plan(performance.now() + 10_000), send).finally(() => clearInterval(starve));
  t.diagnostic(
    `starved: ${starved.judgement}, lag p99 ${Math.round(starved.generator.lagP99Ms)} ms, busy ${Math.round(starved.generator.utilization * 100)} %`,
  );
  assert.equal(starved.judgement, 'generator-bound');
  assert.ok(starved.generator.bound);
});
