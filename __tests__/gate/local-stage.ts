/** Runs the whole gate against the local reference stage (real redis, haproxy, API replicas, simulator). */
import assert from 'node:assert/strict';
import { driverChoiceFor } from '../../src/gate/driver-choice.js';
import { runGate } from '../../src/gate/run-gate.js';
import { createRecordingLogger } from '../kit/recording-gate-logger.js';
import { CHECKS_WITHOUT_CAPACITY } from '../support/gate-checks.js';
import { parseGateSettings, type GateSettingsInput } from '../../src/gate/settings.js';
import type { CheckId, CheckStatus, GateReport } from '../../src/report/model.js';
import { publishReport } from '../../src/report/publish-report.js';
import { LocalStageHarness, type LocalStageOptions } from '../stage/local/local-stage-harness.js';

export interface LocalGateRun {
  report: GateReport;
  elapsedMs: number;
  logLines: string[];
  /** Processes the stage started that were still running after runGate returned. */
  leftRunning: string[];
}

export async function gateOnLocalStage(
  options: {
    settings?: GateSettingsInput;
    stageEnv?: Record<string, string>;
    local?: LocalStageOptions;
  } = {},
): Promise<LocalGateRun> {
  const settings = parseGateSettings({
    driver: 'local',
    language: 'en',
    checks: CHECKS_WITHOUT_CAPACITY,
    ...options.settings,
  });
  // The options the action and the CLI give the local driver (driver-choice), plus the test's own.
  const choice = driverChoiceFor(settings);
  const driver = new LocalStageHarness({
    ...(choice.kind === 'local' ? choice.local : {}),
    ...options.local,
  });
  const logger = createRecordingLogger();
  const started = Date.now();
  try {
    const rawReport = await runGate(settings, {
      driver,
      logger,
      ...(options.stageEnv ? { stageEnv: options.stageEnv } : {}),
    });
    // As the action and the CLI do: the JSON report (when asked) is written by the publish step.
    const report = await publishReport(rawReport, { secrets: [], jsonPath: settings.jsonReport, logger });
    return {
      report,
      elapsedMs: Date.now() - started,
      logLines: logger.lines,
      leftRunning: driver
        .processes()
        .filter((entry) => entry.running)
        .map((entry) => entry.name),
    };
  } finally {
    // runGate tears down; this only guards against a bug leaving processes behind.
    await driver.teardown({ timeoutMs: 5000 });
  }
}

/** The status of every check the run selected (one it skipped as not selected is left out). */
export function statusesOf(report: GateReport): Partial<Record<CheckId, CheckStatus>> {
  return Object.fromEntries(
    report.checks
      .filter((check) => !/^not selected/.test(check.reason))
      .map((check) => [check.id, check.status]),
  );
}

export function reasonOf(report: GateReport, id: CheckId): string {
  return report.checks.find((check) => check.id === id)?.reason ?? '';
}

/** Assert `id` failed, and nothing else did (warnings allowed where the fault also degrades them). */
export function assertFailsOnly(report: GateReport, id: CheckId, allowedToWarn: CheckId[] = []): void {
  const statuses = statusesOf(report);
  const summary = report.checks.map((check) => `${check.id}: ${check.status} — ${check.reason}`).join('\n');
  assert.equal(statuses[id], 'fail', summary);
  assert.equal(report.verdict, 'not-ready', summary);
  for (const [other, status] of Object.entries(statuses)) {
    // A check the test did not select (chat-capacity, by default) proves nothing either way.
    if (other === id || status === 'skipped') continue;
    const allowed: CheckStatus[] = allowedToWarn.includes(other as CheckId) ? ['pass', 'warn'] : ['pass'];
    assert.ok(allowed.includes(status), `${other} should be ${allowed.join('/')}:\n${summary}`);
  }
}
