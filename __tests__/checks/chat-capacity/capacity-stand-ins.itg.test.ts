/**
 * chat-capacity against stand-in stages whose capacity is known in advance (capacity-stand-in.ts):
 * C slots of service time S hold about C·(X+Z)/S users at SLO X with think time Z, and twice the slots
 * hold about twice the users; a stage that answers 5xx, or goes silent, above K users is ❌ naming the
 * level, within the budget plus one request timeout, and the gate tears down as always. The whole gate
 * runs (external driver, real HTTP on loopback); only chat-capacity is selected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../../src/gate/run-gate.js';
import { parseGateSettings, type GateSettingsInput } from '../../../src/gate/settings.js';
import type { CheckResult, GateReport } from '../../../src/report/model.js';
import { ExternalStageDriver } from '../../../src/stage/external/external-driver.js';
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

test('C slots of service time S hold about C·(X+Z)/S users, and twice the slots about twice the users', async (t) => {
  const expected = (slots: number) => (slots * (400 + 400)) / 100;
  const one = await capacityRun({ slots: 2, serviceMs: 100 }, lawSettings);
  t.diagnostic(`C=2: ${one.check.status} — ${one.check.reason} (${one.elapsedMs} ms, ${one.asks} asks)`);
  const two = await capacityRun({ slots: 4, serviceMs: 100 }, lawSettings);
  t.diagnostic(`C=4: ${two.check.status} — ${two.check.reason} (${two.elapsedMs} ms, ${two.asks} asks)`);
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
  const ratio =
    (two.check.measures?.capacityUsersHeld ?? 0) / Math.max(1, one.check.measures?.capacityUsersHeld ?? 0);
  assert.ok(ratio >= 1.6 && ratio <= 2.4, `doubling C gives ×${ratio.toFixed(2)} the users held`);
});
