/**
 * Time to verdict: the whole five-check gate on a fresh local stage, as `npm run gate:local` runs it,
 * split into the phases the report records (boot, each check, teardown).
 */
import { performance } from 'node:perf_hooks';
import { runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings } from '../../src/gate/settings.js';
import type { GateReport } from '../../src/report/model.js';
import { LocalStageDriver } from '../../src/stage/local/local-driver.js';
import { CHECKS_WITHOUT_CAPACITY } from '../support/gate-checks.js';

export interface VerdictMeasurement {
  verdict: GateReport['verdict'];
  /** runGate's call to its return, in ms (boot, checks and teardown). */
  totalMs: number;
  phases: GateReport['phases'];
  statuses: Record<string, string>;
}

export async function measureTimeToVerdict(): Promise<VerdictMeasurement> {
  // The five checks: chat-capacity spends its whole time budget by design and has its own section.
  const settings = parseGateSettings({ driver: 'local', language: 'en', checks: CHECKS_WITHOUT_CAPACITY });
  const driver = new LocalStageDriver();
  const started = performance.now();
  try {
    const report = await runGate(settings, { driver });
    return {
      verdict: report.verdict,
      totalMs: performance.now() - started,
      phases: report.phases,
      statuses: Object.fromEntries(report.checks.map((check) => [check.id, check.status])),
    };
  } finally {
    // runGate tears down; this only guards against a bug leaving processes behind.
    await driver.teardown({ timeoutMs: 5000 });
  }
}
