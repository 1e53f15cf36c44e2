/** The one-sentence conclusion both renderers end with, derived from the verdict and the statuses. */
import { messagesFor } from './messages.js';
import type { CheckStatus, GateReport } from './model.js';

/** The mark of each status, wherever a report shows one. */
export const STATUS_EMOJI: Record<CheckStatus, string> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  skipped: '⏭️',
};

/** Plain text (not escaped): only check ids and fixed words go into it. */
export function conclusionText(report: GateReport): string {
  const m = messagesFor(report.language);
  if (report.verdict === 'boot-failed') return m.conclusion.bootFailed;
  const verdict = verdictSentence(report, m);
  const unproven = report.checks.filter((c) => c.metricEvidenceMissing !== undefined);
  if (unproven.length === 0) return verdict;
  return `${verdict} ${m.conclusion.metricEvidenceMissing(unproven.map((c) => c.id).join(', '))}`;
}

function verdictSentence(report: GateReport, m: ReturnType<typeof messagesFor>): string {
  const failed = report.checks.filter((c) => c.status === 'fail');
  const warned = report.checks.filter((c) => c.status === 'warn');
  if (report.verdict === 'ready') {
    return warned.length > 0 ? m.conclusion.readyWithWarnings(warned.length) : m.conclusion.ready;
  }
  // Not ready without a failure means the fail policy counts warnings.
  const blocking = failed.length > 0 ? failed : warned;
  return m.conclusion.notReady(blocking.length, blocking.map((c) => c.id).join(', '));
}

/** ✅ ready, ⚠️ ready with degraded checks, ❌ otherwise. */
export function verdictEmoji(report: GateReport): string {
  if (report.verdict !== 'ready') return '❌';
  return report.checks.some((c) => c.status === 'warn') ? '⚠️' : '✅';
}
