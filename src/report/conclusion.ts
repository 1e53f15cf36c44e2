/** The one-sentence conclusion both renderers end with, derived from the verdict and the statuses. */
import { localize } from './language.js';
import { messagesFor } from './messages.js';
import type { CheckStatus, GateReport } from './model.js';
import { asksOverBudget } from './verdict.js';

/** The mark of each status, wherever a report shows one. */
export const STATUS_EMOJI: Record<CheckStatus, string> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  skipped: '⏭️',
};

/** Plain text (not escaped): only check ids and fixed words go into it. */
export function conclusionText(report: GateReport): string {
  return [checksConclusion(report), askConclusion(report)].filter((part) => part !== '').join(' ');
}

function checksConclusion(report: GateReport): string {
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
    const sentence = warned.length > 0 ? m.conclusion.readyWithWarnings(warned.length) : m.conclusion.ready;
    const capacity = capacityMeasured(report);
    if (!capacity) return sentence;
    const { users, failed, percentile, sloMs } = capacity;
    if (users > 0) return `${sentence} ${m.conclusion.capacity(users, percentile, sloMs)}`;
    return failed === undefined
      ? sentence
      : `${sentence} ${m.conclusion.capacityBelow(failed, percentile, sloMs)}`;
  }
  // Not ready without a failure: the asks' error budget was exceeded, or the fail policy counts warnings.
  if (failed.length === 0 && asksOverBudget(report.asks))
    return localize(report.language)(
      'Stage não pronto para chat multiusuário: perguntas falharam.',
      'Stage not ready for multi-user chat: asks failed.',
    );
  const blocking = failed.length > 0 ? failed : warned;
  return m.conclusion.notReady(blocking.length, blocking.map((c) => c.id).join(', '));
}

/** ✅ ready, ⚠️ ready with degraded checks, ❌ otherwise. */
export function verdictEmoji(report: GateReport): string {
  if (report.verdict !== 'ready') return '❌';
  return report.checks.some((c) => c.status === 'warn') ? '⚠️' : '✅';
}

/** The users chat-capacity held (and failed), with its SLO, when it ran (its measures carry them). */
function capacityMeasured(
  report: GateReport,
): { users: number; failed?: number; percentile: number; sloMs: number } | undefined {
  const capacity = report.checks.find((check) => check.id === 'chat-capacity');
  if (!capacity || (capacity.status !== 'pass' && capacity.status !== 'warn')) return undefined;
  const users = capacity.measures?.capacityUsersHeld;
  const sloMs = capacity.measures?.capacitySloP95Ms;
  const percentile = capacity.measures?.capacityAttainmentPct;
  const failed = capacity.measures?.capacityUsersFailed;
  if (users === undefined || sloMs === undefined || percentile === undefined) return undefined;
  return { users, failed, percentile, sloMs };
}

/** The run's asks in one sentence (errors anywhere): how many were sent, how many failed, the budget. */
export function askConclusion(report: GateReport): string {
  const asks = report.asks;
  if (!asks) return '';
  const say = localize(report.language);
  const over = asksOverBudget(asks);
  const where = asks.checks
    .filter((entry) => entry.failed > 0)
    .map((entry) => `${entry.check} ${entry.failed}`)
    .join(', ');
  const counted = say(
    `${asks.sent} perguntas /ask na execução, ${asks.failed} falharam${where ? ` (${where})` : ''}; orçamento de erros ${asks.budget}`,
    `${asks.sent} /ask requests over the run, ${asks.failed} failed${where ? ` (${where})` : ''}; error budget ${asks.budget}`,
  );
  return over
    ? say(`${counted}: acima do orçamento, a execução falha.`, `${counted}: above the budget, the run fails.`)
    : `${counted}.`;
}
