/**
 * The gate never hangs, whatever the stage does: a stage that accepts TCP connections and never says a
 * word (before or after it looked healthy), a local stage whose every replica fails /healthz, and a
 * local stage whose replicas freeze (SIGSTOP) right after booting. Each run ends in a clear ❌ (or a
 * refusal naming the option) with the reason, within its bounds; the teardown still runs and leaves no
 * process and no open connection behind.
 */
import { CHECKS_WITHOUT_CAPACITY } from '../support/gate-checks.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate } from '../../src/gate/run-gate.js';
import { createRecordingLogger } from '../kit/recording-gate-logger.js';
import {
  parseGateSettings,
  SettingsError,
  type GateSettings,
  type GateSettingsInput,
} from '../../src/gate/settings.js';
import type { CheckId, GateReport } from '../../src/report/model.js';
import type { BootResult, StageSpec } from '../../src/stage/driver.js';
import { ExternalStageDriver } from '../../src/stage/external/external-driver.js';
import { LocalStageHarness } from '../stage/local/local-stage-harness.js';
import { waitUntil } from '../../src/stage/local/process.js';
import { exists } from '../stage/local/local-stage-helpers.js';
import { startFakeStage } from '../fixtures/fake-stage.js';
import { signalGroup } from '../fixtures/reference-stage.js';

/**
 * A stage that accepts connections and never writes, except a healthy /healthz answer to its first
 * `answerFirst` requests.
 */
function silentStage(answerFirst = 0) {
  return startFakeStage({
    replicas: ['silent-1'],
    answerOnly: answerFirst,
    ask: 'hang',
    closeConnections: true,
  });
}

const small: GateSettingsInput = {
  language: 'en',
  replicas: 2,
  healthzRequests: 6,
  singleFlightBurst: 4,
  narratorBurst: 4,
  requestTimeoutSeconds: 2,
  checks: CHECKS_WITHOUT_CAPACITY,
};

const reasonOf = (report: GateReport, id: CheckId) => report.checks.find((check) => check.id === id)!.reason;
const summary = (report: GateReport) =>
  report.checks.map((check) => `${check.id}: ${check.status} — ${check.reason}`).join('\n');

test('a stage that accepts connections and never answers: refused by the preflight, or boot-failed with the reason; no connection left open', async (t) => {
  const stage = await silentStage();
  t.after(() => stage.close());
  const settings = parseGateSettings({
    ...small,
    driver: 'external',
    baseUrl: stage.baseUrl,
    bootTimeoutSeconds: 5,
  });

  // With the preflight (what the action and the CLI run): refused before anything else, naming the option.
  let started = Date.now();
  await assert.rejects(
    runGate(settings, { driver: new ExternalStageDriver({ baseUrl: stage.baseUrl }) }),
    (error: unknown) =>
      error instanceof SettingsError &&
      error.option === 'base-url' &&
      /nothing answers there \(.*tim/i.test(error.message),
  );
  const preflightMs = Date.now() - started;

  // Without it: the boot waits out its timeout and says what it saw; every other check is skipped.
  started = Date.now();
  const report = await runGate(settings, {
    driver: new ExternalStageDriver({ baseUrl: stage.baseUrl }),
    skipPreflight: true,
  });
  const bootMs = Date.now() - started;
  t.diagnostic(
    `preflight refused after ${preflightMs} ms; gate ended after ${bootMs} ms: ${reasonOf(report, 'stage-up')}`,
  );
  assert.ok(preflightMs < 10_000, `preflight took ${preflightMs} ms`);
  assert.equal(report.verdict, 'boot-failed', summary(report));
  assert.match(
    reasonOf(report, 'stage-up'),
    /did not answer GET \/healthz with a 2xx within 5000 ms \(last: .*tim/i,
  );
  assert.ok(report.checks.slice(1).every((check) => check.status === 'skipped'));
  assert.ok(report.phases.some((phase) => phase.name === 'teardown'));
  assert.ok(bootMs < 12_000, `took ${bootMs} ms`);
  // Every connection the gate opened was closed by the gate: nothing keeps waiting on the silent stage.
  await waitUntil(async () => stage.openConnections() === 0, {
    timeoutMs: 3000,
    what: 'the gate to close its connections',
  });
  assert.ok(stage.accepted >= 2);
});

test('a stage that looked healthy, then went silent: every check ❌ by its request timeout, within the global deadline', async (t) => {
  // Answers the preflight and the boot probe, then accepts and says nothing.
  const stage = await silentStage(2);
  t.after(() => stage.close());
  const settings: GateSettings = {
    ...parseGateSettings({ ...small, driver: 'external', baseUrl: stage.baseUrl, bootTimeoutSeconds: 5 }),
    // Below the options' floor, set directly: 20 s in all, 5 s of it kept for the teardown.
    globalDeadlineSeconds: 20,
  };
  const started = Date.now();
  const report = await runGate(settings, { driver: new ExternalStageDriver({ baseUrl: stage.baseUrl }) });
  const elapsed = Date.now() - started;
  t.diagnostic(`ended after ${elapsed} ms:\n${summary(report)}`);
  assert.ok(elapsed < 20_000, `within the global deadline (took ${elapsed} ms)`);
  assert.equal(report.verdict, 'not-ready', summary(report));
  for (const id of [
    'load-balancing',
    'plan-cache-single-flight',
    'private-isolation',
    'narrator-saturation',
  ] as const) {
    const check = report.checks.find((entry) => entry.id === id)!;
    assert.ok(check.status === 'fail' || check.status === 'skipped', `${id}: ${check.status}`);
    assert.match(check.reason, /timed out|did not complete|deadline|not answer/i, `${id}: ${check.reason}`);
  }
  assert.equal(report.checks.find((entry) => entry.id === 'load-balancing')!.status, 'fail');
  assert.ok(report.phases.some((phase) => phase.name === 'teardown'));
  await waitUntil(async () => stage.openConnections() === 0, {
    timeoutMs: 3000,
    what: 'the gate to close its connections',
  });
});

test('a local stage whose every replica fails /healthz: boot failed naming them, within the boot timeout, nothing left running', async (t) => {
  // As the action and the CLI build it (driver-choice): a partly booted stage would be left running
  // and checked; with no healthy replica there is nothing to check, so this is still a boot failure.
  const driver = new LocalStageHarness({ prometheus: false, keepRunningOnBootFailure: true });
  try {
    const settings = parseGateSettings({
      ...small,
      driver: 'local',
      bootTimeoutSeconds: 6,
      globalDeadlineSeconds: 60,
    });
    const started = Date.now();
    const report = await runGate(settings, { driver, stageEnv: { FAULT_INJECTION: 'healthz-fail' } });
    const elapsed = Date.now() - started;
    t.diagnostic(`ended after ${elapsed} ms: ${reasonOf(report, 'stage-up').slice(0, 300)}`);
    assert.equal(report.verdict, 'boot-failed', summary(report));
    assert.match(reasonOf(report, 'stage-up'), /api-\d was not healthy within the boot timeout/);
    assert.ok(report.checks.slice(1).every((check) => check.status === 'skipped'));
    assert.ok(elapsed < 30_000, `took ${elapsed} ms`);
    assertNoProcessLeft(driver);
  } finally {
    await driver.teardown({ timeoutMs: 5000 });
  }
});

/** The local stage, with every api replica frozen (SIGSTOP) the moment the boot succeeded. */
class FreezingLocalStage extends LocalStageHarness {
  frozen: number[] = [];
  override async boot(spec: StageSpec, signal?: AbortSignal): Promise<BootResult> {
    const result = await super.boot(spec, signal);
    if (result.ok) {
      const replicas = new Set(this.replicaNames());
      for (const entry of this.processes())
        if (replicas.has(entry.name) && entry.running && entry.pid) {
          signalGroup(entry.pid, 'SIGSTOP');
          this.frozen.push(entry.pid);
        }
    }
    return result;
  }
}

test('a local stage whose replicas freeze after booting: ❌ with the reasons, within the deadline, and the teardown kills even frozen processes', async (t) => {
  const driver = new FreezingLocalStage({ prometheus: false });
  t.after(async () => {
    for (const pid of driver.frozen) signalGroup(pid, 'SIGCONT');
    await driver.teardown({ timeoutMs: 5000 });
  });
  const settings = parseGateSettings({
    ...small,
    driver: 'local',
    requestTimeoutSeconds: 3,
    bootTimeoutSeconds: 30,
    globalDeadlineSeconds: 60,
  });
  const logger = createRecordingLogger();
  const started = Date.now();
  const report = await runGate(settings, { driver, logger });
  const elapsed = Date.now() - started;
  t.diagnostic(`ended after ${elapsed} ms:\n${summary(report)}`);
  assert.equal(driver.frozen.length, 2, 'both replicas were frozen');
  assert.ok(elapsed < 60_000, `within the global deadline (took ${elapsed} ms)`);
  assert.equal(report.verdict, 'not-ready', summary(report));
  assert.equal(report.checks.find((check) => check.id === 'load-balancing')!.status, 'fail');
  for (const id of ['plan-cache-single-flight', 'private-isolation', 'narrator-saturation'] as const)
    assert.notEqual(
      report.checks.find((check) => check.id === id)!.status,
      'pass',
      `${id}: ${reasonOf(report, id)}`,
    );
  assert.ok(report.phases.some((phase) => phase.name === 'teardown'));
  // The teardown ran inside runGate and ended the frozen replicas too (SIGTERM waits, SIGKILL does not).
  assertNoProcessLeft(driver);
});

function assertNoProcessLeft(driver: LocalStageHarness): void {
  const processes = driver.processes();
  assert.ok(processes.length > 0);
  for (const { name, pid, running } of processes) {
    assert.equal(running, false, `${name} still running`);
    if (pid !== undefined) assert.equal(exists(pid), false, `${name} (pid ${pid}) is gone`);
  }
}
