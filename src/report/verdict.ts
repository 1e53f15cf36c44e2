/**
 * What a report's check results add up to: the worst status, the verdict, and whether the step (or the
 * CLI) fails under the fail policy. Pure, and the same for the gate, the action and the CLI.
 */
import type { AskAccount, CheckResult, CheckStatus, GateReport, Verdict } from './model.js';

/** `fail`: the step fails on ❌ (and on a boot failure). `warn`: also on ⚠️. `never`: report only. */
export const FAIL_POLICIES = ['fail', 'warn', 'never'] as const;
export type FailPolicy = (typeof FAIL_POLICIES)[number];

/** Worst first: fail > warn > pass > skipped. */
const RANK: Record<CheckStatus, number> = { skipped: 0, pass: 1, warn: 2, fail: 3 };

export function worstStatus(statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>(
    (worst, status) => (RANK[status] > RANK[worst] ? status : worst),
    'skipped',
  );
}

/**
 * `boot-failed` when nothing could be checked (the stage never came up, and no gateway served);
 * `not-ready` on any ❌ (or ⚠️ under fail-on warn). A partly booted stage whose gateway serves was
 * checked: its verdict comes from the checks (stage-up ❌ among them).
 */
export function decideVerdict(
  checks: CheckResult[],
  stageChecked: boolean,
  failOn: FailPolicy,
  asks?: AskAccount,
): Verdict {
  if (!stageChecked) return 'boot-failed';
  if (checks.some((check) => check.status === 'fail')) return 'not-ready';
  if (asksOverBudget(asks)) return 'not-ready';
  if (failOn === 'warn' && checks.some((check) => check.status === 'warn')) return 'not-ready';
  return 'ready';
}

export interface ExitDecision {
  /** Whether the step (or the CLI) should fail. */
  failed: boolean;
  exitCode: 0 | 1;
  message: string;
}

/** Whether the step fails under the fail policy; pure, for the action and the CLI alike. */
export function decideExit(report: GateReport, failOn: FailPolicy): ExitDecision {
  const failedChecks = report.checks.filter((check) => check.status === 'fail').map((check) => check.id);
  const warnedChecks = report.checks.filter((check) => check.status === 'warn').map((check) => check.id);
  if (failOn === 'never')
    return { failed: false, exitCode: 0, message: `verdict ${report.verdict} (fail-on never)` };
  if (report.verdict === 'boot-failed')
    return { failed: true, exitCode: 1, message: 'the stage could not be booted' };
  if (failedChecks.length > 0)
    return { failed: true, exitCode: 1, message: `failed checks: ${failedChecks.join(', ')}` };
  if (asksOverBudget(report.asks))
    return {
      failed: true,
      exitCode: 1,
      message: `${report.asks!.failed} of ${report.asks!.sent} asks failed, above the error budget of ${report.asks!.budget}`,
    };
  if (failOn === 'warn' && warnedChecks.length > 0)
    return {
      failed: true,
      exitCode: 1,
      message: `degraded checks (fail-on warn): ${warnedChecks.join(', ')}`,
    };
  return { failed: false, exitCode: 0, message: `verdict ${report.verdict}` };
}

/** True when the run's failed asks exceed the error budget (errors anywhere fail the run). */
export function asksOverBudget(asks: AskAccount | undefined): boolean {
  return asks !== undefined && asks.failed > asks.budget;
}
