/**
 * The report as GitHub-flavoured markdown, for the job summary and the PR comment. Stage-supplied text
 * is escaped for the exact place it lands (see escape.ts). The output is kept under a size limit by
 * rendering again with less evidence each time; the verdict, the conclusion and every check's status
 * and reason always stay.
 */
import {
  escapeHtmlInline,
  escapeMarkdownInline,
  escapeMarkdownParagraph,
  fencedCodeBlock,
  toSingleLine,
  truncateText,
} from './escape.js';
import { conclusionText, STATUS_EMOJI, verdictEmoji } from './conclusion.js';
import { checkName, messagesFor, type Messages } from './messages.js';
import { formatDuration } from '../kit/duration.js';
import { CHART_MAX_POINTS, mermaidBlock, mermaidSource } from './mermaid.js';
import type { CheckResult, CheckStatus, Evidence, GateReport } from './model.js';
import type { TrendResult } from './trend.js';
import { describeTrend, renderTrendMarkdown } from './trend-renderer.js';

/** GitHub refuses an issue comment longer than this many characters. */
export const COMMENT_MAX_CHARS = 65_536;
/** GitHub refuses a step summary larger than this many bytes. */
export const SUMMARY_MAX_BYTES = 1024 * 1024;

export interface MarkdownLimits {
  /** Upper bound on the string's length in UTF-16 code units (never below GitHub's count of characters). */
  maxChars?: number;
  /** Upper bound on the UTF-8 size. */
  maxBytes?: number;
}

/** What one rendering shows besides the report itself. */
export interface MarkdownOptions extends MarkdownLimits {
  /** The comparison with a baseline (baseline.ts), shown under the headline; none when not asked for. */
  trend?: TrendResult;
}

/** How much evidence one rendering keeps. Each level of DETAIL_LEVELS keeps less than the one before. */
interface Detail {
  evidence: boolean;
  /** Draw charts (Mermaid); the tables beside them carry the same numbers. */
  charts: boolean;
  maxEvidencePerCheck: number;
  maxRows: number;
  maxLines: number;
  maxCellChars: number;
  maxLineChars: number;
  maxReasonChars: number;
}

/** A level that leaves every piece of evidence out, keeping the reasons up to `maxReasonChars`. */
const NO_EVIDENCE: Omit<Detail, 'maxReasonChars'> = {
  evidence: false,
  charts: false,
  maxEvidencePerCheck: 0,
  maxRows: 0,
  maxLines: 0,
  maxCellChars: 0,
  maxLineChars: 0,
};

// prettier-ignore
const DETAIL_LEVELS: Detail[] = [
  { evidence: true, charts: true, maxEvidencePerCheck: 100, maxRows: 2000, maxLines: 5000, maxCellChars: 2000, maxLineChars: 4000, maxReasonChars: 2000 },
  { evidence: true, charts: true, maxEvidencePerCheck: 40, maxRows: 200, maxLines: 300, maxCellChars: 400, maxLineChars: 500, maxReasonChars: 1000 },
  { evidence: true, charts: true, maxEvidencePerCheck: 20, maxRows: 50, maxLines: 60, maxCellChars: 200, maxLineChars: 300, maxReasonChars: 1000 },
  { evidence: true, charts: false, maxEvidencePerCheck: 10, maxRows: 15, maxLines: 20, maxCellChars: 100, maxLineChars: 200, maxReasonChars: 500 },
  { ...NO_EVIDENCE, maxReasonChars: 500 },
  { ...NO_EVIDENCE, maxReasonChars: 160 },
];

const HISTOGRAM_BAR_WIDTH = 30;

/** A code span that nothing inside can close: backticks become quotes, one line only. */
function codeSpan(text: string, maxChars = 200): string {
  const inner = truncateText(toSingleLine(text), maxChars).replace(/`/g, "'");
  return `\`${inner.trim() === '' ? ' ' : inner}\``;
}

/** A table cell: escaped inline markdown, with the pipe escaped so it stays inside its column. */
function cell(value: string | number | boolean | undefined, maxChars: number): string {
  const text = value === undefined ? '' : String(value);
  return escapeMarkdownInline(text, maxChars) || ' ';
}

function markdownTable(columns: string[], rows: string[][]): string {
  const head = `| ${columns.join(' | ')} |`;
  const rule = `| ${columns.map(() => '---').join(' | ')} |`;
  const body = rows.map((row) => `| ${row.join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

function renderEvidenceBody(evidence: Evidence, detail: Detail, m: Messages): string {
  switch (evidence.kind) {
    case 'facts': {
      const facts = evidence.facts.slice(0, detail.maxRows);
      const rows = facts.map((f) => [cell(f.label, detail.maxCellChars), cell(f.value, detail.maxCellChars)]);
      const table = rows.length > 0 ? markdownTable([...m.factColumns], rows) : `_${m.noRows}_`;
      return appendNote(table, facts.length, evidence.facts.length, m.trimmedRows);
    }
    case 'table': {
      const width = Math.max(evidence.columns.length, ...evidence.rows.map((r) => r.length), 1);
      const columns = Array.from({ length: width }, (_, i) =>
        cell(evidence.columns[i] ?? '', detail.maxCellChars),
      );
      const shown = evidence.rows.slice(0, detail.maxRows);
      const rows = shown.map((row) =>
        Array.from({ length: width }, (_, i) => cell(row[i] ?? '', detail.maxCellChars)),
      );
      const table = evidence.rows.length > 0 ? markdownTable(columns, rows) : `_${m.noRows}_`;
      return appendNote(table, shown.length, evidence.rows.length, m.trimmedRows);
    }
    case 'histogram': {
      const shown = evidence.buckets.slice(0, detail.maxRows);
      if (shown.length === 0) return `_${m.noRows}_`;
      const labels = shown.map((b) => truncateText(toSingleLine(b.label), Math.min(detail.maxCellChars, 60)));
      const labelWidth = Math.max(...labels.map((l) => l.length));
      const max = Math.max(...shown.map((b) => (Number.isFinite(b.count) ? b.count : 0)), 0);
      const lines = shown.map((bucket, i) => {
        const count = Number.isFinite(bucket.count) ? bucket.count : 0;
        const width = max > 0 ? Math.round((Math.max(count, 0) / max) * HISTOGRAM_BAR_WIDTH) : 0;
        const bar = '█'.repeat(width) + (width === 0 && count > 0 ? '▏' : '');
        return `${(labels[i] ?? '').padEnd(labelWidth)}  ${bar.padEnd(HISTOGRAM_BAR_WIDTH)}  ${count}`;
      });
      return appendNote(fencedCodeBlock(lines), shown.length, evidence.buckets.length, m.trimmedRows);
    }
    case 'lines': {
      const shown = evidence.lines.slice(-detail.maxLines);
      if (shown.length === 0) return `_${m.noRows}_`;
      // The newest lines matter most (the end of a log), so the cut is at the top.
      const block = fencedCodeBlock(shown, detail.maxLineChars);
      if (shown.length === evidence.lines.length) return block;
      return `_${m.trimmedLines(shown.length, evidence.lines.length)}_\n\n${block}`;
    }
    case 'chart': {
      const source = mermaidSource(evidence.title, evidence.chart);
      if (source !== undefined) return mermaidBlock(source);
      const points =
        evidence.chart.type === 'bars' ? evidence.chart.categories.length : evidence.chart.slices.length;
      return points > CHART_MAX_POINTS ? `_${m.chartNotDrawn(points, CHART_MAX_POINTS)}_` : '';
    }
    default:
      return `_${m.noRows}_`;
  }
}

function appendNote(
  body: string,
  shown: number,
  total: number,
  note: (shown: number, total: number) => string,
): string {
  return shown < total ? `${body}\n\n_${note(shown, total)}_` : body;
}

/** Thrown when a rendering outgrows its limit, so a huge report is abandoned early, not built whole. */
class OverBudget extends Error {}

/** Running size of one rendering against its limits. */
class Budget {
  private chars = 0;
  private bytes = 0;
  constructor(
    private readonly maxChars: number,
    private readonly maxBytes: number,
  ) {}
  take(text: string): string {
    this.chars += text.length + 2;
    if (this.maxBytes !== Infinity) this.bytes += Buffer.byteLength(text, 'utf8') + 2;
    if (this.chars > this.maxChars || this.bytes > this.maxBytes) throw new OverBudget();
    return text;
  }
}

function renderEvidence(check: CheckResult, detail: Detail, m: Messages, budget: Budget): string[] {
  if (check.evidence.length === 0) return [];
  if (!detail.evidence) return [budget.take(`<sub>${escapeHtmlInline(m.evidenceOmitted)}</sub>`)];
  // Charts repeat numbers that the tables hold: at lower detail they go first, without a note.
  const eligible = check.evidence.filter((evidence) => evidence.kind !== 'chart' || detail.charts);
  const shown = eligible.slice(0, detail.maxEvidencePerCheck);
  const blocks = shown.map((evidence) => {
    // A chart is shown open, beside the folded tables: it is what a reader looks at first.
    if (evidence.kind === 'chart') return budget.take(renderEvidenceBody(evidence, detail, m));
    const title = escapeHtmlInline(`${m.evidence}: ${evidence.title}`, 200);
    return budget.take(
      `<details><summary>${title}</summary>\n\n${renderEvidenceBody(evidence, detail, m)}\n\n</details>`,
    );
  });
  if (shown.length < eligible.length) {
    blocks.push(`_${m.trimmedRows(shown.length, eligible.length)}_`);
  }
  return blocks.filter((block) => block !== '');
}

function renderCheck(check: CheckResult, detail: Detail, m: Messages, budget: Budget): string {
  const name = escapeMarkdownInline(checkName(m, check.id), 100);
  const emoji = STATUS_EMOJI[check.status] ?? '❔';
  const heading = `#### ${emoji} ${name} · ${codeSpan(check.id, 60)} · ${formatDuration(check.durationMs)}`;
  const reason =
    escapeMarkdownParagraph(check.reason, detail.maxReasonChars) || `_${m.statusWord[check.status]}_`;
  budget.take(heading);
  budget.take(reason);
  return [heading, reason, ...renderEvidence(check, detail, m, budget)].join('\n\n');
}

function renderWithDetail(report: GateReport, detail: Detail, budget: Budget, trend?: TrendResult): string {
  const m = messagesFor(report.language);
  const parts: string[] = [];
  parts.push(`## ${verdictEmoji(report)} ${m.verdictHeadline[report.verdict]}`);
  parts.push(
    `${m.title} · ${m.stageLine(
      report.stage.driver,
      report.stage.replicas,
      report.stage.narratorMaxConcurrency,
      formatDuration(report.durationMs),
    )} · ${codeSpan(report.stage.baseUrl || '-', 200)}`,
  );
  if (trend) parts.push(budget.take(renderTrendMarkdown(trend, report.language)));
  const sections: Array<[string, CheckStatus, boolean]> = [
    [m.sections.passed, 'pass', true],
    [m.sections.degraded, 'warn', true],
    [m.sections.failed, 'fail', true],
    [m.sections.skipped, 'skipped', false],
  ];
  for (const [title, status, alwaysShown] of sections) {
    const checks = report.checks.filter((c) => c.status === status);
    if (checks.length === 0 && !alwaysShown) continue;
    parts.push(`### ${title}`);
    if (checks.length === 0) parts.push(`_${m.nothing}_`);
    for (const check of checks) parts.push(renderCheck(check, detail, m, budget));
  }
  if (report.serviceLogs) parts.push(renderServiceLogs(report.serviceLogs, detail, m, budget));
  parts.push(`### ${m.sections.conclusion}`);
  parts.push(`**${escapeMarkdownInline(conclusionText(report))}**`);
  return `${parts.join('\n\n')}\n`;
}

/** The capped tails of the services' logs, folded; the newest lines kept when the budget is tight. */
function renderServiceLogs(
  logs: NonNullable<GateReport['serviceLogs']>,
  detail: Detail,
  m: Messages,
  budget: Budget,
): string {
  if (!detail.evidence) return budget.take(`<sub>${escapeHtmlInline(m.serviceLogs.omitted)}</sub>`);
  const blocks = logs.services.map((entry) => {
    const name = `**${escapeMarkdownInline(entry.service, 100)}**`;
    if (entry.error !== undefined)
      return `${name}: ${escapeMarkdownInline(m.serviceLogs.unreadable)} ${codeSpan(entry.error)}`;
    const lines = entry.lines.slice(-detail.maxLines);
    return `${name}\n\n${lines.length > 0 ? fencedCodeBlock(lines, detail.maxLineChars) : `_${m.noRows}_`}`;
  });
  const title = escapeHtmlInline(m.serviceLogs.title(logs.linesPerService), 200);
  return budget.take(
    `<details><summary>${title}</summary>\n\n${escapeMarkdownParagraph(m.serviceLogs.whereWhole)}\n\n${blocks.join('\n\n')}\n\n</details>`,
  );
}

/**
 * Last resort for reports so large that even reasons alone overflow (hundreds of checks): the headline,
 * the conclusion, then one line per check while room is left.
 */
function renderSkeleton(report: GateReport, fits: (text: string) => boolean, trend?: TrendResult): string {
  const m = messagesFor(report.language);
  const head = `## ${verdictEmoji(report)} ${m.verdictHeadline[report.verdict]}\n\n### ${m.sections.conclusion}\n\n**${escapeMarkdownInline(conclusionText(report))}**\n\n_${m.reportTrimmed}_\n\n`;
  let out = head;
  const trendLine = trend ? `${escapeMarkdownInline(describeTrend(trend, report.language), 600)}\n\n` : '';
  if (fits(out + trendLine)) out += trendLine;
  for (const check of report.checks) {
    const line = `- ${STATUS_EMOJI[check.status] ?? '❔'} ${codeSpan(check.id, 60)} ${escapeMarkdownInline(check.reason, 80)}\n`;
    if (!fits(out + line)) break;
    out += line;
  }
  return out;
}

/** Renders `report` as markdown no larger than the limits in `options` (unlimited when none is given). */
export function renderMarkdown(report: GateReport, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? Infinity;
  const maxBytes = options.maxBytes ?? Infinity;
  const fits = (text: string) => text.length <= maxChars && Buffer.byteLength(text, 'utf8') <= maxBytes;
  for (const detail of DETAIL_LEVELS) {
    try {
      const text = renderWithDetail(report, detail, new Budget(maxChars, maxBytes), options.trend);
      if (fits(text)) return text;
    } catch (error) {
      if (!(error instanceof OverBudget)) throw error;
    }
  }
  return renderSkeleton(report, fits, options.trend);
}
