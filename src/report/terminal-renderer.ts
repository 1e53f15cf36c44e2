/**
 * The report as plain text for a terminal (the CLI), with ANSI colour only when asked (a TTY).
 * Stage-supplied text has its escape sequences and control characters removed first.
 */
import { conclusionText, verdictEmoji } from './conclusion.js';
import { sanitizeForTerminal } from './escape.js';
import { checkName, messagesFor, type Messages } from './messages.js';
import { formatDuration } from '../kit/duration.js';
import { alignColumns } from '../kit/text-table.js';
import type { CheckResult, CheckStatus, Evidence, GateReport } from './model.js';

export interface TerminalOptions {
  /** Use ANSI colours (the CLI passes `process.stdout.isTTY` unless NO_COLOR is set). */
  color?: boolean;
  /** Rows/lines shown per piece of evidence; the rest is counted, not shown. */
  maxEvidenceLines?: number;
  /** Leave evidence out entirely (only statuses and reasons). */
  evidence?: boolean;
}

const STATUS_MARK: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️ ', fail: '❌', skipped: '⏭️ ' };
const STATUS_COLOUR: Record<CheckStatus, number> = { pass: 32, warn: 33, fail: 31, skipped: 90 };
const MAX_CELL = 120;
const BAR_WIDTH = 30;

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001B[${code}m${text}\u001B[0m` : text;
}

function evidenceLines(evidence: Evidence, max: number): { lines: string[]; total: number } {
  const clean = (v: string | number | boolean | undefined) => sanitizeForTerminal(String(v ?? ''), MAX_CELL);
  switch (evidence.kind) {
    case 'facts': {
      const rows = evidence.facts.slice(0, max).map((f) => [`${clean(f.label)}:`, clean(f.value)]);
      return { lines: alignColumns(rows), total: evidence.facts.length };
    }
    case 'table': {
      const header = evidence.columns.map(clean);
      const rows = evidence.rows.slice(0, max).map((r) => r.map(clean));
      return {
        lines: alignColumns(header.length > 0 ? [header, ...rows] : rows),
        total: evidence.rows.length,
      };
    }
    case 'histogram': {
      const shown = evidence.buckets.slice(0, max);
      const top = Math.max(0, ...shown.map((b) => (Number.isFinite(b.count) ? b.count : 0)));
      const rows = shown.map((b) => {
        const count = Number.isFinite(b.count) ? b.count : 0;
        const width = top > 0 ? Math.round((Math.max(count, 0) / top) * BAR_WIDTH) : 0;
        return [clean(b.label), '█'.repeat(width).padEnd(BAR_WIDTH), String(count)];
      });
      return { lines: alignColumns(rows), total: evidence.buckets.length };
    }
    case 'lines':
      // The end of a log says the most; show the newest lines.
      return {
        lines: evidence.lines.slice(-max).map((l) => sanitizeForTerminal(l, 400)),
        total: evidence.lines.length,
      };
    default:
      return { lines: [], total: 0 };
  }
}

function renderCheck(check: CheckResult, m: Messages, options: Required<TerminalOptions>): string[] {
  const name = `${checkName(m, check.id)} (${sanitizeForTerminal(check.id, 60)})`;
  const status = paint(
    m.statusWord[check.status].toUpperCase(),
    STATUS_COLOUR[check.status] ?? 0,
    options.color,
  );
  const out = [
    `${STATUS_MARK[check.status] ?? '?'} ${name} — ${status} · ${formatDuration(check.durationMs)}`,
    `   ${sanitizeForTerminal(check.reason, 2000)}`,
  ];
  if (!options.evidence) return out;
  for (const evidence of check.evidence) {
    // A terminal cannot draw a chart; the histograms and tables beside it hold the same numbers.
    if (evidence.kind === 'chart') continue;
    const { lines, total } = evidenceLines(evidence, options.maxEvidenceLines);
    out.push(paint(`   ┌ ${sanitizeForTerminal(evidence.title, 200)}`, 90, options.color));
    for (const line of lines) out.push(`   │ ${line}`);
    const shown = evidence.kind === 'table' && evidence.columns.length > 0 ? lines.length - 1 : lines.length;
    if (shown < total) out.push(paint(`   │ … ${total - shown} more`, 90, options.color));
  }
  return out;
}

/** Renders `report` for a terminal. */
export function renderTerminal(report: GateReport, options: TerminalOptions = {}): string {
  const resolved: Required<TerminalOptions> = {
    color: options.color ?? false,
    maxEvidenceLines: options.maxEvidenceLines ?? 20,
    evidence: options.evidence ?? true,
  };
  const m = messagesFor(report.language);
  const out: string[] = [];
  out.push(
    `${m.title} — ${m
      .stageLine(
        report.stage.driver,
        report.stage.replicas,
        report.stage.narratorMaxConcurrency,
        formatDuration(report.durationMs),
      )
      .replace(/`/g, '')} · ${sanitizeForTerminal(report.stage.baseUrl, 200)}`,
  );
  out.push('');
  const order: CheckStatus[] = ['pass', 'warn', 'fail', 'skipped'];
  const titles: Record<CheckStatus, string> = {
    pass: m.sections.passed,
    warn: m.sections.degraded,
    fail: m.sections.failed,
    skipped: m.sections.skipped,
  };
  for (const status of order) {
    const checks = report.checks.filter((c) => c.status === status);
    if (checks.length === 0 && status === 'skipped') continue;
    out.push(paint(titles[status], 1, resolved.color));
    if (checks.length === 0) out.push(`   ${m.nothing}`);
    for (const check of checks) out.push(...renderCheck(check, m, resolved));
    out.push('');
  }
  const verdictColour = report.verdict === 'ready' ? 32 : 31;
  out.push(paint(m.sections.conclusion, 1, resolved.color));
  out.push(paint(`${verdictEmoji(report)} ${conclusionText(report)}`, verdictColour, resolved.color));
  return `${out.join('\n')}\n`;
}
